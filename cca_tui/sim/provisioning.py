"""Building blocks shared by the seed and the create operation: an instance with its
NIC and root volume, and port forwarding from a public address."""

from __future__ import annotations

from datetime import UTC, datetime

from .entities import ComputeOffering, Instance, Network, Nic, PortForwardingRule, PublicIp, Template, Volume
from .environment import Environment
from .idgen import IdSource

GIB = 1024**3


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def template_size_gb(template: Template) -> int:
    return max(1, -(-template.size // GIB))  # round up: a 2.2 GB image needs a 3 GB disk


def provision_instance(
    env: Environment,
    ids: IdSource,
    *,
    name: str,
    state: str,
    template: Template,
    offering: ComputeOffering,
    network: Network,
    cpu_count: int | None = None,
    memory_in_mb: int | None = None,
    root_size_gb: int | None = None,
    ssh_key_name: str | None = None,
    public_key: str | None = None,
    user_data: str = "",
    affinity_group_ids: list[str] | None = None,
    created: str | None = None,
) -> Instance:
    instance = Instance(
        id=ids.uuid(),
        name=name,
        hostname=name,
        state=state,
        template_id=template.id,
        compute_offering_id=offering.id,
        cpu_count=(cpu_count if offering.custom else offering.cpu_count) or 0,
        memory_in_mb=(memory_in_mb if offering.custom else offering.memory_in_mb) or 0,
        network_id=network.id,
        ip_address=env.allocate_private_ip(network),
        mac_address=ids.mac(),
        is_password_enabled=template.password_enabled,
        user_data=user_data,
        ssh_key_name=ssh_key_name,
        public_key=public_key,
        affinity_group_ids=list(affinity_group_ids or []),
    )
    env.instances[instance.id] = instance
    nic = Nic(ids.uuid(), instance.id, network.id, instance.ip_address, instance.mac_address, True)
    env.add_nic(nic)
    root = Volume(
        id=ids.uuid(),
        name=f"ROOT-{name}",
        type="OS",
        size_gb=root_size_gb or template_size_gb(template),
        zone_id=network.zone_id,
        created=created or now_iso(),
        instance_id=instance.id,
    )
    env.add_volume(root)
    return instance


def acquire_public_ip(env: Environment, ids: IdSource, vpc_id: str, *, source_nat: bool = False) -> PublicIp:
    vpc = env.vpcs[vpc_id]
    ip = PublicIp(ids.uuid(), env.next_public_address(), vpc_id, vpc.zone_id, is_source_nat=source_nat)
    env.public_ips[ip.id] = ip
    return ip


def forward_port(
    env: Environment, ids: IdSource, ip: PublicIp, instance: Instance, public_port: int, private_port: int
) -> PortForwardingRule:
    ip.network_id = instance.network_id
    rule = PortForwardingRule(
        id=ids.uuid(),
        public_ip_id=ip.id,
        instance_id=instance.id,
        private_ip=instance.ip_address,
        public_port_start=public_port,
        public_port_end=public_port,
        private_port_start=private_port,
        private_port_end=private_port,
    )
    env.pf_rules[rule.id] = rule
    return rule
