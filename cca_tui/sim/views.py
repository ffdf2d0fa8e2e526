"""JSON shapes of every record, as the cloud.ca API spells them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .entities import (
    AffinityGroup,
    ComputeOffering,
    Connection,
    DiskOffering,
    Instance,
    Network,
    Nic,
    PortForwardingRule,
    PublicIp,
    SshKey,
    Template,
    Volume,
    Zone,
)
from .environment import Environment


def environment_view(env: Environment) -> dict[str, Any]:
    org, conn = env.organization, env.connection
    return {
        "id": env.id,
        "name": env.name,
        "description": env.description,
        "membership": env.membership,
        "creationDate": env.created,
        "organization": {"id": org.id, "name": org.name, "entryPoint": org.entry_point},
        "serviceConnection": {"id": conn.id, "name": conn.name, "serviceCode": conn.service_code},
        "roles": [{"id": r.id, "name": r.name} for r in env.roles],
    }


def connection_view(conn: Connection) -> dict[str, Any]:
    return {
        "id": conn.id,
        "serviceCode": conn.service_code,
        "name": conn.name,
        "type": conn.type,
        "status": {"lastUpdated": conn.last_updated, "reachable": conn.reachable},
    }


def instance_summary(env: Environment, i: Instance) -> dict[str, Any]:
    """The list shape: exactly the seed's list attributes, nothing more."""
    network = env.networks[i.network_id]
    vpc = env.vpcs[network.vpc_id]
    template = env.templates.get(i.template_id)
    offering = env.compute_offerings.get(i.compute_offering_id)
    return {
        "id": i.id,
        "name": i.name,
        "state": i.state,
        "zoneId": network.zone_id,
        "zoneName": env.zone(network.zone_id).name,
        "templateId": i.template_id,
        "templateName": template.name if template else "",
        "computeOfferingId": i.compute_offering_id,
        "computeOfferingName": offering.name if offering else "",
        "networkId": network.id,
        "networkName": network.name,
        "vpcId": vpc.id,
        "vpcName": vpc.name,
        "ipAddress": i.ip_address,
        "isPasswordEnabled": i.is_password_enabled,
        "macAddress": i.mac_address,
        "cpuCount": i.cpu_count,
        "memoryInMB": i.memory_in_mb,
        "hostname": i.hostname,
        "username": i.username,
        "affinityGroupIds": list(i.affinity_group_ids),
    }


def instance_detail(env: Environment, i: Instance) -> dict[str, Any]:
    """The retrieve shape: the summary plus userData, publicIps and nics."""
    view = instance_summary(env, i)
    view["userData"] = i.user_data
    public_ips: dict[str, dict[str, Any]] = {}
    for rule in env.rules_of_instance(i.id):
        ip = env.public_ips[rule.public_ip_id]
        entry = public_ips.setdefault(
            ip.id, {"id": ip.id, "ipAddress": ip.ip_address, "purposes": ["PORT_FORWARDING"], "ports": []}
        )
        entry["ports"].append(_port_range(rule.public_port_start, rule.public_port_end))
    view["publicIps"] = list(public_ips.values())
    view["nics"] = [
        {"id": n.id, "isDefault": n.is_default, "networkId": n.network_id} for n in env.nics_of_instance(i.id)
    ]
    return view


def template_view(env: Environment, t: Template) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": t.name,
        "description": t.description,
        "size": t.size,
        "isPublic": t.is_public,
        "isReady": t.is_ready,
        "isDynamicallyScalable": t.is_dynamically_scalable,
        "sshKeyEnabled": t.ssh_key_enabled,
        "created": t.created,
        "osType": t.os_type,
        "availableInZones": list(t.zone_ids),
    }


def compute_offering_view(env: Environment, o: ComputeOffering) -> dict[str, Any]:
    if o.custom:
        return {
            "id": o.id,
            "name": o.name,
            "custom": True,
            "availableCpuCountValues": list(o.cpu_values),
            "availableMemoryInMBValues": list(o.memory_values),
            "maxMemoryInMBToCpuRatio": o.max_memory_to_cpu_ratio,
        }
    return {"id": o.id, "name": o.name, "cpuCount": o.cpu_count, "memoryInMB": o.memory_in_mb, "custom": False}


def disk_offering_view(env: Environment, d: DiskOffering) -> dict[str, Any]:
    return {"id": d.id, "name": d.name, "gbSize": d.gb_size, "customSize": d.custom_size, "customIops": d.custom_iops}


