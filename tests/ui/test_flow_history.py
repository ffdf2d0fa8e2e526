"""History: every mutation journaled across runs, a screen to read and filter it, its detail
(whole error, request as sent minus secrets), a resend that checks the gate again; and a
created instance selected once it is listed."""

from __future__ import annotations

import json
import stat
from datetime import datetime
from pathlib import Path

import platformdirs
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from cca_tui.sim.server import SimServer
from cca_tui.ui.actions import Action
from cca_tui.ui.app import CcaApp
from cca_tui.ui.forms import ConfirmModal
from cca_tui.ui.screens.history import HistoryDetail, HistoryScreen
from cca_tui.ui.screens.instances import InstanceScreen
from cca_tui.ui.state import EnvironmentRef
from tests.typed import not_none
from tests.ui.app_harness import (
    SIZE,
    RequestCounter,
    instance_screen,
    make_app,
    select,
    settle,
    told,
    top_screen,
    wait_until,
)

ENV = "compute-on/production"


def history_file() -> Path:
    return platformdirs.user_state_path("cca-tui") / "history.jsonl"


async def fail_a_start(sim: SimServer, tmp_path: Path, stopped_id: str) -> None:
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select(instance_screen(app), stopped_id)
        sim.world.fail_next_task("no capacity on host h-17: try another zone")
        await pilot.press("s")
        await wait_until(pilot, lambda: any(r.status == "FAILED" for r in app.tasks.records.values()))


async def open_history(app: CcaApp, pilot: Pilot[None]) -> HistoryScreen:
    await settle(app, pilot)
    await pilot.press("H")
    await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen))
    return top_screen(app, HistoryScreen)


async def test_history_survives_a_restart_and_shows_the_whole_error(sim: SimServer, tmp_path: Path) -> None:
    env = sim.world.environment("compute-on", "production")
    with sim.world.session():
        stopped = next(i for i in env.instances.values() if i.state == "Stopped")
    await fail_a_start(sim, tmp_path, stopped.id)
    path = history_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert sim.api_key not in path.read_text()

    app = make_app(sim, tmp_path, environment=ENV)  # a new run
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(app, pilot)
        started = [e for e in screen.shown if e.action == "start" and e.instance_id == stopped.id]
        assert [e.status for e in started] == ["FAILED"]
        await pilot.press("slash", *"no-such-thing")
        await pilot.pause()
        assert screen.shown == []
        screen.query_one("#history-filter", Input).value = "failed start"
        await pilot.pause()
        assert [e.instance_id for e in screen.shown] == [stopped.id]
        screen.query_one(DataTable).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryDetail))
        text = str(app.screen.query_one("#history-detail").render())
        assert "no capacity on host h-17: try another zone" in text
        assert f"instances/{stopped.id}" in text and '"operation": "start"' in text


async def test_resend_checks_the_gate_against_the_instance_now(sim: SimServer, tmp_path: Path) -> None:
    env = sim.world.environment("compute-on", "production")
    with sim.world.session():
        stopped = next(i for i in env.instances.values() if i.state == "Stopped")
    await fail_a_start(sim, tmp_path, stopped.id)
    with sim.world.session():
        env.instances[stopped.id].state = "Running"  # someone started it meanwhile

    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(app, pilot)
        counter = RequestCounter(app)
        screen.query_one("#history-filter", Input).value = "failed start"
        await pilot.pause()
        screen.query_one(DataTable).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryDetail))
        await pilot.click("#resend")
        await wait_until(pilot, lambda: told(app).containing("needs Stopped"))
        await settle(app, pilot)
        assert counter.mutations() == []

        with sim.world.session():
            env.instances[stopped.id].state = "Stopped"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryDetail))
        await pilot.click("#resend")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal) and bool(app.screen.query("#confirm")))
        await pilot.click("#confirm")
        await wait_until(pilot, lambda: any(r.status == "SUCCESS" for r in app.tasks.records.values()))
        assert len([m for m in counter.mutations() if "operation=start" in m]) == 1
    assert not_none(sim.world.instance(stopped.id)).state in ("Starting", "Running")


async def test_password_and_user_data_never_reach_the_history(sim: SimServer, tmp_path: Path) -> None:
    from cca_tui.api.client import SentRequest
    from cca_tui.ui.tasks.history import ActionHistory
    from cca_tui.ui.tasks.records import TrackedTask

    history = ActionHistory(tmp_path / "h.jsonl", "p")
    sent = SentRequest("POST", "x", None, {"name": "n", "userData": "#!secret", "nested": {"password": "pw"}})
    record = TrackedTask(
        "t1", EnvironmentRef("c", "e"), Action.CREATE, None, "n", started=datetime(2026, 1, 1), requests=(sent,)
    )
    history.save(record)
    text = (tmp_path / "h.jsonl").read_text()
    assert "#!secret" not in text and '"pw"' not in text and '"name": "n"' in text
    assert history.load()[0].requests[0]["body"] == {"name": "n", "userData": "***", "nested": {"password": "***"}}


async def test_a_created_instance_is_selected_when_it_appears(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        assert isinstance(screen, InstanceScreen)
        env = screen.environments[0]
        compute = app.data.scope(env)
        templates = [t for t in await compute.list_templates() if t.is_ready]
        offerings = [o for o in await compute.list_compute_offerings() if not o.custom]
        network = (await compute.list_networks())[0]
        template = next(t for t in templates if not t.available_in_zones or network.zone_id in t.available_in_zones)
        body = {
            "name": "fresh-1",
            "templateId": template.id,
            "computeOfferingId": offerings[0].id,
            "networkId": network.id,
        }
        record = app.tasks.submit(env, Action.CREATE, None, "fresh-1", lambda: compute.create_instance(body))
        await wait_until(
            pilot, lambda: app.tasks.latest(record).status == "SUCCESS" and app.tasks.latest(record).instance_id
        )
        record = app.tasks.latest(record)  # a record is a value: what became of it
        await wait_until(
            pilot, lambda: screen.view.selected is not None and screen.view.selected.id == record.instance_id
        )
        assert not_none(screen.view.selected).name == "fresh-1"
        lines = [json.loads(line) for line in history_file().read_text().splitlines()]
        assert lines[-1]["action"] == "create" and lines[-1]["instance_id"] == record.instance_id
