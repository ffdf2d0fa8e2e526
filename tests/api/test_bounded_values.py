"""A bounded cost for every value and every list (issue 15): one 50 MB name is cut as it is
read and its row still shows; a server that claims 199,999 rows and sends full pages without
end stops at the load's byte ceiling, with a reason that says so, in bounded memory."""

from __future__ import annotations

import asyncio
import contextlib
import tracemalloc
from collections.abc import AsyncGenerator, AsyncIterator

import pytest

from cca_tui.api.client import CloudCAClient
from cca_tui.api.errors import ListIncomplete
from cca_tui.api.field_caps import FIELD_LIMIT, cut_mark
from cca_tui.fleet.identity import EnvironmentRef
from cca_tui.ui.loading import Batch, InstanceLoader
from tests.fake_api_server import FakeRequest, FakeServer, Reply

KEY = "test-key-0001"
CODE, ENV = "compute-on", "env1"
INSTANCES = f"/v1/services/{CODE}/{ENV}/instances"
BIG = 50 * 1024 * 1024


def instance(row_id: str, **extra: object) -> dict[str, object]:
    return {"id": row_id, "name": f"vm-{row_id}", "state": "Running", **extra}


def generator(batches: AsyncIterator[Batch]) -> AsyncGenerator[Batch, None]:
    """The loader's stream, as the async generator it is (contextlib.aclosing needs its aclose)."""
    assert isinstance(batches, AsyncGenerator)
    return batches


def fifty_mb_list(request: FakeRequest) -> Reply:
    if request.path != INSTANCES:
        return Reply(200, {"data": []})  # public IPs: none
    rows = [instance("a"), instance("big", name="n" * BIG), instance("c"), instance("x" * (FIELD_LIMIT + 1))]
    return Reply(200, {"data": rows, "metadata": {"recordCount": len(rows)}})


async def test_a_50_mb_name_is_cut_and_marked_and_the_other_rows_show() -> None:
    async with FakeServer(fifty_mb_list) as server, CloudCAClient(server.url, KEY, max_retries=0) as api:
        listing = await api.compute(CODE, ENV).list_instances()
    names = {i.id: i.name for i in listing}
    assert set(names) == {"a", "big", "c"}  # the over-long id is refused, counted below
    assert names["big"] == "n" * FIELD_LIMIT + cut_mark(BIG)
    assert [bad.field for bad in listing.bad_rows] == ["id"]


async def test_the_apps_loader_cuts_a_50_mb_name_too() -> None:
    async with FakeServer(fifty_mb_list) as server, CloudCAClient(server.url, KEY, max_retries=0) as api:
        loader = InstanceLoader(EnvironmentRef(CODE, ENV))
        batches = [batch async for batch in loader.stream(api.compute(CODE, ENV))]
    last = batches[-1]
    names = {instance.id: instance.name for instance in last.instances.values()}
    assert last.complete and set(names) == {"a", "big", "c"}
    assert len(names["big"]) == FIELD_LIMIT + len(cut_mark(BIG))
    assert last.unreadable and "id is" in last.unreadable


# A stated bound: what the app's loader allocates (rows as read and as models) while the
# endless list of ~6 KB rows loads stays under twice the load's byte ceiling: 128 MiB.
# Measured: 92 MiB (10,500 rows); before the ceiling was lowered, 256 MiB of replies held
# ~250 MiB here (43,000 rows), and the 2.2 GB of the issue with small rows.
MEMORY_BOUND = 128 * 1024 * 1024


async def test_an_endless_199999_row_list_stops_at_the_byte_ceiling_in_bounded_memory() -> None:
    """recordCount 199,999, every page full (500 rows of ~6 KB), for ever."""
    served = {"rows": 0}

    def endless(request: FakeRequest) -> Reply:
        if request.path != INSTANCES:
            return Reply(200, {"data": []})
        number = request.int_param("page_number", 1)
        rows = [instance(f"p{number}-{i}", description="d" * 6000) for i in range(500)]
        served["rows"] += len(rows)
        return Reply(200, {"data": rows, "metadata": {"recordCount": 199_999}})

    loader = InstanceLoader(EnvironmentRef(CODE, ENV))
    held = 0
    tracemalloc.start()
    try:
        async with FakeServer(endless) as server, CloudCAClient(server.url, KEY, max_retries=0) as api:
            with pytest.raises(ListIncomplete) as caught:
                async with contextlib.aclosing(generator(loader.stream(api.compute(CODE, ENV)))) as batches:
                    async for batch in batches:
                        held = len(batch.instances)
                        await asyncio.sleep(0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_BOUND, f"peak {peak / 2**20:.0f} MiB for {held} rows"
    assert held < 199_999 and held * 6000 < 64 * 1024 * 1024
    assert "replies exceed 64 MiB" in str(caught.value)  # what the STALE mark says
