"""A task that ends shows its row's outcome with the task log, without reloading the list.

The real app on the simulator over HTTP (its tasks end when the test moves the simulator's
clock), requests counted on the client side. When a task's result is its instance, that row
is patched from it; when it is not (or the outcome is unknown), the environment is reloaded
as before, once at a time however many tasks end. A load that read a row before its task
ended and arrives after the patch must not bring the older state back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot

from cca_tui.fleet.identity import RowKey
from cca_tui.sim.options import SimOptions
from cca_tui.sim.server import SimServer
from cca_tui.ui.app import CcaApp
from cca_tui.ui.forms import ActionConfirmModal, CreateInstanceForm
from cca_tui.ui.screens import instances as instances_module
from cca_tui.ui.screens.instances import InstanceScreen
from cca_tui.ui.state import EnvironmentView, TaskRow
from cca_tui.ui.widgets.instance_table import InstanceTable
from cca_tui.ui.widgets.task_log import TaskLog
from tests.conftest import SimFactory
from tests.ui.app_harness import (
    SIZE,
    RequestCounter,
    env_instances,
    make_app,
    open_app,
    select,
    settle,
    top_screen,
    wait_until,
)
from tests.ui.faulty_transport import Fault, FaultyTransport
from tests.ui.hostile import assert_terminal_clean, terminal_output
from tests.ui.test_app_lifecycle import fill_create_form
from tests.ui.test_fleet import fleet_app, opened

ENV = "compute-on/production"
TASK_TAKES = 30.0  # the simulator's seconds: a task ends when the test moves its clock past it


@pytest.fixture(autouse=True)
def no_timed_refresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """While something is in flight the screen refreshes every second: here only what a task's
    end asks for loads (the settings' interval is a minute, longer than any of these tests)."""
    monkeypatch.setattr(instances_module, "FAST_REFRESH", 3600.0)


class SimClock:
    """The simulator's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def tasks_due(self) -> None:
        self.now += 2 * TASK_TAKES


def slow_sim(sim_factory: SimFactory) -> tuple[SimServer, SimClock]:
    clock = SimClock()
    return sim_factory(SimOptions(task_delay=TASK_TAKES), clock=clock), clock


def list_loads(requests: list[str], environment: str | None = None) -> list[str]:
    """The instance-list requests among these (of one environment, "code/name"; each load
    asks for its pages in order: a page_number=1 starts a load)."""
    where = f"/services/{environment}/instances?" if environment is not None else "/instances?"
    return [r for r in requests if r.startswith("GET ") and where in r]


class Counted(FaultyTransport):
    """Real HTTP to the simulator (through the rules, if any), each request noted as
    RequestCounter notes it: for the fleet's app, which takes its transport as it is."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(f"{request.method} {request.url.path}?{request.url.query.decode()}")
        return await super().handle_async_request(request)


def task_of(screen: InstanceScreen, key: Hashable) -> TaskRow | None:
    """The latest task of ours on a row, as the screen's task log has it."""
    rows = [row for row in screen.view.tasks if row.row_key == key]
    return rows[-1] if rows else None


def state_of(screen: InstanceScreen, key: Hashable) -> str:
    return screen.view.instances[key].state


def drawn_state(screen: InstanceScreen, key: Hashable) -> str:
    """The State cell of a row as the table draws it."""
    table = screen.query_one(InstanceTable)
    row = screen.view.rows.index(screen.view.instances[key])
    line = table.render_line(row + 1 - round(table.scroll_y)).text  # (line 0: the header)
    name = screen.view.instances[key].name
    after_name = line.split(name, 1)[1].split()
    return after_name[0]


def key_of(screen: InstanceScreen, instance_id: str) -> RowKey:
    [key] = [k for k in screen.view.instances if isinstance(k, RowKey) and k.id == instance_id]
    return key


def shown(monkeypatch: pytest.MonkeyPatch, key: Hashable) -> list[tuple[str | None, str]]:
    """For each view the table is given from now on (what one frame shows): the status of our
    latest task on the row in the task log, and the row's state (repeats folded)."""
    seen: list[tuple[str | None, str]] = []
    follow = InstanceTable.watch_view

    # (Textual calls a watcher with as many values as its signature takes: this one's.)
    def watching(table: InstanceTable, old: EnvironmentView | None, new: EnvironmentView | None) -> None:
        instance = new.instances.get(key) if new is not None else None
        if new is not None and instance is not None:
            tasks = [row.status for row in new.tasks if row.row_key == key]
            pair = (tasks[-1] if tasks else None, instance.state)
            if not seen or seen[-1] != pair:
                seen.append(pair)
        follow(table, old, new)

    monkeypatch.setattr(InstanceTable, "watch_view", watching)
    return seen


def states_after_the_end(seen: list[tuple[str | None, str]]) -> list[str]:
    """The row's states in the views from the first whose task log says SUCCESS."""
    first = next(n for n, (status, _state) in enumerate(seen) if status == "SUCCESS")
    return list(dict.fromkeys(state for _status, state in seen[first:]))


async def started(pilot: Pilot[None], app: CcaApp, screen: InstanceScreen, keys: list[RowKey]) -> None:
    """Wait until our start of each row is accepted and the refresh its sending asked for
    shows it Starting, and no load is under way (`settle` would wait for the tasks' ends)."""
    await wait_until(
        pilot,
        lambda: (
            all((task := task_of(screen, key)) is not None and task.status == "PENDING" for key in keys)
            and all(state_of(screen, key) == "Starting" for key in keys)
            and not screen.loading_now
        ),
    )
    await pilot.pause()


def stopped_rows(screen: InstanceScreen) -> list[RowKey]:
    return [
        key
        for key, instance in screen.view.instances.items()
        if isinstance(key, RowKey) and instance.state == "Stopped"
    ]


async def start_marked(pilot: Pilot[None], app: CcaApp, screen: InstanceScreen, keys: list[RowKey]) -> None:
    """Mark each row (cursor on it, space), then `s` and confirm, as the operator does."""
    for key in keys:
        screen.query_one(InstanceTable).select(key)
        await pilot.pause()
        await pilot.press("space")
        await pilot.pause()
    await pilot.press("s")
    await wait_until(pilot, lambda: isinstance(app.screen, ActionConfirmModal))
    await pilot.press("enter")
    await started(pilot, app, screen, keys)


async def test_a_start_shows_running_with_its_task_end_and_reloads_no_list(
    sim_factory: SimFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim, clock = slow_sim(sim_factory)
    [web3] = [i for i in env_instances(sim) if i.name == "web-3"]
    assert web3.state == "Stopped"
    async with open_app(sim, tmp_path, environment=ENV, selected=web3.id) as op:
        app, pilot, screen = op.app, op.pilot, op.screen
        key = key_of(screen, web3.id)
        await pilot.press("s")
        await started(pilot, app, screen, [key])
        counter = RequestCounter(app)
        seen = shown(monkeypatch, key)
        clock.tasks_due()
        await wait_until(pilot, lambda: (task := task_of(screen, key)) is not None and task.status == "SUCCESS")
        await settle(app, pilot)
        # The frame whose task log says SUCCESS shows the row Running, and so does every one after.
        assert states_after_the_end(seen) == ["Running"], seen
        assert drawn_state(screen, key) == "Running"
        assert "SUCCESS" in screen.query_one(TaskLog).render_line(1).text
        assert list_loads(counter.requests) == []  # not one list request since the task ended


async def test_a_bulk_start_across_a_fleet_patches_every_row_and_reloads_no_list(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    sim, clock = slow_sim(sim_factory)
    transport = Counted()
    app = fleet_app(sim, tmp_path, transport, environment="compute-*/[dp]*")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        stopped = stopped_rows(screen)
        assert len(stopped) == 9 and len({key.environment for key in stopped}) == 3
        await start_marked(pilot, app, screen, stopped)
        before_the_ends = len(transport.requests)
        clock.tasks_due()
        await wait_until(
            pilot, lambda: all(getattr(task_of(screen, key), "status", None) == "SUCCESS" for key in stopped)
        )
        assert [state_of(screen, key) for key in stopped] == ["Running"] * len(stopped)
        await settle(app, pilot)
        # Nine ends in three environments: not one list reloaded.
        assert list_loads(transport.requests[before_the_ends:]) == []


class HeldList(FaultyTransport):
    """Real HTTP to the simulator; when asked, the next instance list is read from the server
    and then held back until released (a load that read its rows before a task ended and
    arrives after)."""

    def __init__(self) -> None:
        super().__init__()
        self.hold_next = False
        self.holding = asyncio.Event()
        self.released = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        if self.hold_next and request.method == "GET" and request.url.path.endswith("/instances"):
            self.hold_next = False
            await response.aread()
            self.holding.set()
            await self.released.wait()
        return response


async def test_a_load_that_read_the_row_before_the_task_ended_does_not_bring_its_old_state_back(
    sim_factory: SimFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim, clock = slow_sim(sim_factory)
    [web3] = [i for i in env_instances(sim) if i.name == "web-3"]
    transport = HeldList()
    app = make_app(sim, tmp_path, environment=ENV, transport=transport)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = top_screen(app, InstanceScreen)
        select(screen, web3.id)
        await settle(app, pilot)
        key = key_of(screen, web3.id)
        await pilot.press("s")
        await started(pilot, app, screen, [key])
        # A refresh reads the list (web-3 Starting) and its reply is held back...
        transport.hold_next = True
        await pilot.press("ctrl+r")
        await wait_until(pilot, transport.holding.is_set)
        seen = shown(monkeypatch, key)
        # ... while the task ends: the row shows Running with the task log.
        clock.tasks_due()
        await wait_until(pilot, lambda: (task := task_of(screen, key)) is not None and task.status == "SUCCESS")
        assert states_after_the_end(seen) == ["Running"], seen
        # The older list arrives: the row stays Running.
        transport.released.set()
        await wait_until(pilot, lambda: not screen.loading_now)
        await settle(app, pilot)
        assert state_of(screen, key) == "Running"
        assert drawn_state(screen, key) == "Running"
        # The next refresh reads it after the end, and agrees.
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert state_of(screen, key) == "Running"
        assert states_after_the_end(seen) == ["Running"], seen  # never Starting again, not for a frame


def rewriting_task_results(rewrite: Callable[[Any], Any]) -> Callable[[httpx.Request], Fault | None]:
    """A rule that rewrites every task read's result (both shapes of the reply) with `rewrite`."""

    def rewritten(reply: Any) -> Any:
        if not isinstance(reply, dict):
            return reply
        places = [reply, reply.get("data")]
        for place in places:
            if isinstance(place, dict) and "result" in place:
                new = rewrite(place["result"])
                if new is None:
                    del place["result"]
                else:
                    place["result"] = new
        return reply

    return lambda request: (
        Fault(rewrite=rewritten) if request.method == "GET" and "/tasks/" in request.url.path else None
    )


async def test_ends_whose_results_do_not_carry_the_instance_reload_each_environment_once_at_a_time(
    sim_factory: SimFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server whose results say nothing of the instance: the lists are reloaded, as before,
    one load at a time per environment however many tasks end (the ends during a load ask
    for one more after it, together), never more loads than ends."""
    sim, clock = slow_sim(sim_factory)
    transport = Counted()
    transport.add(rewriting_task_results(lambda _result: None))
    app = fleet_app(sim, tmp_path, transport, environment="compute-*/[dp]*")
    running: dict[object, int] = {}
    most: dict[object, int] = {}
    load = InstanceScreen._load

    async def counted(screen: InstanceScreen, env: Any) -> None:
        running[env] = running.get(env, 0) + 1
        most[env] = max(most.get(env, 0), running[env])
        try:
            await load(screen, env)
        finally:
            running[env] -= 1

    monkeypatch.setattr(InstanceScreen, "_load", counted)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        stopped = stopped_rows(screen)
        await start_marked(pilot, app, screen, stopped)
        before_the_ends = len(transport.requests)
        clock.tasks_due()
        await wait_until(pilot, lambda: all(state_of(screen, key) == "Running" for key in stopped))
        await settle(app, pilot)
        for env in ("compute-on/production", "compute-qc/dev", "compute-qc/dr-site"):
            requests = list_loads(transport.requests[before_the_ends:], env)
            loads = [r for r in requests if "page_number=1&" in r or r.endswith("page_number=1")]
            ends = sum(1 for key in stopped if str(key.environment) == env)
            assert 1 <= len(loads) <= ends, (env, loads)
        assert set(most.values()) == {1}  # never two loads of one environment at once


HOSTILE_NAME = "[@click=app.quit]x[/] \x1b]0;pwned\x07 \x1b[2J"


@pytest.mark.parametrize(
    ("rewrite", "patched"),
    [
        # The instance, with a hostile name: shown as data, never markup or terminal control.
        (lambda result: {**result, "name": HOSTILE_NAME}, True),
        # Not this instance, not an object, no state, a state of the wrong type, an id far
        # too long, a cpu count that is no number: not a row; the list is reloaded instead.
        (lambda result: {**result, "id": "another-instance"}, False),
        (lambda result: [result], False),
        (lambda result: {key: value for key, value in result.items() if key != "state"}, False),
        (lambda result: {**result, "state": {"not": "a state"}}, False),
        (lambda result: {**result, "id": "x" * 100_000}, False),
        (lambda result: {**result, "cpuCount": "many"}, False),
    ],
    ids=["hostile-name", "another-id", "not-an-object", "no-state", "state-not-text", "id-too-long", "bad-field"],
)
async def test_a_hostile_task_result_is_read_as_a_listed_row_or_not_at_all(
    sim_factory: SimFactory, tmp_path: Path, rewrite: Callable[[Any], Any], patched: bool
) -> None:
    sim, clock = slow_sim(sim_factory)
    [web3] = [i for i in env_instances(sim) if i.name == "web-3"]
    transport = FaultyTransport()
    transport.add(rewriting_task_results(lambda result: rewrite(result) if isinstance(result, dict) else result))
    async with open_app(sim, tmp_path, environment=ENV, selected=web3.id, transport=transport) as op:
        app, pilot, screen = op.app, op.pilot, op.screen
        key = key_of(screen, web3.id)
        await pilot.press("s")
        await started(pilot, app, screen, [key])
        counter = RequestCounter(app)
        clock.tasks_due()
        await wait_until(pilot, lambda: (task := task_of(screen, key)) is not None and task.status == "SUCCESS")
        await settle(app, pilot)
        assert app.is_running and app.return_code is None
        assert_terminal_clean(terminal_output(app))
        assert state_of(screen, key) == "Running"
        assert screen.view.instances[key].name == (HOSTILE_NAME if patched else "web-3")
        assert (list_loads(counter.requests) == []) is patched


async def test_a_created_instance_is_shown_running_and_selected_when_its_task_ends_without_a_reload(
    sim_factory: SimFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A create's result is the new instance: its row shows it at the end, and the cursor goes
    to it, without waiting for a list."""
    sim, clock = slow_sim(sim_factory)
    async with open_app(sim, tmp_path, environment=ENV) as op:
        app, pilot, screen = op.app, op.pilot, op.screen
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, CreateInstanceForm) and bool(app.screen.networks))
        form = top_screen(app, CreateInstanceForm)
        await fill_create_form(form, pilot, "ops-new-1")
        await pilot.click("#submit")
        await wait_until(
            pilot,
            lambda: (
                isinstance(app.screen, InstanceScreen)
                and any(t.action == "Create" and t.status == "PENDING" for t in screen.view.tasks)
                and not screen.loading_now
            ),
        )
        counter = RequestCounter(app)
        clock.tasks_due()
        await wait_until(pilot, lambda: any(t.action == "Create" and t.status == "SUCCESS" for t in screen.view.tasks))
        [created] = [i for i in screen.view.instances.values() if i.name == "ops-new-1"]
        assert created.state == "Running"
        await settle(app, pilot)
        assert screen.view.selected_key == created.key
        assert list_loads(counter.requests) == []
