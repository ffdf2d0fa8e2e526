"""Reading request bodies the way the API does: every refusal names its field.

The helpers take the raw JSON object and return clean Python values or raise a
400 (`missing_field` 2002, `invalid_field` 2001). Reference fields are resolved to
records here so the operations can trust what they receive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .entities import ComputeOffering, DiskOffering, Instance, Network, Template
from .environment import Environment
from .errors import DUPLICATE_NAME, SimError, invalid_field, missing_field
from .provisioning import template_size_gb
from .sshkeys import key_blob

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")
MAX_DISK_GB = 2048
MAX_USER_DATA = 32768
IOPS_RANGE = (100, 20000)


def present(body: dict[str, Any], field: str) -> bool:
    return body.get(field) is not None


def required(body: dict[str, Any], field: str) -> Any:
    value = body.get(field)
    if value is None or value == "":
        raise missing_field(field)
    return value


def text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise invalid_field(field, "expected a string")
    return value


def integer(value: Any, field: str, low: int | None = None, high: int | None = None) -> int:
    # Clients differ: some send numbers, some numeric strings (Go's omitempty ints). Take both.
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise invalid_field(field, "expected an integer")
    if isinstance(value, str):
        if not re.fullmatch(r"-?\d+", value.strip()):
            raise invalid_field(field, "expected an integer")
        value = int(value)
    number: int = value
    if low is not None and number < low:
        raise invalid_field(field, f"must be at least {low}")
    if high is not None and number > high:
        raise invalid_field(field, f"must be at most {high}")
    return number


def boolean(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise invalid_field(field, "expected true or false")
    return value


def string_list(value: Any, field: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid_field(field, "expected a list of strings")
    return value


def instance_name(value: Any, field: str = "name") -> str:
    name = text(value, field)
    if not NAME_PATTERN.match(name):
        raise invalid_field(field, "use 1 to 63 letters, digits, '-' or '_', starting with a letter or a digit")
    return name


def unique_name(env: Environment, name: str, except_id: str | None = None) -> None:
    """Names are unique among the environment's instances that still exist (Destroyed ones count)."""
    for other in env.instances.values():
        if other.name == name and other.id != except_id:
            raise SimError(
                400, DUPLICATE_NAME, f"An instance named '{name}' already exists.", {"field": "name", "name": name}
            )


def reference(env: Environment, collection: dict[str, Any], body: dict[str, Any], field: str, what: str) -> Any:
    key = text(required(body, field), field)
    record = collection.get(key)
    if record is None:
        raise invalid_field(field, f"no {what} '{key}' in this environment")
    return record


def compute_offering(env: Environment, body: dict[str, Any]) -> tuple[ComputeOffering, int, int]:
    """The offering and the (cpu, memory) it gives, checking the custom-offering rules."""
    offering: ComputeOffering = reference(env, env.compute_offerings, body, "computeOfferingId", "compute offering")
    if not offering.custom:
        for field in ("cpuCount", "memoryInMB"):
            if present(body, field):
                raise invalid_field(field, f"only a custom compute offering takes {field}")
        return offering, offering.cpu_count or 0, offering.memory_in_mb or 0
    cpu = integer(required(body, "cpuCount"), "cpuCount")
    if cpu not in offering.cpu_values:
        raise invalid_field("cpuCount", f"choose one of {offering.cpu_values}")
    memory = integer(required(body, "memoryInMB"), "memoryInMB")
    if memory not in offering.memory_values:
        raise invalid_field("memoryInMB", f"choose one of {offering.memory_values}")
    ratio = offering.max_memory_to_cpu_ratio
    if ratio and memory / cpu > ratio:
        raise invalid_field("memoryInMB", f"at most {ratio} MB per vCPU ({cpu * ratio} MB for {cpu} vCPU)")
    return offering, cpu, memory


@dataclass
class CreateRequest:
    name: str
    template: Template
    offering: ComputeOffering
    cpu_count: int
    memory_in_mb: int
    network: Network
    root_size_gb: int | None
    disk_offering: DiskOffering | None
    disk_size_gb: int | None
    disk_iops: int | None
    ssh_key_name: str | None
    public_key: str | None
    volume_to_attach: str | None
    affinity_group_ids: list[str]
    ports: list[int]
    user_data: str


