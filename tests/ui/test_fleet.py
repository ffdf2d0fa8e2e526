"""The fleet view: several environments in one table, each row knowing where it lives.

Pilot tests of the whole app against the simulator over real HTTP (five environments in the
default seed, each with its own `web-1`); faults come from a transport in front of it.
"""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from textual.pilot import Pilot
from textual.widgets import OptionList

from cca_tui.config import Settings, StateStore
from cca_tui.fleet.identity import EnvironmentRef, RowKey
from cca_tui.sim import entities
from cca_tui.sim.server import SimServer
from cca_tui.ui.actions import Action
from cca_tui.ui.app import CcaApp
from cca_tui.ui.forms import CreateInstanceForm
from cca_tui.ui.forms.choose_environment import ChooseEnvironment
from cca_tui.ui.screens.instances import InstanceScreen, _ListToShow
from cca_tui.ui.state import EnvironmentView, ListArrived, PreparedLists
from cca_tui.ui.widgets.instance_table import NEWS_MARK, InstanceTable
from tests.conftest import SimFactory
from tests.ui.app_harness import (
    SIZE,
    instance_screen,
    instance_shown,
    row_key,
    select,
    settle,
    told,
    top_screen,
    wait_until,
)
from tests.ui.faulty_transport import Fault, FaultyTransport

PRODUCTION = EnvironmentRef("compute-on", "production")
DEV = EnvironmentRef("compute-qc", "dev")
DR_SITE = EnvironmentRef("compute-qc", "dr-site")
NOW = datetime(2026, 12, 1, 12, 0)


