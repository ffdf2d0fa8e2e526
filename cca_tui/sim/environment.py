"""One environment's inventory: its catalog, its instances and their attachments,
lookups that answer 404 in the API's words, and address allocation."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from .entities import (
    AffinityGroup,
    ComputeOffering,
    Connection,
    DiskOffering,
    Instance,
    Network,
    Nic,
    Organization,
    PortForwardingRule,
    PublicIp,
    Role,
    SshKey,
    Template,
    Volume,
    Vpc,
    Zone,
)
from .errors import not_found

# Public addresses come from a documentation-looking but realistic block; each
# environment gets its own slice so addresses never collide across the world.
_PUBLIC_BASE = int(ipaddress.IPv4Address("199.215.0.0"))
_PUBLIC_SLICE = 4096


@dataclass
class Environment:
    id: str
    name: str
    description: str
    membership: str
    created: str
    organization: Organization
    connection: Connection
    roles: list[Role]
    index: int  # position in the world, used to carve its public address slice
    member: bool = True  # the key's user is a member: listed without org_id
    templates: dict[str, Template] = field(default_factory=dict)
    compute_offerings: dict[str, ComputeOffering] = field(default_factory=dict)
    disk_offerings: dict[str, DiskOffering] = field(default_factory=dict)
    vpcs: dict[str, Vpc] = field(default_factory=dict)
    networks: dict[str, Network] = field(default_factory=dict)
    ssh_keys: dict[str, SshKey] = field(default_factory=dict)  # keyed by NAME: the API addresses keys by name
    affinity_groups: dict[str, AffinityGroup] = field(default_factory=dict)
    instances: dict[str, Instance] = field(default_factory=dict)
    nics: dict[str, Nic] = field(default_factory=dict)
    public_ips: dict[str, PublicIp] = field(default_factory=dict)
    pf_rules: dict[str, PortForwardingRule] = field(default_factory=dict)
    volumes: dict[str, Volume] = field(default_factory=dict)
    _nics_by_instance: dict[str, list[str]] = field(default_factory=dict)
    _used_private: dict[str, set[int]] = field(default_factory=dict)
    _next_private: dict[str, int] = field(default_factory=dict)
    _cidrs: dict[str, tuple[int, int]] = field(default_factory=dict)  # network id: (base, size)
    _next_public: int = 0

    @property
    def zones(self) -> list[Zone]:
        return self.connection.zones

    def zone(self, zone_id: str) -> Zone:
        return next(z for z in self.zones if z.id == zone_id)

    # -- lookups that fail the way the API does -------------------------------------

    def get(self, entity_type: str, entity_id: str) -> Any:
        """The record `entity_id` of `entity_type` (an API path word) or a 404."""
        record: Any
        if entity_type == "sshkeys":
            record = self.ssh_keys.get(entity_id) or next(
                (k for k in self.ssh_keys.values() if k.id == entity_id), None
            )
        elif entity_type == "zones":
            record = next((z for z in self.zones if z.id == entity_id), None)
        else:
            record = self.collection(entity_type).get(entity_id)
        if record is None:
            raise not_found(entity_type, entity_id)
        return record

    def collection(self, entity_type: str) -> dict[str, Any]:
        collections: dict[str, dict[str, Any]] = {
            "instances": self.instances,
            "templates": self.templates,
            "computeofferings": self.compute_offerings,
            "diskofferings": self.disk_offerings,
            "networks": self.networks,
            "sshkeys": self.ssh_keys,
            "publicipaddresses": self.public_ips,
            "portforwardingrules": self.pf_rules,
            "nics": self.nics,
            "affinitygroups": self.affinity_groups,
            "volumes": self.volumes,
            "zones": {z.id: z for z in self.zones},
        }
        return collections[entity_type]

    # -- relations ------------------------------------------------------------------

    def rules_of_instance(self, instance_id: str) -> list[PortForwardingRule]:
        return [r for r in self.pf_rules.values() if r.instance_id == instance_id]

    def rules_of_ip(self, ip_id: str) -> list[PortForwardingRule]:
        return [r for r in self.pf_rules.values() if r.public_ip_id == ip_id]

    def nics_of_instance(self, instance_id: str) -> list[Nic]:
        return [self.nics[n] for n in self._nics_by_instance.get(instance_id, ()) if n in self.nics]

    def add_nic(self, nic: Nic) -> None:
        self.nics[nic.id] = nic
        self._nics_by_instance.setdefault(nic.instance_id, []).append(nic.id)

    def remove_nic(self, nic: Nic) -> None:
        self.nics.pop(nic.id, None)
        siblings = self._nics_by_instance.get(nic.instance_id, [])
        if nic.id in siblings:
            siblings.remove(nic.id)
        if not siblings:
            self._nics_by_instance.pop(nic.instance_id, None)

    def add_volume(self, volume: Volume) -> None:
        self.volumes[volume.id] = volume

    def volumes_of_instance(self, instance_id: str) -> list[Volume]:
        return [v for v in self.volumes.values() if v.instance_id == instance_id]

    def instance_network(self, instance: Instance) -> Network:
        return self.networks[instance.network_id]

    def ip_instance_ids(self, ip: PublicIp) -> list[str]:
        """Ids of the instances an address serves: static NAT, port forwarding, load balancing."""
        ids: dict[str, None] = {}
        if ip.static_nat_instance_id:
            ids[ip.static_nat_instance_id] = None
        for rule in self.rules_of_ip(ip.id):
            ids[rule.instance_id] = None
        for instance_id in ip.lb_instance_ids:
            ids[instance_id] = None
        return [i for i in ids if i in self.instances]

    def ip_instances(self, ip: PublicIp) -> list[Instance]:
        return [self.instances[i] for i in self.ip_instance_ids(ip)]

    def ip_purposes(self, ip: PublicIp) -> list[str]:
        purposes = []
        if ip.is_source_nat:
            purposes.append("SOURCE_NAT")
            if ip.vpn:
                purposes.append("VPN")
        if ip.static_nat_instance_id:
            purposes.append("STATIC_NAT")
        if self.rules_of_ip(ip.id):
            purposes.append("PORT_FORWARDING")
        if ip.lb_instance_ids:
            purposes.append("LOAD_BALANCING")
        return purposes

    def public_ips_of_instance(self, instance_id: str) -> list[PublicIp]:
        return [ip for ip in self.public_ips.values() if instance_id in self.ip_instance_ids(ip)]

    def free_public_ip(self, vpc_id: str) -> PublicIp | None:
        """An address of the VPC that nothing uses and that is not its source NAT."""
        busy = {r.public_ip_id for r in self.pf_rules.values()}
        return next(
            (
                ip
                for ip in self.public_ips.values()
                if ip.vpc_id == vpc_id
                and not ip.is_source_nat
                and ip.id not in busy
                and not ip.static_nat_instance_id
                and not ip.lb_instance_ids
            ),
            None,
        )

    # -- address allocation ---------------------------------------------------------

    def _cidr(self, network: Network) -> tuple[int, int]:
        cached = self._cidrs.get(network.id)
        if cached is None:
            net = ipaddress.IPv4Network(network.cidr)
            cached = self._cidrs[network.id] = (int(net.network_address), net.num_addresses)
        return cached

    def allocate_private_ip(self, network: Network) -> str:
        base, size = self._cidr(network)
        used = self._used_private.setdefault(network.id, set())
        # Host 1 is the gateway; hand out the rest in order, skipping released holes later.
        offset = self._next_private.get(network.id, 2)
        while offset in used:
            offset += 1
        if offset >= size - 1:
            hole = next((o for o in range(2, size - 1) if o not in used), None)
            if hole is None:
                raise RuntimeError(f"network {network.name} has no free address")
            offset = hole
        used.add(offset)
        self._next_private[network.id] = offset + 1
        address = base + offset
        return f"{address >> 24}.{(address >> 16) & 255}.{(address >> 8) & 255}.{address & 255}"

    def release_private_ip(self, network_id: str, address: str) -> None:
        base, _ = self._cidr(self.networks[network_id])
        self._used_private.get(network_id, set()).discard(int(ipaddress.IPv4Address(address)) - base)

    def next_public_address(self) -> str:
        self._next_public += 1
        return str(ipaddress.IPv4Address(_PUBLIC_BASE + self.index * _PUBLIC_SLICE + 10 + self._next_public))
