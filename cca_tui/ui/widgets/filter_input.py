"""The `/` filter box: an Input whose keystrokes never lay out the screen again."""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class FilterInput(Input):
    """Textual's Input sets its scrollable width from its text on every change, and that
    reactive (Widget.virtual_size) asks for a layout pass of the whole screen: in a real
    terminal, the larger part of a filter keystroke. The box's own size never changes with
    its text (one line, its width set by the screen), so here the same reactive only asks
    for a repaint; the scroll position that keeps the cursor in sight reads it all the same."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False, repaint=True)
