"""The `/` filter box: an Input whose keystrokes never lay out the screen again, and whose
Enter hands the keys typed after it to the table at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import events
from textual.geometry import Size
from textual.reactive import Reactive

from cca_tui.ui.widgets.keys_in_order import KeysInOrderInput


class FilterInput(KeysInOrderInput):
    """Textual's Input sets its scrollable width from its text on every change, and that
    reactive (Widget.virtual_size) asks for a layout pass of the whole screen: in a real
    terminal, the larger part of a filter keystroke. The box's own size never changes with
    its text (one line, its width set by the screen), so here the same reactive only asks
    for a repaint; the scroll position that keeps the cursor in sight reads it all the same.

    Enter calls `done` (the screen keeps the filter and gives the focus to the table) as the
    box reads it, not through the Input's binding, which runs after the keys already
    delivered: in a burst (`/web` Enter `ctrl+a` typed fast, or pasted) the keys after Enter
    were already on their way to the box, and ctrl+a went to the start of the filter instead
    of marking the rows it shows. Such a key reaching the box once it has let go of the
    focus is not typed: it goes on up to the screen and the app, whose bindings are those of
    the focused table by then (a bubbling key's default action is the app's again)."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False, repaint=True)

    def __init__(self, *, done: Callable[[], None] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._done = done

    async def _on_key(self, event: events.Key) -> None:
        if self._done is None:
            return
        # Not `has_focus`: that follows the Blur event, which comes after the keys queued here.
        if self.screen.focused is not self:
            # A key of the burst that came after Enter: not the filter's (not typed here).
            event.prevent_default()
        elif event.key == "enter":
            event.stop()
            event.prevent_default()
            self._done()
