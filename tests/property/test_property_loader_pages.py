"""A page of many rows: the loader shares work across the rows of one page (the last row's
keys, the fields-set of that shape). Whatever the mix of shapes, nulls and unreadable rows,
each instance must be what `LocatedInstance.model_validate` makes of its row, fields-set
included, and a page listed again unchanged keeps its instances."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from cca_tui.api.envelope import decode_json
from cca_tui.api.errors import TransportError
from cca_tui.api.field_caps import cap_fields
from cca_tui.api.models import PublicIp
from cca_tui.api.page_reuse import PageReader
from cca_tui.fleet.identity import LocatedInstance
from cca_tui.ui.loading import InstanceLoader
from tests.property.test_property_loader_rows import (
    ENV,
    NAMES,
    NUMBERS,
    PROPERTY_SETTINGS,
    WORDS,
    _Page,
    assert_same,
    page_body,
    reference,
    rows_of,
)

# Few optional keys, so that rows of one page often have the same shape, with and without nulls.
FEW_FIELDS = {"state": WORDS, "zoneName": WORDS, "cpuCount": NUMBERS}
PAGE_ROWS = st.lists(st.fixed_dictionaries({"name": NAMES}, optional=FEW_FIELDS), min_size=1, max_size=12)


class _OnePage:
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.body = page_body(rows)

    async def iter_raw_pages(self, entity: str, reader: PageReader | None = None) -> AsyncIterator[_Page]:
        rows = rows_of(self.body, reader)
        yield _Page(rows, len(rows))

    async def list_public_ips(self) -> list[PublicIp]:
        raise TransportError("not asked here", method="GET", path="publicipaddresses")


async def load_page(loader: InstanceLoader, rows: list[dict[str, Any]]) -> dict[str, LocatedInstance]:
    batches = [batch async for batch in loader.stream(_OnePage(rows))]  # type: ignore[arg-type]
    instances = {}
    for instance in batches[-1].instances.values():
        assert isinstance(instance, LocatedInstance)
        instances[instance.id] = instance
    return instances


@PROPERTY_SETTINGS
@given(PAGE_ROWS, st.data())
async def test_every_row_of_a_page_reads_as_model_validate_reads_it(
    drawn: list[dict[str, Any]], data: st.DataObject
) -> None:
    rows = [{"id": f"i-{n}", **row} for n, row in enumerate(drawn)]
    for row in rows:  # keys in another order now and then: another shape, the same fields
        if data.draw(st.integers(0, 4)) == 0:
            row["id"] = row.pop("id")
    loader = InstanceLoader(ENV)
    instances = await load_page(loader, rows)
    expected = {row["id"]: reference(decode_json(json.dumps(row).encode())) for row in rows}
    assert set(instances) == {key for key, value in expected.items() if isinstance(value, LocatedInstance)}
    for key, instance in instances.items():
        assert_same(instance, expected[key])
    again = await load_page(loader, rows)
    for row in rows:  # listed again unchanged (and nothing cut: a cut row is read each load)
        decoded = decode_json(json.dumps(row).encode())
        if row["id"] in instances and cap_fields(decoded) is decoded:
            assert again[row["id"]] is instances[row["id"]]
    # And again: the rows now known by their text (page_reuse.py) when the page is in its form.
    third = await load_page(loader, rows)
    assert set(third) == set(again)
    for key, instance in third.items():
        assert_same(instance, expected[key])
        if again[key] is instances[key]:
            assert instance is again[key]


async def test_rows_of_one_shape_with_and_without_nulls_keep_their_own_fields_set() -> None:
    """The shared fields-set is that of the keys validated: a null is absent from it."""
    rows: list[dict[str, Any]] = [
        {"id": "a", "name": "web-1", "state": "Running"},
        {"id": "b", "name": "web-2", "state": None},
        {"id": "c", "name": "web-3", "state": "Stopped"},
        {"name": "web-4", "id": "d", "state": "Running"},
        {"id": "e", "name": "web-5", "state": None},
        {"id": "f", "name": "web-6", "state": "Running"},
    ]
    instances = await load_page(InstanceLoader(ENV), rows)
    for row in rows:
        assert_same(instances[row["id"]], reference(row))