class Recording(FaultyTransport):
    """Real HTTP to the simulator, with what each request sent (method, path, query, body)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str, str, object]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        self.sent.append((request.method, request.url.path, request.url.query.decode(), body))
        return await super().handle_async_request(request)

    def mutations(self) -> list[tuple[str, str, str, object]]:
        return [entry for entry in self.sent if entry[0] != "GET"]


def fleet_app(
    sim: SimServer, tmp_path: Path, transport: FaultyTransport, *, environment: str = "compute-*/d*", **settings: Any
) -> CcaApp:
    """The app on a fleet; its notifications are recorded from the start (`told`)."""
    app = CcaApp(
        Settings(profile_name="test", api_url=sim.url, api_key=SecretStr(sim.api_key), refresh_interval=60, **settings),
        state=StateStore(tmp_path / "state.json"),
        environment=environment,
        clock=lambda: NOW,
        ssh_dir=tmp_path / "no-ssh",
        task_poll_interval=0.05,
        journal_path=tmp_path / "tasks.json",
        transport=transport,
    )
    told(app)
    return app


def instance_named(sim: SimServer, env: EnvironmentRef, name: str) -> entities.Instance:
    return next(i for i in sim.world.environment(env.service_code, env.name).instances.values() if i.name == name)


def drawn(table: InstanceTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


async def opened(app: CcaApp, pilot: Pilot[None]) -> InstanceScreen:
    await wait_until(pilot, lambda: isinstance(app.screen, InstanceScreen))
    await settle(app, pilot, rounds=2)
    return instance_screen(app)


async def test_a_fleet_of_three_where_one_answers_503(sim: SimServer, tmp_path: Path) -> None:
    transport = FaultyTransport()
    app = fleet_app(sim, tmp_path, transport, environment="compute-*/[dp]*")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        assert screen.environments == (PRODUCTION, DEV, DR_SITE)
        assert len(screen.view.instances) == 36
        # dev goes down: its rows stay, marked, and the status line names it; the others refresh.
        transport.add(
            lambda r: (
                Fault(status=503, body={"errors": [{"code": 503, "message": "down for maintenance"}]})
                if r.method == "GET" and r.url.path.endswith("/services/compute-qc/dev/instances")
                else None
            )
        )
        await pilot.press("ctrl+r")
        await settle(app, pilot, rounds=2)
        assert len(screen.view.instances) == 36
        assert set(screen.view.stale) == {DEV}
        status = str(screen.query_one("#status").render())
        assert "STALE 1 of 3 (E): compute-qc/dev:" in status and "503" in status
        table = screen.query_one(InstanceTable)
        lines = drawn(table)
        assert lines[0].split()[0] == "Environment"
        assert all(("compute-qc/dev STALE" in line) == ("compute-qc/dev" in line) for line in lines[1:])
        assert any("compute-qc/dev STALE" in line for line in lines) and any(
            "compute-on/production " in line for line in lines
        )
        # Back up: the mark goes.
        transport.clear()
        await pilot.press("ctrl+r")
        await settle(app, pilot, rounds=2)
        assert not screen.view.stale and "STALE" not in str(screen.query_one("#status").render())


async def test_an_action_on_a_row_of_the_second_environment_reaches_its_url(sim: SimServer, tmp_path: Path) -> None:
    transport = Recording()
    app = fleet_app(sim, tmp_path, transport, environment="compute-*/[dp]*")
    dev_web = instance_named(sim, DEV, "web-1")
    production_web = instance_named(sim, PRODUCTION, "web-1")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        select(screen, dev_web.id, "compute-qc/dev")
        await settle(app, pilot)
        await pilot.press("x", "y")  # stop asks first
        await settle(app, pilot, rounds=4)
        assert transport.mutations() == [
            ("POST", f"/v1/services/compute-qc/dev/instances/{dev_web.id}", "operation=stop", {})
        ]
        assert instance_shown(screen, dev_web.id, "compute-qc/dev").state == "Stopped"
        assert instance_shown(screen, production_web.id, "compute-on/production").state == "Running"
        # The notification names the environment.
        assert any(message.startswith("SUCCESS") for message in told(app).titled("Stop web-1 (compute-qc/dev)"))
        # The detail pane asked the row's environment too.
        details = [p for m, p, _q, _b in transport.sent if m == "GET" and p.endswith(f"/instances/{dev_web.id}")]
        assert details and all(p.startswith("/v1/services/compute-qc/dev/") for p in details)


async def test_create_in_the_fleet_view_asks_for_the_environment(sim: SimServer, tmp_path: Path) -> None:
    transport = Recording()
    app = fleet_app(sim, tmp_path, transport)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        assert screen.environments == (DEV, DR_SITE)
        select(screen, instance_named(sim, DR_SITE, "web-2").id, "compute-qc/dr-site")
        await settle(app, pilot)
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, ChooseEnvironment))
        chooser = top_screen(app, ChooseEnvironment)
        assert chooser.start == DR_SITE  # starts from the selected row's environment
        assert "compute-qc/dr-site" in str(chooser.query_one(OptionList).get_option_at_index(1).prompt)
        await pilot.press("up", "enter")  # the other one
        await wait_until(pilot, lambda: isinstance(app.screen, CreateInstanceForm))
        form = top_screen(app, CreateInstanceForm)
        await settle(app, pilot)
        assert form.environment == DEV
        lists = {p for m, p, _q, _b in transport.sent if m == "GET" and p.endswith("/templates")}
        assert lists == {"/v1/services/compute-qc/dev/templates"}


async def test_a_change_behind_our_back_is_one_notification_and_our_own_stop_none(
    sim: SimServer, tmp_path: Path
) -> None:
    transport = FaultyTransport()
    app = fleet_app(sim, tmp_path, transport)
    broken = instance_named(sim, DR_SITE, "api-1")
    ours = instance_named(sim, DEV, "web-2")
    assert broken.state == ours.state == "Running"

    def news() -> list[str]:
        return told(app).titled("Changed outside cca-tui")

    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        select(screen, ours.id, "compute-qc/dev")  # the row that breaks is not the one selected
        await settle(app, pilot)
        with sim.world.lock:
            sim.world.environment("compute-qc", "dr-site").instances[broken.id].state = "Error"
        await pilot.press("ctrl+r")
        await settle(app, pilot, rounds=2)
        assert news() == ["compute-qc/dr-site api-1 entered Error (was Running)"]
        key = row_key(screen, broken.id, "compute-qc/dr-site")
        assert screen.view.news == {key}
        table = screen.query_one(InstanceTable)
        assert any(line.startswith(f"{NEWS_MARK} compute-qc/dr-site") and "api-1" in line for line in drawn(table))
        # Our own stop: done, refreshed, and again refreshed: no news.
        await pilot.press("x", "y")  # stop asks first
        await settle(app, pilot, rounds=4)
        assert instance_shown(screen, ours.id, "compute-qc/dev").state == "Stopped"
        await pilot.press("ctrl+r")
        await settle(app, pilot, rounds=2)
        assert len(news()) == 1
        # The mark stays until the row is selected.
        assert key in screen.view.news
        select(screen, broken.id, "compute-qc/dr-site")
        await settle(app, pilot)
        assert not screen.view.news and not any(line.startswith(NEWS_MARK) for line in drawn(table))


async def test_watching_can_be_turned_off(sim: SimServer, tmp_path: Path) -> None:
    app = fleet_app(sim, tmp_path, FaultyTransport(), watch=())
    gone = instance_named(sim, DEV, "api-2")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        with sim.world.lock:
            del sim.world.environment("compute-qc", "dev").instances[gone.id]
        await pilot.press("ctrl+r")
        await settle(app, pilot, rounds=2)
        assert not any(i.id == gone.id for i in screen.view.rows)
        assert not told(app).titled("Changed outside cca-tui")


async def test_two_web_1_stay_apart_through_select_act_task_log_and_journal(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    from cca_tui.sim.options import SimOptions

    sim = sim_factory(SimOptions(task_delay=30))  # the stop stays in flight: it is journaled
    transport = Recording()
    app = fleet_app(sim, tmp_path, transport, environment="compute-*/[dp]*")
    dev_web = instance_named(sim, DEV, "web-1")
    production_web = instance_named(sim, PRODUCTION, "web-1")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        webs = {i.key for i in screen.view.rows if i.name == "web-1"}
        assert len(webs) == 3 and {RowKey(DEV, dev_web.id), RowKey(PRODUCTION, production_web.id)} <= webs
        select(screen, dev_web.id, "compute-qc/dev")
        await wait_until(pilot, lambda: screen.view.selected_key == RowKey(DEV, dev_web.id))
        await pilot.press("x", "y")  # stop asks first
        await wait_until(pilot, lambda: RowKey(DEV, dev_web.id) in screen.view.busy)
        assert RowKey(PRODUCTION, production_web.id) not in screen.view.busy
        # Production's web-1 is not busy: stop is allowed there (the selection is the row, not a name).
        select(screen, production_web.id, "compute-on/production")
        await wait_until(pilot, lambda: screen.view.selected_key == RowKey(PRODUCTION, production_web.id))
        assert screen.refusal_for(Action.STOP) is None
        select(screen, dev_web.id, "compute-qc/dev")
        await wait_until(pilot, lambda: screen.view.selected_key == RowKey(DEV, dev_web.id))
        assert screen.refusal_for(Action.STOP) == "web-1 is busy: Stop in progress"
        # The task log, the journal and the request name dev's web-1, and only it.
        [task] = screen.view.tasks
        assert (task.environment, task.instance_id, task.instance) == (DEV, dev_web.id, "web-1")
        log = screen.task_log
        await wait_until(pilot, lambda: log.row_count == 1)
        assert "web-1 · compute-qc/dev" in " ".join(str(cell) for cell in log.get_row_at(0))
        await wait_until(pilot, lambda: (tmp_path / "tasks.json").exists())
        entries = list(json.loads((tmp_path / "tasks.json").read_text()).values())
        assert [(e["service_code"], e["environment"], e["instance_id"]) for e in entries] == [
            ("compute-qc", "dev", dev_web.id)
        ]
        assert [p for m, p, _q, _b in transport.mutations()] == [f"/v1/services/compute-qc/dev/instances/{dev_web.id}"]


async def test_c_copies_the_ssh_command_of_the_rows_own_environment(sim: SimServer, tmp_path: Path) -> None:
    app = fleet_app(sim, tmp_path, FaultyTransport())
    world = sim.world
    with world.session():
        environment = world.environment("compute-qc", "dr-site")
        rule = next(r for r in environment.pf_rules.values() if r.private_port_start == 22)
        owner = environment.instances[rule.instance_id]
        address = environment.public_ips[rule.public_ip_id].ip_address
        # The same name in dev forwards from another address.
        twin = instance_named(sim, DEV, owner.name)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        select(screen, twin.id, "compute-qc/dev")
        await settle(app, pilot, rounds=2)
        select(screen, owner.id, "compute-qc/dr-site")
        await settle(app, pilot, rounds=4)
        await pilot.press("c", "s")  # the copy menu, then its ssh command
        await pilot.pause()
        assert app.clipboard == f"ssh -p {rule.public_port_start} {owner.username}@{address}"


async def test_every_form_says_its_environment_and_whether_it_is_protected(sim: SimServer, tmp_path: Path) -> None:
    """In a fleet the same name lives in several environments: typing it confirms nothing
    about where. Destroy on production's web-1 says production, protected; the offering form
    on dev's web-1 says dev, not protected."""
    from textual.widgets import Static

    from cca_tui.ui.forms import ChangeOfferingForm, DestroyForm

    app = fleet_app(
        sim, tmp_path, FaultyTransport(), environment="compute-*/[dp]*", protected_environments=("production",)
    )
    production_web = instance_named(sim, PRODUCTION, "web-1")
    dev_web = instance_named(sim, DEV, "web-1")

    def heading(form: object) -> str:
        assert isinstance(form, DestroyForm | ChangeOfferingForm)
        return " / ".join(
            str(form.query_one(f"#{part}", Static).render()) for part in ("form-title", "form-environment")
        )

    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        select(screen, production_web.id, "compute-on/production")
        await wait_until(pilot, lambda: screen.view.selected_key == RowKey(PRODUCTION, production_web.id))
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, DestroyForm))
        assert heading(app.screen) == (
            "Destroy web-1 (Running)?  PROTECTED ENVIRONMENT / Environment: compute-on/production (protected)"
        )
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)
        select(screen, dev_web.id, "compute-qc/dev")
        await wait_until(pilot, lambda: screen.view.selected_key == RowKey(DEV, dev_web.id))
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, ChangeOfferingForm))
        assert heading(app.screen).endswith(" / Environment: compute-qc/dev")
        assert "PROTECTED" not in heading(app.screen)


