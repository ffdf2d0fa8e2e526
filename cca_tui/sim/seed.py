"""The demo world: two service connections, five environments and their contents.

Everything is drawn from one seeded IdSource, so a seed always yields the same ids.
`instances=N` swaps the first environment's dozen hand-named instances for N
generated ones (the first dozen keep their hand names) to exercise paging and scale;
its networks are then sized to hold them (up to MAX_INSTANCES).

The key's user is a member of the first four environments (two organisations); the
fifth belongs to a third organisation and is listed only when asked with its `org_id`.
"""

from __future__ import annotations

import ipaddress

from .entities import (
    AffinityGroup,
    ComputeOffering,
    Connection,
    DiskOffering,
    Network,
    Organization,
    Role,
    SshKey,
    Template,
    User,
    Volume,
    Vpc,
    Zone,
)
from .environment import Environment
from .idgen import IdSource
from .options import MAX_ENVIRONMENTS, MAX_INSTANCES
from .provisioning import GIB, acquire_public_ip, forward_port, provision_instance
from .sshkeys import SEED_PUBLIC_KEYS, key_blob, md5_fingerprint

SEED_DATE = "2024-01-15T09:30:00Z"

# (service code, environment name, description, membership, organization index)
ENVIRONMENTS = [
    ("compute-on", "production", "Customer-facing production workloads", "ALL_ORG_USERS", 0),
    ("compute-on", "test_area", "Sandbox for trying things out", "MANY_USERS", 0),
    ("compute-qc", "dev", "Development and CI", "MANY_USERS", 0),
    ("compute-qc", "dr-site", "Disaster recovery replicas", "ALL_ORG_USERS", 1),
    ("compute-qc", "partner-lab", "A partner's lab, another organisation", "MANY_USERS", 2),
]
MEMBER_ORGANIZATIONS = {0, 1}  # the key's user is a member of these organisations' environments

# CloudStack's two built-in network ACLs keep the same ids everywhere.
ACL_ALLOW = ("9ba3ec65-2e1d-11e4-8e05-42a29a39fc92", "default_allow")
ACL_DENY = ("9ba3863e-2e1d-11e4-8e05-42a29a39fc92", "default_deny")
# (name, description) of the tier offerings; the web tier is load balanced.
TIER_OFFERINGS = {
    "standard": ("Standard Tier", "Offering for Isolated Vpc networks with Source Nat service enabled"),
    "balanced": ("Load Balanced Tier", "Offering for Isolated Vpc networks with a load balancer"),
}
USERS = ["alice", "bob", "carol"]
# (role name, is default, users by index into USERS)
ROLES = [("Environment Admin", False, [0]), ("User", True, [1, 2]), ("Read-only", False, [])]

# (name, os type, size GiB, ready, password enabled, ssh key enabled, first zone only)
TEMPLATES = [
    ("Ubuntu 22.04 LTS", "Ubuntu 22.04 (64-bit)", 10, True, True, True, False),
    ("Ubuntu 20.04 LTS", "Ubuntu 20.04 (64-bit)", 8, True, True, True, False),
    ("CentOS 7.9", "CentOS 7 (64-bit)", 8, True, True, True, False),
    ("Debian 12 (key only)", "Debian GNU/Linux 12 (64-bit)", 6, True, False, True, True),
    ("Windows Server 2019", "Windows Server 2019 (64-bit)", 40, True, True, False, False),
    ("Rocky Linux 9 (importing)", "Rocky Linux 9 (64-bit)", 12, False, True, True, False),
]

STANDARD_OFFERINGS = [
    ("1vCPU.512MB", 1, 512),
    ("1vCPU.1GB", 1, 1024),
    ("2vCPU.4GB", 2, 4096),
    ("4vCPU.8GB", 4, 8192),
    ("8vCPU.16GB", 8, 16384),
]

DISK_OFFERINGS = [
    ("20GB", 20, False, False),
    ("50GB", 50, False, False),
    ("100GB", 100, False, False),
    ("500GB", 500, False, False),
    ("Custom size", 0, True, False),
    ("50GB - Custom IOPS", 50, False, True),
]

# Each VPC: (name, network tiers). The second VPC sits in the second zone where there is one.
VPCS = [("app-VPC", ["Web", "App", "Data"]), ("mgmt-VPC", ["Mgmt", "Backup"])]

