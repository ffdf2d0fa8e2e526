"""Fetching an environment's instances for the table: the list, joined with its public IPs.

Two requests per refresh whatever the size (the instance list's pages and the public IP
list), nothing per row. No Textual here: the screen runs this in a worker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

from cca_tui.api.client import ComputeScope
from cca_tui.api.errors import CloudCAError
from cca_tui.api.models import Instance, InstancePublicIp, PublicIp


@dataclass(frozen=True)
class Fetched:
    instances: list[Instance]
    # Why some rows are not shown (they could not be read), or None.
    unreadable: str | None = None


def public_ips_by_instance(public_ips: list[PublicIp]) -> dict[str, list[InstancePublicIp]]:
    """The environment's public IPs grouped by the instances they serve (one request for all rows)."""
    grouped: dict[str, list[InstancePublicIp]] = {}
    for ip in public_ips:
        embedded = InstancePublicIp(id=ip.id, ip_address=ip.ip_address, purposes=ip.purposes)
        for ref in ip.instances:
            grouped.setdefault(ref.id, []).append(embedded)
    return grouped


def join_public_ips(
    instances: list[Instance],
    public_ips: list[PublicIp] | None,
    previous: Mapping[str, Instance],
) -> list[Instance]:
    """Attach each instance's public IPs. An instance equal to the one already shown keeps
    that object, so the table sees at once (by identity) that its row has not changed."""
    grouped = public_ips_by_instance(public_ips) if public_ips is not None else None
    joined = []
    for instance in instances:
        if grouped is not None:
            instance = instance.model_copy(update={"public_ips": grouped.get(instance.id, [])})
        before = previous.get(instance.id)
        joined.append(before if before is not None and before == instance else instance)
    return joined


async def fetch_instances(compute: ComputeScope, previous: Mapping[str, Instance]) -> Fetched:
    instances, public_ips = await asyncio.gather(compute.list_instances(), _public_ips_or_none(compute))
    return Fetched(join_public_ips(instances, public_ips, previous))


async def _public_ips_or_none(compute: ComputeScope) -> list[PublicIp] | None:
    """The public IP column is a nicety: its failure must not hide the instances."""
    try:
        return await compute.list_public_ips()
    except CloudCAError:
        return None
