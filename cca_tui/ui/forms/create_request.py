"""Turn the create form's values into the API's camelCase request, or into field errors.

No Textual here, so the rules are unit tested without a screen. Errors are keyed by the
API's field names, like the errors the server sends back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cca_tui.api.models import ComputeOffering, DiskOffering, Network, Template, Volume

from .validation import (
    FieldInvalid,
    check_custom_size,
    check_name,
    check_public_key,
    parse_optional_whole_number,
    parse_ports,
    parse_whole_number,
)


@dataclass
class CreateInstanceInput:
    name: str = ""
    template: Template | None = None
    offering: ComputeOffering | None = None
    cpu_count: int | None = None
    memory_in_mb: int | None = None
    network: Network | None = None
    ssh_key_name: str | None = None
    public_key: str = ""
    volume: Volume | None = None
    disk_offering: DiskOffering | None = None
    disk_size_gb: str = ""
    disk_iops: str = ""
    root_volume_size_gb: str = ""
    ports: str = ""
    user_data: str = ""
    affinity_group_id: str | None = None


def build_create_request(form: CreateInstanceInput) -> tuple[dict[str, Any], dict[str, str]]:
    """(request body with only the fields given, {field: message}); send only when no errors."""
    body: dict[str, Any] = {}
    errors: dict[str, str] = {}

    def check(field: str, parse: Any) -> Any:
        try:
            return parse()
        except FieldInvalid as exc:
            errors[field] = str(exc)
            return None

    name = check("name", lambda: check_name(form.name))
    if name:
        body["name"] = name
    for field, value, missing in (
        ("templateId", form.template.id if form.template else None, "Choose a template"),
        ("computeOfferingId", form.offering.id if form.offering else None, "Choose a compute offering"),
        ("networkId", form.network.id if form.network else None, "Choose a network"),
    ):
        if value:
            body[field] = value
        else:
            errors[field] = missing
    template, network = form.template, form.network
    # Some templates exist in one zone only; the server would refuse the pair.
    if (
        template
        and network
        and template.available_in_zones
        and network.zone_id
        and network.zone_id not in template.available_in_zones
    ):
        errors["templateId"] = f"{template.name} is not available in zone {network.zone_name or network.zone_id}"

    offering = form.offering
    if offering is not None and offering.custom:
        if form.cpu_count is None:
            errors["cpuCount"] = "Pick a number of vCPUs"
        else:
            try:
                check_custom_size(form.cpu_count, form.memory_in_mb, offering.max_memory_in_mb_to_cpu_ratio)
                body["cpuCount"] = form.cpu_count
                body["memoryInMB"] = form.memory_in_mb
            except FieldInvalid as exc:
                errors["memoryInMB"] = str(exc)

    if form.ssh_key_name:
        body["sshKeyName"] = form.ssh_key_name
    if form.public_key.strip():
        # Register-and-use in one step: the server takes the operator's key as it is.
        if form.ssh_key_name:
            errors["publicKey"] = "Choose a registered key or paste a public key, not both"
        else:
            key = check("publicKey", lambda: check_public_key(form.public_key))
            if key:
                body["publicKey"] = key

    volume = form.volume
    if volume is not None:
        if network and volume.zone_id and network.zone_id and volume.zone_id != network.zone_id:
            where = network.zone_name or network.zone_id
            errors["volumeIdToAttach"] = f"This volume is in another zone than the network ({where})"
        else:
            body["volumeIdToAttach"] = volume.id

    disk = form.disk_offering
    if disk is not None:
        body["diskOfferingId"] = disk.id
        if disk.custom_size:
            size = check(
                "additionalDiskSizeInGb",
                lambda: parse_whole_number(form.disk_size_gb, "Disk size (GB)"),
            )
            if size is not None:
                body["additionalDiskSizeInGb"] = size
        if disk.custom_iops:
            iops = check("additionalDiskIops", lambda: parse_whole_number(form.disk_iops, "IOPS"))
            if iops is not None:
                body["additionalDiskIops"] = iops

    root = check(
        "rootVolumeSizeInGb",
        lambda: parse_optional_whole_number(form.root_volume_size_gb, "Root volume size (GB)"),
    )
    if root is not None:
        body["rootVolumeSizeInGb"] = root

    ports = check("portsToForward", lambda: parse_ports(form.ports))
    if ports:
        body["portsToForward"] = ports  # array[string] in the API: ["22", "80"]

    if form.user_data.strip():
        body["userData"] = form.user_data
    if form.affinity_group_id:
        body["affinityGroupId"] = form.affinity_group_id
    return body, errors
