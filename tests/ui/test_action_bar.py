"""The action bar: one widget drawn from what the selection allows; the mouse chooses an
action there, and hovering a refused one says why (the real app on the simulator, pilot)."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.widget import Widget

from cca_tui.sim.server import SimServer
from cca_tui.ui.actions import ACTIONS, Action
from cca_tui.ui.forms import ActionConfirmModal
from cca_tui.ui.screens.instances import InstanceScreen
from cca_tui.ui.widgets.action_bar import GRID_COLUMNS, ActionBar
from tests.ui.app_harness import (
    Operator,
    env_instances,
    instance_screen,
    make_app,
    open_app,
    select,
    settle,
    told,
    wait_until,
)

ENV = "compute-on/production"


def widgets_of(screen: InstanceScreen) -> set[int]:
    """Every widget of the screen, by identity: a widget mounted anew is a new one."""
    return {id(widget) for widget in screen.walk_children(Widget)}


def bar_lines(bar: ActionBar) -> list[str]:
    return str(bar.render()).split("\n")


async def test_the_bar_follows_the_selection_without_mounting_widgets(sim: SimServer, tmp_path: Path) -> None:
    running = next(i for i in env_instances(sim) if i.state == "Running")
    stopped = next(i for i in env_instances(sim) if i.state == "Stopped")
    async with open_app(sim, tmp_path, environment=ENV, selected=running.id) as op:
        bar = op.screen.query_one(ActionBar)
        before = widgets_of(op.screen)
        assert bar.entry(Action.STOP).enabled and not bar.entry(Action.START).enabled
        # Drawn as the compact buttons were: each label between two spaces, side by side.
        assert bar_lines(bar)[0].startswith(" n New  s Start  x Stop  r Reboot "), bar_lines(bar)
        await op.select(stopped.id)
        assert bar.entry(Action.START).enabled and not bar.entry(Action.STOP).enabled
        assert [entry.action for entry in bar.entries] == [spec.action for spec in ACTIONS]
        assert widgets_of(op.screen) == before


async def test_hovering_a_refused_action_says_why_in_its_own_words(sim: SimServer, tmp_path: Path) -> None:
    running = next(i for i in env_instances(sim) if i.state == "Running")
    async with open_app(sim, tmp_path, environment=ENV, selected=running.id) as op:
        bar = op.screen.query_one(ActionBar)
        start = bar.entry(Action.START)
        assert start.refusal == f"Start needs Stopped; {running.name} is Running"
        await op.pilot.hover(ActionBar, offset=bar.region_of(Action.START).offset)
        await wait_until(op.pilot, lambda: bar.tooltip is not None)
        # Literal text (an instance's name is the server's): never read as markup.
        assert isinstance(bar.tooltip, Text) and bar.tooltip.plain == start.refusal
        await op.pilot.hover(ActionBar, offset=bar.region_of(Action.STOP).offset)
        await wait_until(op.pilot, lambda: bar.tooltip is None)  # Stop is allowed: nothing to say


async def test_a_click_on_a_refused_action_says_why_and_sends_nothing(sim: SimServer, tmp_path: Path) -> None:
    running = next(i for i in env_instances(sim) if i.state == "Running")
    async with open_app(sim, tmp_path, environment=ENV, selected=running.id) as op:
        bar = op.screen.query_one(ActionBar)
        await op.pilot.click(ActionBar, offset=bar.region_of(Action.START).offset)
        await op.settle()
        assert f"Start needs Stopped; {running.name} is Running" in told(op.app).messages
        assert op.counter.requests == []
        assert isinstance(op.app.screen, InstanceScreen)


async def test_on_a_narrow_terminal_the_actions_sit_in_a_grid_and_a_click_there_chooses(
    sim: SimServer, tmp_path: Path
) -> None:
    running = next(i for i in env_instances(sim) if i.state == "Running")
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=(90, 40)) as pilot:
        await settle(app, pilot)
        select(instance_screen(app), running.id)
        await settle(app, pilot)
        op = Operator(app, pilot)
        bar = op.screen.query_one(ActionBar)
        lines = bar_lines(bar)
        assert len(lines) == 2 and all(len(line) == 90 for line in lines), lines
        # Six columns of 15 cells: each action at the start of its own.
        cell = 90 // GRID_COLUMNS
        for index, spec in enumerate(ACTIONS):
            line, column = divmod(index, GRID_COLUMNS)
            assert lines[line][column * cell :].startswith(f" {bar.entry(spec.action).label} "), lines
        reboot = bar.region_of(Action.REBOOT)
        assert reboot.y == 0 and reboot.x == 3 * cell
        await pilot.click(ActionBar, offset=(reboot.x + 2, reboot.y))
        dialog = await op.ask(dialog=ActionConfirmModal)
        assert running.name in dialog._message
        await op.answer("escape")
        assert op.mutations() == []
