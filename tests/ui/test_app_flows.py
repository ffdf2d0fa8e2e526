"""Operator flows through the real app against the simulator over HTTP (Textual pilot)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Static

from cca_tui.fleet.identity import EnvironmentRef
from cca_tui.sim.server import SimServer
from cca_tui.ui.actions import INSTANCE_ACTIONS
from cca_tui.ui.app import CcaApp, environment_screen_name
from cca_tui.ui.screens.instances import InstanceScreen
from cca_tui.ui.screens.key_problem import KeyProblemScreen
from cca_tui.ui.screens.picker import PickerScreen
from cca_tui.ui.widgets.detail_pane import DetailPane
from cca_tui.ui.widgets.instance_table import InstanceTable
from tests.conftest import SimFactory
from tests.seed_gates import SEED_GATES
from tests.typed import not_none
from tests.ui.app_harness import (
    SIZE,
    RequestCounter,
    action_shown,
    busy_ids,
    env_instances,
    instance_screen,
    instance_shown,
    make_app,
    open_app,
    picker_listed,
    picker_rows,
    select,
    selected_id,
    settle,
    shown_ids,
    told,
    top_screen,
    wait_until,
)

ENV = "compute-on/production"


async def test_picker_lists_filters_and_opens(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        picker = top_screen(app, PickerScreen)
        assert picker.query_one(DataTable).row_count == 1 + 4  # "All environments", then each
        await pilot.press(*"dr-s")
        await settle(app, pilot)
        assert list(picker_rows(picker)) == ["compute-qc/dr-site"]
        await pilot.press("enter")
        await settle(app, pilot)
        assert [str(env) for env in instance_screen(app).environments] == ["compute-qc/dr-site"]
        assert len(instance_screen(app).view.instances) == len(env_instances(sim, "compute-qc", "dr-site"))
    # remembered for next time
    assert app.state.last_environment("test") == "compute-qc/dr-site"


async def test_picker_marks_unreachable_connection(sim: SimServer, tmp_path: Path) -> None:
    sim.world.set_connection_reachable("compute-qc", False)
    app = make_app(sim, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        statuses = picker_rows(top_screen(app, PickerScreen), "status")
        assert statuses["compute-qc/dev"] == "unreachable"
        assert statuses["compute-on/production"] == "ok"


async def test_missing_key_shows_key_screen(sim: SimServer, tmp_path: Path) -> None:
    from cca_tui.config import Settings, StateStore
    from cca_tui.ui.app import CcaApp

    app = CcaApp(
        Settings(api_url=sim.url, api_key_problem="No API key: set CCA_API_KEY"), state=StateStore(tmp_path / "s.json")
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, KeyProblemScreen)


async def test_rejected_key_shows_key_screen(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim, tmp_path, api_key="wrong-key")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, KeyProblemScreen)
        assert "403" in app.screen.problem  # the reference lists 403 for a refused key
        assert "wrong-key" not in app.screen.problem


STATES = ["Running", "Stopped", "Destroyed", "Error", "Starting", "Stopping"]


@pytest.mark.parametrize("state", STATES)
async def test_actions_enabled_exactly_in_allowed_states(sim: SimServer, tmp_path: Path, state: str) -> None:
    target = env_instances(sim)[0]
    with sim.world.session():
        target.state = state
    async with open_app(sim, tmp_path, environment=ENV, selected=target.id) as op:
        for spec in INSTANCE_ACTIONS:
            allowed = state in SEED_GATES[spec.action.value]
            assert action_shown(op.screen, spec.action.value).enabled is allowed, (spec.action, state)
            if not allowed:
                await op.answer(spec.key)
        assert op.mutations() == []


async def test_refused_key_says_why_and_sends_nothing(sim: SimServer, tmp_path: Path) -> None:
    running = next(i for i in env_instances(sim) if i.state == "Running")
    async with open_app(sim, tmp_path, environment=ENV, selected=running.id) as op:
        await op.answer("s")
        assert op.counter.requests == []
        messages = told(op.app).messages
        assert f"Start needs Stopped; {running.name} is Running" in messages


async def test_stop_then_start_follows_tasks_and_updates_rows(sim: SimServer, tmp_path: Path) -> None:
    running = next(i for i in env_instances(sim) if i.state == "Running")
    async with open_app(sim, tmp_path, environment=ENV, selected=running.id) as op:
        screen = op.screen
        await op.answer("x", "y", rounds=5)  # stop asks first
        table = screen.query_one(InstanceTable)
        assert instance_shown(screen, running.id).state == "Stopped"
        assert selected_id(screen) == running.id and table.cursor_row == shown_ids(screen).index(running.id)
        assert [(t.action, t.status) for t in screen.view.tasks] == [("Stop", "SUCCESS")]
        await op.answer("s", rounds=5)
        assert instance_shown(screen, running.id).state == "Running"


async def test_reset_password_shows_password_once(sim: SimServer, tmp_path: Path) -> None:
    candidate = next(i for i in env_instances(sim) if i.state == "Running" and i.is_password_enabled)
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select(instance_screen(app), candidate.id)
        await pilot.press("w")
        await settle(app, pilot)
        # the confirmation opens with Cancel focused; confirm explicitly
        await pilot.click("#confirm")
        await settle(app, pilot, rounds=5)
        from cca_tui.ui.forms import PasswordModal

        assert isinstance(app.screen, PasswordModal)
        shown = str(app.screen.query_one("#password", Static).content)
        assert len(shown) == 12 and shown.isalnum()
        # never in a notification
        assert not told(app).containing(shown)


async def test_stale_marker_while_simulator_is_down(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        table = screen.query_one(InstanceTable)
        rows_before = table.row_count
        sim.offline = True
        await pilot.press("ctrl+r")
        await settle(app, pilot, rounds=3)
        status = screen.query_one("#status")
        assert "STALE" in str(status.render())
        assert status.has_class("stale")
        assert table.row_count == rows_before  # last good data stays
        sim.offline = False
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert "STALE" not in str(status.render())


async def test_filter_and_sort_survive_refresh(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        await pilot.press("slash", *"Stopped", "enter")
        await pilot.press("greater_than_sign")  # sort by state
        await settle(app, pilot)
        stopped = {i.id for i in env_instances(sim) if i.state == "Stopped"}
        assert set(shown_ids(screen)) == stopped
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert set(shown_ids(screen)) == stopped
        assert screen.view.sort_column == "state" and screen.view.filter_text == "Stopped"


async def test_cursor_stays_on_instance_when_rows_appear_and_disappear(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        table = screen.query_one(InstanceTable)
        ordered = shown_ids(screen)
        target = ordered[5]
        select(screen, target)
        # remove an instance above the cursor on the server side (purge it)
        victim = not_none(sim.world.instance(ordered[0]))
        with sim.world.session():
            env = sim.world.environment("compute-on", "production")
            del env.instances[victim.id]
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert selected_id(screen) == target
        assert table.cursor_row == 4


async def test_detail_pane_shows_ips_nics_rules_and_ssh(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim, tmp_path, environment=ENV)
    env = sim.world.environment("compute-on", "production")
    with sim.world.session():
        rule = next(r for r in env.pf_rules.values() if r.private_port_start == 22)
        owner = env.instances[rule.instance_id]
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select(instance_screen(app), owner.id)
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


async def test_read_only_profile_disables_every_mutation(sim: SimServer, tmp_path: Path) -> None:
    stopped = next(i for i in env_instances(sim) if i.state == "Stopped")
    app = make_app(sim, tmp_path, environment=ENV, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        select(screen, stopped.id)
        await settle(app, pilot)
        counter = RequestCounter(app)
        for spec in INSTANCE_ACTIONS:
            assert not action_shown(screen, spec.action.value).enabled
        assert not action_shown(screen, "create").enabled
        await pilot.press("s", "n", "d")
        await settle(app, pilot, rounds=1)
        assert counter.mutations() == []
        assert isinstance(app.screen, InstanceScreen)  # no form opened
        assert "READ-ONLY" in str(screen.query_one("#status").render())


async def test_stale_data_recovers_by_itself(sim: SimServer, tmp_path: Path) -> None:
    """No key press: the scheduled refresh marks the data stale, then clears the mark."""
    from cca_tui.config import Settings

    app = make_app(sim, tmp_path, environment=ENV)
    app.settings = Settings(**{**app.settings.model_dump(), "refresh_interval": 1.0})
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        status = app.screen.query_one("#status")
        sim.offline = True
        await wait_until(pilot, lambda: status.has_class("stale"))
        sim.offline = False
        await wait_until(pilot, lambda: not status.has_class("stale"))


def screen_text(app: CcaApp) -> str:
    """The text actually drawn on the terminal (what an operator sees)."""
    return app.export_screenshot().replace("&#160;", " ")


async def test_help_screen_shows_every_key(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        drawn = screen_text(app)
        for label in ("Start", "Reset password", "Associate SSH key", "Destroyed", "Recover"):
            assert label in drawn, label
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, InstanceScreen)


async def test_key_problem_screen_shows_how_to_fix(sim: SimServer, tmp_path: Path) -> None:
    from cca_tui.config import Settings, StateStore
    from cca_tui.ui.app import CcaApp

    app = CcaApp(
        Settings(api_url=sim.url, api_key_problem="No API key for profile 'default'"),
        state=StateStore(tmp_path / "s.json"),
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        drawn = screen_text(app)
        assert "No API key for profile" in drawn
        assert "CCA_API_KEY" in drawn and "--demo" in drawn


async def test_second_action_on_a_busy_instance_is_refused_locally(sim_factory: SimFactory, tmp_path: Path) -> None:
    from cca_tui.sim.options import SimOptions

    sim = sim_factory(SimOptions(task_delay=30))  # the stop stays in flight
    running = next(i for i in env_instances(sim) if i.state == "Running")
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select(instance_screen(app), running.id)
        counter = RequestCounter(app)
        await pilot.press("x", "y")  # stop asks first
        await wait_until(pilot, lambda: running.id in busy_ids(instance_screen(app)))
        await pilot.press("x", "r")
        await pilot.pause()
        assert len(counter.mutations()) == 1
        assert told(app).containing(f"{running.name} is busy: Stop in progress")


async def test_quit_with_a_task_in_flight_asks_first(sim_factory: SimFactory, tmp_path: Path) -> None:
    from cca_tui.sim.options import SimOptions
    from cca_tui.ui.forms import ConfirmModal

    sim = sim_factory(SimOptions(task_delay=30))
    running = next(i for i in env_instances(sim) if i.state == "Running")
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select(instance_screen(app), running.id)
        await pilot.press("x", "y")  # stop asks first
        await wait_until(pilot, lambda: running.id in busy_ids(instance_screen(app)))
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("enter")  # focus is on Cancel: a stray Enter keeps the app
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, InstanceScreen)


async def test_password_still_shown_after_switching_environment(sim_factory: SimFactory, tmp_path: Path) -> None:
    from cca_tui.sim.options import SimOptions
    from cca_tui.ui.forms import PasswordModal

    sim = sim_factory(SimOptions(task_delay=2.0))
    target = next(i for i in env_instances(sim) if i.state == "Running" and i.is_password_enabled)
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select(instance_screen(app), target.id)
        await pilot.press("w")
        await wait_until(pilot, lambda: app.screen.query("#confirm"))
        await pilot.click("#confirm")
        screen_name = environment_screen_name([EnvironmentRef(*ENV.split("/"))])
        production = app.get_screen(screen_name, InstanceScreen)
        await wait_until(pilot, lambda: target.id in busy_ids(production))
        await pilot.press("ctrl+e")  # to the picker while the reset is in flight
        await wait_until(pilot, lambda: any(isinstance(s, PickerScreen) for s in app.screen_stack))
        await wait_until(pilot, lambda: isinstance(app.screen, PasswordModal))
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen)  # the password came over the picker
        await pilot.press("escape")  # picker: back to the environment, as it was
        await settle(app, pilot)
        screen = instance_screen(app)
        assert [(t.action, t.status) for t in screen.view.tasks] == [("Reset password", "SUCCESS")]
        assert selected_id(screen) == target.id


async def test_detail_follows_the_selection_after_filtering(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        await pilot.press("slash", *"web", "enter")
        await settle(app, pilot)
        pane = screen.query_one(DetailPane)
        assert screen.view.selected is not None and screen.view.selected.name.startswith("web")
        assert not_none(pane.detail).instance.id == selected_id(screen)


async def test_sort_orders_rows_and_reverses(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)

        def names_in_row_order() -> list[str]:
            return [instance.name for instance in screen.view.rows]

        assert names_in_row_order() == sorted(names_in_row_order(), key=str.lower)
        await pilot.press("exclamation_mark")
        await settle(app, pilot)
        assert names_in_row_order() == sorted(names_in_row_order(), key=str.lower, reverse=True)
        await pilot.press("greater_than_sign")  # by state
        await settle(app, pilot)
        states = [instance.state for instance in screen.view.rows]
        assert states == sorted(states, key=str.lower)


async def test_switching_environments_keeps_each_screen_as_it_was(sim: SimServer, tmp_path: Path) -> None:
    running = next(i for i in env_instances(sim) if i.state == "Running")
    async with open_app(sim, tmp_path, environment=ENV, selected=running.id) as op:
        production = op.screen
        await op.answer("x", "y", rounds=4)  # stop asks first
        assert (await op.switch_to("dev")).environments == (EnvironmentRef("compute-qc", "dev"),)
        assert await op.switch_to("production") is production
        assert selected_id(production) == running.id
        assert [(t.action, t.status) for t in production.view.tasks] == [("Stop", "SUCCESS")]


async def test_a_crash_shows_one_line_and_no_key(
    sim: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Textual's own crash report prints local variables; ours must not show the key."""
    from cca_tui.ui.app import crash_log_path

    app = make_app(sim, tmp_path, environment=ENV)
    key = not_none(app.settings.api_key).get_secret_value()

    def explode() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            app.call_later(explode)
            await pilot.pause(0.2)
    shown = capsys.readouterr().err
    assert "unexpected RuntimeError" in shown and "Traceback" not in shown and key not in shown
    logged = crash_log_path().read_text()
    assert "boom" in logged and key not in logged