async def test_an_environment_that_fails_is_tried_again_sooner_than_its_grown_interval(
    sim: SimServer, tmp_path: Path
) -> None:
    """Dev's refreshes earned it a long interval (600 s); it fails: the next try comes after
    the configured interval (60 s here), then twice that, never past the earned one; once it
    answers, its cadence is what its refresh costs again."""
    transport = FaultyTransport()
    app = fleet_app(sim, tmp_path, transport, environment="compute-*/[dp]*")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        loads = screen._loads[DEV]
        loads.interval = 600.0
        transport.add(
            lambda r: Fault(status=503) if r.url.path.endswith("/services/compute-qc/dev/instances") else None
        )
        delays = []
        for _ in range(5):
            screen.request_refresh(DEV)
            await settle(app, pilot, rounds=2)
            assert set(screen.view.stale) == {DEV} and loads.timer is not None
            delays.append(loads.timer._interval)
        assert delays == [60.0, 120.0, 240.0, 480.0, 600.0]
        transport.clear()
        screen.request_refresh(DEV)
        await settle(app, pilot, rounds=2)
        assert not screen.view.stale and loads.retry_delay is None and loads.timer is not None
        assert loads.timer._interval == loads.interval


async def test_env_all_opens_the_fleet_once_the_api_answers_after_failing_at_start(
    sim: SimServer, tmp_path: Path
) -> None:
    """`--env all` while the API cannot be reached: the picker shows why and keeps trying,
    its cursor on "All environments"; once the environments are listed, the fleet opens."""
    from cca_tui.ui.screens.picker import ALL_ROW, PickerScreen

    transport = FaultyTransport()
    transport.add(lambda r: Fault(refuse=True))
    app = fleet_app(sim, tmp_path, transport, environment="all")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, PickerScreen))
        picker = app.screen
        assert isinstance(picker, PickerScreen) and picker.preselect == ALL_ROW
        await wait_until(pilot, lambda: "trying again" in str(picker.query_one("#picker-status").render()))
        transport.clear()
        await pilot.press("ctrl+r")  # the picker's "now" (its own retry would come by itself)
        screen = await opened(app, pilot)
        assert len(screen.environments) == len(sim.world.visible_environments()) > 1


