"""JSON shapes of every record, as the cloud.ca API reference spells them.

A key the reference leaves out of an example is left out here too when it has no value
(a source-NAT address's network, an unattached volume's instance): absent, never null.
Keys the reference does not show at all are not sent.
"""

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
    """The list shape. `serviceConnection.serviceCode` is not in the reference's example, but
    the real server sends it (the terraform provider reads it)."""
    org, conn = env.organization, env.connection
    return {
        "id": env.id,
        "name": env.name,
        "description": env.description,
        "membership": env.membership,
        "creationDate": env.created,
        "organization": {"id": org.id, "name": org.name, "entryPoint": org.entry_point},
        "serviceConnection": {"id": conn.id, "name": conn.name, "serviceCode": conn.service_code},
        "roles": [
            {
                "id": r.id,
                "name": r.name,
                "isDefault": r.is_default,
                "users": [{"id": u.id, "name": u.name} for u in r.users],
            }
            for r in env.roles
        ],
    }


def environment_detail(env: Environment) -> dict[str, Any]:
    """The retrieve shape: the list shape plus the environment's members."""
    view = environment_view(env)
    members = {u.id: u for r in env.roles for u in r.users}
    view["users"] = [{"id": u.id, "userName": u.name} for u in members.values()]
    return view


def connection_view(conn: Connection) -> dict[str, Any]:
    return {
        "id": conn.id,
        "serviceCode": conn.service_code,
        "name": conn.name,
        "type": conn.type,
        "status": {"lastUpdated": conn.last_updated, "reachable": conn.reachable},
    }


# instance id -> (everything its summary is made of, the summary): a list of 100,000
# instances renders 100,000 summaries per load, most of them unchanged since the last one.
_SUMMARIES: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {}


def instance_summary(env: Environment, i: Instance) -> dict[str, Any]:
    """The list shape: exactly the seed's list attributes, nothing more. Remembered per
    instance while nothing it is made of changes (a copy is handed out: callers add to it)."""
    network = env.networks[i.network_id]
    vpc = env.vpcs[network.vpc_id]
    template = env.templates.get(i.template_id)
    offering = env.compute_offerings.get(i.compute_offering_id)
    zone_name = env.zone(network.zone_id).name
    made_of = (
        i.name,
        i.state,
        i.template_id,
        template.name if template else "",
        i.compute_offering_id,
        offering.name if offering else "",
        network.id,
        network.name,
        network.zone_id,
        zone_name,
        vpc.id,
        vpc.name,
        i.ip_address,
        i.is_password_enabled,
        i.mac_address,
        i.cpu_count,
        i.memory_in_mb,
        i.hostname,
        i.username,
        tuple(i.affinity_group_ids),
    )
    known = _SUMMARIES.get(i.id)
    if known is not None and known[0] == made_of:
        return dict(known[1])
    summary = _summary(i, network, vpc, template, offering, zone_name)
    _SUMMARIES[i.id] = (made_of, summary)
    return dict(summary)


def _summary(i: Instance, network: Any, vpc: Any, template: Any, offering: Any, zone_name: str) -> dict[str, Any]:
    return {
        "id": i.id,
        "name": i.name,
        "state": i.state,
        "zoneId": network.zone_id,
        "zoneName": zone_name,
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
    """The retrieve shape: the summary plus userData, publicIps and nics, and (as the official
    Go client reads them) `sshKeyName` and `publicKey` when the instance has them."""
    view = instance_summary(env, i)
    view["userData"] = i.user_data
    view["publicIps"] = [_instance_public_ip(env, ip, i.id) for ip in env.public_ips_of_instance(i.id)]
    view["nics"] = [
        {"id": n.id, "isDefault": n.is_default, "networkId": n.network_id} for n in env.nics_of_instance(i.id)
    ]
    if i.ssh_key_name:
        view["sshKeyName"] = i.ssh_key_name
    if i.public_key:
        view["publicKey"] = i.public_key
    return view


def _instance_public_ip(env: Environment, ip: PublicIp, instance_id: str) -> dict[str, Any]:
    """One address as a retrieved instance shows it: what it does for this instance."""
    purposes, ports = [], []
    if ip.static_nat_instance_id == instance_id:
        purposes.append("STATIC_NAT")
    rules = [r for r in env.rules_of_ip(ip.id) if r.instance_id == instance_id]
    if rules:
        purposes.append("PORT_FORWARDING")
        ports += [_port_range(r.public_port_start, r.public_port_end) for r in rules]
    if instance_id in ip.lb_instance_ids:
        purposes.append("LOAD_BALANCING")
        ports += [str(p) for p in ip.lb_ports]
    return {"id": ip.id, "ipAddress": ip.ip_address, "purposes": purposes, "ports": ports}


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
        "networkAclId": n.acl_id,
        "networkAclName": n.acl_name,
        "networkOfferingId": n.offering_id,
        "networkOfferingName": n.offering_name,
        "networkOfferingDescription": n.offering_description,
        "state": n.state,
    }


