"""The action bar: one widget drawn from what the selection allows; the mouse chooses an
action there, and hovering a refused one says why (the real app on the simulator, pilot)."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import events
from textual.geometry import Offset
from textual.widget import Widget

from cca_tui.sim.server import SimServer
from cca_tui.ui.actions import ACTIONS, Action
from cca_tui.ui.forms import ActionConfirmModal
from cca_tui.ui.screens.instances import InstanceScreen
from cca_tui.ui.widgets.action_bar import GRID_COLUMNS, ActionBar, ActionEntry
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


def mouse_event(kind: type[events.MouseEvent], bar: ActionBar, offset: Offset) -> events.MouseEvent:
    """A press or release of the left button at `offset` in the bar, in screen coordinates."""
    x, y = bar.region.x + offset.x, bar.region.y + offset.y
    return kind(None, x, y, 0, 0, 1, False, False, False, screen_x=x, screen_y=y)


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


async def test_a_drag_from_one_action_to_another_chooses_neither(sim: SimServer, tmp_path: Path) -> None:
    # One widget gets both the press and the release, so Textual sends it a click: only one
    # released where it was pressed chooses (twelve buttons never saw such a click).
    running = next(i for i in env_instances(sim) if i.state == "Running")
    async with open_app(sim, tmp_path, environment=ENV, selected=running.id) as op:
        bar = op.screen.query_one(ActionBar)
        stop, reboot = bar.region_of(Action.STOP), bar.region_of(Action.REBOOT)
        assert bar.entry(Action.STOP).enabled and bar.entry(Action.REBOOT).enabled
        # As the terminal's driver posts them (the pilot's own mouse_down / mouse_up skip the
        # app's step that turns a press and a release on one widget into a click).
        op.app.post_message(mouse_event(events.MouseDown, bar, stop.offset))
        op.app.post_message(mouse_event(events.MouseUp, bar, reboot.offset))
        await op.settle()
        assert isinstance(op.app.screen, InstanceScreen) and told(op.app).messages == []
        await op.pilot.click(ActionBar, offset=reboot.offset)  # a click there still chooses
        dialog = await op.ask(dialog=ActionConfirmModal)
        assert "Reboot" in dialog._message and running.name in dialog._message
        await op.answer("escape")
        assert op.mutations() == []


async def test_actions_that_do_not_fit_on_one_line_take_two(sim: SimServer, tmp_path: Path) -> None:
    # A keymap's long key names lengthen the labels: the last actions were cut off the line.
    keymap = {"rename": "ctrl+shift+home", "purge": "ctrl+shift+p", "stop": "ctrl+shift+x", "destroy": "ctrl+shift+f12"}
    app = make_app(sim, tmp_path, environment=ENV, keymap=keymap)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(app, pilot)
        bar = instance_screen(app).query_one(ActionBar)
        await wait_until(pilot, lambda: bar.size.height == 2)
        shown = "\n".join(bar_lines(bar))
        for entry in bar.entries:  # each one there (a long one's name cut in its cell)
            assert f" {entry.key} {entry.name[:3]}" in shown, (entry.label, shown)
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(app, pilot)
        bar = instance_screen(app).query_one(ActionBar)
        assert bar.size.height == 1 and all(entry.label in bar_lines(bar)[0] for entry in bar.entries)


def test_a_label_cut_to_its_cell_keeps_its_key_and_its_whole_count() -> None:
    entry = ActionEntry(Action.REBOOT, "r", "Reboot", None, 16670)
    assert entry.fitted(16) == " r Reboot 16670 "
    assert entry.fitted(14) == " r Rebo… 16670"
    assert entry.fitted(8) == " r 16670"
    for width in range(0, 20):
        text = entry.fitted(width)
        assert len(text) <= width
        # Whatever is shown, the count is whole or absent: never another number.
        numbers = [word for word in text.split() if word.isdigit()]
        assert numbers in ([], ["16670"]), (width, text)
        assert text == "" or text.split()[0] == "r", (width, text)
    assert ActionEntry(Action.STOP, "x", "Stop", None).fitted(6) == " x St…"
