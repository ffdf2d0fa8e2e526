"""Once page 1 gives the total, the other pages come concurrently (bounded), the server's
cap still becomes the page size, and the first page can be shown while the rest arrive."""

from __future__ import annotations

import asyncio
import contextlib
from contextlib import aclosing

from cca_tui.api.client import CloudCAClient, Listing, Page
from cca_tui.api.models import Instance
from cca_tui.sim.options import SimOptions
from tests.conftest import SimFactory
from tests.fake_api_server import FakeRequest, FakeServer, Reply

KEY = "test-key-0001"
CODE, ENV = "compute-on", "env1"
GUARD = 20.0


def rows_for(number: int, size: int, total: int) -> list[dict[str, str]]:
    start = (number - 1) * size
    return [{"id": f"i{n}", "name": f"vm-{n}"} for n in range(start, min(start + size, total))]


async def test_pages_after_the_first_are_fetched_concurrently_within_the_bound() -> None:
    total, size = 100, 10
    crowd = asyncio.Event()
    server: FakeServer

    async def handler(request: FakeRequest) -> Reply:
        number = request.int_param("page_number", 1)
        if number > 1:
            if server.in_flight >= 4:
                crowd.set()
            # hold the first pages until four are in flight at once (a condition, not a delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(crowd.wait(), 5)
        return Reply(200, {"data": rows_for(number, size, total), "metadata": {"recordCount": total}})

    async with FakeServer(handler) as server, CloudCAClient(server.url, KEY, page_size=size, page_concurrency=4) as api:
        instances = await asyncio.wait_for(api.compute(CODE, ENV).list_instances(), GUARD)
    assert crowd.is_set()
    assert server.max_in_flight == 4
    assert len(instances) == total and len({i.id for i in instances}) == total
    assert sorted(r.int_param("page_number", 0) for r in server.requests) == list(range(1, 11))


async def test_the_servers_cap_becomes_the_page_size_for_every_later_page() -> None:
    total, cap = 30, 7

    def capped(request: FakeRequest) -> Reply:
        number = request.int_param("page_number", 1)
        size = min(request.int_param("page_size", cap), cap)
        return Reply(200, {"data": rows_for(number, size, total), "metadata": {"recordCount": total}})

    async with FakeServer(capped) as server, CloudCAClient(server.url, KEY, page_size=500) as api:
        instances = await asyncio.wait_for(api.compute(CODE, ENV).list_instances(), GUARD)
    assert len(instances) == total
    assert server.requests[0].query["page_size"] == "500"
    assert {r.query["page_size"] for r in server.requests[1:]} == {"7"}
    assert len(server.requests) == 5  # ceil(30 / 7)


async def test_the_first_page_is_yielded_before_the_others_arrive() -> None:
    total, size = 30, 10
    release = asyncio.Event()

    async def handler(request: FakeRequest) -> Reply:
        number = request.int_param("page_number", 1)
        if number > 1:
            await asyncio.wait_for(release.wait(), GUARD)
        return Reply(200, {"data": rows_for(number, size, total), "metadata": {"recordCount": total}})

    async with FakeServer(handler) as server, CloudCAClient(server.url, KEY, page_size=size) as api:
        pages: list[Page[Instance]] = []
        async for page in api.compute(CODE, ENV).iter_instance_pages():
            if not pages:
                # pages 2 and 3 are still held by the server: page 1 came on its own
                assert page.number == 1 and page.total == total and len(page.items) == size
                assert not release.is_set()
                release.set()
            pages.append(page)
    assert sorted(p.number for p in pages) == [1, 2, 3]
    assert sum(len(p.items) for p in pages) == total


async def test_list_instances_is_a_listing_built_on_the_pages(sim_factory: SimFactory) -> None:
    sim = sim_factory(SimOptions(task_delay=0, instances=1234, page_cap=100))
    async with CloudCAClient(sim.url, sim.api_key) as api:
        compute = api.compute("compute-on", "production")
        instances = await compute.list_instances()
        pages = [page async for page in compute.iter_instance_pages()]
    assert isinstance(instances, Listing) and isinstance(instances, list)
    assert len(instances) == 1234 and instances.total == 1234 and instances.bad_rows == []
    assert pages[0].number == 1 and len(pages) == 13
    assert {i.id for p in pages for i in p.items} == {i.id for i in instances}


async def test_stopping_early_cancels_the_pages_in_flight() -> None:
    total, size = 100, 10
    never = asyncio.Event()

    async def handler(request: FakeRequest) -> Reply:
        number = request.int_param("page_number", 1)
        if number > 1:
            await never.wait()
        return Reply(200, {"data": rows_for(number, size, total), "metadata": {"recordCount": total}})

    async with FakeServer(handler) as server, CloudCAClient(server.url, KEY, page_size=size, page_concurrency=4) as api:
        async with aclosing(api.compute(CODE, ENV).iter_instance_pages()) as pages:
            async for page in pages:
                assert page.number == 1
                for _ in range(1000):  # the next pages are on their way while we look at page 1
                    if server.in_flight == 4:
                        break
                    await asyncio.sleep(0.01)
                assert server.in_flight == 4
                break
        # closing the iterator cancelled those requests: the server saw their clients hang up
        for _ in range(1000):
            if server.hung_up == 4:
                break
            await asyncio.sleep(0.01)
        assert server.hung_up == 4 and server.in_flight == 0
    assert len(server.requests) == 5
