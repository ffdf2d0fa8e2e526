"""Pydantic models of the cloud.ca entities this project reads.

Every model ignores fields it does not know and treats what the reference marks optional as
optional: the real API, its reference and its official Go client do not always agree, and a
new field on the server must never break an operator's screen.
"""

from __future__ import annotations

from collections.abc import Hashable
from enum import StrEnum
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel


class InstanceState(StrEnum):
    """The instance states the reference and CloudStack name.

    `Instance.state` stays a plain string: a state the server invents must be shown as it
    came, not rejected. These members compare equal to the strings they stand for.
    """

    RUNNING = "Running"
    STOPPED = "Stopped"
    STARTING = "Starting"
    STOPPING = "Stopping"
    DESTROYED = "Destroyed"
    EXPUNGING = "Expunging"
    MIGRATING = "Migrating"
    ERROR = "Error"
    UNKNOWN = "Unknown"
    # Seen on some CloudStack versions while work is in flight.
    CREATING = "Creating"
    DESTROYING = "Destroying"


# States an instance passes through while work is in flight: the UI refreshes faster then.
TRANSITIONAL_STATES = frozenset(
    {
        InstanceState.STARTING,
        InstanceState.STOPPING,
        InstanceState.EXPUNGING,
        InstanceState.MIGRATING,
        InstanceState.CREATING,
        InstanceState.DESTROYING,
    }
)


class ApiModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        frozen=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _nulls_are_absent(cls, data: Any) -> Any:
        # `"affinityGroupIds": null` on one row must not fail a whole list: a null field
        # is treated as a missing one, and takes its default.
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data


# --- administration ---------------------------------------------------------------------


class Organization(ApiModel):
    id: str
    name: str | None = None
    entry_point: str | None = None


class ServiceConnectionRef(ApiModel):
    id: str
    name: str | None = None
    # Sent by the real server (the terraform provider reads it), absent from the reference's
    # example: when missing, resolve it through the service connections.
    service_code: str | None = None


class UserRef(ApiModel):
    """A user as an environment lists it: `name` in a role, `userName` among the members."""

    id: str | None = None
    name: str | None = None
    user_name: str | None = Field(None, validation_alias=AliasChoices("userName", "username", "user_name"))


class Role(ApiModel):
    id: str | None = None
    name: str | None = None
    is_default: bool | None = None
    users: list[UserRef] = []


class Environment(ApiModel):
    id: str
    name: str
    description: str | None = None
    membership: str | None = None
    creation_date: str | None = None
    organization: Organization | None = None
    service_connection: ServiceConnectionRef | None = None
    roles: list[Role] = []
    # Only in "retrieve an environment": its members.
    users: list[UserRef] = []


class ConnectionStatus(ApiModel):
    last_updated: str | None = None
    reachable: bool | None = None


class ServiceConnection(ApiModel):
    id: str
    service_code: str
    name: str | None = None
    type: str | None = None
    status: ConnectionStatus | None = None


# --- compute ----------------------------------------------------------------------------


class InstancePublicIp(ApiModel):
    """A public IP as embedded in a retrieved instance."""

    id: str
    ip_address: str | None = None
    purposes: list[str] = []
    ports: list[str] = []

    @field_validator("ports", mode="before")
    @classmethod
    def _ports_as_text(cls, value: Any) -> Any:
        return [str(port) for port in value] if isinstance(value, list) else value


class InstanceNic(ApiModel):
    id: str
    is_default: bool | None = None
    network_id: str | None = None


class Instance(ApiModel):
    id: str
    name: str
    state: str = "Unknown"
    zone_id: str | None = None
    zone_name: str | None = None
    template_id: str | None = None
    template_name: str | None = None
    compute_offering_id: str | None = None
    compute_offering_name: str | None = None
    cpu_count: int | None = None
    memory_in_mb: int | None = Field(None, alias="memoryInMB")
    network_id: str | None = None
    network_name: str | None = None
    vpc_id: str | None = None
    vpc_name: str | None = None
    ip_address: str | None = None
    is_password_enabled: bool | None = None
    mac_address: str | None = None
    hostname: str | None = None
    username: str | None = None
    affinity_group_ids: list[str] = []
    # Only in "retrieve an instance"; list items lack them.
    user_data: str | None = None
    # The reference spells it publicIps, the official Go client publicIPs.
    public_ips: list[InstancePublicIp] | None = Field(
        None, validation_alias=AliasChoices("publicIps", "publicIPs", "public_ips")
    )
    nics: list[InstanceNic] | None = None
    # Go client extras.
    is_ssh_key_enabled: bool | None = None
    ssh_key_name: str | None = None
    public_key: str | None = None
    password: str | None = None

    @property
    def key(self) -> Hashable:
        """What tells this instance apart in a list: its id. A fleet's rows add the environment
        they live in (cca_tui.fleet.identity.LocatedInstance)."""
        return self.id


