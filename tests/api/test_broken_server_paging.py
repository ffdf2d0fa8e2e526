"""List loads against servers that page without end, drip, send too much or repeat themselves:
each load ends, with a typed ListIncomplete that says why, and holds a bounded number of rows."""

from __future__ import annotations

import asyncio
import time

import pytest

from cca_tui.api.client import CloudCAClient
from cca_tui.api.errors import ListIncomplete, OutcomeUnknown, TransportError
from cca_tui.api.models import Instance
from cca_tui.api.transport import DEFAULT_DEADLINE
from tests.fake_api_server import FakeRequest, FakeServer, Reply

KEY = "test-key-0001"
CODE, ENV = "compute-on", "env1"
INSTANCES = f"/v1/services/{CODE}/{ENV}/instances"
# A broken client pages forever; the guard turns that into a failure instead of a hang.
GUARD = 20.0


def instance(row_id: str, **extra: object) -> dict[str, object]:
    return {"id": row_id, "name": f"vm-{row_id}", "state": "Running", **extra}


def client(server: FakeServer, *, page_size: int = 500, deadline: float = DEFAULT_DEADLINE) -> CloudCAClient:
    """A client that does not retry (each refusal is seen once)."""
    return CloudCAClient(server.url, KEY, max_retries=0, page_size=page_size, deadline=deadline)


async def list_instances(api: CloudCAClient) -> list[Instance]:
    return await asyncio.wait_for(api.compute(CODE, ENV).list_instances(), GUARD)


async def test_a_total_that_keeps_growing_stops_at_the_first_pages_count() -> None:
    """Each page says there is one row more than sent so far: the first page's total rules."""

    def endless(request: FakeRequest) -> Reply:
        number = request.int_param("page_number", 1)
        rows = [instance(f"p{number}-{i}") for i in range(10)]
        return Reply(200, {"data": rows, "metadata": {"recordCount": number * 10 + 1}})

    async with FakeServer(endless) as server, client(server, page_size=10) as api:
        rows = await list_instances(api)
    assert 11 <= len(rows) <= 20
    assert len(server.requests) == 2


async def test_a_server_that_keeps_saying_there_is_more_stops_at_the_page_cap() -> None:
    """recordCount 1,000 at 10 a page, but every page after the first brings a single row."""

    def trickle(request: FakeRequest) -> Reply:
        number = request.int_param("page_number", 1)
        count = 10 if number == 1 else 1
        rows = [instance(f"p{number}-{i}") for i in range(count)]
        return Reply(200, {"data": rows, "metadata": {"recordCount": 1000}})

    async with FakeServer(trickle) as server, client(server, page_size=10) as api:
        with pytest.raises(ListIncomplete) as caught:
            await list_instances(api)
    # 100 pages planned from the total, 2 of slack: then it stops and says so.
    assert len(server.requests) == 102
    assert "still short of the total after 102 pages" in str(caught.value)
    assert caught.value.total == 1000 and caught.value.rows == 10 + 101


async def test_an_absurd_total_is_refused_after_the_first_page() -> None:
    def absurd(request: FakeRequest) -> Reply:
        number = request.int_param("page_number", 1)
        rows = [instance(f"p{number}-{i}") for i in range(10)]
        return Reply(200, {"data": rows, "metadata": {"recordCount": 10**9}})

    async with FakeServer(absurd) as server, client(server, page_size=10) as api:
        pages = []
        with pytest.raises(ListIncomplete) as caught:
            async for page in api.compute(CODE, ENV).iter_instance_pages():
                pages.append(page)
    assert [len(p.items) for p in pages] == [10]  # the first page was still shown
    assert len(server.requests) == 1
    assert "1000000000 rows" in caught.value.reason


async def test_a_dripping_reply_ends_at_the_load_deadline() -> None:
    body = {"data": [instance(str(i)) for i in range(20)], "metadata": {"recordCount": 20}}

    async def drip(request: FakeRequest) -> Reply:
        return Reply(200, body, drip=0.05)  # about a minute for the whole body

    async with FakeServer(drip) as server, client(server, deadline=0.5) as api:
        started = time.monotonic()
        with pytest.raises(ListIncomplete) as caught:
            await list_instances(api)
        elapsed = time.monotonic() - started
    assert "no complete reply within 0.5 s" in str(caught.value)
    assert elapsed < GUARD / 2


@pytest.mark.parametrize("with_total", [True, False], ids=["total", "no-total"])
async def test_the_load_deadline_counts_the_servers_time_not_the_time_the_app_reads_pages(with_total: bool) -> None:
    """A prompt server, an app that takes a while over each page (100,000 rows on a busy
    machine): the load completes. Counting the app's own time, it ran past the deadline, and
    the app's retry read every page again, for ever."""

    def prompt(request: FakeRequest) -> Reply:
        number = request.int_param("page_number", 1)
        rows = [instance(f"p{number}-{i}") for i in range(10 if number <= 20 else 0)]
        return Reply(200, {"data": rows, "metadata": {"recordCount": 200}} if with_total else {"data": rows})

    async with FakeServer(prompt) as server, client(server, page_size=10, deadline=1.0) as api:
        rows = 0
        pages = api.compute(CODE, ENV).iter_raw_pages("instances")
        async for page in pages:
            rows += len(page.rows)
            await asyncio.sleep(0.15)  # the app reading the page: 3 s in all, past the deadline
    assert rows == 200