# The hand-named dozen: (name, state, network tier, template index, public ports as (public, private)).
NAMED_INSTANCES = [
    ("web-1", "Running", "Web", 0, [(22, 22), (80, 80)]),
    ("web-2", "Running", "Web", 0, []),
    ("web-3", "Stopped", "Web", 1, []),
    ("api-1", "Running", "App", 0, [(2222, 22)]),
    ("api-2", "Running", "App", 2, []),
    ("db-primary", "Running", "Data", 3, []),
    ("db-replica", "Stopped", "Data", 3, []),
    ("cache-1", "Running", "App", 1, []),
    ("old-reports", "Destroyed", "App", 2, []),
    ("bastion", "Running", "Mgmt", 0, [(22, 22)]),
    ("win-build", "Error", "Backup", 4, []),
    ("monitoring", "Stopped", "Mgmt", 2, [(2200, 22)]),
]
GENERATED_ROLES = ["web", "api", "worker", "cache", "db", "batch"]
STATE_CYCLE = [s for _, s, _, _, _ in NAMED_INSTANCES]
TIER_OF_ROLE = {"web": "Web", "api": "App", "worker": "App", "cache": "App", "db": "Data", "batch": "Backup"}


def fleet_environments(count: int) -> list[tuple[str, str, str, str, int]]:
    """`count` environments the key's user is a member of, alternating between the two
    service connections: the seeded member ones first, then `fleet-NN`."""
    members = [e for e in ENVIRONMENTS if e[4] in MEMBER_ORGANIZATIONS]
    plan = members[:count]
    for n in range(len(plan), count):
        code = "compute-on" if n % 2 == 0 else "compute-qc"
        plan.append((code, f"fleet-{n:02d}", f"Fleet environment {n}", "MANY_USERS", 0))
    return plan


def instances_per_environment(total: int | None, environments: int) -> list[int | None]:
    """`total` instances spread evenly (the first ones take the remainder); None: the
    twelve named instances in each."""
    if total is None:
        return [None] * environments
    share, extra = divmod(total, environments)
    return [share + (1 if n < extra else 0) for n in range(environments)]


def build_world(
    ids: IdSource, first_env_instances: int | None = None, environments: int | None = None
) -> tuple[list[Connection], list[Environment]]:
    """The seeded world. With `environments`, that many environments (all visible to the
    key, across both connections) share `first_env_instances` between them."""
    if first_env_instances is not None and not 0 <= first_env_instances <= MAX_INSTANCES:
        raise ValueError(f"instances must be between 0 and {MAX_INSTANCES}")
    if environments is not None and not 1 <= environments <= MAX_ENVIRONMENTS:
        raise ValueError(f"environments must be between 1 and {MAX_ENVIRONMENTS}")
    connections = [
        Connection(ids.uuid(), "compute-on", "cloud.ca ON", "CloudCA", [Zone(ids.uuid(), "ON-1")], True, SEED_DATE),
        Connection(
            ids.uuid(),
            "compute-qc",
            "cloud.ca QC",
            "CloudCA",
            [Zone(ids.uuid(), "QC-1"), Zone(ids.uuid(), "QC-2")],
            True,
            SEED_DATE,
        ),
    ]
    by_code = {c.service_code: c for c in connections}
    organizations = [
        Organization(ids.uuid(), "Acme Corp", "acme"),
        Organization(ids.uuid(), "Acme Continuity", "acme-dr"),
        Organization(ids.derived("organization/globex"), "Globex Partners", "globex"),
    ]
    role_ids = [ids.uuid() for _ in ROLES]
    users = [User(ids.derived(f"user/{name}"), name) for name in USERS]
    plan = ENVIRONMENTS if environments is None else fleet_environments(environments)
    if environments is None:
        counts: list[int | None] = [first_env_instances] + [None] * (len(plan) - 1)
    else:
        counts = instances_per_environment(first_env_instances, environments)
    built = []
    for index, (code, name, description, membership, org) in enumerate(plan):
        env = Environment(
            id=ids.uuid(),
            name=name,
            description=description,
            membership=membership,
            created=SEED_DATE,
            organization=organizations[org],
            connection=by_code[code],
            roles=[
                Role(role_id, role_name, is_default, [users[u] for u in members])
                for role_id, (role_name, is_default, members) in zip(role_ids, ROLES, strict=True)
            ],
            index=index,
            member=org in MEMBER_ORGANIZATIONS,
        )
        _seed_catalog(env, ids, counts[index])
        _seed_instances(env, ids, counts[index])
        built.append(env)
    return connections, built