async def test_forbidden_environment_is_marked_stale_not_a_key_problem(sim: SimServer, tmp_path: Path) -> None:
    """A 403 means this environment is off limits, not that the key is wrong."""
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        rows = screen.query_one(InstanceTable).row_count
        sim.world.forbid_environment("compute-on", "production")
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert app.screen is screen
        status = str(screen.query_one("#status").render())
        assert "not authorised in compute-on/production" in status and "403" in status
        assert screen.query_one(InstanceTable).row_count == rows


async def test_columns_grow_when_a_cell_gets_longer(sim: SimServer, tmp_path: Path) -> None:
    target = env_instances(sim)[0]
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        with sim.world.session():
            target.name = "a-much-longer-instance-name-than-before"
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert "a-much-longer-instance-name-than-before" in screen_text(app)


async def test_copy_ssh_command(sim: SimServer, tmp_path: Path) -> None:
    """`c` then `s`: the ssh command of the forwarded port (more in test_flow_ssh_copy.py)."""
    env = sim.world.environment("compute-on", "production")
    with sim.world.session():
        rule = next(r for r in env.pf_rules.values() if r.private_port_start == 22)
        owner = env.instances[rule.instance_id]
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select(instance_screen(app), owner.id)
        await settle(app, pilot, rounds=4)
        await pilot.press("c", "s")
        await pilot.pause()
        assert app.clipboard.startswith(f"ssh -p {rule.public_port_start} {owner.username}@")


