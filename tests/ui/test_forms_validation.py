"""The forms' pure checks: names, ports, sizes, the custom offering ratio, the create request."""

from __future__ import annotations

import pytest

from cca_tui.api.models import ComputeOffering, DiskOffering, Network, Template
from cca_tui.ui.forms.create_request import CreateInstanceInput, build_create_request
from cca_tui.ui.forms.validation import (
    FieldInvalid,
    check_custom_size,
    check_name,
    parse_int_in_range,
    parse_optional_int,
    parse_ports,
)


@pytest.mark.parametrize("name", ["a", "web-01", "db_primary", "9lives", "x" * 63])
def test_good_names(name: str) -> None:
    assert check_name(f"  {name} ") == name


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("", "required"),
        ("   ", "required"),
        ("-web", "start with a letter or a digit"),
        ("_web", "start with a letter or a digit"),
        ("web.01", "'.'"),
        ("web 01", "' '"),
        ("x" * 64, "64 characters long"),
        ("café", "'é'"),
    ],
)
def test_bad_names(name: str, says: str) -> None:
    with pytest.raises(FieldInvalid, match=says):
        check_name(name)


def test_ports() -> None:
    assert parse_ports("") == []
    assert parse_ports(" 22, 80,443 ") == ["22", "80", "443"]
    assert parse_ports("22,22") == ["22"]
    assert parse_ports("022, 22") == ["22"]  # the same port, sent once, as plain text
    for bad, says in [
        ("0", "out of range"),
        ("65536", "out of range"),
        ("ssh", "'ssh' is not a port"),
        ("22,,80", "separated by commas"),
        ("22,", "separated by commas"),
    ]:
        with pytest.raises(FieldInvalid, match=says):
            parse_ports(bad)


def test_ranges() -> None:
    assert parse_int_in_range("2048", 1, 2048, "Disk size", "GB") == 2048
    with pytest.raises(FieldInvalid, match="from 1 to 2048 GB, not 0"):
        parse_int_in_range("0", 1, 2048, "Disk size", "GB")
    with pytest.raises(FieldInvalid, match="whole number"):
        parse_int_in_range("", 100, 20000, "IOPS")
    assert parse_optional_int(" ", 1, 2048, "Root") is None


def test_custom_size_ratio() -> None:
    check_custom_size(2, 8192, 4096)
    with pytest.raises(FieldInvalid, match="4096 MB per vCPU at most: pick more vCPUs or less memory"):
        check_custom_size(1, 8192, 4096)
    with pytest.raises(FieldInvalid, match="vCPUs"):
        check_custom_size(None, 1024, 4096)
    check_custom_size(1, 65536, None)  # no ratio given: the server judges


TEMPLATE = Template(id="t1", name="Ubuntu", available_in_zones=["z1"])
NETWORK = Network(id="n1", name="Web", zone_id="z1", zone_name="ON-1")
STANDARD = ComputeOffering(id="o1", name="1vCPU.1GB", cpu_count=1, memory_in_mb=1024)
CUSTOM = ComputeOffering.model_validate(
    {
        "id": "o2",
        "name": "Custom",
        "custom": True,
        "availableCpuCountValues": [1, 2, 4],
        "availableMemoryInMBValues": [1024, 4096, 8192],
        "maxMemoryInMBToCpuRatio": 4096,
    }
)


def test_minimal_request_carries_only_what_was_given() -> None:
    body, errors = build_create_request(
        CreateInstanceInput(name="web-9", template=TEMPLATE, offering=STANDARD, network=NETWORK)
    )
    assert errors == {}
    assert body == {"name": "web-9", "templateId": "t1", "computeOfferingId": "o1", "networkId": "n1"}


def test_full_request() -> None:
    body, errors = build_create_request(
        CreateInstanceInput(
            name="web-9",
            template=TEMPLATE,
            offering=CUSTOM,
            cpu_count=2,
            memory_in_mb=8192,
            network=NETWORK,
            ssh_key_name="ops",
            disk_offering=DiskOffering(id="d1", name="Custom", custom_size=True, custom_iops=True),
            disk_size_gb="100",
            disk_iops="3000",
            root_volume_size_gb="30",
            ports="22, 80",
            user_data="#cloud-config",
            affinity_group_id="g1",
        )
    )
    assert errors == {}
    assert body == {
        "name": "web-9",
        "templateId": "t1",
        "computeOfferingId": "o2",
        "networkId": "n1",
        "cpuCount": 2,
        "memoryInMB": 8192,
        "sshKeyName": "ops",
        "diskOfferingId": "d1",
        "additionalDiskSizeInGb": 100,
        "additionalDiskIops": 3000,
        "rootVolumeSizeInGb": 30,
        "portsToForward": ["22", "80"],
        "userData": "#cloud-config",
        "affinityGroupId": "g1",
    }


def test_request_errors_are_keyed_by_api_field() -> None:
    _, errors = build_create_request(
        CreateInstanceInput(
            name="-bad",
            offering=CUSTOM,
            cpu_count=1,
            memory_in_mb=8192,
            disk_offering=DiskOffering(id="d1", name="Custom", custom_size=True),
            disk_size_gb="5000",
            ports="99999",
        )
    )
    assert set(errors) == {"name", "templateId", "networkId", "memoryInMB", "additionalDiskSizeInGb", "portsToForward"}
    assert errors["memoryInMB"] == "4096 MB per vCPU at most: pick more vCPUs or less memory"


def test_template_outside_the_network_zone() -> None:
    elsewhere = Network(id="n2", name="Mgmt", zone_id="z2", zone_name="QC-2")
    _, errors = build_create_request(
        CreateInstanceInput(name="a", template=TEMPLATE, offering=STANDARD, network=elsewhere)
    )
    assert errors == {"templateId": "Ubuntu is not available in zone QC-2"}


def test_pure_modules_do_not_import_textual() -> None:
    """The rules stay testable and reusable without a screen."""
    import ast
    from pathlib import Path

    import cca_tui.ui.forms as forms

    folder = Path(forms.__file__).parent
    for name in ("validation.py", "fingerprint.py", "create_request.py", "labels.py"):
        tree = ast.parse((folder / name).read_text())
        imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        imported += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [m for m in imported if m.split(".")[0] == "textual"], name
