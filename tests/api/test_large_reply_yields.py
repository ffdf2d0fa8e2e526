"""A reply too large for one call is decoded and checked for the key a slice at a time: a
server that ignores the page size and sends 20,000 rows at once (13 MB of real instances,
140-190 ms of decoding in one call) must not hold the event loop for all of it."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from cca_tui.api import envelope, key_scrub
from cca_tui.api.client import CloudCAClient

ROWS = 20_000
KEY = "k" * 32

# How often another task has run so far, and that count at each decoding or key-check call.
TICKS = [0]


def _rows() -> list[dict[str, Any]]:
    return [{"id": f"i-{n}", "name": f"web-{n}", "state": "Running", "zoneName": "ON-1"} for n in range(ROWS)]


def _all_at_once(request: httpx.Request) -> httpx.Response:
    """Paging ignored: every row in the first reply."""
    return httpx.Response(200, json={"data": _rows(), "metadata": {"recordCount": ROWS}})


@pytest.fixture
def ticker() -> Iterator[None]:
    TICKS[0] = 0
    yield


async def _list_while_ticking() -> list[str]:
    stop = asyncio.Event()

    async def tick() -> None:
        while not stop.is_set():
            TICKS[0] += 1
            await asyncio.sleep(0)

    ticking = asyncio.ensure_future(tick())
    try:
        transport = httpx.MockTransport(_all_at_once)
        async with CloudCAClient("http://127.0.0.1:9/v1", KEY, transport=transport) as api:
            instances = await api.compute("c", "e").list_instances()
    finally:
        stop.set()
        await ticking
    return [instance.id for instance in instances]


def _between_calls(calls: list[int]) -> list[int]:
    return [later - earlier for earlier, later in itertools.pairwise(calls)]


async def test_a_large_reply_is_decoded_in_slices_with_other_tasks_running_between(
    monkeypatch: pytest.MonkeyPatch, ticker: None
) -> None:
    decoded = envelope.from_json  # type: ignore[attr-defined]  # the name the module calls
    calls: list[int] = []

    def noting(body: bytes, **options: Any) -> Any:
        calls.append(TICKS[0])
        return decoded(body, **options)

    monkeypatch.setattr(envelope, "from_json", noting)
    ids = await _list_while_ticking()
    assert ids == [row["id"] for row in _rows()]  # every row, in order, once
    assert len(calls) >= 3, calls  # ~1.1 MB in slices of 512 KiB
    assert all(turns > 0 for turns in _between_calls(calls)), calls


async def test_a_large_reply_is_checked_for_the_key_in_slices_with_other_tasks_running_between(
    monkeypatch: pytest.MonkeyPatch, ticker: None
) -> None:
    suspect = key_scrub.KeyScrubber.suspect
    calls: list[int] = []

    def noting(self: key_scrub.KeyScrubber, raw: bytes) -> bool:
        calls.append(TICKS[0])
        return suspect(self, raw)

    monkeypatch.setattr(key_scrub.KeyScrubber, "suspect", noting)
    await _list_while_ticking()
    assert len(calls) >= 3, calls
    assert all(turns > 0 for turns in _between_calls(calls)), calls


def test_a_key_across_the_cut_between_two_slices_is_found() -> None:
    """Each slice reaches into the next by the longest tell: a key cut in two is still seen."""
    scrubber = key_scrub.key_scrubber(KEY)
    for offset in range(-12, 12):
        at = key_scrub.SLICE_BYTES + offset
        raw = b'{"data":["' + b"x" * (at - 10) + KEY.encode() + b'"]}'
        assert asyncio.run(scrubber.suspect_in_slices(raw)), offset
    assert not asyncio.run(scrubber.suspect_in_slices(b'{"data":["' + b"x" * 2 * key_scrub.SLICE_BYTES + b'"]}'))
