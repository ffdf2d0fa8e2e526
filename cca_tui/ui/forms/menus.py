"""Dropdowns filled from a server list: bounded, so that no list can freeze a form."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from rich.text import Text
from textual.widgets import Select

# A dropdown built from a server list holds at most this many options. Textual's option list
# measures every option at each layout: a server listing 20,000 templates froze the app for
# 37 s when the menu opened (4,000: 6 s; 1,000: 1.3 s, on a loaded machine). Typing in an
# open menu jumps to a match among those shown.
MENU_LIMIT = 500
_CUT = " · the first "


def fill_menu(select: Select[str], options: Sequence[tuple[Text, str]], *, keep: Collection[str] = ()) -> None:
    """Set a dropdown's options from a server list: the first MENU_LIMIT (and any whose value
    is in `keep`, the one to preselect), the prompt saying how many were left out."""
    shown = list(options[:MENU_LIMIT])
    values = {value for _, value in shown}
    shown += [option for option in options[MENU_LIMIT:] if option[1] in keep and option[1] not in values]
    select.set_options(shown)
    base = select.prompt.split(_CUT)[0]
    cut = len(options) - len(shown)
    select.prompt = f"{base}{_CUT}{len(shown)} of {len(options)} are listed" if cut else base
