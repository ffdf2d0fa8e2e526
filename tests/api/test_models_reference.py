"""Our models keep every documented field: each example response of the reference page
(read from the page itself) and each reply of the simulator loads without losing a key."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from cca_tui.api.models import (
    AffinityGroup,
    ComputeOffering,
    DiskOffering,
    Environment,
    Instance,
    Network,
    Nic,
    PortForwardingRule,
    PublicIp,
    ServiceConnection,
    SSHKey,
    Template,
    Volume,
    Zone,
)
from cca_tui.sim.server import SimServer

# The authoritative reference page for instances (the project's shared seed).
REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "instances.md"


def reference_text() -> str:
    if not REFERENCE.exists():
        pytest.fail(f"the reference page is missing: {REFERENCE}")
    return REFERENCE.read_text(encoding="utf-8")


def json_examples(markdown: str) -> list[Any]:
    """Every ```json block of a markdown page, parsed."""
    return [json.loads(block) for block in re.findall(r"```json\s*\n(.*?)```", markdown, re.DOTALL)]


def assert_kept(example: Any, dumped: Any, where: str) -> None:
    """Every key of `example` is in `dumped` with the same value, at every depth."""
    if isinstance(example, dict):
        assert isinstance(dumped, dict), f"{where}: became {type(dumped).__name__}"
        for key, value in example.items():
            assert key in dumped, f"{where}.{key} is dropped by the model"
            assert_kept(value, dumped[key], f"{where}.{key}")
    elif isinstance(example, list):
        assert isinstance(dumped, list) and len(dumped) == len(example), f"{where}: list changed"
        for index, (value, kept) in enumerate(zip(example, dumped, strict=True)):
            assert_kept(value, kept, f"{where}[{index}]")
    else:
        assert dumped == example, f"{where}: {example!r} became {dumped!r}"


def loaded(model: type[BaseModel], raw: dict[str, Any]) -> dict[str, Any]:
    return model.model_validate(raw).model_dump(by_alias=True)


def test_every_reference_example_response_loads_without_losing_a_field() -> None:
    examples = [e for e in json_examples(reference_text()) if isinstance(e, dict) and "data" in e]
    # The page shows a list reply and a retrieve reply: both must have been found.
    shapes = {type(e["data"]).__name__ for e in examples}
    assert shapes == {"list", "dict"}, shapes
    for number, example in enumerate(examples):
        rows = example["data"] if isinstance(example["data"], list) else [example["data"]]
        assert rows
        for row in rows:
            assert_kept(row, loaded(Instance, row), f"example {number} ({row.get('name')})")


def test_the_retrieve_example_fills_the_nested_models() -> None:
    retrieve = next(e["data"] for e in json_examples(reference_text()) if isinstance(e.get("data"), dict))
    instance = Instance.model_validate(retrieve)
    assert instance.public_ips and instance.public_ips[0].ports == ["22"]
    assert instance.public_ips[0].purposes == ["PORT_FORWARDING"]
    assert instance.nics and instance.nics[0].is_default is True
    assert instance.memory_in_mb == 512 and instance.user_data == ""


def test_request_examples_use_fields_the_instance_model_knows() -> None:
    """The create example's instance fields (not its create-only options) map onto the model."""
    create = next(e for e in json_examples(reference_text()) if isinstance(e, dict) and "templateId" in e)
    known = set(Instance.model_fields) | {f.alias for f in Instance.model_fields.values() if f.alias}
    for key in ("name", "templateId", "computeOfferingId", "networkId", "userData"):
        assert key in create and key in known


ENTITY_MODELS: dict[str, type[BaseModel]] = {
    "instances": Instance,
    "templates": Template,
    "computeofferings": ComputeOffering,
    "diskofferings": DiskOffering,
    "networks": Network,
    "sshkeys": SSHKey,
    "publicipaddresses": PublicIp,
    "portforwardingrules": PortForwardingRule,
    "nics": Nic,
    "zones": Zone,
    "affinitygroups": AffinityGroup,
    "volumes": Volume,
}


def test_every_field_the_simulator_sends_is_kept(sim: SimServer) -> None:
    """The simulator follows the reference pages of every entity (networks' ACL and offering,
    PF rules' network/VPC/private IP id, NICs' VPC name, volumes' dates and offerings, roles'
    users...): our models must keep all of it, in lists and in retrieves."""
    headers = {"MC-Api-Key": sim.api_key}
    with httpx.Client(base_url=sim.url, headers=headers) as http:
        for env in ("compute-on/production", "compute-qc/dev"):
            for entity, model in ENTITY_MODELS.items():
                rows = http.get(f"/services/{env}/{entity}").json()["data"]
                assert rows, entity
                for row in rows:
                    assert_kept(row, loaded(model, row), f"{env}/{entity}")
                key = "name" if entity == "sshkeys" else "id"
                for row in rows[:3]:
                    one = http.get(f"/services/{env}/{entity}/{row[key]}").json()["data"]
                    assert_kept(one, loaded(model, one), f"{env}/{entity}/{row[key]}")
        environments = http.get("/environments").json()["data"]
        for row in environments:
            assert_kept(row, loaded(Environment, row), "environments")
            one = http.get(f"/environments/{row['id']}").json()["data"]
            assert_kept(one, loaded(Environment, one), f"environments/{row['id']}")
        for row in http.get("/services/connections").json()["data"]:
            assert_kept(row, loaded(ServiceConnection, row), "services/connections")


def test_documented_fields_by_name() -> None:
    """The fields issue 8 names, read as the reference pages spell them."""
    rule = PortForwardingRule.model_validate(
        {"id": "r", "networkId": "n", "vpcId": "v", "privateIpId": "p", "instanceName": "i"}
    )
    assert (rule.network_id, rule.vpc_id, rule.private_ip_id, rule.instance_name) == ("n", "v", "p", "i")
    assert Nic.model_validate({"id": "n", "vpcName": "vpc"}).vpc_name == "vpc"
    volume = Volume.model_validate(
        {
            "id": "v",
            "type": "DATA",
            "creationDate": "2016-10-19T14:25:41-0400",
            "zoneName": "QC-1",
            "diskOfferingId": "d",
            "diskOfferingName": "50GB",
        }
    )
    assert (volume.creation_date, volume.zone_name, volume.disk_offering_id, volume.disk_offering_name) == (
        "2016-10-19T14:25:41-0400",
        "QC-1",
        "d",
        "50GB",
    )
    network = Network.model_validate(
        {
            "id": "n",
            "name": "Frontend",
            "networkAclId": "a",
            "networkAclName": "default_allow",
            "networkOfferingId": "o",
            "networkOfferingName": "Load Balanced Network",
            "networkOfferingDescription": "desc",
        }
    )
    assert (network.network_acl_name, network.network_offering_name) == ("default_allow", "Load Balanced Network")
    environment = Environment.model_validate(
        {
            "id": "e",
            "name": "galactica",
            "users": [{"id": "u", "userName": "starbuck"}],
            "roles": [{"id": "r", "name": "Admin", "isDefault": True, "users": [{"id": "u", "name": "starbuck"}]}],
        }
    )
    assert environment.roles[0].is_default is True and environment.roles[0].users[0].name == "starbuck"
    assert environment.users[0].user_name == "starbuck"
    instance = Instance.model_validate({"id": "i", "name": "a", "sshKeyName": "k", "publicKey": "ssh-ed25519 AAAA"})
    assert (instance.ssh_key_name, instance.public_key) == ("k", "ssh-ed25519 AAAA")