async def test_the_app_starts_with_one_detail_request(sim: SimServer, tmp_path: Path) -> None:
    """The first selection fetches the instance's detail once, not once per widget or per event."""
    app = make_app(sim, tmp_path, environment=ENV)
    counter = RequestCounter(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot, rounds=2)
        selected = selected_id(instance_screen(app))
        assert selected is not None
        detail_gets = [r for r in counter.requests if r.startswith("GET ") and f"/instances/{selected}?" in r]
        assert len(detail_gets) == 1, counter.requests


async def test_a_burst_after_slash_lands_in_the_filter(sim: SimServer, tmp_path: Path) -> None:
    """Keys read in one go ("/web" typed fast or pasted over ssh) reach the app before `/`
    has moved the focus: every letter must land in the filter, none may act on the table
    (`w` is reset password, `x` stop)."""
    from textual import events

    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        counter = RequestCounter(app)
        for key, char in (("slash", "/"), ("w", "w"), ("x", "x"), ("slash", "/"), ("b", "b")):
            app.post_message(events.Key(key, char))  # as the driver posts them: no wait between
        await settle(app, pilot)
        assert app.screen.query_one("#filter", Input).value == "wx/b"
        assert counter.mutations() == []
        assert isinstance(app.screen, InstanceScreen)


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ((("ctrl+u", None), ("w", "w"), ("e", "e")), "we"),  # ctrl+u then a new filter
        ((("backspace", "\x7f"), ("d", "d")), "abd"),
        ((("ctrl+w", None), ("x", "x")), "x"),
        ((("left", None), ("z", "z")), "abzc"),
    ],
)
async def test_editing_keys_in_a_burst_act_in_order_with_the_letters(
    sim: SimServer, tmp_path: Path, keys: tuple[tuple[str, str | None], ...], expected: str
) -> None:
    """Over a slow ssh link the keys of a packet come together: the box's editing keys ran
    once they had gone round the app, after the letters read with them (ctrl+u then "we"
    left an empty filter, "abc" backspace "d" left "abc")."""
    from textual import events

    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", "a", "b", "c")
        box = app.screen.query_one("#filter", Input)
        await wait_until(pilot, lambda: box.value == "abc")
        for key, char in keys:
            app.post_message(events.Key(key, char))  # as the driver posts them: no wait between
        await settle(app, pilot)
        assert box.value == expected
        assert instance_screen(app).view.filter_text == expected


