"""The footer follows the focus without mounting widgets, and a click on a key presses it
(the real app on the simulator, Textual pilot)."""

from __future__ import annotations

from pathlib import Path

from textual.widget import Widget

from cca_tui.sim.server import SimServer
from cca_tui.ui.screens.instances import InstanceScreen
from cca_tui.ui.widgets.filter_input import FilterInput
from cca_tui.ui.widgets.key_footer import KeyFooter
from tests.ui.app_harness import make_app, open_app, settle, top_screen, wait_until

ENV = "compute-on/production"


def widgets_of(screen: InstanceScreen) -> set[int]:
    """Every widget of the screen, by identity: a widget mounted anew is a new one."""
    return {id(widget) for widget in screen.walk_children(Widget)}


async def test_opening_and_closing_the_filter_mounts_no_widget(sim: SimServer, tmp_path: Path) -> None:
    # Textual's own footer composed a widget per key again at each change of focus: ~150 ms
    # of `/` and of Enter on the instance screen, and of every screen switch.
    async with open_app(sim, tmp_path, environment=ENV) as op:
        screen, pilot = op.screen, op.pilot
        footer = screen.query_one(KeyFooter)
        before = widgets_of(screen)
        table_keys = {entry.description for entry in footer.entries}
        assert {"Filter", "Help", "Detail"} <= table_keys, table_keys
        await pilot.press("slash")
        await wait_until(pilot, lambda: isinstance(screen.focused, FilterInput))
        await pilot.pause()
        filter_keys = {entry.description for entry in footer.entries}
        # The keys follow the focus: the table's own (Help, Detail...) are not the input's.
        assert "Help" not in filter_keys and "Filter" in filter_keys, filter_keys
        assert str(footer.render()).startswith(" / Filter "), str(footer.render())
        await pilot.press("w", "enter")
        await wait_until(pilot, lambda: not isinstance(screen.focused, FilterInput))
        await pilot.pause()
        assert {entry.description for entry in footer.entries} == table_keys
        assert widgets_of(screen) == before


async def test_a_click_on_a_footer_key_presses_it(sim: SimServer, tmp_path: Path) -> None:
    async with open_app(sim, tmp_path, environment=ENV) as op:
        screen, pilot = op.screen, op.pilot
        footer = screen.query_one(KeyFooter)
        line = str(footer.render())
        assert "? Help" in line, line
        await pilot.click(KeyFooter, offset=(line.index("? Help") + 3, 0))
        await wait_until(pilot, lambda: op.app.screen is not screen)
        assert type(op.app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        await wait_until(pilot, lambda: op.app.screen is screen)
        await pilot.click(KeyFooter, offset=(line.index("/ Filter") + 1, 0))
        await wait_until(pilot, lambda: isinstance(screen.focused, FilterInput))


async def test_on_a_narrow_terminal_the_footer_shows_whole_keys_only(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=(62, 30)) as pilot:
        await settle(app, pilot)
        footer = top_screen(app, InstanceScreen).query_one(KeyFooter)
        line = str(footer.render())
        left, _bar, palette = line.partition("▏")
        assert palette.strip() == "^p palette", line
        # Each key shown with its description, none cut to its first letters ("z▏").
        shown = [entry for entry in footer.entries if f" {entry.key_display} {entry.description} " in left]
        assert left.rstrip() == "".join(f" {e.key_display} {e.description} " for e in shown).rstrip(), line
        assert 0 < len(shown) < len(footer.entries) - 1
