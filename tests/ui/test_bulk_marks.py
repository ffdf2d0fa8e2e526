"""Marks as the operator meets them: a burst of keys that filters then marks, and the action
bar, palette and help saying what the marked set allows (the real app on the simulator)."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from cca_tui.sim.server import SimServer
from cca_tui.ui.app import CcaApp
from cca_tui.ui.forms import ActionConfirmModal
from cca_tui.ui.screens.instances import InstanceScreen
from tests.ui.app_harness import SIZE, make_app, settle, wait_until

ENV = "compute-on/production"


def post_burst(app: CcaApp, *keys: tuple[str, str | None]) -> None:
    """Keys as a terminal delivers a burst (typed fast, or pasted): all queued before any is handled."""
    for key, character in keys:
        app.post_message(events.Key(key, character))


async def instance_screen(app: CcaApp, pilot: Pilot[None]) -> InstanceScreen:
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, InstanceScreen)
    return screen


async def test_a_burst_filter_enter_ctrl_a_marks_every_row_the_filter_shows(sim: SimServer, tmp_path: Path) -> None:
    """Was: `/web-` Enter `ctrl+a` typed fast left ctrl+a to the filter box (its own "go to
    the start"): nothing was marked. Enter must hand the keys after it to the table."""
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        screen = await instance_screen(app, pilot)
        post_burst(
            app,
            ("slash", "/"),
            *((character if character != "-" else "minus", character) for character in "web-"),
            ("enter", "\r"),
            ("ctrl+a", None),
        )
        await wait_until(pilot, lambda: app._message_queue.empty())
        await settle(app, pilot)
        box = screen.query_one("#filter", Input)
        assert box.value == "web-" and screen.view.filter_text == "web-"
        shown = {instance.key for instance in screen.view.rows}
        assert {instance.name for instance in screen.view.rows} == {"web-1", "web-2", "web-3"}
        assert screen.view.marked == shown
        assert not box.has_focus and screen.table.has_focus


async def test_a_letter_right_after_the_filters_enter_is_a_key_of_the_table(sim: SimServer, tmp_path: Path) -> None:
    """`/web-1` Enter `x` typed fast: the filter keeps "web-1" and `x` stops the row shown."""
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        screen = await instance_screen(app, pilot)
        post_burst(
            app,
            ("slash", "/"),
            *((character if character != "-" else "minus", character) for character in "web-1"),
            ("enter", "\r"),
            ("x", "x"),
        )
        await wait_until(pilot, lambda: isinstance(app.screen, ActionConfirmModal))
        question = app.screen
        assert isinstance(question, ActionConfirmModal)
        assert "Stop web-1?" in question._message
        assert screen.query_one("#filter", Input).value == "web-1"
        await pilot.press("escape")


async def test_a_burst_that_clears_filters_and_marks_marks_the_row_it_filtered_to(
    sim: SimServer, tmp_path: Path
) -> None:
    """`ctrl+u /db-p Enter space ctrl+u` typed fast, with web-* marked: db-primary is marked
    too (was: the letters typed after `/` went partly to the table, and space marked api-1,
    the first row of the list the filter had not narrowed yet)."""
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        screen = await instance_screen(app, pilot)
        await pilot.press("slash", *"web-", "enter", "ctrl+a")
        await settle(app, pilot)
        post_burst(
            app,
            ("ctrl+u", None),
            ("slash", "/"),
            *((character if character != "-" else "minus", character) for character in "db-p"),
            ("enter", "\r"),
            ("space", " "),
            ("ctrl+u", None),
        )
        await wait_until(pilot, lambda: app._message_queue.empty())
        await settle(app, pilot)
        assert sorted(screen.view.instances[key].name for key in screen.view.marked) == [
            "db-primary",
            "web-1",
            "web-2",
            "web-3",
        ]
        assert screen.view.filter_text == "" and screen.table.has_focus
