"""The dialect real clients speak (issue 8): absent keys, expiring tasks, doubled slashes,
replies without a task, documented fields and filters, org_id, and addresses of every purpose."""

from __future__ import annotations

import httpx
import pytest

from cca_tui.sim import errors
from cca_tui.sim.options import SimOptions
from cca_tui.sim.server import SimServer
from cca_tui.sim.sshkeys import SEED_PUBLIC_KEYS
from tests.conftest import SimFactory
from tests.sim.simhelp import PROD, Api, FakeClock, the_error
from tests.typed import not_none

DEV = "/services/compute-qc/dev"


# -- tasks -------------------------------------------------------------------------------


def test_a_pending_task_has_no_result_key(sim_factory: SimFactory, clock: FakeClock) -> None:
    client = Api(sim_factory(SimOptions(task_delay=10), clock=clock))
    task_id = client.task_of(client.operate(client.instance("web-2")["id"], "stop"))
    pending = client.get(f"/tasks/{task_id}").json()
    assert pending["taskStatus"] == "PENDING"
    assert "result" not in pending and "result" not in pending["data"]
    assert set(pending["data"]) == {"id", "status", "created"}
    clock.advance(10)
    done = client.get(f"/tasks/{task_id}").json()
    assert done["result"]["state"] == "Stopped" and done["data"]["result"] == done["result"]
    client.close()


def test_tasks_expire_after_their_ttl_on_the_simulators_clock(sim_factory: SimFactory, clock: FakeClock) -> None:
    client = Api(sim_factory(SimOptions(task_delay=10, task_ttl=60), clock=clock))
    task_id = client.task_of(client.operate(client.instance("web-2")["id"], "stop"))
    clock.advance(30)  # ended at +10: the countdown starts there, not at the first read
    assert client.get(f"/tasks/{task_id}").json()["taskStatus"] == "SUCCESS"
    clock.advance(39)
    assert client.get(f"/services/tasks/{task_id}").status_code == 200
    clock.advance(2)
    the_error(client.get(f"/tasks/{task_id}"), 404, errors.ENTITY_NOT_FOUND)
    the_error(client.get(f"/services/tasks/{task_id}"), 404, errors.ENTITY_NOT_FOUND)
    client.close()


def test_a_pending_task_never_expires_and_the_default_ttl_is_half_an_hour(
    sim_factory: SimFactory, clock: FakeClock
) -> None:
    assert SimOptions().task_ttl == 1800
    client = Api(sim_factory(SimOptions(task_delay=5000), clock=clock))
    task_id = client.task_of(client.operate(client.instance("web-2")["id"], "stop"))
    clock.advance(4000)
    assert client.get(f"/tasks/{task_id}").json()["taskStatus"] == "PENDING"
    clock.advance(1000 + 1799)
    assert client.get(f"/tasks/{task_id}").json()["taskStatus"] == "SUCCESS"
    clock.advance(2)
    the_error(client.get(f"/tasks/{task_id}"), 404, errors.ENTITY_NOT_FOUND)
    client.close()


# -- transport ----------------------------------------------------------------------------


def test_doubled_slashes_are_accepted(sim: SimServer) -> None:
    headers = {"MC-Api-Key": sim.api_key}
    base = sim.url  # http://127.0.0.1:PORT/v1
    envs = httpx.get(f"{base}//environments", headers=headers)
    assert envs.status_code == 200 and len(envs.json()["data"]) == 4
    instances = httpx.get(f"{base}//services/compute-on//production/instances", headers=headers)
    assert instances.status_code == 200 and instances.json()["metadata"]["recordCount"] == 12
    # A doubled slash is still checked for the key, and unknown paths stay unknown.
    the_error(httpx.get(f"{base}//environments"), 403, errors.INVALID_API_KEY)
    the_error(httpx.get(f"{base}//nothing", headers=headers), 404, errors.UNKNOWN_ENDPOINT)


# -- replies without a task ----------------------------------------------------------------


def test_taskless_204_does_the_work_at_once(sim_factory: SimFactory, clock: FakeClock) -> None:
    client = Api(sim_factory(SimOptions(task_delay=30, taskless_reply="204"), clock=clock))
    web = client.instance("web-2")
    reply = client.operate(web["id"], "stop")
    assert reply.status_code == 204 and reply.content == b""
    assert client.instance("web-2")["state"] == "Stopped"  # no clock moved: done already
    # Operations not named in taskless_operations still answer a task.
    offering = next(o for o in client.data(f"{PROD}/computeofferings") if o["name"] == "4vCPU.8GB")
    task_id = client.task_of(client.operate(web["id"], "changeComputeOffering", {"computeOfferingId": offering["id"]}))
    assert client.get(f"/tasks/{task_id}").json()["taskStatus"] == "PENDING"
    client.close()


