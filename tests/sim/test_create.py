"""Creating instances: validation per field, and what a successful create builds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cca_tui.sim import errors
from cca_tui.sim.server import SimServer
from cca_tui.sim.sshkeys import SEED_PUBLIC_KEYS
from tests.conftest import SimFactory
from tests.sim.simhelp import PROD, Api, FakeClock, the_error


def catalog(api: Api, env: str = PROD) -> dict[str, Any]:
    templates = api.data(f"{env}/templates")
    offerings = api.data(f"{env}/computeofferings")
    disks = api.data(f"{env}/diskofferings")
    return {
        "template": next(t for t in templates if t["name"] == "Ubuntu 22.04 LTS"),
        "unready": next(t for t in templates if not t["isReady"]),
        "standard": next(o for o in offerings if o["name"] == "2vCPU.4GB"),
        "custom": next(o for o in offerings if o["custom"]),
        "network": api.data(f"{env}/networks")[0],
        "fixed_disk": next(d for d in disks if d["name"] == "50GB"),
        "custom_size": next(d for d in disks if d["customSize"]),
        "custom_iops": next(d for d in disks if d["customIops"]),
        "free_volume": next(v for v in api.data(f"{env}/volumes") if v["type"] == "data" and "instanceId" not in v),
        "key": api.data(f"{env}/sshkeys")[0]["name"],
        "group": api.data(f"{env}/affinitygroups")[0]["id"],
    }


def minimal(c: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body = {
        "name": "jarvis",
        "templateId": c["template"]["id"],
        "computeOfferingId": c["standard"]["id"],
        "networkId": c["network"]["id"],
    }
    body.update(extra)
    return {k: v for k, v in body.items() if v is not None}


def test_create_shows_starting_then_running(api: Api) -> None:
    c = catalog(api)
    reply = api.post(f"{PROD}/instances", minimal(c))
    task_id = api.task_of(reply)
    created = api.get(f"/tasks/{task_id}").json()["result"]
    assert created["name"] == "jarvis" and created["state"] == "Running"
    assert created["cpuCount"] == 2 and created["memoryInMB"] == 4096
    assert created["nics"][0]["networkId"] == c["network"]["id"]
    assert api.instance("jarvis")["state"] == "Running"
    assert len(api.data(f"{PROD}/volumes", instance_id=created["id"])) == 1


def test_create_is_starting_before_its_task_ends(sim_factory: SimFactory, clock: FakeClock) -> None:
    from cca_tui.sim.options import SimOptions

    client = Api(sim_factory(SimOptions(task_delay=5), clock=clock))
    client.task_of(client.post(f"{PROD}/instances", minimal(catalog(client))))
    assert client.instance("jarvis")["state"] == "Starting"
    clock.advance(5)
    assert client.instance("jarvis")["state"] == "Running"
    client.close()


def test_create_with_everything(api: Api) -> None:
    c = catalog(api)
    body = minimal(
        c,
        name="full_house",
        computeOfferingId=c["custom"]["id"],
        cpuCount=4,
        memoryInMB=16384,
        rootVolumeSizeInGb=40,
        diskOfferingId=c["custom_size"]["id"],
        additionalDiskSizeInGb=250,
        sshKeyName=c["key"],
        publicKey=SEED_PUBLIC_KEYS["legacy"],
        affinityGroupId=c["group"],
        portsToForward=["22", "443"],
        userData="#cloud-config\n",
    )
    created = api.succeed(api.post(f"{PROD}/instances", body))
    assert (created["cpuCount"], created["memoryInMB"], created["userData"]) == (4, 16384, "#cloud-config\n")
    assert created["affinityGroupIds"] == [c["group"]]
    assert created["publicIps"][0]["ports"] == ["22", "443"]
    volumes = {v["type"]: v for v in api.data(f"{PROD}/volumes", instance_id=created["id"])}
    assert volumes["os"]["sizeInGb"] == 40 and volumes["data"]["sizeInGb"] == 250
    rules = api.data(f"{PROD}/portforwardingrules", instance_id=created["id"])
    assert sorted((r["publicPortStart"], r["privatePortStart"]) for r in rules) == [("22", "22"), ("443", "443")]
    ip = api.data(f"{PROD}/publicipaddresses/{rules[0]['ipAddressId']}")
    assert ip["vpcId"] == c["network"]["vpcId"] and ip["purposes"] == ["PORT_FORWARDING"]


def test_ports_reuse_a_free_vpc_address_before_acquiring(api: Api) -> None:
    c = catalog(api)
    vpc_id = c["network"]["vpcId"]
    free = [ip for ip in api.data(f"{PROD}/publicipaddresses", vpc_id=vpc_id) if not ip["purposes"]]
    assert len(free) == 1
    first = api.succeed(api.post(f"{PROD}/instances", minimal(c, name="one", portsToForward=["80"])))
    assert first["publicIps"][0]["id"] == free[0]["id"]
    second = api.succeed(api.post(f"{PROD}/instances", minimal(c, name="two", portsToForward=["80"])))
    assert second["publicIps"][0]["id"] != free[0]["id"]


def test_attaching_a_free_volume_and_iops(api: Api) -> None:
    c = catalog(api)
    body = minimal(
        c, volumeIdToAttach=c["free_volume"]["id"], diskOfferingId=c["custom_iops"]["id"], additionalDiskIops=3000
    )
    created = api.succeed(api.post(f"{PROD}/instances", body))
    attached = api.data(f"{PROD}/volumes", instance_id=created["id"])
    assert c["free_volume"]["id"] in {v["id"] for v in attached} and len(attached) == 3


# (field named in the refusal, error code, how to spoil the minimal body)
INVALID = [
    ("name", errors.MISSING_FIELD, lambda c: {"name": None}),
    ("name", errors.INVALID_FIELD, lambda c: {"name": "-starts-with-dash"}),
    ("name", errors.INVALID_FIELD, lambda c: {"name": "x" * 64}),
    ("name", errors.INVALID_FIELD, lambda c: {"name": "has space"}),
    ("name", errors.DUPLICATE_NAME, lambda c: {"name": "web-1"}),
    ("name", errors.DUPLICATE_NAME, lambda c: {"name": "old-reports"}),  # Destroyed still holds its name
    ("templateId", errors.MISSING_FIELD, lambda c: {"templateId": None}),
    ("templateId", errors.INVALID_FIELD, lambda c: {"templateId": "nope"}),
    ("templateId", errors.INVALID_FIELD, lambda c: {"templateId": c["unready"]["id"]}),
    ("computeOfferingId", errors.MISSING_FIELD, lambda c: {"computeOfferingId": None}),
    ("computeOfferingId", errors.INVALID_FIELD, lambda c: {"computeOfferingId": "nope"}),
    ("cpuCount", errors.INVALID_FIELD, lambda c: {"cpuCount": 2}),
    ("cpuCount", errors.MISSING_FIELD, lambda c: {"computeOfferingId": c["custom"]["id"], "memoryInMB": 1024}),
    ("memoryInMB", errors.MISSING_FIELD, lambda c: {"computeOfferingId": c["custom"]["id"], "cpuCount": 1}),
    (
        "cpuCount",
        errors.INVALID_FIELD,
        lambda c: {"computeOfferingId": c["custom"]["id"], "cpuCount": 3, "memoryInMB": 1024},
    ),
    (
        "memoryInMB",
        errors.INVALID_FIELD,
        lambda c: {"computeOfferingId": c["custom"]["id"], "cpuCount": 1, "memoryInMB": 1000},
    ),
    (
        "memoryInMB",
        errors.INVALID_FIELD,
        lambda c: {"computeOfferingId": c["custom"]["id"], "cpuCount": 1, "memoryInMB": 8192},
    ),
    ("networkId", errors.MISSING_FIELD, lambda c: {"networkId": None}),
    ("networkId", errors.INVALID_FIELD, lambda c: {"networkId": "nope"}),
    ("rootVolumeSizeInGb", errors.INVALID_FIELD, lambda c: {"rootVolumeSizeInGb": 5}),
    ("rootVolumeSizeInGb", errors.INVALID_FIELD, lambda c: {"rootVolumeSizeInGb": 4096}),
    ("rootVolumeSizeInGb", errors.INVALID_FIELD, lambda c: {"rootVolumeSizeInGb": "big"}),
    ("diskOfferingId", errors.INVALID_FIELD, lambda c: {"diskOfferingId": "nope"}),
    ("additionalDiskSizeInGb", errors.MISSING_FIELD, lambda c: {"diskOfferingId": c["custom_size"]["id"]}),
    (
        "additionalDiskSizeInGb",
        errors.INVALID_FIELD,
        lambda c: {"diskOfferingId": c["custom_size"]["id"], "additionalDiskSizeInGb": 0},
    ),
    (
        "additionalDiskSizeInGb",
        errors.INVALID_FIELD,
        lambda c: {"diskOfferingId": c["fixed_disk"]["id"], "additionalDiskSizeInGb": 10},
    ),
    ("additionalDiskSizeInGb", errors.INVALID_FIELD, lambda c: {"additionalDiskSizeInGb": 10}),
    (
        "additionalDiskIops",
        errors.INVALID_FIELD,
        lambda c: {"diskOfferingId": c["fixed_disk"]["id"], "additionalDiskIops": 500},
    ),
    (
        "additionalDiskIops",
        errors.INVALID_FIELD,
        lambda c: {"diskOfferingId": c["custom_iops"]["id"], "additionalDiskIops": 50},
    ),
    ("sshKeyName", errors.INVALID_FIELD, lambda c: {"sshKeyName": "nobody"}),
    ("publicKey", errors.INVALID_FIELD, lambda c: {"publicKey": "ssh-ed25519 not-base64!"}),
    ("publicKey", errors.INVALID_FIELD, lambda c: {"publicKey": "ssh-rsa " + SEED_PUBLIC_KEYS["ops-team"].split()[1]}),
    ("volumeIdToAttach", errors.INVALID_FIELD, lambda c: {"volumeIdToAttach": "nope"}),
    ("affinityGroupId", errors.INVALID_FIELD, lambda c: {"affinityGroupId": "nope"}),
    ("portsToForward", errors.INVALID_FIELD, lambda c: {"portsToForward": ["0"]}),
    ("portsToForward", errors.INVALID_FIELD, lambda c: {"portsToForward": ["65536"]}),
    ("portsToForward", errors.INVALID_FIELD, lambda c: {"portsToForward": ["http"]}),
    ("portsToForward", errors.INVALID_FIELD, lambda c: {"portsToForward": "22"}),
    ("portsToForward", errors.INVALID_FIELD, lambda c: {"portsToForward": [22]}),  # array[string]: no ints
    ("portsToForward", errors.INVALID_FIELD, lambda c: {"portsToForward": ["22", 80]}),
    ("userData", errors.INVALID_FIELD, lambda c: {"userData": "x" * 32769}),
]


@pytest.mark.parametrize(("field", "code", "spoil"), INVALID, ids=[f"{f}-{i}" for i, (f, _, _) in enumerate(INVALID)])
def test_create_validation_names_the_field(
    api: Api, field: str, code: int, spoil: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    c = catalog(api)
    before = len(api.data(f"{PROD}/instances"))
    error = the_error(api.post(f"{PROD}/instances", minimal(c, **spoil(c))), 400, code)
    assert error["context"]["field"] == field
    assert field in error["message"] or code == errors.DUPLICATE_NAME
    assert len(api.data(f"{PROD}/instances")) == before


def test_attached_volume_cannot_be_attached_again(api: Api) -> None:
    c = catalog(api)
    attached = next(v for v in api.data(f"{PROD}/volumes") if v["type"] == "data" and "instanceId" in v)
    root = next(v for v in api.data(f"{PROD}/volumes") if v["type"] == "os")
    for volume in (attached, root):
        error = the_error(
            api.post(f"{PROD}/instances", minimal(c, volumeIdToAttach=volume["id"])), 400, errors.INVALID_FIELD
        )
        assert error["context"]["field"] == "volumeIdToAttach"


def test_template_must_be_available_in_the_network_zone(api: Api) -> None:
    env = "/services/compute-qc/dev"
    c = catalog(api, env)
    zone_limited = next(t for t in api.data(f"{env}/templates") if len(t["availableInZones"]) == 1)
    other_zone = next(n for n in api.data(f"{env}/networks") if n["zoneId"] not in zone_limited["availableInZones"])
    body = minimal(c, templateId=zone_limited["id"], networkId=other_zone["id"])
    error = the_error(api.post(f"{env}/instances", body), 400, errors.INVALID_FIELD)
    assert error["context"]["field"] == "templateId"


def test_failed_create_leaves_an_error_instance(sim: SimServer, api: Api) -> None:
    sim.world.fail_next_task("no capacity")
    task = api.finish(api.post(f"{PROD}/instances", minimal(catalog(api))))
    assert task["taskStatus"] == "FAILED" and task["result"]["message"] == "no capacity"
    assert api.instance("jarvis")["state"] == "Error"


def test_ports_must_be_strings(api: Api) -> None:
    """portsToForward is array[string]: a number, even a valid port, is refused and nothing is made."""
    c = catalog(api)
    before = len(api.data(f"{PROD}/instances"))
    for ports in ([80], ["22", 443], [True]):
        reply = api.post(f"{PROD}/instances", minimal(c, portsToForward=ports))
        error = the_error(reply, 400, errors.INVALID_FIELD)
        assert error["code"] == 2001
        assert error["context"] == {"field": "portsToForward"}
        assert "portsToForward" in error["message"]
    assert len(api.data(f"{PROD}/instances")) == before
    created = api.succeed(api.post(f"{PROD}/instances", minimal(c, portsToForward=["80", "9999"])))
    assert created["publicIps"][0]["ports"] == ["80", "9999"]