async def test_notifications_wait_while_a_dialog_is_open(sim: SimServer, tmp_path: Path) -> None:
    """Toasts were drawn over a dialog's text (in a fleet, a stop's confirmation half hidden
    under four news toasts); they show again on the screen behind once it closes."""
    from cca_tui.ui.forms import ConfirmModal
    from tests.ui.hostile import screen_text

    running = next(i for i in env_instances(sim) if i.state == "Running")
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE, notifications=True) as pilot:  # (off by default under the pilot)
        await settle(app, pilot)
        app.notify("news-from-elsewhere", timeout=120)
        await wait_until(pilot, lambda: "news-from-elsewhere" in screen_text(app))
        select(instance_screen(app), running.id)
        await pilot.press("x")  # stop asks first
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal) and "Stop?" in screen_text(app))
        await pilot.pause()
        assert "news-from-elsewhere" not in screen_text(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, InstanceScreen))
        await wait_until(pilot, lambda: "news-from-elsewhere" in screen_text(app))


async def test_a_refresh_the_operator_asks_for_says_so_at_once(sim: SimServer, tmp_path: Path) -> None:
    """ctrl+r said nothing until the lists came (0.6-1 s in a fleet of ten); the refreshes
    the app makes on its own stay quiet."""
    from tests.ui.hostile import screen_text

    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        sim.options.latency = 0.5  # replies that take a while
        screen.request_refresh()  # as the refresh timer does
        await wait_until(pilot, lambda: screen.loading_now)
        await pilot.pause()
        assert "refreshing…" not in screen_text(app)
        await wait_until(pilot, lambda: not screen.loading_now)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: "refreshing…" in screen_text(app))
        assert screen.loading_now
        sim.options.latency = 0
        await wait_until(pilot, lambda: not screen.loading_now and "refreshing…" not in screen_text(app))