def test_taskless_data_answers_the_result_only(sim_factory: SimFactory, clock: FakeClock) -> None:
    server = sim_factory(
        SimOptions(task_delay=30, taskless_reply="data", taskless_operations=("reboot", "update")), clock=clock
    )
    client = Api(server)
    web = client.instance("web-2")
    reply = client.operate(web["id"], "reboot")
    assert reply.status_code == 200 and set(reply.json()) == {"data"}
    assert reply.json()["data"]["id"] == web["id"] and reply.json()["data"]["state"] == "Running"
    renamed = client.put(f"{PROD}/instances/{web['id']}", {"name": "web-two"})
    assert renamed.json()["data"]["name"] == "web-two" and client.instance("web-two")
    client.close()


def test_update_accepts_post_as_the_method_line_says_and_put_as_the_example(api: Api) -> None:
    """The reference's method line for update says POST, its example PUT: both are served."""
    web = api.instance("web-2")
    by_post = api.succeed(api.post(f"{PROD}/instances/{web['id']}", {"name": "web-posted"}))
    assert by_post["name"] == "web-posted" and api.instance("web-posted")["id"] == web["id"]
    by_put = api.succeed(api.put(f"{PROD}/instances/{web['id']}", {"name": "web-put"}))
    assert by_put["name"] == "web-put"
    # POST without an operation and without a name or hostname is an update that names what is missing.
    error = the_error(api.post(f"{PROD}/instances/{web['id']}", {}), 400, errors.MISSING_FIELD)
    assert error["context"]["field"] == "name"


def test_taskless_failure_is_an_error_reply(sim_factory: SimFactory) -> None:
    server = sim_factory(SimOptions(task_delay=0, taskless_reply="204"))
    client = Api(server)
    web = client.instance("web-2")
    server.world.fail_next_task("hypervisor on fire")
    error = the_error(client.operate(web["id"], "stop"), 500, errors.TASK_FAILED)
    assert "hypervisor on fire" in error["message"]
    assert client.instance("web-2")["state"] == "Running"
    client.close()


def test_bad_dialect_options_are_refused() -> None:
    with pytest.raises(ValueError):
        SimOptions(rejected_key_status=404)
    with pytest.raises(ValueError):
        SimOptions(taskless_reply="yes")


# -- instances ---------------------------------------------------------------------------------


def test_associated_key_shows_on_the_instance(api: Api) -> None:
    web = api.instance("web-2")
    assert "sshKeyName" not in api.detail(web["id"])  # seeded without a key: absent, not null
    key = api.data(f"{PROD}/sshkeys")[0]["name"]
    api.succeed(api.operate(web["id"], "associateSSHKey", {"sshKeyName": key}))
    assert api.detail(web["id"])["sshKeyName"] == key
    assert "sshKeyName" not in api.instance("web-2")  # the list shape is the reference's


def test_create_stores_the_public_key_and_attaches_a_volume(api: Api) -> None:
    templates = api.data(f"{PROD}/templates")
    network = api.data(f"{PROD}/networks")[0]
    free = next(v for v in api.data(f"{PROD}/volumes") if v["type"] == "data" and "instanceId" not in v)
    body = {
        "name": "with-key",
        "templateId": next(t["id"] for t in templates if t["name"] == "Ubuntu 22.04 LTS"),
        "computeOfferingId": next(o["id"] for o in api.data(f"{PROD}/computeofferings") if not o["custom"]),
        "networkId": network["id"],
        "publicKey": SEED_PUBLIC_KEYS["ops-team"] + "\n",
        "volumeIdToAttach": free["id"],
    }
    created = api.succeed(api.post(f"{PROD}/instances", body))
    assert created["publicKey"] == SEED_PUBLIC_KEYS["ops-team"]
    assert api.detail(created["id"])["publicKey"] == SEED_PUBLIC_KEYS["ops-team"]
    attached = api.data(f"{PROD}/volumes/{free['id']}")
    assert (attached["instanceId"], attached["instanceName"]) == (created["id"], "with-key")


# -- addresses of every purpose --------------------------------------------------------------