class Holding(FaultyTransport):
    """Real HTTP to the simulator; dev's instance list waits until released."""

    def __init__(self) -> None:
        super().__init__()
        self.released = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/services/compute-qc/dev/instances"):
            await self.released.wait()
        return await super().handle_async_request(request)


async def test_the_status_line_says_how_many_environments_are_in_while_the_fleet_loads(
    sim: SimServer, tmp_path: Path
) -> None:
    transport = Holding()
    app = fleet_app(sim, tmp_path, transport, environment="compute-*/[dp]*")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, InstanceScreen))
        screen = instance_screen(app)
        await wait_until(pilot, lambda: len(screen.view.refreshed) == 2)
        status = screen.query_one("#status")
        await wait_until(pilot, lambda: "2 of 3 environments loaded" in str(status.render()))
        transport.released.set()
        await wait_until(pilot, lambda: len(screen.view.refreshed) == 3)
        await wait_until(pilot, lambda: "environments loaded" not in str(status.render()))


async def test_a_refusal_and_the_palette_name_the_rows_environment(sim: SimServer, tmp_path: Path) -> None:
    """Start on dev's running web-1: the refusal says it is dev's; the palette's entries say
    whose web-1 they act on."""
    from textual.command import CommandList, CommandPalette

    app = fleet_app(sim, tmp_path, FaultyTransport(), environment="compute-*/[dp]*")
    dev_web = instance_named(sim, DEV, "web-1")
    assert dev_web.state == "Running"
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        select(screen, dev_web.id, "compute-qc/dev")
        await wait_until(pilot, lambda: screen.view.selected_key == RowKey(DEV, dev_web.id))
        await pilot.press("s")
        await wait_until(pilot, lambda: told(app).titled("Start not possible · compute-qc/dev"))
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"stop web")
        palette = top_screen(app, CommandPalette)

        def prompts() -> list[str]:
            options = palette.query_one(CommandList)
            return [str(options.get_option_at_index(n).prompt) for n in range(options.option_count)]

        await wait_until(pilot, lambda: any(p.startswith("Stop web-1") for p in prompts()))
        assert [p.splitlines()[0] for p in prompts() if p.startswith("Stop web-1")] == ["Stop web-1 in compute-qc/dev"]


