"""FleetData.detail against the simulator over HTTP: what it sends, and what it leaves behind
when the retrieve fails.

The retrieve and the side lists (NICs, rules, volumes) go together; when the retrieve fails
the detail fails, and the lists must not go on by themselves: a list the server answers with
a 5xx was retried in the background for seconds after the pane had shown the error.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from cca_tui.api.client import CloudCAClient
from cca_tui.api.errors import CloudCAError, InvalidId
from cca_tui.api.models import Instance
from cca_tui.fleet.data import FleetData
from cca_tui.fleet.identity import EnvironmentRef, located
from cca_tui.sim.server import SimServer

PRODUCTION = EnvironmentRef("compute-on", "production")


class Sent(httpx.AsyncBaseTransport):
    """Real HTTP, each request's path and query noted; `failing` paths answered 500 here."""

    def __init__(self, *failing: str) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.failing = failing
        self.requests: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(f"{request.url.path}?{request.url.query.decode()}")
        if any(request.url.path.endswith(path) for path in self.failing):
            return httpx.Response(500, json={"errors": [{"code": 500, "message": "boom"}]})
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _row(sim: SimServer, instance_id: str) -> Instance:
    instance = next(iter(sim.world.environment("compute-on", "production").instances.values()))
    return located(Instance(id=instance_id, name=instance.name, state=instance.state), PRODUCTION)


def _others(before: set[asyncio.Task[object]]) -> set[asyncio.Task[object]]:
    return {task for task in asyncio.all_tasks() if task not in before and not task.done()}


@pytest.mark.parametrize("bad_id", ["", ".", ".."])
async def test_the_detail_of_a_row_without_a_usable_id_sends_nothing(sim: SimServer, bad_id: str) -> None:
    transport = Sent()
    client = CloudCAClient(sim.url, sim.api_key, transport=transport, max_retries=0)
    try:
        with pytest.raises(InvalidId):
            await FleetData(client).detail(_row(sim, bad_id))
        # Not even the side lists: `instance_id=` (empty) is no filter, it asks for all of them.
        assert transport.requests == []
    finally:
        await client.aclose()


async def test_a_failed_retrieve_leaves_no_side_list_running(sim: SimServer) -> None:
    transport = Sent("/portforwardingrules")  # and the retrieve: 404, no such instance
    client = CloudCAClient(sim.url, sim.api_key, transport=transport, max_retries=3, backoff=0.5)
    before = set(asyncio.all_tasks())
    try:
        with pytest.raises(CloudCAError):
            await FleetData(client).detail(_row(sim, "no-such-id"))
        assert _others(before) == set()  # the rules' retries ended with the detail
    finally:
        await client.aclose()
