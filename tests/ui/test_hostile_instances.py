"""Hostile server text through the instance screen: table, detail pane, status line, task log,
notifications, help and palette. The corpus is tests/ui/hostile.py's, planted in the
simulator's world; the whole app runs against it over real HTTP.
"""

from __future__ import annotations

from pathlib import Path

from cca_tui.sim.server import SimServer
from cca_tui.ui.app import CcaApp
from cca_tui.ui.screens.environment_states import EnvironmentStates
from cca_tui.ui.screens.instances import InstanceScreen
from cca_tui.ui.widgets.detail_pane import DetailPane
from cca_tui.ui.widgets.instance_table import InstanceTable
from tests.ui.app_harness import SIZE, instance_screen, make_app, select, settle, told, wait_until
from tests.ui.faulty_transport import Fault, FaultyTransport
from tests.ui.hostile import HOSTILE, assert_terminal_clean, plant_environment, screen_text, terminal_output

ENV = "compute-on/production"


def alive_and_clean(app: CcaApp) -> str:
    assert app.is_running and app.return_code is None
    assert_terminal_clean(terminal_output(app))
    return screen_text(app)


async def test_every_row_and_its_detail_show_hostile_text_literally(sim: SimServer, tmp_path: Path) -> None:
    env = sim.world.environment("compute-on", "production")
    with sim.world.lock:
        plant_environment(env)
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        assert isinstance(screen, InstanceScreen)
        assert len(screen.view.rows) == len(env.instances)  # every row is shown, none dropped
        alive_and_clean(app)
        table = screen.query_one(InstanceTable)
        for instance in list(screen.view.rows):
            table.select(instance.key)
            await settle(app, pilot)
            pane = screen.query_one(DetailPane)
            assert pane.detail is not None and pane.detail.complete
            alive_and_clean(app)
        # Filter by a hostile string, sort by every column, open the help: nothing breaks.
        await pilot.press("slash", *"[/]", "enter")
        await settle(app, pilot)
        for _ in range(9):
            await pilot.press("greater_than_sign")
        await pilot.press("question_mark")
        await settle(app, pilot)
        alive_and_clean(app)


async def test_task_log_notifications_and_status_line_stay_literal(sim: SimServer, tmp_path: Path) -> None:
    env = sim.world.environment("compute-on", "production")
    with sim.world.lock:
        plant_environment(env)
        running = next(i for i in env.instances.values() if i.state == "Running")
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        select(screen, running.id)
        await settle(app, pilot)
        # A task that fails with a hostile message: task log and notification carry it.
        sim.world.fail_next_task(HOSTILE[5] + HOSTILE[2])
        await pilot.press("x", "y")  # stop asks first
        await settle(app, pilot)
        assert [t.status for t in screen.view.tasks] == ["FAILED"]
        drawn = alive_and_clean(app)
        assert "FAILED" in drawn
        assert told(app).notes and all(note.markup is False for note in told(app).notes)


async def test_a_hostile_error_message_in_the_status_line(sim: SimServer, tmp_path: Path) -> None:
    from cca_tui.ui.app import CcaApp

    transport = FaultyTransport()
    broken = {"now": False}
    message = "".join(HOSTILE[:10])
    transport.add(
        lambda r: (
            Fault(status=500, body={"errors": [{"code": "[/]", "message": message}]})
            if broken["now"] and r.url.path.endswith("/instances")
            else None
        )
    )
    app = make_app(sim, tmp_path, environment=ENV)
    app = CcaApp(
        app.settings,
        state=app.state,
        environment=ENV,
        clock=app.clock,
        ssh_dir=app.ssh_dir,
        journal_path=tmp_path / "tasks.json",
        transport=transport,
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        broken["now"] = True
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: screen.view.stale_reason is not None)
        await settle(app, pilot)
        drawn = alive_and_clean(app)
        assert "STALE" in drawn
        # The status line keeps to one row: the reason's end is in `E`, the escape shown, not obeyed.
        await pilot.press("E")
        await wait_until(pilot, lambda: isinstance(app.screen, EnvironmentStates))
        await settle(app, pilot)
        assert "\\x1b" in alive_and_clean(app)


async def test_any_environment_name_can_be_opened(sim: SimServer, tmp_path: Path) -> None:
    """`two words`, `a/b`, the empty string and markup open a screen each (the server may
    not know them: then the screen says so), and never the same screen for two names."""
    names = ["two words", "a/b", "", "[@click=app.quit]y[/]"]
    with sim.world.lock:
        for env, name in zip(sim.world.visible_environments(), names, strict=True):
            env.name = name
    app = make_app(sim, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        codes = {env.name: env.connection.service_code for env in sim.world.visible_environments()}
        opened = []
        for name in names:
            app.open_environment(codes[name], name)
            await settle(app, pilot)
            screen = instance_screen(app)
            assert isinstance(screen, InstanceScreen) and screen.environments[0].name == name
            opened.append(screen)
            alive_and_clean(app)
        assert len({id(s) for s in opened}) == len(names)
        assert len(opened[0].view.instances) == 12  # "two words" is served and shown
