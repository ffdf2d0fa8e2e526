"""List replies: query filters, then a page of rows, with the total in metadata.

`page_cap` mimics a server that never returns more than N rows per page whatever
the client asks for, so clients must follow recordCount rather than trust page_size.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .environment import Environment
from .errors import invalid_field

Predicate = Callable[[Environment, Any, str], bool]

FILTERS: dict[str, dict[str, Predicate]] = {
    "networks": {
        "vpc_id": lambda env, n, value: n.vpc_id == value,
        "zone_id": lambda env, n, value: n.zone_id == value,
    },
    "publicipaddresses": {
        "instance_id": lambda env, ip, value: value in env.ip_instance_ids(ip),
        "vpc_id": lambda env, ip, value: ip.vpc_id == value,
    },
    "nics": {
        "instance_id": lambda env, nic, value: nic.instance_id == value,
        "network_id": lambda env, nic, value: nic.network_id == value,
    },
    "portforwardingrules": {
        "instance_id": lambda env, r, value: r.instance_id == value,
        "ip_address_id": lambda env, r, value: r.public_ip_id == value,
    },
    "volumes": {
        "instance_id": lambda env, v, value: v.instance_id == value,
        "type": lambda env, v, value: v.type.lower() == value.lower(),  # the reference writes os/data, Go OS/DATA
    },
}


def filtered(env: Environment, entity_type: str, records: list[Any], query: Mapping[str, str]) -> list[Any]:
    if entity_type == "nics" and query.get("instance_id"):
        records = env.nics_of_instance(query["instance_id"])  # indexed: no scan of every NIC
    for param, predicate in FILTERS.get(entity_type, {}).items():
        value = query.get(param)
        if value:
            records = [r for r in records if predicate(env, r, value)]
    return records


def page(records: list[Any], query: Mapping[str, str], page_cap: int | None) -> list[Any]:
    number = _positive(query, "page_number") or 1
    size = _positive(query, "page_size")
    if page_cap is not None:
        size = min(size, page_cap) if size else page_cap
    if size is None:
        return records if number == 1 else []
    start = (number - 1) * size
    return records[start : start + size]


def _positive(query: Mapping[str, str], name: str) -> int | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise invalid_field(name, "expected a positive integer")
    return int(raw)
