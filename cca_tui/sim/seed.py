"""The demo world: two service connections, four environments and their contents.

Everything is drawn from one seeded IdSource, so a seed always yields the same ids.
`instances=N` swaps the first environment's dozen hand-named instances for N
generated ones (the first dozen keep their hand names) to exercise paging and scale.
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
    Volume,
    Vpc,
    Zone,
)
from .environment import Environment
from .idgen import IdSource
from .provisioning import GIB, acquire_public_ip, forward_port, provision_instance
from .sshkeys import SEED_PUBLIC_KEYS, key_blob, md5_fingerprint

SEED_DATE = "2024-01-15T09:30:00Z"

# (service code, environment name, description, membership, organization index)
ENVIRONMENTS = [
    ("compute-on", "production", "Customer-facing production workloads", "ALL_ORG_USERS", 0),
    ("compute-on", "test_area", "Sandbox for trying things out", "MANY_USERS", 0),
    ("compute-qc", "dev", "Development and CI", "MANY_USERS", 0),
    ("compute-qc", "dr-site", "Disaster recovery replicas", "ALL_ORG_USERS", 1),
]

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


def build_world(ids: IdSource, first_env_instances: int | None = None) -> tuple[list[Connection], list[Environment]]:
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
    ]
    roles = [Role(ids.uuid(), "Environment Admin"), Role(ids.uuid(), "User"), Role(ids.uuid(), "Read-only")]
    environments = []
    for index, (code, name, description, membership, org) in enumerate(ENVIRONMENTS):
        env = Environment(
            id=ids.uuid(),
            name=name,
            description=description,
            membership=membership,
            created=SEED_DATE,
            organization=organizations[org],
            connection=by_code[code],
            roles=list(roles),
            index=index,
        )
        _seed_catalog(env, ids)
        _seed_instances(env, ids, first_env_instances if index == 0 else None)
        environments.append(env)
    return connections, environments


def _seed_catalog(env: Environment, ids: IdSource) -> None:
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
    for v, (vpc_name, tiers) in enumerate(VPCS):
        octet = 100 + env.index * 2 + v
        vpc = Vpc(ids.uuid(), vpc_name, zone_ids[min(v, len(zone_ids) - 1)], f"10.{octet}.0.0/16")
        env.vpcs[vpc.id] = vpc
        for t, tier in enumerate(tiers):
            # /20 tiers: roomy enough for the scale seed (thousands of instances).
            cidr = ipaddress.IPv4Network(f"10.{octet}.{16 * t}.0/20")
            network = Network(
                id=ids.uuid(),
                name=f"{tier}-{env.name}",
                description=f"{tier} tier of {vpc_name}",
                vpc_id=vpc.id,
                zone_id=vpc.zone_id,
                cidr=str(cidr),
                gateway=str(cidr.network_address + 1),
                netmask=str(cidr.netmask),
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
        )
        if ports:
            ip = acquire_public_ip(env, ids, network.vpc_id)
            for public_port, private_port in ports:
                forward_port(env, ids, ip, instance, public_port, private_port)
    _seed_data_volumes(env, ids)
    for vpc_id in env.vpcs:
        acquire_public_ip(env, ids, vpc_id)  # one spare address per VPC, free for portsToForward


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
            instance_id=instance.id if instance else None,
            disk_offering_id=offerings[offering_name].id,
        )
        env.volumes[volume.id] = volume
