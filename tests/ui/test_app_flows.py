"""Operator flows through the real app against the simulator over HTTP (Textual pilot)."""

from __future__ import annotations

import pytest
from textual.widgets import Button, DataTable, Input

from app_harness import SIZE, RequestCounter, make_app, settle
from cca_tui.api.gates import ALLOWED_STATES, Action
from cca_tui.ui.actions import INSTANCE_ACTIONS
from cca_tui.ui.screens.instances import InstanceScreen
from cca_tui.ui.screens.key_problem import KeyProblemScreen
from cca_tui.ui.screens.picker import PickerScreen
from cca_tui.ui.widgets.detail_pane import DetailPane
from cca_tui.ui.widgets.instance_table import InstanceTable

ENV = "compute-on/production"


def env_instances(sim, code="compute-on", name="production"):
    return list(sim.world.environment(code, name).instances.values())


def select(screen: InstanceScreen, instance_id: str) -> None:
    table = screen.query_one(InstanceTable)
    table.move_cursor(row=table.get_row_index(instance_id))


async def test_picker_lists_filters_and_opens(sim, tmp_path):
    app = make_app(sim, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, PickerScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 4
        await pilot.press(*"dr-s")
        await settle(app, pilot)
        assert [k.value for k in table.rows] == ["compute-qc/dr-site"]
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, InstanceScreen)
        assert app.screen.environment_ref == "compute-qc/dr-site"
        instances = app.screen.query_one(InstanceTable)
        assert len(instances.instances) == len(env_instances(sim, "compute-qc", "dr-site"))
    # remembered for next time
    assert app.state.last_environment("test") == "compute-qc/dr-site"


async def test_picker_marks_unreachable_connection(sim, tmp_path):
    sim.world.set_connection_reachable("compute-qc", False)
    app = make_app(sim, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(DataTable)
        statuses = {k.value: str(table.get_row(k)[-1]) for k in table.rows}
        assert statuses["compute-qc/dev"] == "unreachable"
        assert statuses["compute-on/production"] == "ok"


async def test_missing_key_shows_key_screen(sim, tmp_path):
    from cca_tui.config import Settings
    from cca_tui.ui.app import CcaApp

    app = CcaApp(Settings(api_url=sim.url, api_key_problem="No API key: set CCA_API_KEY"), state=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, KeyProblemScreen)


async def test_rejected_key_shows_key_screen(sim, tmp_path):
    from pydantic import SecretStr

    app = make_app(sim, tmp_path)
    app.client.http._http.headers["MC-Api-Key"] = "wrong-key"
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, KeyProblemScreen)
        assert "401" in app.screen.problem
        assert "wrong-key" not in app.screen.problem


STATES = ["Running", "Stopped", "Destroyed", "Error", "Starting", "Stopping"]


@pytest.mark.parametrize("state", STATES)
async def test_actions_enabled_exactly_in_allowed_states(sim, tmp_path, state):
    target = env_instances(sim)[0]
    with sim.world.session():
        target.state = state
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        select(screen, target.id)
        await settle(app, pilot)
        counter = RequestCounter(app)
        for spec in INSTANCE_ACTIONS:
            allowed = state in ALLOWED_STATES[spec.action]
            button = screen.query_one(f"#action-{spec.action.value}", Button)
            assert button.disabled is (not allowed), (spec.action, state)
            if not allowed:
                await pilot.press(spec.key)
                await settle(app, pilot, rounds=1)
        assert counter.mutations() == []


async def test_refused_key_says_why_and_sends_nothing(sim, tmp_path):
    running = next(i for i in env_instances(sim) if i.state == "Running")
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select(app.screen, running.id)
        await settle(app, pilot)
        counter = RequestCounter(app)
        await pilot.press("s")
        await settle(app, pilot)
        assert counter.requests == []
        messages = [n.message for n in app._notifications]
        assert f"Start needs Stopped; {running.name} is Running" in messages


async def test_stop_then_start_follows_tasks_and_updates_rows(sim, tmp_path):
    running = next(i for i in env_instances(sim) if i.state == "Running")
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        select(screen, running.id)
        await pilot.press("x")
        await settle(app, pilot, rounds=5)
        table = screen.query_one(InstanceTable)
        assert table.instances[running.id].state == "Stopped"
        assert table.selected_id == running.id  # the cursor stayed on it
        log = screen.task_log
        assert [(e.action, e.status) for e in log.entries.values()] == [("Stop", "SUCCESS")]
        await pilot.press("s")
        await settle(app, pilot, rounds=5)
        assert table.instances[running.id].state == "Running"