async def test_the_selected_row_stays_in_sight_when_the_filter_box_opens(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    """The box opening above the table makes it a line shorter: a cursor on its last line was
    then under the bottom edge, and a filter that kept the row kept it there (the detail
    pane showed an instance the table did not)."""
    from cca_tui.sim.options import SimOptions

    sim = sim_factory(SimOptions(instances=300))
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        table = screen.query_one(InstanceTable)
        table.focus()
        await pilot.press("pagedown", "pagedown")
        await settle(app, pilot)

        def cursor_in_sight() -> bool:
            top = round(table.scroll_y)
            return top <= table._cursor < top + table._body_height()

        bottom = round(table.scroll_y) + table._body_height() - 1
        assert table._cursor == bottom, (table._cursor, bottom)  # on the last line shown
        name = not_none(screen.view.selected).name
        await pilot.press("slash")
        await wait_until(pilot, lambda: screen.query_one("#filter", Input).has_focus)
        await settle(app, pilot)
        assert cursor_in_sight()
        await pilot.press(*name[:2])  # a filter that keeps the selected row
        await wait_until(pilot, lambda: screen.view.filter_text == name[:2])
        await settle(app, pilot)
        assert not_none(screen.view.selected).name == name
        assert table._rows[table._cursor].name == name
        assert cursor_in_sight()


async def test_the_fleet_is_remembered_for_the_next_start_also_when_gone_back_to(
    sim: SimServer, tmp_path: Path
) -> None:
    """ "All environments" was never remembered (not an environment's reference): the next
    start put the picker's cursor on the last environment opened alone, even after `-` had
    gone back to the fleet (operator trial)."""
    from cca_tui.fleet.scope import ALL

    app = make_app(sim, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await picker_listed(app, pilot)
        await pilot.press("up", "up", "enter")  # the first row: "All environments"
        await wait_until(pilot, lambda: isinstance(app.screen, InstanceScreen) and len(app.screen.environments) == 4)
        assert app.state.last_environment("test") == ALL
        app.open_environment("compute-qc", "dev")
        await wait_until(pilot, lambda: [str(e) for e in instance_screen(app).environments] == ["compute-qc/dev"])
        assert app.state.last_environment("test") == "compute-qc/dev"
        await pilot.press("minus")  # back to the fleet
        await wait_until(pilot, lambda: len(instance_screen(app).environments) == 4)
        assert app.state.last_environment("test") == ALL
