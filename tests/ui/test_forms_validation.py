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
    parse_optional_whole_number,
    parse_ports,
    parse_whole_number,
)


@pytest.mark.parametrize("name", ["a", "web-01", "db_primary", "9lives", "x" * 63, "x" * 64, "-web", "web.01", "café"])
def test_names_are_only_trimmed(name: str) -> None:
    """The reference states no pattern or length for a name: the server judges it."""
    assert check_name(f"  {name} ") == name


@pytest.mark.parametrize("name", ["", "   ", "\t"])
def test_a_blank_name_is_required(name: str) -> None:
    with pytest.raises(FieldInvalid, match="required"):
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


def test_sizes_are_whole_numbers_of_any_size() -> None:
    """Disk size, IOPS and root size are ints in the reference, with no range: the server judges."""
    assert parse_whole_number("4096", "Disk size (GB)") == 4096
    assert parse_whole_number(" 50 ", "IOPS") == 50
    with pytest.raises(FieldInvalid, match="whole number"):
        parse_whole_number("", "IOPS")
    with pytest.raises(FieldInvalid, match="whole number"):
        parse_whole_number("1.5", "IOPS")
    assert parse_optional_whole_number(" ", "Root") is None
    assert parse_optional_whole_number("4000", "Root") == 4000
    assert parse_int_in_range("22", 1, 65535, "Port") == 22  # ports keep TCP's range


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
            name=" ",
            offering=CUSTOM,
            cpu_count=1,
            memory_in_mb=8192,
            disk_offering=DiskOffering(id="d1", name="Custom", custom_size=True),
            disk_size_gb="5.5",
            ports="99999",
        )
    )
    assert set(errors) == {"name", "templateId", "networkId", "memoryInMB", "additionalDiskSizeInGb", "portsToForward"}
    assert errors["memoryInMB"] == "4096 MB per vCPU at most: pick more vCPUs or less memory"


def test_values_the_reference_does_not_forbid_are_sent() -> None:
    """No invented name pattern, disk 1-2048 GB or IOPS 100-20000: the real API may accept them."""
    body, errors = build_create_request(
        CreateInstanceInput(
            name="web.01",
            template=TEMPLATE,
            offering=STANDARD,
            network=NETWORK,
            disk_offering=DiskOffering(id="d1", name="Custom", custom_size=True, custom_iops=True),
            disk_size_gb="4096",
            disk_iops="50",
            root_volume_size_gb="3000",
        )
    )
    assert errors == {}
    assert (body["name"], body["additionalDiskSizeInGb"], body["additionalDiskIops"], body["rootVolumeSizeInGb"]) == (
        "web.01",
        4096,
        50,
        3000,
    )


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