async def test_reset_password_shows_password_once(sim, tmp_path):
    candidate = next(i for i in env_instances(sim) if i.state == "Running" and i.is_password_enabled)
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select(app.screen, candidate.id)
        await pilot.press("w")
        await settle(app, pilot)
        # the confirmation opens with Cancel focused; confirm explicitly
        await pilot.click("#confirm")
        await settle(app, pilot, rounds=5)
        from cca_tui.ui.forms import PasswordModal

        assert isinstance(app.screen, PasswordModal)
        shown = str(app.screen.query_one("#password").content)
        assert len(shown) == 12 and shown.isalnum()
        # never in a notification
        assert all(shown not in n.message for n in app._notifications)


async def test_stale_marker_while_simulator_is_down(sim, tmp_path):
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        table = screen.query_one(InstanceTable)
        rows_before = table.row_count
        sim.offline = True
        await pilot.press("ctrl+r")
        await settle(app, pilot, rounds=3)
        await app.workers.wait_for_complete()
        status = screen.query_one("#status")
        assert "STALE" in str(status.render())
        assert status.has_class("stale")
        assert table.row_count == rows_before  # last good data stays
        sim.offline = False
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert "STALE" not in str(status.render())


async def test_filter_and_sort_survive_refresh(sim, tmp_path):
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        table = screen.query_one(InstanceTable)
        await pilot.press("slash", *"Stopped", "enter")
        await pilot.press("greater_than_sign")  # sort by state
        await settle(app, pilot)
        stopped = {i.id for i in env_instances(sim) if i.state == "Stopped"}
        assert {k.value for k in table.rows} == stopped
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert {k.value for k in table.rows} == stopped
        assert table.sort_column == "state" and table.filter_text == "Stopped"


async def test_cursor_stays_on_instance_when_rows_appear_and_disappear(sim, tmp_path):
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        table = screen.query_one(InstanceTable)
        ordered = [k.value for k in table.rows]
        ordered.sort(key=lambda i: table.get_row_index(i))
        target = ordered[5]
        select(screen, target)
        # remove an instance above the cursor on the server side (purge it)
        victim = sim.world.instance(ordered[0])
        with sim.world.session():
            env = sim.world.environment("compute-on", "production")
            del env.instances[victim.id]
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert table.selected_id == target
        assert table.cursor_row == 4


async def test_detail_pane_shows_ips_nics_rules_and_ssh(sim, tmp_path):
    app = make_app(sim, tmp_path, environment=ENV)
    env = sim.world.environment("compute-on", "production")
    with sim.world.session():
        rule = next(r for r in env.pf_rules.values() if r.private_port_start == 22)
        owner = env.instances[rule.instance_id]
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select(app.screen, owner.id)
        await settle(app, pilot, rounds=4)
        pane = app.screen.query_one(DetailPane)
        assert pane.detail is not None and pane.detail.complete
        assert pane.detail.instance.id == owner.id
        assert pane.detail.nics and pane.detail.rules
        from rich.console import Console

        from cca_tui.ui.widgets.detail_pane import render_detail

        console = Console(width=100, record=True)
        console.print(render_detail(pane.detail))
        rendered = console.export_text()
        assert f"ssh {owner.username}@" in rendered and f"-p {rule.public_port_start}" in rendered


async def test_read_only_profile_disables_every_mutation(sim, tmp_path):
    stopped = next(i for i in env_instances(sim) if i.state == "Stopped")
    app = make_app(sim, tmp_path, environment=ENV, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        select(screen, stopped.id)
        await settle(app, pilot)
        counter = RequestCounter(app)
        for spec in INSTANCE_ACTIONS:
            assert screen.query_one(f"#action-{spec.action.value}", Button).disabled
        assert screen.query_one("#action-new", Button).disabled
        await pilot.press("s", "n", "d")
        await settle(app, pilot, rounds=1)
        assert counter.mutations() == []
        assert isinstance(app.screen, InstanceScreen)  # no form opened
        assert "READ-ONLY" in str(screen.query_one("#status").render())


async def test_stale_data_recovers_by_itself(sim, tmp_path):
    """No key press: the scheduled refresh marks the data stale, then clears the mark."""
    from cca_tui.config import Settings

    app = make_app(sim, tmp_path, environment=ENV)
    app.settings = Settings(**{**app.settings.model_dump(), "refresh_interval": 1.0})
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        status = app.screen.query_one("#status")
        sim.offline = True
        for _ in range(60):
            await pilot.pause(0.1)
            if status.has_class("stale"):
                break
        assert status.has_class("stale")
        sim.offline = False
        for _ in range(60):
            await pilot.pause(0.1)
            if not status.has_class("stale"):
                break
        assert not status.has_class("stale")