def _address_plan(env: Environment, count: int | None) -> list[tuple[ipaddress.IPv4Network, int]]:
    """(VPC block, tier prefix length) per VPC. Tiers are /20 unless an environment holds
    so many instances that one tier could need more; then every tier gets room for all."""
    tier_prefix = 20
    if count is not None:
        tier_prefix = min(20, 32 - (count + 3).bit_length())
    if tier_prefix == 20:
        return [(ipaddress.IPv4Network(f"10.{100 + env.index * 2 + v}.0.0/16"), 20) for v in range(len(VPCS))]
    vpc_prefix = tier_prefix - 2  # room for four tiers
    size = 1 << (32 - vpc_prefix)
    base = int(ipaddress.IPv4Address("10.0.0.0"))
    return [(ipaddress.IPv4Network((base + v * size, vpc_prefix)), tier_prefix) for v in range(len(VPCS))]


def _seed_catalog(env: Environment, ids: IdSource, count: int | None = None) -> None:
    zone_ids = [z.id for z in env.zones]
    for name, os_type, size_gib, ready, password, ssh, first_zone_only in TEMPLATES:
        template = Template(
            id=ids.uuid(),
            name=name,
            description=f"{name} by cloud.ca",
            os_type=os_type,
            size=size_gib * GIB,
            zone_ids=zone_ids[:1] if first_zone_only else list(zone_ids),
            is_ready=ready,
            password_enabled=password,
            ssh_key_enabled=ssh,
            created=SEED_DATE,
        )
        env.templates[template.id] = template
    for name, cpu, memory in STANDARD_OFFERINGS:
        offering = ComputeOffering(ids.uuid(), name, cpu, memory)
        env.compute_offerings[offering.id] = offering
    custom = ComputeOffering(
        ids.uuid(),
        "Custom",
        custom=True,
        cpu_values=[1, 2, 4, 8, 16],
        memory_values=[512, 1024, 2048, 4096, 8192, 16384, 32768],
        max_memory_to_cpu_ratio=4096,
    )
    env.compute_offerings[custom.id] = custom
    for name, size, custom_size, custom_iops in DISK_OFFERINGS:
        disk = DiskOffering(ids.uuid(), name, size, custom_size, custom_iops)
        env.disk_offerings[disk.id] = disk
    offerings = {key: (ids.derived(f"networkoffering/{key}"), *text) for key, text in TIER_OFFERINGS.items()}
    for v, ((vpc_name, tiers), (block, tier_prefix)) in enumerate(zip(VPCS, _address_plan(env, count), strict=True)):
        vpc = Vpc(ids.uuid(), vpc_name, zone_ids[min(v, len(zone_ids) - 1)], str(block))
        env.vpcs[vpc.id] = vpc
        tier_size = 1 << (32 - tier_prefix)
        for t, tier in enumerate(tiers):
            cidr = ipaddress.IPv4Network((int(block.network_address) + t * tier_size, tier_prefix))
            acl_id, acl_name = ACL_DENY if tier == "Data" else ACL_ALLOW
            offering_id, offering_name, offering_description = offerings["balanced" if tier == "Web" else "standard"]
            network = Network(
                id=ids.uuid(),
                name=f"{tier}-{env.name}",
                description=f"{tier} tier of {vpc_name}",
                vpc_id=vpc.id,
                zone_id=vpc.zone_id,
                cidr=str(cidr),
                gateway=str(cidr.network_address + 1),
                netmask=str(cidr.netmask),
                acl_id=acl_id,
                acl_name=acl_name,
                offering_id=offering_id,
                offering_name=offering_name,
                offering_description=offering_description,
            )
            env.networks[network.id] = network
        acquire_public_ip(env, ids, vpc.id, source_nat=True)
    key_names = list(SEED_PUBLIC_KEYS)
    for k in range(2 + env.index % 2):
        name = key_names[(env.index + k) % len(key_names)]
        public_key = SEED_PUBLIC_KEYS[name]
        env.ssh_keys[name] = SshKey(ids.uuid(), name, public_key, md5_fingerprint(key_blob(public_key)))
    for group in ["web-anti-affinity", "db-anti-affinity"][: 1 + env.index % 2]:
        ag = AffinityGroup(ids.uuid(), group, "host anti-affinity", f"Keep {group.split('-')[0]} nodes apart")
        env.affinity_groups[ag.id] = ag