def create_request(env: Environment, body: dict[str, Any]) -> CreateRequest:
    name = instance_name(required(body, "name"))
    template: Template = reference(env, env.templates, body, "templateId", "template")
    if not template.is_ready:
        raise invalid_field("templateId", f"template '{template.name}' is not ready yet")
    offering, cpu, memory = compute_offering(env, body)
    network: Network = reference(env, env.networks, body, "networkId", "network")
    if network.zone_id not in template.zone_ids:
        raise invalid_field(
            "templateId", f"template '{template.name}' is not available in zone {env.zone(network.zone_id).name}"
        )

    root_size = None
    if present(body, "rootVolumeSizeInGb"):
        root_size = integer(body["rootVolumeSizeInGb"], "rootVolumeSizeInGb", template_size_gb(template), MAX_DISK_GB)

    disk_offering, disk_size, disk_iops = _data_disk(env, body)

    ssh_key_name = None
    if present(body, "sshKeyName"):
        ssh_key_name = text(body["sshKeyName"], "sshKeyName")
        if ssh_key_name not in env.ssh_keys:
            raise invalid_field("sshKeyName", f"no SSH key named '{ssh_key_name}'")
    public_key = None
    if present(body, "publicKey"):
        public_key = text(body["publicKey"], "publicKey").strip()
        key_blob(public_key, "publicKey")

    volume_id = None
    if present(body, "volumeIdToAttach"):
        volume = reference(env, env.volumes, body, "volumeIdToAttach", "volume")
        if volume.type != "DATA" or volume.instance_id is not None:
            raise invalid_field("volumeIdToAttach", "only a DATA volume that is not attached can be attached")
        if volume.zone_id != network.zone_id:
            raise invalid_field("volumeIdToAttach", "the volume is in another zone than the network")
        volume_id = volume.id

    groups = []
    if present(body, "affinityGroupId"):
        groups = [reference(env, env.affinity_groups, body, "affinityGroupId", "affinity group").id]

    ports = []
    if present(body, "portsToForward"):
        raw = body["portsToForward"]
        # The API types it array[string] (["80", "9999"]): a bare number is refused, not coerced.
        if not isinstance(raw, list):
            raise invalid_field("portsToForward", 'expected a list of ports as strings, e.g. ["80"]')
        for port in raw:
            if not isinstance(port, str):
                raise invalid_field("portsToForward", f'each port must be a string, e.g. "80", not {port!r}')
        ports = [integer(p, "portsToForward", 1, 65535) for p in raw]
        if len(set(ports)) != len(ports):
            raise invalid_field("portsToForward", "a port is listed twice")

    user_data = ""
    if present(body, "userData"):
        user_data = text(body["userData"], "userData")
        if len(user_data) > MAX_USER_DATA:
            raise invalid_field("userData", f"at most {MAX_USER_DATA} characters")

    unique_name(env, name)  # last: the costliest check on a big environment
    return CreateRequest(
        name,
        template,
        offering,
        cpu,
        memory,
        network,
        root_size,
        disk_offering,
        disk_size,
        disk_iops,
        ssh_key_name,
        public_key,
        volume_id,
        groups,
        ports,
        user_data,
    )


def _data_disk(env: Environment, body: dict[str, Any]) -> tuple[DiskOffering | None, int | None, int | None]:
    if not present(body, "diskOfferingId"):
        for field in ("additionalDiskSizeInGb", "additionalDiskIops"):
            if present(body, field):
                raise invalid_field(field, "only allowed with a disk offering (diskOfferingId)")
        return None, None, None
    offering: DiskOffering = reference(env, env.disk_offerings, body, "diskOfferingId", "disk offering")
    size = offering.gb_size
    if offering.custom_size:
        size = integer(required(body, "additionalDiskSizeInGb"), "additionalDiskSizeInGb", 1, MAX_DISK_GB)
    elif present(body, "additionalDiskSizeInGb"):
        raise invalid_field("additionalDiskSizeInGb", f"disk offering '{offering.name}' has a fixed size")
    iops = None
    if present(body, "additionalDiskIops"):
        if not offering.custom_iops:
            raise invalid_field("additionalDiskIops", f"disk offering '{offering.name}' has fixed IOPS")
        iops = integer(body["additionalDiskIops"], "additionalDiskIops", *IOPS_RANGE)
    return offering, size, iops


def other_network(env: Environment, instance: Instance, body: dict[str, Any]) -> Network:
    network: Network = reference(env, env.networks, body, "networkId", "network")
    current = env.networks[instance.network_id]
    if network.id == current.id:
        raise invalid_field("networkId", "the instance is already on this network")
    if network.zone_id != current.zone_id:
        raise invalid_field("networkId", "the network is in another zone than the instance")
    return network