def network_view(env: Environment, n: Network) -> dict[str, Any]:
    vpc = env.vpcs[n.vpc_id]
    return {
        "id": n.id,
        "name": n.name,
        "description": n.description,
        "vpcId": vpc.id,
        "vpcName": vpc.name,
        "zoneId": n.zone_id,
        "zoneName": env.zone(n.zone_id).name,
        "cidr": n.cidr,
        "gateway": n.gateway,
        "netmask": n.netmask,
        "state": n.state,
    }


def ssh_key_view(env: Environment, k: SshKey) -> dict[str, Any]:
    return {"id": k.id, "name": k.name, "fingerprint": k.fingerprint}


def public_ip_view(env: Environment, ip: PublicIp) -> dict[str, Any]:
    rules = env.rules_of_ip(ip.id)
    vpc = env.vpcs[ip.vpc_id]
    network = env.networks.get(ip.network_id) if ip.network_id else None
    return {
        "id": ip.id,
        "ipAddress": ip.ip_address,
        "purposes": ["SOURCE_NAT"] if ip.is_source_nat else (["PORT_FORWARDING"] if rules else []),
        "state": ip.state,
        "instances": [{"id": i.id, "name": i.name} for i in env.ip_instances(ip)],
        "ports": [_port_range(r.public_port_start, r.public_port_end) for r in rules],
        "networkId": network.id if network else None,
        "networkName": network.name if network else None,
        "vpcId": vpc.id,
        "vpcName": vpc.name,
        "zoneId": ip.zone_id,
        "zoneName": env.zone(ip.zone_id).name,
    }


def pf_rule_view(env: Environment, r: PortForwardingRule) -> dict[str, Any]:
    ip = env.public_ips[r.public_ip_id]
    instance = env.instances.get(r.instance_id)
    return {
        "id": r.id,
        "ipAddress": ip.ip_address,
        "ipAddressId": ip.id,
        "publicPortStart": str(r.public_port_start),
        "publicPortEnd": str(r.public_port_end),
        "privatePortStart": str(r.private_port_start),
        "privatePortEnd": str(r.private_port_end),
        "protocol": r.protocol,
        "instanceId": r.instance_id,
        "instanceName": instance.name if instance else None,
        "privateIp": r.private_ip,
        "state": "Active",
    }


def nic_view(env: Environment, n: Nic) -> dict[str, Any]:
    network = env.networks[n.network_id]
    return {
        "id": n.id,
        "name": f"NIC-{n.network_id[:4]}",
        "ipAddress": n.ip_address,
        "macAddress": n.mac_address,
        "isDefault": n.is_default,
        "networkId": network.id,
        "networkName": network.name,
        "gateway": network.gateway,
        "netmask": network.netmask,
        "instanceId": n.instance_id,
        "vpcId": network.vpc_id,
        "secondaryIps": [],
    }


def zone_view(env: Environment, z: Zone) -> dict[str, Any]:
    return {"id": z.id, "name": z.name}


def affinity_group_view(env: Environment, g: AffinityGroup) -> dict[str, Any]:
    members = [i.id for i in env.instances.values() if g.id in i.affinity_group_ids]
    return {"id": g.id, "name": g.name, "type": g.type, "description": g.description, "instanceIds": members}


def volume_view(env: Environment, v: Volume) -> dict[str, Any]:
    instance = env.instances.get(v.instance_id) if v.instance_id else None
    return {
        "id": v.id,
        "name": v.name,
        "type": v.type,
        "sizeInGb": v.size_gb,
        "instanceId": instance.id if instance else None,
        "instanceName": instance.name if instance else None,
        "zoneId": v.zone_id,
        "state": v.state,
    }


def _port_range(start: int, end: int) -> str:
    return str(start) if start == end else f"{start}-{end}"


# The list shape of each compute entity, keyed by its path word.
LIST_VIEWS: dict[str, Callable[[Environment, Any], dict[str, Any]]] = {
    "instances": instance_summary,
    "templates": template_view,
    "computeofferings": compute_offering_view,
    "diskofferings": disk_offering_view,
    "networks": network_view,
    "sshkeys": ssh_key_view,
    "publicipaddresses": public_ip_view,
    "portforwardingrules": pf_rule_view,
    "nics": nic_view,
    "zones": zone_view,
    "affinitygroups": affinity_group_view,
    "volumes": volume_view,
}

# Retrieving one differs from listing only for instances.
DETAIL_VIEWS = {**LIST_VIEWS, "instances": instance_detail}
