"""A checkbox whose state is a character, not only a colour.

Textual's Checkbox draws "X" ticked or not and tells them apart by colour alone: under
TERM=xterm (16 colours) or NO_COLOR a ticked "Purge immediately" looked like an unticked
one. Here an unticked box is empty.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox


class TickBox(Checkbox):
    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "X" if self.value else " "
        return super()._button
