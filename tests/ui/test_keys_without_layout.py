"""Keys an operator presses hundreds of times repaint what changed and never lay out the
screen again: a layout pass costs 60-300 ms per key in a real terminal (the pilot does not
show it), so these tests count the passes rather than time them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.screen import Screen

from cca_tui.sim.options import SimOptions
from cca_tui.sim.server import SimServer
from cca_tui.ui.state import LoadProgress
from cca_tui.ui.widgets.detail_pane import DetailPane
from cca_tui.ui.widgets.instance_table import InstanceTable
from cca_tui.ui.widgets.status_line import StatusLine
from tests.conftest import SimFactory
from tests.typed import not_none
from tests.ui.app_harness import SIZE, instance_screen, make_app, settle, wait_until

ENV = "compute-on/production"


def count_layouts(screen: Screen[Any], monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every layout pass of `screen` from now on."""
    layouts: list[object] = []
    original = screen._refresh_layout

    def counting(*args: Any, **kwargs: Any) -> None:
        layouts.append(args)
        original(*args, **kwargs)

    monkeypatch.setattr(screen, "_refresh_layout", counting)
    return layouts


async def test_a_selection_change_repaints_without_a_layout_pass(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot, rounds=4)
        screen = instance_screen(app)
        screen.query_one(InstanceTable).focus()
        await settle(app, pilot)
        layouts = count_layouts(screen, monkeypatch)
        shown = []
        for key in ("down", "down", "down", "up", "end", "home"):
            await pilot.press(key)
            await settle(app, pilot, rounds=3)  # the pane's fetch of the new selection included
            shown.append(not_none(screen.query_one(DetailPane).detail).instance.id)
        assert shown[-1] == screen.view.rows[0].id and len(set(shown)) >= 4
        assert layouts == []


async def test_filter_keys_repaint_without_a_layout_pass(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot, rounds=4)
        screen = instance_screen(app)
        await pilot.press("slash")  # opening the box changes the layout: that one is due
        await settle(app, pilot)
        layouts = count_layouts(screen, monkeypatch)
        counts = []
        for key in ("w", "e", "b", "backspace", "ctrl+u"):
            await pilot.press(key)
            await settle(app, pilot, rounds=3)
            counts.append((screen.view.filter_text, len(screen.view.rows)))
        total = len(screen.view.instances)
        assert counts[0][0] == "w" and counts[2][0] == "web" and counts[2][1] < total
        assert counts[-1] == ("", total)
        assert layouts == []


async def test_a_filter_that_leaves_fewer_rows_than_the_screen_lays_out_nothing(
    sim_factory: SimFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The filter most typed leaves a few rows: the table's scrollbar has nothing to scroll
    then. Had it gone away (and come back on ctrl+u), the table's width would change: a
    layout pass of the screen, 111 ms of a letter in tmux at 10,000 rows."""
    sim = sim_factory(SimOptions(task_delay=0, instances=200))
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot, rounds=4)
        screen = instance_screen(app)
        table = screen.query_one(InstanceTable)
        await pilot.press("slash")
        await settle(app, pilot)
        layouts = count_layouts(screen, monkeypatch)
        name = screen.view.rows[0].name
        for letter in name:
            await pilot.press(letter)
            await settle(app, pilot, rounds=2)
        assert 0 < len(screen.view.rows) < table.size.height - 1
        await pilot.press("ctrl+u")
        await settle(app, pilot, rounds=2)
        assert len(screen.view.rows) == 200
        assert layouts == []


async def test_ctrl_u_clears_the_filter_from_the_table(sim: SimServer, tmp_path: Path) -> None:
    """Escape waits for the terminal's escape delay; ctrl+u clears at once."""
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot, rounds=4)
        screen = instance_screen(app)
        await pilot.press("slash", "w", "e", "b", "enter")
        await settle(app, pilot)
        assert screen.view.filter_text == "web" and screen.query_one(InstanceTable).has_focus
        await pilot.press("ctrl+u")
        await settle(app, pilot)
        assert screen.view.filter_text == "" and len(screen.view.rows) == len(screen.view.instances)
        assert not screen.query_one("#filter").has_class("visible")


def status_rows(status: StatusLine) -> list[str]:
    """The status line's rows as drawn."""
    return [strip.text for strip in status.render_lines(status.region.reset_offset)]


async def test_a_narrow_status_line_stays_one_row_and_its_changes_lay_out_nothing(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On a narrow terminal the status line took two rows, and a text that crossed the edge
    # (the count, "loading 2000/5000…", a mark) moved the table down and up: a layout pass
    # each time. It is one row at every width now: only what it says changes.
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=(70, 30)) as pilot:
        await settle(app, pilot, rounds=4)
        screen = instance_screen(app)
        status = screen.query_one(StatusLine)
        await pilot.press("slash")  # opening the box changes the layout: that one is due
        await settle(app, pilot)
        layouts = count_layouts(screen, monkeypatch)
        lines = []
        for key in ("w", "e", "backspace", "ctrl+u"):
            await pilot.press(key)
            await settle(app, pilot, rounds=3)
            lines.append(" ".join(status_rows(status)))
        screen.view = screen.view.with_loading(LoadProgress(400, 500))
        await settle(app, pilot)
        lines.append(" ".join(status_rows(status)))
        total = len(screen.view.instances)
        assert f"/{total} instances" in lines[0] and f" {total} instances" in lines[3], lines
        assert "loading 400/500…" in lines[-1], lines
        assert status.size.height == 1 and layouts == []


async def test_a_mark_on_a_narrow_terminal_is_said_on_the_same_row(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=(90, 30)) as pilot:
        await settle(app, pilot, rounds=4)
        screen = instance_screen(app)
        status = screen.query_one(StatusLine)
        screen.view = screen.view.with_loading(LoadProgress(400, 500))
        await pilot.press("space")
        await wait_until(pilot, lambda: "✓ 1 marked" in " ".join(status_rows(status)))
        [row] = status_rows(status)
        assert "loading 400/500…" in row and status.size.height == 1, row
        await pilot.press("u")  # marks cleared
        await wait_until(pilot, lambda: "marked" not in " ".join(status_rows(status)))
        assert status.size.height == 1
