"""An instance's whole life, one operation after another, over HTTP."""

from __future__ import annotations

from cca_tui.sim import errors
from cca_tui.sim.server import SimServer
from tests.conftest import SimFactory
from tests.sim.simhelp import PROD, Api, FakeClock, the_error
from tests.typed import not_none


def test_stop_start_reboot(api: Api) -> None:
    web = api.instance("web-2")
    assert api.succeed(api.operate(web["id"], "stop"))["state"] == "Stopped"
    assert api.succeed(api.operate(web["id"], "start"))["state"] == "Running"
    assert api.succeed(api.operate(web["id"], "reboot"))["state"] == "Running"
    stopped = api.instance("web-3")
    assert api.succeed(api.operate(stopped["id"], "reboot"))["state"] == "Running"


def test_resize_standard_and_custom(api: Api) -> None:
    web = api.instance("web-2")
    offerings = api.data(f"{PROD}/computeofferings")
    big = next(o for o in offerings if o["name"] == "4vCPU.8GB")
    resized = api.succeed(api.operate(web["id"], "changeComputeOffering", {"computeOfferingId": big["id"]}))
    assert (resized["computeOfferingName"], resized["cpuCount"], resized["memoryInMB"], resized["state"]) == (
        "4vCPU.8GB",
        4,
        8192,
        "Running",
    )
    custom = next(o for o in offerings if o["custom"])
    body = {"computeOfferingId": custom["id"], "cpuCount": 8, "memoryInMB": 32768}
    resized = api.succeed(api.operate(web["id"], "changeComputeOffering", body))
    assert (resized["cpuCount"], resized["memoryInMB"]) == (8, 32768)
    error = the_error(
        api.operate(
            web["id"], "changeComputeOffering", {"computeOfferingId": custom["id"], "cpuCount": 1, "memoryInMB": 32768}
        ),
        400,
        errors.INVALID_FIELD,
    )
    assert error["context"]["field"] == "memoryInMB"
    error = the_error(api.operate(web["id"], "changeComputeOffering", {}), 400, errors.MISSING_FIELD)
    assert error["context"]["field"] == "computeOfferingId"


def test_resize_of_running_instance_reboots(sim_factory: SimFactory, clock: FakeClock) -> None:
    from cca_tui.sim.options import SimOptions

    client = Api(sim_factory(SimOptions(task_delay=2), clock=clock))
    web = client.instance("web-2")
    big = next(o for o in client.data(f"{PROD}/computeofferings") if o["name"] == "4vCPU.8GB")
    client.task_of(client.operate(web["id"], "changeComputeOffering", {"computeOfferingId": big["id"]}))
    assert client.instance("web-2")["state"] == "Stopping"
    clock.advance(1)
    assert (client.instance("web-2")["state"], client.instance("web-2")["cpuCount"]) == ("Starting", 4)
    clock.advance(1)
    assert client.instance("web-2")["state"] == "Running"
    client.close()


def test_reset_password_returns_a_new_password(api: Api) -> None:
    web = api.instance("web-1")
    first = api.succeed(api.operate(web["id"], "resetPassword"))
    second = api.succeed(api.operate(web["id"], "resetPassword"))
    assert len(first["password"]) == 12 and first["password"].isalnum() and first != second


def test_change_network_drops_forwarding_and_moves_the_address(api: Api) -> None:
    web = api.detail(api.instance("web-1")["id"])
    assert api.data(f"{PROD}/portforwardingrules", instance_id=web["id"])
    same_zone = next(n for n in api.data(f"{PROD}/networks") if n["id"] != web["networkId"])
    moved = api.succeed(api.operate(web["id"], "changeNetwork", {"networkId": same_zone["id"]}))
    assert moved["networkId"] == same_zone["id"] and moved["ipAddress"] != web["ipAddress"]
    assert moved["publicIps"] == [] and moved["nics"][0]["networkId"] == same_zone["id"]
    assert api.data(f"{PROD}/portforwardingrules", instance_id=web["id"]) == []
    nic = api.data(f"{PROD}/nics", instance_id=web["id"])[0]
    assert nic["ipAddress"] == moved["ipAddress"]
    error = the_error(
        api.operate(web["id"], "changeNetwork", {"networkId": same_zone["id"]}), 400, errors.INVALID_FIELD
    )
    assert error["context"]["field"] == "networkId"
    the_error(api.operate(web["id"], "changeNetwork", {}), 400, errors.MISSING_FIELD)