def test_seed_has_static_nat_load_balancing_and_vpn(api: Api) -> None:
    ips = api.data(f"{PROD}/publicipaddresses")
    purposes = {p for ip in ips for p in ip["purposes"]}
    assert {"SOURCE_NAT", "VPN", "STATIC_NAT", "PORT_FORWARDING", "LOAD_BALANCING"} <= purposes
    api_2 = api.instance("api-2")
    static = next(ip for ip in ips if ip["purposes"] == ["STATIC_NAT"])
    assert static["instances"] == [{"id": api_2["id"], "name": "api-2"}]
    assert static["networkId"] == api_2["networkId"]
    assert api.data(f"{PROD}/publicipaddresses", instance_id=api_2["id"]) == [static]
    detail = api.detail(api_2["id"])
    assert detail["publicIps"] == [
        {"id": static["id"], "ipAddress": static["ipAddress"], "purposes": ["STATIC_NAT"], "ports": []}
    ]
    balanced = next(ip for ip in ips if ip["purposes"] == ["LOAD_BALANCING"])
    assert {i["name"] for i in balanced["instances"]} == {"web-1", "web-2"}
    web_2 = api.detail(api.instance("web-2")["id"])
    assert web_2["publicIps"][0]["purposes"] == ["LOAD_BALANCING"] and web_2["publicIps"][0]["ports"] == ["80"]


def test_a_source_nat_address_has_no_network_nor_instances(api: Api) -> None:
    for ip in api.data(f"{PROD}/publicipaddresses"):
        if "SOURCE_NAT" in ip["purposes"]:
            assert set(ip) == {"id", "ipAddress", "purposes", "state", "vpcId", "vpcName", "zoneId", "zoneName"}
            assert api.data(f"{PROD}/publicipaddresses/{ip['id']}") == ip


def test_static_nat_ends_with_its_instance(api: Api) -> None:
    api_2 = api.instance("api-2")
    api.succeed(api.delete(f"{PROD}/instances/{api_2['id']}", {"purgeImmediately": True}))
    freed = [ip for ip in api.data(f"{PROD}/publicipaddresses") if not ip["purposes"]]
    assert all("instances" not in ip and "networkId" not in ip for ip in freed)
    assert not any("STATIC_NAT" in ip["purposes"] for ip in api.data(f"{PROD}/publicipaddresses"))


# -- documented fields, nothing else -----------------------------------------------------------


def test_port_forwarding_rules_as_documented(api: Api) -> None:
    web = api.instance("web-1")
    rules = api.data(f"{PROD}/portforwardingrules", instance_id=web["id"])
    nic = api.data(f"{PROD}/nics", instance_id=web["id"])[0]
    for rule in rules:
        assert set(rule) == {
            "id",
            "ipAddress",
            "ipAddressId",
            "privatePortStart",
            "privatePortEnd",
            "publicPortStart",
            "publicPortEnd",
            "protocol",
            "instanceId",
            "instanceName",
            "networkId",
            "vpcId",
            "privateIp",
            "privateIpId",
        }
        assert (rule["networkId"], rule["vpcId"]) == (web["networkId"], web["vpcId"])
        assert (rule["privateIp"], rule["privateIpId"]) == (web["ipAddress"], nic["id"])
        assert api.data(f"{PROD}/portforwardingrules/{rule['id']}") == rule


def test_nics_as_documented(api: Api) -> None:
    web = api.instance("web-1")
    nic = api.data(f"{PROD}/nics", instance_id=web["id"])[0]
    assert set(nic) == {
        "id",
        "name",
        "ipAddress",
        "isDefault",
        "networkId",
        "networkName",
        "gateway",
        "netmask",
        "instanceId",
        "vpcId",
        "vpcName",
        "secondaryIps",
    }
    assert (nic["vpcId"], nic["vpcName"]) == (web["vpcId"], web["vpcName"])


def test_volumes_as_documented(api: Api) -> None:
    volumes = api.data(f"{PROD}/volumes")
    assert {v["type"] for v in volumes} == {"os", "data"}  # as the reference writes them
    offerings = {d["id"]: d["name"] for d in api.data(f"{PROD}/diskofferings")}
    common = {"id", "name", "type", "creationDate", "zoneId", "zoneName", "state", "sizeInGb"}
    attached = {"instanceId", "instanceName"}
    offering = {"diskOfferingId", "diskOfferingName"}
    for volume in volumes:
        expected = set(common)
        if volume["type"] == "os":
            expected |= attached
        else:
            expected |= offering | (attached if "instanceId" in volume else set())
            assert offerings[volume["diskOfferingId"]] == volume["diskOfferingName"]
        assert set(volume) == expected, volume
        assert volume["zoneName"] == "ON-1" and volume["creationDate"]
    assert any("instanceId" not in v for v in volumes)


