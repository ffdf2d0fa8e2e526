"""Fixtures for the form tests: a client on the simulator that logs its requests, and a host app.

Helpers reach the tests as fixtures; the fixtures' types (SettleForm, FormHostFactory...) are
imported from here for the tests' annotations.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol, TypeAlias

import httpx
import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

from cca_tui.api.client import CloudCAClient, ComputeScope
from cca_tui.api.models import Instance
from cca_tui.fleet.data import FleetData
from cca_tui.sim.environment import Environment
from cca_tui.sim.server import SimServer
from cca_tui.ui.safety import SafetyPolicy

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
def sim_env(sim: SimServer) -> Environment:
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


async def _instance_named(compute: ComputeScope, name: str) -> Instance:
    """The instance as the API retrieves it (with public IPs and NICs), found by name."""
    listed = next(i for i in await compute.list_instances() if i.name == name)
    return await compute.get_instance(listed.id)


# What the fixtures below are, for the tests' annotations.
InstanceNamed: TypeAlias = Callable[[ComputeScope, str], Awaitable[Instance]]
FormHostFactory: TypeAlias = Callable[[Screen[Any]], FormHost]
SettleForm: TypeAlias = Callable[[Pilot[Any]], Awaitable[None]]


@pytest.fixture
def instance_named() -> InstanceNamed:
    return _instance_named


@pytest.fixture
def form_host() -> FormHostFactory:
    return FormHost


async def _settle(pilot: Pilot[Any]) -> None:
    """Let every worker finish (lists loaded, requests answered) and the screen catch up."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture
def settle_form() -> SettleForm:
    return _settle


class PickerHost(App[None]):
    """A bare app around the environment picker: the client, and what the picker asks the app
    to do (open an environment, show the key screen) recorded instead of done."""

    def __init__(self, client: CloudCAClient, picker: Screen[Any]) -> None:
        super().__init__()
        self.client = client
        self.picker = picker
        self.opened: list[tuple[str, str]] = []
        self.key_problems: list[str] = []
        self.has_environment = False
        self.key_confirmed = False
        self.safety = SafetyPolicy()
        self.data = FleetData(client)

    @property
    def api(self) -> CloudCAClient:
        return self.client

    def key_refused(self, status: int) -> bool:
        return status == 401 or not self.key_confirmed

    def on_mount(self) -> None:
        self.push_screen(self.picker)

    def open_environment(self, service_code: str, environment_name: str) -> None:
        self.opened.append((service_code, environment_name))

    def show_key_problem(self, problem: str) -> None:
        self.key_problems.append(problem)


@pytest.fixture
async def sim_client(sim: SimServer) -> AsyncIterator[CloudCAClient]:
    """A client on the simulator that does not retry by itself (the screens' retries are tested)."""
    client = CloudCAClient(sim.url, sim.api_key, task_poll_interval=0.01, max_retries=0)
    try:
        yield client
    finally:
        await client.aclose()


PickerHostFactory: TypeAlias = Callable[[CloudCAClient, Screen[Any]], PickerHost]


@pytest.fixture
def picker_host() -> PickerHostFactory:
    return PickerHost


async def _wait_until(pilot: Pilot[Any], condition: Callable[[], bool], what: str, limit: float = 30.0) -> None:
    """Let the app run until `condition()` holds: a wait on a condition, with a generous limit
    so a busy machine is slow, not wrong."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        await pilot.pause(0.02)


class WaitUntil(Protocol):
    """What the `wait_until` fixture is: `await wait_until(pilot, condition, "what it waits for")`."""

    def __call__(
        self, pilot: Pilot[Any], condition: Callable[[], bool], what: str, limit: float = 30.0
    ) -> Awaitable[None]: ...


@pytest.fixture
def wait_until() -> WaitUntil:
    return _wait_until
