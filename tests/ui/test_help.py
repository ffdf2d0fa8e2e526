"""Every key is in the help and in the README, and both come from the code's own tables."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.console import Console
from textual.binding import Binding
from textual.geometry import Region
from textual.widgets import Static

from cca_tui.sim.server import SimServer
from cca_tui.ui.actions import ACTIONS
from cca_tui.ui.app import CcaApp
from cca_tui.ui.keys import key_text
from cca_tui.ui.screens.help import TABLE_KEYS, WIDGET_KEYS, HelpScreen, help_table, markdown_key_table, screen_keys
from cca_tui.ui.screens.instances import InstanceScreen
from tests.ui.app_harness import make_app, settle, wait_until

README = Path(__file__).resolve().parents[2] / "README.md"


def every_key() -> set[str]:
    """Every key an operator can press on the instance screen, read from the bindings."""
    keys = {key_text(b.key) for b in InstanceScreen.BINDINGS if isinstance(b, Binding)}
    keys |= {b.key for b in CcaApp.BINDINGS if isinstance(b, Binding)}
    keys |= {spec.key for spec in ACTIONS}
    return keys


def rendered_help() -> str:
    console = Console(width=160, record=True)
    console.print(help_table(InstanceScreen))
    return console.export_text()


def test_help_lists_every_key_and_action() -> None:
    text = rendered_help()
    keys_in_help = {line.split()[0] for line in text.splitlines()[1:] if line.strip()}
    missing = every_key() - keys_in_help
    assert not missing, f"keys missing from help: {missing}"
    for spec in ACTIONS:
        assert spec.long_label in text
        assert spec.allowed_text() in text


def test_readme_key_table_is_the_codes() -> None:
    section = re.search(r"<!-- keys:start -->\n(.*?)\n<!-- keys:end -->", README.read_text(), re.S)
    assert section is not None, "README lost its key table markers"
    assert section.group(1) == markdown_key_table(InstanceScreen), "run scripts/readme_keys.py"


def test_keys_named_after_their_character_are_shown_as_that_character() -> None:
    # A keymap writes keys as Textual names them: "[ Rename" on the bar, not
    # "left_square_bracket Rename"; modifiers and named keys stay as written.
    from cca_tui.ui.keys import first_key_text

    assert key_text("left_square_bracket,ctrl+full_stop") == "[, ctrl+."
    assert key_text("page_down,f5,enter,ctrl+shift+p") == "page_down, f5, enter, ctrl+shift+p"
    assert first_key_text("rename", "e", {"rename": "left_square_bracket,e"}) == "["


def help_descriptions() -> list[str]:
    """What the help says of each key, from the sources it is made of."""
    said = [f"{spec.long_label} ({spec.note})" if spec.note else spec.long_label for spec in ACTIONS]
    return said + [text for _key, text in [*screen_keys(InstanceScreen), *TABLE_KEYS, *WIDGET_KEYS]]


async def help_lines(sim: SimServer, tmp_path: Path, size: tuple[int, int]) -> list[str]:
    """Every line of the help as drawn at `size`, those scrolled out of view too."""
    app = make_app(sim, tmp_path, environment="compute-on/production")
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await settle(app, pilot)
        lines = []
        for part in app.screen.query(Static):
            lines += [strip.text for strip in part.render_lines(Region(0, 0, part.size.width, part.size.height))]
        return lines


@pytest.mark.parametrize("size", [(120, 40), (200, 50)])
async def test_at_120_columns_and_wider_every_key_of_the_help_is_one_line(
    sim: SimServer, tmp_path: Path, size: tuple[int, int]
) -> None:
    # The "/" and "E" rows have no "allowed when" nor "with marks": their long descriptions
    # wrapped onto a second line next to two empty cells.
    lines = [" ".join(line.split()) for line in await help_lines(sim, tmp_path, size)]
    for text in help_descriptions():
        assert any(text in line for line in lines), (text, lines)


async def test_at_80_columns_the_help_may_wrap_but_cuts_nothing(sim: SimServer, tmp_path: Path) -> None:
    lines = await help_lines(sim, tmp_path, (80, 24))
    assert lines and all(len(line.rstrip()) <= 80 for line in lines)
    words = " ".join(" ".join(lines).split()).split(" ")
    for text in help_descriptions():
        for word in text.split():
            assert word in words, (word, text, lines)