def _instance_plan(count: int | None) -> list[tuple[str, str, str, int, list[tuple[int, int]]]]:
    if count is None:
        return list(NAMED_INSTANCES)
    plan = list(NAMED_INSTANCES[:count])
    for i in range(len(plan), count):
        role = GENERATED_ROLES[i % len(GENERATED_ROLES)]
        plan.append((f"{role}-{i:05d}", STATE_CYCLE[i % len(STATE_CYCLE)], TIER_OF_ROLE[role], i % 3, []))
    return plan


def _seed_instances(env: Environment, ids: IdSource, count: int | None) -> None:
    templates = list(env.templates.values())
    standard = [o for o in env.compute_offerings.values() if not o.custom]
    custom = next(o for o in env.compute_offerings.values() if o.custom)
    networks = {n.name.split("-")[0]: n for n in env.networks.values()}
    key_names = list(env.ssh_keys)
    for i, (name, state, tier, template_index, ports) in enumerate(_instance_plan(count)):
        network = networks[tier]
        template = templates[template_index]
        if network.zone_id not in template.zone_ids:
            template = templates[0]
        # Every seventh instance runs on the custom offering so resize screens have one to show.
        offering = custom if i % 7 == 6 else standard[(i * 3 + env.index) % len(standard)]
        instance = provision_instance(
            env,
            ids,
            name=name,
            state=state,
            template=template,
            offering=offering,
            network=network,
            cpu_count=2 if offering.custom else None,
            memory_in_mb=4096 if offering.custom else None,
            ssh_key_name=key_names[i % len(key_names)] if i % 3 == 0 else None,
            created=SEED_DATE,
        )
        if ports:
            ip = acquire_public_ip(env, ids, network.vpc_id)
            for public_port, private_port in ports:
                forward_port(env, ids, ip, instance, public_port, private_port)
    _seed_data_volumes(env, ids)
    for vpc_id in env.vpcs:
        acquire_public_ip(env, ids, vpc_id)  # one spare address per VPC, free for portsToForward
    _seed_other_purposes(env, ids)


def _seed_other_purposes(env: Environment, ids: IdSource) -> None:
    """Addresses with the purposes operators also meet: static NAT to one instance (ssh on
    22), a load balancer in front of the web tier, and remote access VPN on a source NAT."""
    by_name = {i.name: i for i in env.instances.values() if i.name in ("api-2", "web-1", "web-2")}
    first_vpc = next(iter(env.vpcs))
    source_nat = next(ip for ip in env.public_ips.values() if ip.is_source_nat and ip.vpc_id == first_vpc)
    source_nat.vpn = True
    target = by_name.get("api-2")
    if target is not None:
        ip = acquire_public_ip(env, ids, env.networks[target.network_id].vpc_id)
        ip.static_nat_instance_id, ip.network_id = target.id, target.network_id
    members = [by_name[name] for name in ("web-1", "web-2") if name in by_name]
    if members:
        ip = acquire_public_ip(env, ids, env.networks[members[0].network_id].vpc_id)
        ip.lb_instance_ids, ip.lb_ports, ip.network_id = [m.id for m in members], [80], members[0].network_id


def _seed_data_volumes(env: Environment, ids: IdSource) -> None:
    by_name = {i.name: i for i in env.instances.values()}
    offerings = {d.name: d for d in env.disk_offerings.values()}
    zone_id = env.zones[0].id
    for volume_name, owner, offering_name in [
        ("db-primary-data", "db-primary", "100GB"),
        ("db-replica-data", "db-replica", "100GB"),
        ("reports-archive", "old-reports", "500GB"),
        ("scratch", None, "50GB"),
    ]:
        instance = by_name.get(owner) if owner else None
        zone = env.networks[instance.network_id].zone_id if instance else zone_id
        volume = Volume(
            id=ids.uuid(),
            name=volume_name,
            type="DATA",
            size_gb=offerings[offering_name].gb_size,
            zone_id=zone,
            created=SEED_DATE,
            instance_id=instance.id if instance else None,
            disk_offering_id=offerings[offering_name].id,
        )
        env.add_volume(volume)