async def test_a_dripping_reply_to_a_single_get_or_a_mutation_ends_too() -> None:
    async def drip(request: FakeRequest) -> Reply:
        return Reply(200, {"data": instance("x", description="y" * 500)}, drip=0.05)

    async with FakeServer(drip) as server, client(server, deadline=0.3) as api:
        compute = api.compute(CODE, ENV)
        with pytest.raises(TransportError, match=r"no complete reply within 0\.3 s"):
            await asyncio.wait_for(compute.get_instance("x"), GUARD)
        with pytest.raises(OutcomeUnknown, match=r"no complete reply within 0\.3 s"):
            await asyncio.wait_for(compute.stop_instance("x"), GUARD)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_page_larger_than_its_page_size_allows_is_cut(chunked: bool) -> None:
    """10 rows a page at 16 KiB a row allow 224 KiB; page 2 is 2 MB."""
    huge = "x" * 200_000

    def fat(request: FakeRequest) -> Reply:
        number = request.int_param("page_number", 1)
        extra = {"description": huge} if number == 2 else {}
        rows = [instance(f"p{number}-{i}", **extra) for i in range(10)]
        return Reply(200, {"data": rows, "metadata": {"recordCount": 30}}, chunked=chunked)

    async with FakeServer(fat) as server, client(server, page_size=10) as api:
        with pytest.raises(ListIncomplete, match=r"a reply is larger than 0\.219 MiB"):
            await list_instances(api)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_first_page_larger_than_the_reply_ceiling_is_cut(chunked: bool) -> None:
    def fat(request: FakeRequest) -> Reply:
        rows = [instance(str(i), description="x" * 20_000) for i in range(10)]
        return Reply(200, {"data": rows, "metadata": {"recordCount": 10}}, chunked=chunked)

    async with FakeServer(fat) as server, client(server, page_size=10) as api:
        api.http.max_reply_bytes = 100_000
        with pytest.raises(ListIncomplete, match="a reply is larger than"):
            await list_instances(api)


async def test_a_server_that_ignores_paging_may_send_every_row_at_once() -> None:
    """Paging 'may be ignored by the server': 2,000 rows in one reply are a complete list."""

    def everything(request: FakeRequest) -> Reply:
        rows = [instance(str(i), description="d" * 1000) for i in range(2000)]
        return Reply(200, {"data": rows, "metadata": {"recordCount": 2000}})

    async with FakeServer(everything) as server, client(server, page_size=10) as api:
        rows = await list_instances(api)
    assert len(rows) == 2000 and len(server.requests) == 1


async def test_a_load_stops_at_its_byte_cap_derived_from_the_total() -> None:
    """Pages each within the reply cap, but together far more than 1,000 rows should take."""
    filler = "x" * 6000

    def heavy(request: FakeRequest) -> Reply:
        number = request.int_param("page_number", 1)
        # one new row per page, nine repeated ones: the rows never reach the total
        rows = [instance(f"p{number}")] + [instance(f"old{i}", description=filler) for i in range(9)]
        return Reply(200, {"data": rows, "metadata": {"recordCount": 1000}})

    async with FakeServer(heavy) as server, client(server, page_size=10) as api:
        api.http.row_allowance = 1024  # 1 KiB a row: (1000 + 10) KiB + 64 KiB for this load
        with pytest.raises(ListIncomplete, match="replies exceed") as caught:
            await list_instances(api)
    assert len(server.requests) < 100
    assert caught.value.rows < 100


async def test_a_load_stops_at_the_absolute_byte_ceiling() -> None:
    def pages(request: FakeRequest) -> Reply:
        number = request.int_param("page_number", 1)
        rows = [instance(f"p{number}-{i}", description="x" * 1000) for i in range(10)]
        return Reply(200, {"data": rows, "metadata": {"recordCount": 10_000}})

    async with FakeServer(pages) as server, client(server, page_size=10) as api:
        api.http.max_load_bytes = 100_000
        with pytest.raises(ListIncomplete, match="replies exceed"):
            await list_instances(api)
    assert len(server.requests) < 20


async def test_a_server_that_ignores_page_number_is_caught() -> None:
    def same(request: FakeRequest) -> Reply:
        return Reply(200, {"data": [instance(str(i)) for i in range(10)], "metadata": {"recordCount": 30}})

    async with FakeServer(same) as server, client(server, page_size=10) as api:
        with pytest.raises(ListIncomplete, match="repeated a page") as caught:
            await list_instances(api)
    assert caught.value.rows == 10 and caught.value.total == 30