def test_change_network_refuses_another_zone(api: Api) -> None:
    env = "/services/compute-qc/dev"
    instance = next(i for i in api.data(f"{env}/instances") if i["state"] == "Running")
    elsewhere = next(n for n in api.data(f"{env}/networks") if n["zoneId"] != instance["zoneId"])
    error = the_error(
        api.operate(instance["id"], "changeNetwork", {"networkId": elsewhere["id"]}, env=env), 400, errors.INVALID_FIELD
    )
    assert error["context"]["field"] == "networkId"


def test_associate_ssh_key(sim: SimServer, api: Api) -> None:
    web = api.instance("web-2")
    key = api.data(f"{PROD}/sshkeys")[1]["name"]
    api.succeed(api.operate(web["id"], "associateSSHKey", {"sshKeyName": key}))
    assert not_none(sim.world.instance(web["id"])).ssh_key_name == key
    error = the_error(api.operate(web["id"], "associateSSHKey", {"sshKeyName": "ghost"}), 400, errors.INVALID_FIELD)
    assert error["context"]["field"] == "sshKeyName"


def test_update_name_and_hostname(api: Api, sim_factory: SimFactory, clock: FakeClock) -> None:
    web = api.instance("web-2")
    renamed = api.succeed(api.put(f"{PROD}/instances/{web['id']}", {"name": "frontend"}))
    assert (renamed["name"], renamed["hostname"]) == ("frontend", "web-2")
    the_error(api.put(f"{PROD}/instances/{web['id']}", {"name": "web-1"}), 400, errors.DUPLICATE_NAME)
    the_error(api.put(f"{PROD}/instances/{web['id']}", {}), 400, errors.MISSING_FIELD)
    error = the_error(api.put(f"{PROD}/instances/{web['id']}", {"hostname": "bad name"}), 400, errors.INVALID_FIELD)
    assert error["context"]["field"] == "hostname"

    from cca_tui.sim.options import SimOptions

    client = Api(sim_factory(SimOptions(task_delay=2), clock=clock))
    web = client.instance("web-2")
    client.task_of(client.put(f"{PROD}/instances/{web['id']}", {"hostname": "web-two"}))
    assert client.instance("web-2")["state"] == "Stopping"  # a hostname change reboots
    clock.advance(2)
    assert (client.instance("web-2")["state"], client.instance("web-2")["hostname"]) == ("Running", "web-two")
    client.close()


def test_destroy_releases_ips_and_deletes_volumes_then_recover(api: Api) -> None:
    db = api.detail(api.instance("db-primary")["id"])
    data_volume = next(v for v in api.data(f"{PROD}/volumes", instance_id=db["id"]) if v["type"] == "data")
    # Another instance's address and an OS volume are not this instance's to remove.
    web = api.detail(api.instance("web-1")["id"])
    ip_of_web = next(ip["id"] for ip in web["publicIps"] if ip["purposes"] == ["PORT_FORWARDING"])
    the_error(
        api.delete(f"{PROD}/instances/{db['id']}", {"publicIpIdsToRelease": [ip_of_web]}), 400, errors.INVALID_FIELD
    )
    root = next(v for v in api.data(f"{PROD}/volumes", instance_id=db["id"]) if v["type"] == "os")
    the_error(
        api.delete(f"{PROD}/instances/{db['id']}", {"volumeIdsToDelete": [root["id"]]}), 400, errors.INVALID_FIELD
    )

    destroyed = api.succeed(api.delete(f"{PROD}/instances/{db['id']}", {"volumeIdsToDelete": [data_volume["id"]]}))
    assert destroyed["state"] == "Destroyed" and destroyed["networkId"] == db["networkId"]
    assert data_volume["id"] not in {v["id"] for v in api.data(f"{PROD}/volumes")}
    assert api.succeed(api.operate(db["id"], "recover"))["state"] == "Stopped"

    released = api.succeed(api.delete(f"{PROD}/instances/{web['id']}", {"publicIpIdsToRelease": [ip_of_web]}))
    assert ip_of_web not in {ip["id"] for ip in released["publicIps"]}
    assert ip_of_web not in {ip["id"] for ip in api.data(f"{PROD}/publicipaddresses")}
    assert api.data(f"{PROD}/portforwardingrules", ip_address_id=ip_of_web) == []