def test_networks_carry_acl_and_offering(api: Api) -> None:
    for network in api.data(f"{PROD}/networks"):
        assert set(network) == {
            "id",
            "name",
            "description",
            "vpcId",
            "vpcName",
            "zoneId",
            "zoneName",
            "cidr",
            "gateway",
            "netmask",
            "networkAclId",
            "networkAclName",
            "networkOfferingId",
            "networkOfferingName",
            "networkOfferingDescription",
            "state",
        }
        assert network["networkAclName"] in ("default_allow", "default_deny")
        assert network["networkOfferingName"] and network["networkOfferingDescription"]


def test_affinity_groups_and_keys_show_only_documented_fields(api: Api) -> None:
    for group in api.data(f"{PROD}/affinitygroups"):
        assert set(group) == {"id", "name", "type", "instanceIds"}
    for key in api.data(f"{PROD}/sshkeys"):
        assert set(key) == {"id", "name", "fingerprint"}  # id: the Go client deletes by it


# -- filters and organisations ------------------------------------------------------------------


def test_volume_filters(api: Api) -> None:
    db = api.instance("db-primary")
    mine = api.data(f"{PROD}/volumes", instance_id=db["id"])
    assert sorted(v["type"] for v in mine) == ["data", "os"]
    for spelling in ("OS", "os"):
        os_volumes = api.data(f"{PROD}/volumes", type=spelling)
        assert len(os_volumes) == 12 and {v["type"] for v in os_volumes} == {"os"}
    data = api.data(f"{PROD}/volumes", type="data", instance_id=db["id"])
    assert [v["name"] for v in data] == ["db-primary-data"]


def test_nic_filter_by_network(api: Api) -> None:
    networks = api.data(f"{PROD}/networks")
    instances = api.data(f"{PROD}/instances")
    for network in networks:
        nics = api.data(f"{PROD}/nics", network_id=network["id"])
        assert {n["instanceId"] for n in nics} == {i["id"] for i in instances if i["networkId"] == network["id"]}
        assert {n["networkId"] for n in nics} <= {network["id"]}


def test_org_id_chooses_the_organisation(api: Api, sim: SimServer) -> None:
    listed = api.data("/environments")
    assert "partner-lab" not in {e["name"] for e in listed}
    partner = next(e for e in sim.world.environments if e.name == "partner-lab")
    org_id = partner.organization.id
    assert [e["name"] for e in api.data("/environments", org_id=org_id)] == ["partner-lab"]
    acme = listed[0]["organization"]["id"]
    assert {e["name"] for e in api.data("/environments", org_id=acme)} == {"production", "test_area", "dev"}
    # Its compute endpoints answer only when the request names its organisation.
    path = "/services/compute-qc/partner-lab/instances"
    the_error(api.get(path), 404, errors.ENTITY_NOT_FOUND)
    assert api.get(path, params={"org_id": org_id}).json()["metadata"]["recordCount"] == 12
    the_error(api.get(f"{PROD}/instances", params={"org_id": org_id}), 404, errors.ENTITY_NOT_FOUND)
    the_error(api.get(f"/environments/{partner.id}", params={"org_id": acme}), 404, errors.ENTITY_NOT_FOUND)
    assert api.data(f"/environments/{partner.id}", org_id=org_id)["name"] == "partner-lab"
    web = next(i for i in api.data(path, org_id=org_id) if i["name"] == "web-2")
    api.post(f"{path}/{web['id']}", None, params={"operation": "stop", "org_id": org_id})
    assert not_none(sim.world.instance(web["id"])).state == "Stopped"


def test_no_reply_carries_a_null(api: Api, sim: SimServer) -> None:
    """Keys without a value are absent, as in the reference's examples: never null."""

    def walk(value: object, where: str) -> None:
        assert value is not None, where
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{where}.{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{where}[{index}]")

    walk(api.get("/environments").json(), "environments")
    walk(api.get("/services/connections").json(), "connections")
    for env in ("/services/compute-on/production", DEV):
        for entity in (
            "instances",
            "templates",
            "computeofferings",
            "diskofferings",
            "networks",
            "sshkeys",
            "publicipaddresses",
            "portforwardingrules",
            "nics",
            "zones",
            "affinitygroups",
            "volumes",
        ):
            reply = api.get(f"{env}/{entity}").json()
            walk(reply, f"{env}/{entity}")
            key = "name" if entity == "sshkeys" else "id"
            for row in reply["data"]:
                walk(api.get(f"{env}/{entity}/{row[key]}").json(), f"{env}/{entity}/{row[key]}")
    # Task replies too, pending or ended, and a destroyed instance's.
    old = api.instance("old-reports")
    walk(api.get(f"{PROD}/instances/{old['id']}").json(), "destroyed instance")
    task_id = api.task_of(api.operate(api.instance("web-2")["id"], "stop"))
    walk(api.get(f"/tasks/{task_id}").json(), "task")
