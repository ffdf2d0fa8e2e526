"""A selection move or a filter letter is drawn in one frame, repainting only what changed.

In a real terminal each frame costs the styling of every line it repaints, and a key whose
result came in two frames waited a frame period (up to 17 ms) for the second: these tests
look at the frames the screen draws (which widgets, which table lines) rather than time them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.strip import Strip
from textual.widget import Widget

from cca_tui.sim.server import SimServer
from cca_tui.ui.app import CcaApp
from cca_tui.ui.screens.instances import InstanceScreen
from cca_tui.ui.widgets.action_bar import ActionBar
from cca_tui.ui.widgets.detail_pane import DetailPane
from cca_tui.ui.widgets.filter_input import FilterInput
from cca_tui.ui.widgets.instance_table import InstanceTable
from tests.ui.app_harness import SIZE, make_app, settle, wait_until

ENV = "compute-on/production"


class Frames:
    """The frames a screen draws from now on: per frame, the widgets whose lines it drew
    again (their class names; a line still valid is not drawn again) and which lines of the
    table."""

    def __init__(self, screen: InstanceScreen, monkeypatch: pytest.MonkeyPatch) -> None:
        self.widgets: list[set[str]] = []
        self.table_lines: list[list[int]] = []
        refresh: Callable[[], None] = screen._compositor_refresh

        def frame() -> None:
            self.widgets.append(set())
            self.table_lines.append([])
            refresh()

        def drawing(line: Callable[[int], Strip], name: str) -> Callable[[int], Strip]:
            def draw(y: int) -> Strip:
                if self.widgets:
                    self.widgets[-1].add(name)
                    if name == "InstanceTable":
                        self.table_lines[-1].append(y)
                return line(y)

            return draw

        widget_line: Callable[[Widget, int], Strip] = Widget.render_line

        def any_widget(widget: Widget, y: int) -> Strip:
            return drawing(lambda y: widget_line(widget, y), type(widget).__name__)(y)

        monkeypatch.setattr(screen, "_compositor_refresh", frame)
        monkeypatch.setattr(Widget, "render_line", any_widget)
        # Widgets with lines of their own (the base class's method is not theirs).
        for widget in (screen.query_one(InstanceTable), screen.query_one(DetailPane), screen.query_one(FilterInput)):
            monkeypatch.setattr(widget, "render_line", drawing(widget.render_line, type(widget).__name__))

    def clear(self) -> None:
        self.widgets.clear()
        self.table_lines.clear()

    def first_with(self, *names: str) -> int | None:
        """The first frame that drew any of these widgets."""
        return next((n for n, drawn in enumerate(self.widgets) if drawn & set(names)), None)


def _screen(app: CcaApp) -> InstanceScreen:
    assert isinstance(app.screen, InstanceScreen)
    return app.screen


async def test_a_move_is_one_frame_with_the_cursor_lines_and_the_detail(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot, rounds=4)
        screen = _screen(app)
        table, pane = screen.query_one(InstanceTable), screen.query_one(DetailPane)
        bar = screen.query_one(ActionBar)
        table.focus()
        await settle(app, pilot)
        frames = Frames(screen, monkeypatch)
        for key, step in (("down", 1), ("down", 1), ("up", -1)):
            row = table.cursor_row
            wanted = screen.view.rows[row + step].key
            actions_before = bar.entries
            frames.clear()
            await pilot.press(key)

            def drawn(wanted: Any = wanted) -> bool:
                shown = pane.detail is not None and pane.detail.key == wanted
                return shown and frames.first_with("InstanceTable", "DetailPane") is not None

            await wait_until(pilot, drawn)
            first = frames.first_with("InstanceTable", "DetailPane")
            assert first is not None
            # The table's two lines and the pane's new detail, together.
            assert {"InstanceTable", "DetailPane"} <= frames.widgets[first]
            # Only the lines the cursor left and reached (the header is line 0).
            top = round(table.scroll_y)
            assert sorted(frames.table_lines[first]) == sorted({row + 1 - top, row + step + 1 - top})
            # Nothing else on screen changed: not drawn (the action bar only when the new
            # row allows other actions).
            assert not {"StatusLine", "TaskLog"} & frames.widgets[first]
            assert ("ActionBar" in frames.widgets[first]) is (bar.entries != actions_before)
            await settle(app, pilot)  # the pane's fetch of the new selection


def _on_screen(table: InstanceTable) -> list[object]:
    """The instances on the table's lines, top to bottom."""
    top = round(table.scroll_y)
    return list(table._rows[top : top + table.size.height])


async def test_a_filter_letter_is_one_frame_with_the_box_the_rows_and_the_count(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot, rounds=4)
        screen = _screen(app)
        await pilot.press("slash")  # opening the box lays the screen out: not this test's
        await settle(app, pilot)
        frames = Frames(screen, monkeypatch)
        typed = ""
        table = screen.query_one(InstanceTable)
        for letter in ("w", "e", "b"):
            count, on_screen = len(screen.view.rows), _on_screen(table)
            typed += letter
            frames.clear()
            await pilot.press(letter)

            def drawn(typed: str = typed) -> bool:
                return screen.view.filter_text == typed and frames.first_with("FilterInput") is not None

            await wait_until(pilot, drawn)
            first = frames.first_with("FilterInput", "InstanceTable", "StatusLine")
            assert first is not None
            # The table is drawn again when the rows on screen changed (only those lines).
            expected = (
                {"FilterInput"}
                | ({"InstanceTable"} if _on_screen(table) != on_screen else set())
                | ({"StatusLine"} if len(screen.view.rows) != count else set())
            )
            assert expected <= frames.widgets[first], f"{typed!r}: frame {first} drew {frames.widgets[first]}"
            await settle(app, pilot)
        assert len(screen.view.rows) < len(screen.view.instances)


async def test_the_detail_pane_repainting_changed_lines_shows_what_a_full_repaint_shows(
    sim: SimServer, tmp_path: Path
) -> None:
    """`DetailPane.show` repaints the lines that differ from the last detail: after every
    move and every fetch, the screen is what repainting the whole pane gives."""
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot, rounds=4)
        screen = _screen(app)
        screen.query_one(InstanceTable).focus()
        pane = screen.query_one(DetailPane)
        for key in ("down", "down", "down", "up", "end", "home", "down"):
            await pilot.press(key)
            await settle(app, pilot, rounds=2)
            shown = app.export_screenshot()
            pane.refresh()
            await pilot.pause()
            assert app.export_screenshot() == shown, f"after {key}: a line of the pane was not repainted"


async def test_a_move_survives_a_new_view_arriving_before_its_highlight(sim: SimServer, tmp_path: Path) -> None:
    """A view that did not change the selection (a task changed, a refresh started) and
    arrived between the table's move and the screen hearing of it used to put the cursor
    back: the key was lost (seen in a real terminal, once in a few dozen moves)."""
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot, rounds=4)
        screen = _screen(app)
        table = screen.query_one(InstanceTable)
        first, second = screen.view.rows[0].key, screen.view.rows[1].key
        assert screen.view.selected_key == first
        table.action_cursor(1)  # Down: its Highlighted message is on its way to the screen
        view = screen.view
        screen.view = view.with_tasks(view.tasks, view.busy)  # a task changed meanwhile
        await settle(app, pilot)
        assert table.cursor_key == second
        assert screen.view.selected_key == second
        detail = screen.query_one(DetailPane).detail
        assert detail is not None and detail.key == second