def test_destroy_detaches_the_data_volumes_it_keeps(api: Api) -> None:
    replica = api.instance("db-replica")
    kept = next(v for v in api.data(f"{PROD}/volumes", instance_id=replica["id"]) if v["type"] == "data")
    api.succeed(api.delete(f"{PROD}/instances/{replica['id']}"))
    assert "instanceId" not in api.data(f"{PROD}/volumes/{kept['id']}")


def test_destroy_with_purge_removes_everything(api: Api) -> None:
    web = api.detail(api.instance("web-1")["id"])
    reply = api.delete(f"{PROD}/instances/{web['id']}", {"purgeImmediately": True, "deleteSnapshots": True})
    assert api.succeed(reply) == {"id": web["id"]}
    the_error(api.get(f"{PROD}/instances/{web['id']}"), 404, errors.ENTITY_NOT_FOUND)
    assert web["id"] not in {i["id"] for i in api.data(f"{PROD}/instances")}
    assert api.data(f"{PROD}/nics", instance_id=web["id"]) == []
    assert api.data(f"{PROD}/volumes", instance_id=web["id"]) == []
    assert api.data(f"{PROD}/portforwardingrules", instance_id=web["id"]) == []


def test_purge_a_destroyed_instance(api: Api) -> None:
    old = api.instance("old-reports")
    assert api.succeed(api.operate(old["id"], "purge")) == {"id": old["id"]}
    the_error(api.get(f"{PROD}/instances/{old['id']}"), 404, errors.ENTITY_NOT_FOUND)
    the_error(api.operate(old["id"], "recover"), 404, errors.ENTITY_NOT_FOUND)


def test_destroy_body_is_validated(api: Api) -> None:
    web = api.instance("web-2")
    error = the_error(
        api.delete(f"{PROD}/instances/{web['id']}", {"purgeImmediately": "yes"}), 400, errors.INVALID_FIELD
    )
    assert error["context"]["field"] == "purgeImmediately"
    error = the_error(
        api.delete(f"{PROD}/instances/{web['id']}", {"publicIpIdsToRelease": "x"}), 400, errors.INVALID_FIELD
    )
    assert error["context"]["field"] == "publicIpIdsToRelease"


def test_whole_life(api: Api) -> None:
    """create → stop → start → resize → reset password → move → key → rename → destroy → recover → purge."""
    templates = api.data(f"{PROD}/templates")
    offerings = api.data(f"{PROD}/computeofferings")
    networks = api.data(f"{PROD}/networks")
    body = {
        "name": "lifer",
        "templateId": templates[0]["id"],
        "computeOfferingId": offerings[0]["id"],
        "networkId": networks[0]["id"],
        "portsToForward": ["22"],
    }
    instance_id = api.succeed(api.post(f"{PROD}/instances", body))["id"]
    assert api.succeed(api.operate(instance_id, "stop"))["state"] == "Stopped"
    assert api.succeed(api.operate(instance_id, "start"))["state"] == "Running"
    api.succeed(api.operate(instance_id, "changeComputeOffering", {"computeOfferingId": offerings[2]["id"]}))
    assert "password" in api.succeed(api.operate(instance_id, "resetPassword"))
    moved = api.succeed(api.operate(instance_id, "changeNetwork", {"networkId": networks[1]["id"]}))
    assert moved["publicIps"] == []
    api.succeed(api.operate(instance_id, "associateSSHKey", {"sshKeyName": api.data(f"{PROD}/sshkeys")[0]["name"]}))
    assert api.succeed(api.put(f"{PROD}/instances/{instance_id}", {"name": "lifer-2"}))["name"] == "lifer-2"
    assert api.succeed(api.delete(f"{PROD}/instances/{instance_id}"))["state"] == "Destroyed"
    assert api.succeed(api.operate(instance_id, "recover"))["state"] == "Stopped"
    api.succeed(api.delete(f"{PROD}/instances/{instance_id}"))
    api.succeed(api.operate(instance_id, "purge"))
    the_error(api.get(f"{PROD}/instances/{instance_id}"), 404, errors.ENTITY_NOT_FOUND)
