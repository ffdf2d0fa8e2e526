"""The records the simulator keeps. Plain dataclasses: JSON shapes live in views.py,
rules live in instance_ops.py and validation.py."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Zone:
    id: str
    name: str


@dataclass
class Connection:
    id: str
    service_code: str
    name: str
    type: str
    zones: list[Zone]
    reachable: bool = True
    last_updated: str = ""


@dataclass
class Organization:
    id: str
    name: str
    entry_point: str


@dataclass
class User:
    id: str
    name: str


@dataclass
class Role:
    id: str
    name: str
    is_default: bool = False
    users: list[User] = field(default_factory=list)


@dataclass
class Template:
    id: str
    name: str
    description: str
    os_type: str
    size: int  # bytes
    zone_ids: list[str]
    is_ready: bool = True
    is_public: bool = True
    is_dynamically_scalable: bool = True
    ssh_key_enabled: bool = True
    password_enabled: bool = True  # not shown; decides a new instance's isPasswordEnabled
    created: str = ""


@dataclass
class ComputeOffering:
    id: str
    name: str
    cpu_count: int | None = None
    memory_in_mb: int | None = None
    custom: bool = False
    cpu_values: list[int] = field(default_factory=list)
    memory_values: list[int] = field(default_factory=list)
    max_memory_to_cpu_ratio: int | None = None


@dataclass
class DiskOffering:
    id: str
    name: str
    gb_size: int
    custom_size: bool = False
    custom_iops: bool = False


@dataclass
class Vpc:
    id: str
    name: str
    zone_id: str
    cidr: str


@dataclass
class Network:
    id: str
    name: str
    description: str
    vpc_id: str
    zone_id: str
    cidr: str
    gateway: str
    netmask: str
    acl_id: str = ""
    acl_name: str = ""
    offering_id: str = ""
    offering_name: str = ""
    offering_description: str = ""
    state: str = "Implemented"


@dataclass
class SshKey:
    id: str
    name: str
    public_key: str
    fingerprint: str


@dataclass
class AffinityGroup:
    id: str
    name: str
    type: str
    description: str


@dataclass(slots=True)
class Instance:
    id: str
    name: str
    hostname: str
    state: str
    template_id: str
    compute_offering_id: str
    cpu_count: int
    memory_in_mb: int
    network_id: str
    ip_address: str
    mac_address: str
    is_password_enabled: bool = True
    username: str = "cca-user"
    affinity_group_ids: list[str] = field(default_factory=list)
    user_data: str = ""
    ssh_key_name: str | None = None
    public_key: str | None = None  # set when created with `publicKey`
    busy_task_id: str | None = None  # the task in flight on this instance, if any


@dataclass(slots=True)
class Nic:
    id: str
    instance_id: str
    network_id: str
    ip_address: str
    mac_address: str
    is_default: bool = True


@dataclass
class PublicIp:
    id: str
    ip_address: str
    vpc_id: str
    zone_id: str
    is_source_nat: bool = False
    network_id: str | None = None  # set once a rule ties it to a network tier
    state: str = "Allocated"
    vpn: bool = False  # remote access VPN enabled (only on a source-NAT address)
    static_nat_instance_id: str | None = None  # every port of this address goes to that instance
    lb_instance_ids: list[str] = field(default_factory=list)  # load balancing rule members
    lb_ports: list[int] = field(default_factory=list)


@dataclass
class PortForwardingRule:
    id: str
    public_ip_id: str
    instance_id: str
    private_ip: str
    public_port_start: int
    public_port_end: int
    private_port_start: int
    private_port_end: int
    protocol: str = "TCP"


@dataclass(slots=True)
class Volume:
    id: str
    name: str
    type: str  # OS | DATA, as the Go client spells them
    size_gb: int
    zone_id: str
    created: str
    instance_id: str | None = None
    disk_offering_id: str | None = None
    iops: int | None = None
    state: str = "Ready"