def ssh_key_view(env: Environment, k: SshKey) -> dict[str, Any]:
    return {"id": k.id, "name": k.name, "fingerprint": k.fingerprint}


def public_ip_view(env: Environment, ip: PublicIp) -> dict[str, Any]:
    """A source-NAT address has no `instances`, `networkId` or `networkName` (as in the
    reference's example); an address in use by instances lists them."""
    vpc = env.vpcs[ip.vpc_id]
    network = env.networks.get(ip.network_id) if ip.network_id else None
    view: dict[str, Any] = {"id": ip.id}
    instances = env.ip_instances(ip)
    if instances:
        view["instances"] = [{"id": i.id, "name": i.name} for i in instances]
    view["ipAddress"] = ip.ip_address
    if network is not None:
        view["networkId"], view["networkName"] = network.id, network.name
    view.update(
        {
            "purposes": env.ip_purposes(ip),
            "state": ip.state,
            "vpcId": vpc.id,
            "vpcName": vpc.name,
            "zoneId": ip.zone_id,
            "zoneName": env.zone(ip.zone_id).name,
        }
    )
    return view


def pf_rule_view(env: Environment, r: PortForwardingRule) -> dict[str, Any]:
    ip = env.public_ips[r.public_ip_id]
    instance = env.instances[r.instance_id]
    network = env.networks[instance.network_id]
    nic = next((n for n in env.nics_of_instance(instance.id) if n.ip_address == r.private_ip), None)
    view = {
        "id": r.id,
        "ipAddress": ip.ip_address,
        "ipAddressId": ip.id,
        "privatePortStart": str(r.private_port_start),
        "privatePortEnd": str(r.private_port_end),
        "publicPortStart": str(r.public_port_start),
        "publicPortEnd": str(r.public_port_end),
        "protocol": r.protocol,
        "instanceId": r.instance_id,
        "instanceName": instance.name,
        "networkId": network.id,
        "vpcId": network.vpc_id,
        "privateIp": r.private_ip,
    }
    if nic is not None:  # the private IP's id is its NIC's (CloudStack's secondary IPs have their own)
        view["privateIpId"] = nic.id
    return view


def nic_view(env: Environment, n: Nic) -> dict[str, Any]:
    network = env.networks[n.network_id]
    return {
        "id": n.id,
        "name": "NIC-0" if n.is_default else "NIC-1",
        "ipAddress": n.ip_address,
        "isDefault": n.is_default,
        "networkId": network.id,
        "networkName": network.name,
        "gateway": network.gateway,
        "netmask": network.netmask,
        "instanceId": n.instance_id,
        "vpcId": network.vpc_id,
        "vpcName": env.vpcs[network.vpc_id].name,
        "secondaryIps": [],
    }


def zone_view(env: Environment, z: Zone) -> dict[str, Any]:
    return {"id": z.id, "name": z.name}


def affinity_group_view(env: Environment, g: AffinityGroup) -> dict[str, Any]:
    members = [i.id for i in env.instances.values() if g.id in i.affinity_group_ids]
    return {"id": g.id, "name": g.name, "type": g.type, "instanceIds": members}


def volume_view(env: Environment, v: Volume) -> dict[str, Any]:
    """`type` is `os` or `data`, as the reference writes it (the Go client's constants are
    OS / DATA: clients compare without case); an unattached volume has no instance keys, a
    volume without a disk offering (an OS volume) no offering keys."""
    instance = env.instances.get(v.instance_id) if v.instance_id else None
    view: dict[str, Any] = {"id": v.id, "name": v.name, "type": v.type.lower(), "creationDate": v.created}
    if instance is not None:
        view["instanceId"], view["instanceName"] = instance.id, instance.name
    view["zoneId"] = v.zone_id
    zone = next((z for z in env.zones if z.id == v.zone_id), None)
    if zone is not None:  # a volume left in a zone the connection no longer serves
        view["zoneName"] = zone.name
    offering = env.disk_offerings.get(v.disk_offering_id) if v.disk_offering_id else None
    if offering is not None:
        view["diskOfferingId"], view["diskOfferingName"] = offering.id, offering.name
    view["state"], view["sizeInGb"] = v.state, v.size_gb
    return view


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
