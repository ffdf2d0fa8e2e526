"""List and retrieve replies: shapes, filters, paging and the seed's contents."""

from __future__ import annotations

import base64
import hashlib

from cca_tui.sim import errors
from cca_tui.sim.options import SimOptions
from cca_tui.sim.world import World
from tests.conftest import SimFactory
from tests.sim.simhelp import PROD, Api, the_error

LIST_ATTRIBUTES = {
    "id",
    "name",
    "state",
    "zoneId",
    "zoneName",
    "templateId",
    "templateName",
    "computeOfferingId",
    "computeOfferingName",
    "networkId",
    "networkName",
    "vpcId",
    "vpcName",
    "ipAddress",
    "isPasswordEnabled",
    "macAddress",
    "cpuCount",
    "memoryInMB",
    "hostname",
    "username",
    "affinityGroupIds",
}


def test_instance_list_has_exactly_the_seed_attributes(api: Api) -> None:
    reply = api.get(f"{PROD}/instances").json()
    assert reply["metadata"] == {"recordCount": 12}
    for instance in reply["data"]:
        assert set(instance) == LIST_ATTRIBUTES
        assert instance["username"] == "cca-user"


def test_instance_retrieve_adds_user_data_public_ips_and_nics(api: Api) -> None:
    web = api.detail(api.instance("web-1")["id"])
    # web-1 was seeded with an SSH key: the Go client's sshKeyName says which.
    assert set(web) == LIST_ATTRIBUTES | {"userData", "publicIps", "nics", "sshKeyName"}
    assert web["publicIps"] and set(web["publicIps"][0]) == {"id", "ipAddress", "purposes", "ports"}
    assert web["publicIps"][0]["purposes"] == ["PORT_FORWARDING"]
    assert "22" in web["publicIps"][0]["ports"]
    assert web["nics"] == [{"id": web["nics"][0]["id"], "isDefault": True, "networkId": web["networkId"]}]


def test_seed_has_the_states_operators_meet(api: Api) -> None:
    for env in ("compute-on/production", "compute-on/test_area", "compute-qc/dev", "compute-qc/dr-site"):
        instances = api.data(f"/services/{env}/instances")
        states = [i["state"] for i in instances]
        assert len(instances) == 12
        assert {"Running", "Stopped", "Destroyed", "Error"} <= set(states)
        assert any(not i["isPasswordEnabled"] for i in instances)


def test_private_ips_are_in_their_network(api: Api) -> None:
    import ipaddress

    networks = {n["id"]: n for n in api.data(f"{PROD}/networks")}
    for instance in api.data(f"{PROD}/instances"):
        cidr = ipaddress.ip_network(networks[instance["networkId"]]["cidr"])
        assert ipaddress.ip_address(instance["ipAddress"]) in cidr


def test_public_ips_source_nat_and_forwarding(api: Api) -> None:
    ips = api.data(f"{PROD}/publicipaddresses")
    vpcs = {n["vpcId"] for n in api.data(f"{PROD}/networks")}
    source_nat = [ip for ip in ips if "SOURCE_NAT" in ip["purposes"]]
    assert {ip["vpcId"] for ip in source_nat} == vpcs and len(source_nat) == len(vpcs)
    api_1 = api.instance("api-1")
    forwarded = api.data(f"{PROD}/publicipaddresses", instance_id=api_1["id"])
    assert len(forwarded) == 1 and forwarded[0]["instances"] == [{"id": api_1["id"], "name": "api-1"}]
    rules = api.data(f"{PROD}/portforwardingrules", instance_id=api_1["id"])
    assert [(r["publicPortStart"], r["privatePortStart"], r["protocol"]) for r in rules] == [("2222", "22", "TCP")]
    assert api.data(f"{PROD}/portforwardingrules", ip_address_id=forwarded[0]["id"]) == rules


def test_filters(api: Api) -> None:
    networks = api.data(f"{PROD}/networks")
    vpc_id = networks[0]["vpcId"]
    assert {n["vpcId"] for n in api.data(f"{PROD}/networks", vpc_id=vpc_id)} == {vpc_id}
    assert len(api.data(f"{PROD}/networks", vpc_id=vpc_id)) < len(networks)
    qc_networks = api.data("/services/compute-qc/dev/networks")
    zone_id = qc_networks[0]["zoneId"]
    assert 0 < len(api.data("/services/compute-qc/dev/networks", zone_id=zone_id)) < len(qc_networks)
    web = api.instance("web-2")
    nics = api.data(f"{PROD}/nics", instance_id=web["id"])
    assert [n["ipAddress"] for n in nics] == [web["ipAddress"]]
    assert all(ip["vpcId"] == vpc_id for ip in api.data(f"{PROD}/publicipaddresses", vpc_id=vpc_id))


