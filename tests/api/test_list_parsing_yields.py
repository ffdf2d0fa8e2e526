"""A list's rows are parsed in slices: a server that ignores paging and sends thousands of
rows at once must not freeze the screen for the second it takes to read them."""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, field_validator

from cca_tui.api import client as client_module
from cca_tui.api.client import CloudCAClient

ROWS = 300


# How often another task has run so far, and that count as each row was read.
TICKS = [0]
SEEN: list[int] = []


class Row(BaseModel):
    """A row that notes, as it is read, how often another task has run so far."""

    id: str

    @field_validator("id")
    @classmethod
    def _note(cls, value: str) -> str:
        SEEN.append(TICKS[0])
        return value


def _all_at_once(request: httpx.Request) -> httpx.Response:
    """Paging ignored: every row in the first reply."""
    rows: list[dict[str, Any]] = [{"id": f"row-{n}"} for n in range(ROWS)]
    return httpx.Response(200, json={"data": rows, "metadata": {"recordCount": ROWS}})


async def test_other_tasks_run_while_one_big_page_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    # Give the loop back after every row (raising=False: on code without slices the test
    # fails on what it observed, not on a missing name).
    monkeypatch.setattr(client_module, "PARSE_SLICE", 0.0, raising=False)
    TICKS[0] = 0
    SEEN.clear()
    stop = asyncio.Event()

    async def ticker() -> None:
        while not stop.is_set():
            TICKS[0] += 1
            await asyncio.sleep(0)

    ticking = asyncio.ensure_future(ticker())
    try:
        transport = httpx.MockTransport(_all_at_once)
        async with CloudCAClient("http://127.0.0.1:9/v1", "k" * 32, transport=transport) as api:
            pages = api.iter_pages(Row, "things")
            async with aclosing(pages):
                parsed = [row async for page in pages for row in page.items]
    finally:
        stop.set()
        await ticking
    assert len(parsed) == ROWS
    assert len(SEEN) == ROWS
    # Within the one page, the ticker ran between rows: the count grew as the rows were read.
    assert SEEN[-1] - SEEN[0] >= ROWS - 1
