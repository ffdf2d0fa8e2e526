"""News arriving for a few rows (a fleet refresh that saw changes behind our back) redraws
those rows alone, not every row on screen, when the marks' room does not change."""

from __future__ import annotations

from datetime import datetime

import pytest
from textual.app import App, ComposeResult

from cca_tui.api.models import Instance
from cca_tui.ui.state import EnvironmentRef, EnvironmentView
from cca_tui.ui.widgets.instance_table import NEWS_MARK, InstanceTable
from tests.ui.app_harness import spy

LOADED_AT = datetime(2026, 12, 1, 12, 0)


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield InstanceTable()


async def test_news_for_one_more_row_redraws_that_row_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    instances = [Instance(id=f"i{n:03d}", name=f"vm-{n:03d}", state="Running") for n in range(100)]
    view = EnvironmentView.of(EnvironmentRef("c", "e")).with_instances(instances, when=LOADED_AT)
    view = view.with_news({"i005"})
    built: list[str] = []  # rows whose strip was made (not taken from the kept ones)

    def building(_table: InstanceTable, instance: Instance) -> None:
        built.append(instance.id)

    app = Host()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(InstanceTable)
        table.view = view
        await pilot.pause()
        spy(monkeypatch, InstanceTable, "_cells_for", building)
        repainted: list[tuple[object, ...]] = []  # the regions of each repaint asked for
        spy(monkeypatch, InstanceTable, "refresh", lambda _table, *regions, **_how: repainted.append(regions))
        table.view = view.with_news({"i005", "i007"})
        await pilot.pause()
        # Row 7's line alone is repainted (was: the whole table, each line then processed
        # again by Textual in the frame).
        assert repainted and all(regions for regions in repainted), repainted
        # Row 7 (line 0: the header), its mark in the gutter left of the name.
        assert table.render_line(8).text.startswith(NEWS_MARK + " vm-007")
        assert table.render_line(6).text.startswith(NEWS_MARK + " vm-005")
        assert table.render_line(7).text.startswith("  vm-006")
        assert built == ["i007"]


async def test_a_refresh_that_changes_rows_off_screen_draws_no_line_and_one_on_screen_draws_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fleet's refresh changes a few rows of thousands, most often none on screen: drawing
    every line again was ~20 ms of each refresh's frame."""
    instances = [Instance(id=f"i{n:03d}", name=f"vm-{n:03d}", state="Running") for n in range(100)]
    view = EnvironmentView.of(EnvironmentRef("c", "e")).with_instances(instances, when=LOADED_AT)
    drawn: list[int] = []  # lines drawn (0: the header)

    def drawing(_table: InstanceTable, y: int) -> None:
        drawn.append(y)

    app = Host()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(InstanceTable)
        table.view = view
        await pilot.pause()
        spy(monkeypatch, InstanceTable, "render_line", drawing)
        off_screen = list(instances)
        off_screen[80] = instances[80].model_copy(update={"state": "Stopped"})
        table.view = view = view.with_instances(off_screen, when=LOADED_AT)
        await pilot.pause()
        assert drawn == []
        on_screen = list(off_screen)
        on_screen[3] = off_screen[3].model_copy(update={"state": "Stopped"})
        table.view = view.with_instances(on_screen, when=LOADED_AT)
        await pilot.pause()
        assert drawn == [4]  # row 3 (line 0: the header)
        assert "Stopped" in table.render_line(4).text
