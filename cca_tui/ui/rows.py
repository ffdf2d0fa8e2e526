"""The instance table's columns, filter and sort: what a row shows and in which order.

A new column goes in COLUMNS (its label, the text of its cell, and how it sorts). Pure
functions, no Textual: the state computes the visible rows here, the table draws them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from cca_tui.api.models import Instance
from cca_tui.ui.format import public_ips_text, size_text


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    text: Callable[[Instance], str]
    sort_key: Callable[[Instance], Any] | None = None


def _ip_sort_key(address: str | None) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in (address or "").split("."))
    except ValueError:
        return (999,)


COLUMNS: tuple[Column, ...] = (
    Column("name", "Name", lambda i: i.name, lambda i: i.name.lower()),
    Column("state", "State", lambda i: i.state),
    Column("ip", "Private IP", lambda i: i.ip_address or "", lambda i: _ip_sort_key(i.ip_address)),
    Column("public", "Public IP", lambda i: public_ips_text(i.public_ips)),
    Column("offering", "Offering", lambda i: i.compute_offering_name or ""),
    Column("size", "vCPU/RAM", size_text, lambda i: (i.cpu_count or 0, i.memory_in_mb or 0)),
    Column("template", "Template", lambda i: i.template_name or ""),
    Column("zone", "Zone", lambda i: i.zone_name or ""),
    Column("network", "Network", lambda i: i.network_name or ""),
)
COLUMN_KEYS = tuple(column.key for column in COLUMNS)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}


def matches(instance: Instance, query: str) -> bool:
    """`/` filter: name, state, or any IP contains the query (case-insensitive)."""
    if not query:
        return True
    needle = query.lower()
    haystack = [instance.name, instance.state, instance.ip_address or "", public_ips_text(instance.public_ips)]
    return any(needle in value.lower() for value in haystack)


def arrange(instances: Iterable[Instance], filter_text: str, sort_column: str, reverse: bool) -> list[Instance]:
    """The rows to show: those matching the filter, sorted by the column (name breaks ties)."""
    column = COLUMN_BY_KEY.get(sort_column, COLUMNS[0])
    key = column.sort_key or (lambda i: column.text(i).lower())
    visible = [i for i in instances if matches(i, filter_text)]
    visible.sort(key=lambda i: i.name.lower())  # stable tie-break
    visible.sort(key=key, reverse=reverse)
    return visible
