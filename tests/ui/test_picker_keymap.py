"""The environment picker's keys have ids: a user keymap remaps them, and the footer, the
picker's status line and the README follow."""

from __future__ import annotations

import re
from pathlib import Path

from textual import events
from textual.binding import Binding
from textual.widgets import Input, Static

from cca_tui.sim.server import SimServer
from cca_tui.ui.app import known_binding_ids
from cca_tui.ui.screens.help import markdown_picker_table
from cca_tui.ui.screens.picker import PickerScreen
from cca_tui.ui.widgets.key_footer import KeyFooter
from tests.ui.app_harness import SIZE, make_app, picker_listed, settle, told, wait_until

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_picker_binding_has_an_id_a_keymap_may_name() -> None:
    ids = [binding.id for binding in PickerScreen.BINDINGS if isinstance(binding, Binding)]
    assert len(ids) == len(PickerScreen.BINDINGS) and all(ids)
    assert set(ids) <= known_binding_ids()


def test_readme_picker_key_table_is_the_codes() -> None:
    section = re.search(r"<!-- picker-keys:start -->\n(.*?)\n<!-- picker-keys:end -->", README.read_text(), re.S)
    assert section is not None, "README lost its picker key table markers"
    assert section.group(1) == markdown_picker_table(PickerScreen), "run scripts/readme_keys.py"


async def test_a_keymap_remaps_the_pickers_keys_and_its_footer_follows(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim, tmp_path, keymap={"picker_mark": "ctrl+t", "picker_reload": "f5"})
    async with app.run_test(size=SIZE) as pilot:
        picker = await picker_listed(app, pilot)
        assert not any("keymap" in title.lower() for title in told(app).titles)  # every id is known
        footer = {key.description: key.key_display for key in picker.query_one(KeyFooter).entries}
        assert footer["Reload"] == "f5", footer  # (Mark is not in the footer: the status line says it)
        status = str(picker.query_one("#picker-status", Static).render())
        assert "^t marks" in status or "ctrl+t marks" in status, status
        await pilot.press("down")  # the first environment, under "All environments"
        await pilot.press("space")  # no longer Mark: a space typed into the filter
        await pilot.pause()
        assert picker.marked == set()
        assert picker.query_one("#picker-filter", Input).value == " "
        await pilot.press("backspace", "ctrl+t")
        await pilot.pause()
        assert len(picker.marked) == 1


async def test_space_marks_an_environment_while_the_filter_has_the_focus(sim: SimServer, tmp_path: Path) -> None:
    """Was: Textual drops a printable key's bindings while an Input has the focus, priority
    ones too, so space typed a space into the filter and never marked."""
    app = make_app(sim, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        picker = await picker_listed(app, pilot)
        box = picker.query_one("#picker-filter", Input)
        assert box.has_focus
        await pilot.press("down", "space")
        await pilot.pause()
        assert len(picker.marked) == 1 and box.value == ""
        await pilot.press(*"dev")  # letters still filter
        await pilot.pause()
        assert box.value == "dev"


async def test_a_burst_of_moves_and_marks_marks_in_the_order_typed(sim: SimServer, tmp_path: Path) -> None:
    """down space down space typed fast: each space marks the row the keys before it reached
    (was: space ran as the app read it, before the moves queued ahead of it)."""
    app = make_app(sim, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        picker = await picker_listed(app, pilot)
        start = picker._cursor_key()
        assert start == "0"  # the first environment
        for key, character in (("down", None), ("space", " "), ("down", None), ("space", " ")):
            app.post_message(events.Key(key, character))
        await wait_until(pilot, lambda: app._message_queue.empty())
        await settle(app, pilot)
        assert picker.marked == {1, 2}
