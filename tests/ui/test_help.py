"""Every key is in the help and in the README, and both come from the code's own tables."""

from __future__ import annotations

import re
from pathlib import Path

from rich.console import Console
from textual.binding import Binding

from cca_tui.ui.actions import ACTIONS
from cca_tui.ui.app import CcaApp
from cca_tui.ui.keys import key_text
from cca_tui.ui.screens.help import help_table, markdown_key_table
from cca_tui.ui.screens.instances import InstanceScreen

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
