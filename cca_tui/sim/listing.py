"""List replies: query filters, then a page of rows, with the total in metadata.

`page_cap` mimics a server that never returns more than N rows per page whatever
the client asks for, so clients must follow recordCount rather than trust page_size.
"""

from __future__ import annotations

import itertools
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


def _bounds(query: Mapping[str, str], page_cap: int | None) -> tuple[int, int | None] | None:
    """(first row, row count or None for all) of the page asked for; None: past the end."""
    number = _positive(query, "page_number") or 1
    size = _positive(query, "page_size")
    if page_cap is not None:
        size = min(size, page_cap) if size else page_cap
    if size is None:
        return (0, None) if number == 1 else None
    return (number - 1) * size, size


def page(records: list[Any], query: Mapping[str, str], page_cap: int | None) -> list[Any]:
    bounds = _bounds(query, page_cap)
    if bounds is None:
        return []
    start, size = bounds
    return records[start:] if size is None else records[start : start + size]


def has_filters(entity_type: str, query: Mapping[str, str]) -> bool:
    return any(query.get(param) for param in FILTERS.get(entity_type, {}))


def page_of(records: Mapping[str, Any], query: Mapping[str, str], page_cap: int | None) -> list[Any]:
    """`page` of an unfiltered collection, taken from its values where they are: a page of
    500 out of 100,000 costs the walk to its start in C, not a copy of all 100,000."""
    bounds = _bounds(query, page_cap)
    if bounds is None:
        return []
    start, size = bounds
    return list(itertools.islice(records.values(), start, None if size is None else start + size))


def _positive(query: Mapping[str, str], name: str) -> int | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise invalid_field(name, "expected a positive integer")
    return int(raw)
