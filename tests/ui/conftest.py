"""Fixtures for the form tests: a client on the simulator that logs its requests, and a host app.

The tests' directory is not a package, so helpers reach the tests as fixtures.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

from cca_tui.api.client import CloudCAClient, ComputeScope
from cca_tui.sim.server import SimServer

# The forms' fixtures work in this environment (the `sim` fixture comes from tests/conftest.py).
ENV = ("compute-on", "test_area")


class LoggingTransport(httpx.AsyncBaseTransport):
    """Real HTTP, with every request's method and path noted: proves what a form did or did not send."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.log: list[tuple[str, str]] = []
        self.bodies: list[Any] = []  # JSON bodies of the requests that had one, in order

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.log.append((request.method, request.url.path))
        content = await request.aread()
        if content:
            self.bodies.append(json.loads(content))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def mutations(self) -> list[tuple[str, str]]:
        """Requests other than GET: the ones that change something."""
        return [entry for entry in self.log if entry[0] != "GET"]


@pytest.fixture
def http_log() -> LoggingTransport:
    return LoggingTransport()


@pytest.fixture
async def sim_compute(sim: SimServer, http_log: LoggingTransport) -> AsyncIterator[ComputeScope]:
    client = CloudCAClient(sim.url, sim.api_key, transport=http_log, task_poll_interval=0.01, max_retries=0)
    try:
        yield client.compute(*ENV)
    finally:
        await client.aclose()


@pytest.fixture
def sim_env(sim: SimServer) -> Any:
    """The simulator's live record of the environment the forms work in."""
    return sim.world.environment(*ENV)


class FormHost(App[None]):
    """A bare app that opens one form and records what it dismisses with."""

    def __init__(self, form: Screen[Any]) -> None:
        super().__init__()
        self.form = form
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(self.form, self.results.append)


async def _instance_named(compute: ComputeScope, name: str) -> Any:
    """The instance as the API retrieves it (with public IPs and NICs), found by name."""
    listed = next(i for i in await compute.list_instances() if i.name == name)
    return await compute.get_instance(listed.id)


@pytest.fixture
def instance_named() -> Callable[[ComputeScope, str], Awaitable[Any]]:
    return _instance_named


@pytest.fixture
def form_host() -> Callable[[Screen[Any]], FormHost]:
    return FormHost


async def _settle(pilot: Pilot[Any]) -> None:
    """Let every worker finish (lists loaded, requests answered) and the screen catch up."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture
def settle_form() -> Callable[[Pilot[Any]], Awaitable[None]]:
    return _settle
