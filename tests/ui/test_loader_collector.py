"""What a load makes is put out of the cyclic collector's sight as it goes, not only after
each page: a server that ignores the page size sends 20,000 rows in one page, and the full
collections its allocations triggered walked the whole app (measured: 4 of 74-263 ms during
one such load; 2 of 12-108 ms with this)."""

from __future__ import annotations

import gc
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from cca_tui.api.envelope import decode_json
from cca_tui.api.errors import TransportError
from cca_tui.api.models import PublicIp
from cca_tui.ui import loading
from cca_tui.ui.loading import InstanceLoader
from tests.property.test_property_loader_rows import ENV, _Page

ROWS = 40


class _OneBigPage:
    def __init__(self, frozen_before_rows: list[int]) -> None:
        rows = [{"id": f"i-{n}", "name": f"web-{n}", "state": "Running"} for n in range(ROWS)]
        self.body = json.dumps({"data": rows}).encode()
        self.frozen_before_rows = frozen_before_rows

    async def iter_raw_pages(self, entity: str) -> AsyncIterator[_Page]:
        self.frozen_before_rows.append(gc.get_freeze_count())
        rows = decode_json(self.body)["data"]
        yield _Page(rows, len(rows))

    async def list_public_ips(self) -> list[PublicIp]:
        raise TransportError("not asked here", method="GET", path="publicipaddresses")


async def test_a_load_freezes_what_lives_before_it_and_what_each_slice_of_a_page_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(loading, "SLICE", 0.0)  # every row is a slice of its own
    gc.unfreeze()
    before_load: list[Any] = [[n] for n in range(1000)]  # what the app holds: tracked, not frozen
    frozen_before_rows: list[int] = []
    freezes: list[int] = []
    freeze = gc.freeze

    def noting_freeze() -> None:
        freeze()
        freezes.append(gc.get_freeze_count())

    monkeypatch.setattr(loading.gc, "freeze", noting_freeze)
    try:
        batches = [batch async for batch in InstanceLoader(ENV).stream(_OneBigPage(frozen_before_rows))]
    finally:
        gc.unfreeze()
    assert len(batches[-1].instances) == ROWS
    assert frozen_before_rows[0] >= len(before_load)  # the app's heap, before the first row
    # One page, every slice frozen as it was read: the count grows slice after slice.
    assert len(freezes) >= ROWS - 1
    assert freezes == sorted(freezes) and freezes[-1] > freezes[0]