def test_catalog_shapes(api: Api) -> None:
    templates = api.data(f"{PROD}/templates")
    assert 4 <= len(templates) <= 6 and any(not t["isReady"] for t in templates)
    assert all(isinstance(t["size"], int) and t["availableInZones"] for t in templates)
    offerings = api.data(f"{PROD}/computeofferings")
    custom = [o for o in offerings if o["custom"]]
    assert len(custom) == 1 and custom[0]["maxMemoryInMBToCpuRatio"] == 4096
    assert custom[0]["availableCpuCountValues"] == [1, 2, 4, 8, 16]
    assert {"1vCPU.512MB", "1vCPU.1GB", "2vCPU.4GB", "4vCPU.8GB"} <= {o["name"] for o in offerings}
    disks = api.data(f"{PROD}/diskofferings")
    assert any(d["customSize"] for d in disks) and any(d["customIops"] for d in disks)
    volumes = api.data(f"{PROD}/volumes")
    assert sum(v["type"] == "os" for v in volumes) == 12
    assert any(v["type"] == "data" and "instanceId" not in v for v in volumes)
    assert set(volumes[0]) == {
        "id",
        "name",
        "type",
        "creationDate",
        "instanceId",
        "instanceName",
        "zoneId",
        "zoneName",
        "state",
        "sizeInGb",
    }
    assert api.data(f"{PROD}/affinitygroups")


def test_ssh_keys_are_addressed_by_name_with_real_fingerprints(api: Api) -> None:
    keys = api.data(f"{PROD}/sshkeys")
    assert 2 <= len(keys) <= 3
    for key in keys:
        assert api.data(f"{PROD}/sshkeys/{key['name']}") == key
    from cca_tui.sim.sshkeys import SEED_PUBLIC_KEYS

    public = SEED_PUBLIC_KEYS[keys[0]["name"]]
    digest = hashlib.md5(base64.b64decode(public.split()[1])).hexdigest()
    assert keys[0]["fingerprint"] == ":".join(digest[i : i + 2] for i in range(0, 32, 2))


def test_paging_with_page_cap(sim_factory: SimFactory) -> None:
    client = Api(sim_factory(SimOptions(task_delay=0, page_cap=5)))
    first = client.get(f"{PROD}/instances").json()
    assert first["metadata"]["recordCount"] == 12 and len(first["data"]) == 5
    big = client.get(f"{PROD}/instances", params={"page_size": 100}).json()
    assert len(big["data"]) == 5
    pages = [
        client.get(f"{PROD}/instances", params={"page_number": n, "page_size": 5}).json()["data"] for n in (1, 2, 3, 4)
    ]
    assert [len(p) for p in pages] == [5, 5, 2, 0]
    names = [i["name"] for p in pages for i in p]
    assert len(set(names)) == 12
    small = client.get(f"{PROD}/instances", params={"page_size": 3, "page_number": 2}).json()
    assert [i["name"] for i in small["data"]] == names[3:6] and small["metadata"]["recordCount"] == 12
    client.close()


def test_bad_paging_parameters_are_400(api: Api) -> None:
    error = the_error(api.get(f"{PROD}/instances", params={"page_size": "zero"}), 400, errors.INVALID_FIELD)
    assert error["context"] == {"field": "page_size"}


def test_world_is_deterministic_per_seed() -> None:
    assert _ids(World(SimOptions(seed=7))) == _ids(World(SimOptions(seed=7)))
    assert _ids(World(SimOptions(seed=7))) != _ids(World(SimOptions(seed=8)))


def _ids(world: World) -> list[str]:
    return [i.id for env in world.environments for i in env.instances.values()]


def test_scale_seed_is_fast_and_pages(sim_factory: SimFactory) -> None:
    world = World(SimOptions(instances=5000))
    assert len(world.environments[0].instances) == 5000
    assert all(len(env.instances) == 12 for env in world.environments[1:])
    names = [i.name for i in world.environments[0].instances.values()]
    assert len(set(names)) == 5000
    client = Api(sim_factory(SimOptions(task_delay=0, instances=5000, page_cap=500)))
    reply = client.get(f"{PROD}/instances", params={"page_number": 10}).json()
    assert reply["metadata"]["recordCount"] == 5000 and len(reply["data"]) == 500
    client.close()