async def test_many_changes_across_the_fleet_are_three_notifications_and_one_summary(
    sim: SimServer, tmp_path: Path
) -> None:
    """Every running instance of two environments stops behind our back: three changes are
    told one by one, the rest in one notification that says how many and where, however
    many environments they came from (each environment's refresh used to add its own three)."""
    app = fleet_app(sim, tmp_path, FaultyTransport())

    def news() -> list[str]:
        return told(app).titled("Changed outside cca-tui")

    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot)
        stopped = 0
        with sim.world.lock:
            for env in (DEV, DR_SITE):
                for instance in sim.world.environment(env.service_code, env.name).instances.values():
                    if instance.state == "Running":
                        instance.state = "Stopped"
                        stopped += 1
        assert stopped > 3
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: len(news()) == 4)
        one_by_one, summary = news()[:3], news()[3]
        assert all(line.endswith("left Running (now Stopped)") for line in one_by_one)
        assert (
            summary
            == f"{stopped - 3} more instance(s) changed outside cca-tui in 2 environments (marked ! in the table)"
        )


async def test_create_in_and_the_status_line_name_the_protected_environment(sim: SimServer, tmp_path: Path) -> None:
    app = fleet_app(sim, tmp_path, FaultyTransport(), environment="compute-*/[dp]*", protected_environments=("dev",))
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        # The banner says which of the fleet's environments it is about, not the whole fleet.
        assert str(screen.query_one("#status").render()).startswith("⚠ PROTECTED: compute-qc/dev │ ")
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, ChooseEnvironment))
        options = top_screen(app, ChooseEnvironment).query_one(OptionList)
        shown = [str(options.get_option_at_index(n).prompt) for n in range(options.option_count)]
        assert shown == ["compute-on/production", "⚠ compute-qc/dev (protected)", "compute-qc/dr-site"]