class Template(ApiModel):
    id: str
    name: str
    description: str | None = None
    size: int | None = None
    is_public: bool | None = None
    is_ready: bool | None = None
    is_dynamically_scalable: bool | None = None
    ssh_key_enabled: bool | None = None
    created: str | None = None
    os_type: str | None = None
    available_in_zones: list[str] = []


class ComputeOffering(ApiModel):
    id: str
    name: str
    cpu_count: int | None = None
    memory_in_mb: int | None = Field(None, alias="memoryInMB")
    custom: bool = False
    available_cpu_count_values: list[int] = []
    available_memory_in_mb_values: list[int] = Field([], alias="availableMemoryInMBValues")
    max_memory_in_mb_to_cpu_ratio: int | None = Field(None, alias="maxMemoryInMBToCpuRatio")


class DiskOffering(ApiModel):
    id: str
    name: str
    gb_size: int | None = None
    custom_size: bool = False
    custom_iops: bool = False


class Network(ApiModel):
    id: str
    name: str
    description: str | None = None
    vpc_id: str | None = None
    vpc_name: str | None = None
    zone_id: str | None = None
    zone_name: str | None = None
    cidr: str | None = None
    gateway: str | None = None
    netmask: str | None = None
    network_acl_id: str | None = None
    network_acl_name: str | None = None
    network_offering_id: str | None = None
    network_offering_name: str | None = None
    network_offering_description: str | None = None
    state: str | None = None


class SSHKey(ApiModel):
    name: str
    id: str | None = None
    fingerprint: str | None = None


class InstanceRef(ApiModel):
    id: str
    name: str | None = None


class PublicIp(ApiModel):
    id: str
    ip_address: str | None = None
    purposes: list[str] = []
    state: str | None = None
    instances: list[InstanceRef] = []
    network_id: str | None = None
    network_name: str | None = None
    vpc_id: str | None = None
    vpc_name: str | None = None
    zone_id: str | None = None
    zone_name: str | None = None


class PortForwardingRule(ApiModel):
    id: str
    ip_address: str | None = None
    ip_address_id: str | None = None
    public_port_start: str | None = None
    public_port_end: str | None = None
    private_port_start: str | None = None
    private_port_end: str | None = None
    protocol: str | None = None
    instance_id: str | None = None
    instance_name: str | None = None
    network_id: str | None = None
    vpc_id: str | None = None
    private_ip: str | None = None
    private_ip_id: str | None = None

    @field_validator(
        "public_port_start",
        "public_port_end",
        "private_port_start",
        "private_port_end",
        mode="before",
    )
    @classmethod
    def _port_as_text(cls, value: Any) -> Any:
        # The Go client models ports as strings, the reference shows numbers: accept both.
        return str(value) if isinstance(value, int) else value


class SecondaryIp(ApiModel):
    id: str | None = None
    ip_address: str | None = None


class Nic(ApiModel):
    id: str
    name: str | None = None
    ip_address: str | None = None
    is_default: bool | None = None
    network_id: str | None = None
    network_name: str | None = None
    gateway: str | None = None
    netmask: str | None = None
    instance_id: str | None = None
    vpc_id: str | None = None
    vpc_name: str | None = None
    secondary_ips: list[SecondaryIp] = []


class Zone(ApiModel):
    id: str
    name: str


class AffinityGroup(ApiModel):
    id: str
    name: str
    type: str | None = None
    description: str | None = None
    instance_ids: list[str] = []


class Volume(ApiModel):
    id: str
    name: str | None = None
    # OS or DATA (the Go client); the reference writes os or data: compare without case.
    type: str | None = None
    creation_date: str | None = None
    size_in_gb: int | None = None
    instance_id: str | None = None
    instance_name: str | None = None
    zone_id: str | None = None
    zone_name: str | None = None
    disk_offering_id: str | None = None
    disk_offering_name: str | None = None
    state: str | None = None


# --- tasks ------------------------------------------------------------------------------


class Task(ApiModel):
    """An asynchronous task, whichever of the two documented shapes it came in."""

    id: str
    status: str
    created: str | None = None
    result: Any = None

    @property
    def done(self) -> bool:
        return self.status in ("SUCCESS", "FAILED")

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCESS"

    @property
    def failed(self) -> bool:
        return self.status == "FAILED"
