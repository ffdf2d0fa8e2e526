"""A ticked box and an unticked one differ by a character, not by a colour alone (under
TERM=xterm or NO_COLOR, Textual's Checkbox drew "X" in both: a ticked "Purge immediately"
looked unticked)."""

from __future__ import annotations

from textual.app import App, ComposeResult

from cca_tui.ui.widgets.tick_box import TickBox


class OneBox(App[None]):
    def compose(self) -> ComposeResult:
        yield TickBox("Purge immediately", id="purge")


async def test_an_unticked_box_is_empty_and_a_ticked_one_holds_an_x() -> None:
    app = OneBox()
    async with app.run_test(size=(40, 3)) as pilot:
        box = app.query_one("#purge", TickBox)
        assert box.render().plain.startswith("▐ ▌")
        await pilot.click("#purge")
        assert box.value
        assert box.render().plain.startswith("▐X▌")