async def test_tasks_followed_again_after_a_restart_end_with_one_summary(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    """Two stops in flight when the app quit: the next start follows both again and, when
    they end, says so once (each used to get its own toast, twelve over the picker)."""
    from cca_tui.sim.options import SimOptions

    now = [1000.0]
    sim = sim_factory(SimOptions(task_delay=30), clock=lambda: now[0])
    dev_web, dr_web = instance_named(sim, DEV, "web-1"), instance_named(sim, DR_SITE, "web-1")
    app = fleet_app(sim, tmp_path, FaultyTransport())
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        for instance, env in ((dev_web, "compute-qc/dev"), (dr_web, "compute-qc/dr-site")):
            select(screen, instance.id, env)
            await pilot.pause()
            await pilot.press("space")
            await pilot.pause()
        await pilot.press("x", "enter")
        tracker = app.tracker
        assert tracker is not None
        await wait_until(pilot, lambda: len(tracker.in_flight) == 2 and all(r.task_id for r in tracker.in_flight))
        journal = tmp_path / "tasks.json"
        await wait_until(pilot, lambda: journal.exists() and len(json.loads(journal.read_text())) == 2)
    again = fleet_app(sim, tmp_path, FaultyTransport())
    async with again.run_test(size=SIZE) as pilot:
        resumed = again.tracker
        assert resumed is not None and len(resumed.in_flight) == 2
        await wait_until(pilot, lambda: isinstance(again.screen, InstanceScreen))
        now[0] += 60  # the simulator's tasks are due

        def titles() -> list[str]:
            return told(again).titles

        await wait_until(pilot, lambda: not resumed.in_flight and any("all ended" in t for t in titles()))
        await settle(again, pilot)
        assert titles() == ["2 tasks followed again after a restart: all ended"]
        [summary] = told(again).messages
        assert summary.startswith("2 tasks followed again after a restart: 2 succeeded")


async def test_the_first_refresh_waits_what_the_first_load_says_a_refresh_will_cost(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first load that cost a lot of CPU (here a clock that says 10 s at every look) times the
    first refresh from it (a quarter of the load), instead of every environment refreshing
    after the configured interval: a large fleet's ten refreshes 5 s after opening each held
    the loop ~170 ms while the operator started working (a move at 158 ms)."""
    from cca_tui.ui.refresh_cost import SharedCpu
    from cca_tui.ui.screens import instances as instances_module

    # 10 s at every look: a load is charged at least 10 s shared by the three loading at once,
    # whatever order they run in (1 s a look could charge a quick one a third of a second).
    ticks = iter(range(1, 1_000_000))
    monkeypatch.setattr(instances_module, "SharedCpu", lambda **_: SharedCpu(clock=lambda: 10.0 * next(ticks)))
    app = fleet_app(sim, tmp_path, FaultyTransport(), environment="compute-*/[dp]*")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        setting = float(app.settings.refresh_interval)
        assert all(screen._loads[env].interval > setting for env in screen.environments)


async def test_the_garbage_collector_rests_while_instances_load_and_runs_again_however_they_end(
    sim: SimServer, tmp_path: Path
) -> None:
    """Its passes over a growing heap were a quarter of a large load's CPU: paused while any
    environment loads, running again once the last load ends, failed ones included."""
    transport = Holding()
    app = fleet_app(sim, tmp_path, transport, environment="compute-*/[dp]*")
    assert gc.isenabled()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, InstanceScreen))
        screen = instance_screen(app)
        await wait_until(pilot, lambda: len(screen.view.refreshed) == 2)  # dev's list is held
        assert not gc.isenabled()
        transport.add(
            lambda r: (
                Fault(status=503, body={"errors": [{"code": 503, "message": "down"}]})
                if r.url.path.endswith("/services/compute-qc/dev/instances")
                else None
            )
        )
        transport.released.set()
        await wait_until(pilot, lambda: DEV in screen.view.stale and not screen.loading_now)
        assert gc.isenabled()
    assert gc.isenabled()


async def test_lists_of_several_environments_received_together_are_shown_in_one_step(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each showing walks the whole fleet's orders and draws a frame: environments that
    answer within one loop turn are shown together, and each load waits until its list is."""
    app = fleet_app(sim, tmp_path, FaultyTransport(), environment="compute-*/[dp]*")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        await wait_until(pilot, lambda: not screen.loading_now)
        steps = _record_showings(monkeypatch)
        renamed = instance_named(sim, DEV, "web-1")
        with sim.world.lock:
            renamed.name = "web-1-renamed"
        loop = asyncio.get_running_loop()
        shown = [loop.create_future(), loop.create_future()]
        batches = {
            env: [b async for b in screen._loads[env].loader.stream(app.data.scope(env))][-1]
            for env in (DEV, PRODUCTION)
        }
        for (env, batch), done in zip(batches.items(), shown, strict=True):  # received in one loop turn
            screen._to_show(env, _ListToShow(batch, False, NOW, done))
        await asyncio.wait_for(asyncio.gather(*shown), timeout=10)
        assert steps == [[DEV, PRODUCTION]]
        assert any(instance.name == "web-1-renamed" for instance in screen.view.by_environment[DEV].values())
        assert set(screen.view.refreshed) >= {DEV, PRODUCTION}


class HoldingDev(FaultyTransport):
    """Real HTTP to the simulator; dev's instance list waits, while `hold` is set, until
    `release` is (its load keeps reading its pages meanwhile)."""

    def __init__(self) -> None:
        super().__init__()
        self.hold = False
        self.held = asyncio.Event()
        self.release = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.hold and request.url.path.endswith("/services/compute-qc/dev/instances"):
            self.held.set()
            await self.release.wait()
        return await super().handle_async_request(request)


def _record_showings(monkeypatch: pytest.MonkeyPatch) -> list[list[EnvironmentRef]]:
    steps: list[list[EnvironmentRef]] = []
    with_lists = EnvironmentView.with_lists

    def recording(
        view: EnvironmentView, lists: Sequence[ListArrived], *, when: datetime, prepared: PreparedLists | None = None
    ) -> EnvironmentView:
        steps.append([arrived.environment for arrived in lists])
        return with_lists(view, lists, when=when, prepared=prepared)

    monkeypatch.setattr(EnvironmentView, "with_lists", recording)
    return steps


def _gathering_app(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gather: float
) -> tuple[CcaApp, HoldingDev]:
    """Three environments, dev's instance list held on demand, refreshes gathered `gather` s."""
    monkeypatch.setattr("cca_tui.ui.screens.instances.REFRESH_GATHER", gather)
    transport = HoldingDev()
    return fleet_app(sim, tmp_path, transport, environment="compute-*/[dp]*"), transport


async def _loaded(app: CcaApp, pilot: Pilot[None]) -> InstanceScreen:
    screen = await opened(app, pilot)
    await wait_until(pilot, lambda: not screen.loading_now)
    return screen


def _rename_in_each(sim: SimServer, environments: Sequence[EnvironmentRef]) -> None:
    for env in environments:
        with sim.world.lock:
            instance_named(sim, env, "web-1").name = f"web-1-{env.name}"


def _shows_renamed(screen: InstanceScreen, env: EnvironmentRef) -> bool:
    return any(i.name == f"web-1-{env.name}" for i in screen.view.by_environment.get(env, {}).values())


async def test_refreshes_that_end_while_another_environment_reads_are_shown_with_it(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each showing walks the whole fleet's orders: a refresh round is one showing when its
    lists end close together, not one per environment."""
    app, transport = _gathering_app(sim, tmp_path, monkeypatch, 60.0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _loaded(app, pilot)
        steps = _record_showings(monkeypatch)
        _rename_in_each(sim, (PRODUCTION, DEV, DR_SITE))
        transport.hold = True
        await pilot.press("ctrl+r")
        # production's and dr-site's lists are complete while dev's is still on its way.
        await wait_until(pilot, lambda: transport.held.is_set() and {PRODUCTION, DR_SITE} <= set(screen._lists_to_show))
        assert steps == [] and not _shows_renamed(screen, PRODUCTION)
        transport.release.set()
        await wait_until(pilot, lambda: not screen.loading_now)
        assert [sorted(step) for step in steps] == [sorted([PRODUCTION, DEV, DR_SITE])]
        assert all(_shows_renamed(screen, env) for env in (PRODUCTION, DEV, DR_SITE))


async def test_a_refresh_waits_for_the_others_no_longer_than_refresh_gather(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, transport = _gathering_app(sim, tmp_path, monkeypatch, 0.05)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _loaded(app, pilot)
        _rename_in_each(sim, (PRODUCTION, DEV, DR_SITE))
        transport.hold = True
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: _shows_renamed(screen, PRODUCTION) and _shows_renamed(screen, DR_SITE))
        assert transport.held.is_set() and not transport.release.is_set() and not _shows_renamed(screen, DEV)
        transport.release.set()
        await wait_until(pilot, lambda: _shows_renamed(screen, DEV) and not screen.loading_now)


async def test_refreshes_waiting_for_an_environment_that_fails_are_shown_when_it_does(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, transport = _gathering_app(sim, tmp_path, monkeypatch, 60.0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _loaded(app, pilot)
        _rename_in_each(sim, (PRODUCTION, DR_SITE))
        transport.hold = True
        transport.add(
            lambda r: (
                Fault(status=503, body={"errors": [{"code": 503, "message": "down"}]})
                if r.url.path.endswith("/services/compute-qc/dev/instances")
                else None
            )
        )
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: transport.held.is_set() and {PRODUCTION, DR_SITE} <= set(screen._lists_to_show))
        assert not _shows_renamed(screen, PRODUCTION)
        transport.release.set()  # dev answers 503: the others are shown at once, not in 60 s
        await wait_until(pilot, lambda: _shows_renamed(screen, PRODUCTION) and _shows_renamed(screen, DR_SITE))
        await wait_until(pilot, lambda: DEV in screen.view.stale)


async def test_a_key_moves_the_selection_while_a_showing_waits_between_its_turns(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A showing runs in a worker of its own: while it waits between its parts for a turn of
    the loop, a key's new selection reaches the view (run by the screen's own message queue,
    the selection waited behind the showing's turns: 100-155 ms in a real terminal)."""
    from cca_tui import pacing

    app = fleet_app(sim, tmp_path, FaultyTransport(), environment="compute-*/[dp]*")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _loaded(app, pilot)
        held, release = asyncio.Event(), asyncio.Event()
        hold_next = [False]
        prepare_lists, next_slice = EnvironmentView.prepare_lists, pacing.next_slice

        def preparing(view: EnvironmentView, lists: Sequence[ListArrived]) -> PreparedLists:
            hold_next[0] = True  # the showing's next wait for a turn comes next, with no await between
            return prepare_lists(view, lists)

        async def holding(started: float) -> float:
            if hold_next[0]:
                hold_next[0] = False
                held.set()
                # A bound, not a wait: where the screen's own queue runs the showing, the
                # pilot's pauses and keys wait for it; released, the test then fails.
                asyncio.get_running_loop().call_later(10.0, release.set)
                await release.wait()
            return await next_slice(started)

        monkeypatch.setattr(EnvironmentView, "prepare_lists", preparing)
        monkeypatch.setattr(pacing, "next_slice", holding)
        _rename_in_each(sim, (PRODUCTION,))
        await pilot.press("ctrl+r")
        await wait_until(pilot, held.is_set)
        selected = screen.view.selected_key
        moved_while_held: list[bool] = []

        async def watch() -> None:
            while screen.view.selected_key == selected:
                await asyncio.sleep(0.005)
            moved_while_held.append(not release.is_set())

        watcher = asyncio.create_task(watch())
        try:
            await pilot.press("down")
            await wait_until(pilot, watcher.done, timeout=15)
        finally:
            release.set()
            watcher.cancel()
        await wait_until(pilot, lambda: not screen.loading_now and _shows_renamed(screen, PRODUCTION))
        assert moved_while_held == [True]  # the selection moved while the showing was held
