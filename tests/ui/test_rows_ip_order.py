"""Sorting by Private IP: addresses in numeric order, rows without one (or with something
else) after them, the same through the row index as through `arrange`."""

from __future__ import annotations

from collections.abc import Hashable

from cca_tui.api.models import Instance
from cca_tui.ui.rows import RowIndex, arrange

ADDRESSES = ["10.0.0.10", None, "10.0.0.9", "9.255.255.255", "", "fe80::1", "10.0.1.0", "192.168.0.1"]


def _instances() -> dict[Hashable, Instance]:
    rows = [
        Instance.model_validate({"id": f"i-{n}", "name": f"vm-{n}", "state": "Running", "ipAddress": address})
        for n, address in enumerate(ADDRESSES)
    ]
    return {instance.id: instance for instance in rows}


def test_addresses_sort_in_numeric_order_and_the_rest_after() -> None:
    instances = _instances()
    shown = [instance.ip_address for instance in arrange(instances.values(), "", "ip", False)]
    assert shown[:5] == ["9.255.255.255", "10.0.0.9", "10.0.0.10", "10.0.1.0", "192.168.0.1"]
    assert set(shown[5:]) == {None, "", "fe80::1"}
    assert list(RowIndex(instances).arrange("", "ip", False)) == arrange(instances.values(), "", "ip", False)
    assert list(RowIndex(instances).arrange("", "ip", True)) == arrange(instances.values(), "", "ip", True)
