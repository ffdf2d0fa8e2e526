"""The one way a form shows a field: a widget that owns its label, its input and its error line.

Every field is keyed by the API's camelCase name (`name`, `templateId`, `memoryInMB`...):
the input's id is that name, the field's own id is `<name>-row` and its error line is
`#<name>-error`, so an error the server attributes to a field lands under the same widget
as the one the form found itself.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Label, Static

from cca_tui.ui.safe_text import printable, safe
from cca_tui.ui.widgets.keys_in_order import KeysInOrderInput


class Field(Vertical):
    """Label, input widget, optional hint, and the line that says what is wrong with it."""

    def __init__(self, label: str | Text, widget: Widget, *, hint: str | None = None) -> None:
        field = widget.id
        if not field:
            raise ValueError("a form field needs an id: the API's name for it")
        super().__init__(id=f"{field}-row", classes="field")
        self.field = field
        self.widget = widget
        # A label may carry server text (the instance's name): never markup, never a control.
        self._label = label if isinstance(label, Text) else safe(label)
        self._hint = hint
        self._error = ""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="field-line"):
            yield Label(self._label, classes="field-label")
            yield self.widget
        if self._hint:
            yield Static(safe(self._hint), classes="field-hint")
        yield Static("", id=f"{self.field}-error", classes="field-error")

    @property
    def error(self) -> str:
        return self._error

    def show_error(self, message: str) -> None:
        """Show `message` under the field (it may quote the server); an empty one hides the line."""
        self._error = message
        line = self.query_one(f"#{self.field}-error", Static)
        line.update(safe(message, keep_newlines=True))
        line.display = bool(message)


def one_line(text: str, joiner: str = " ") -> str:
    """A paste for a one-line field: its lines joined, not cut to the first (a name copied
    with its newline keeps the name; a key wrapped by the terminal keeps all its parts)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n").split("\n")
    # An Input draws its value as it is: control characters in a paste (text copied from a
    # hostile page, or from the server's own) would reach the terminal. They go in as the
    # visible escapes the table shows, which is then what is checked and sent.
    return printable(joiner.join(lines).replace("\t", " "))


class FieldInput(KeysInOrderInput):
    """An Input that takes a paste whole: Textual's keeps only the first line of it."""

    def __init__(self, *args: Any, paste_joiner: str = " ", trim_paste: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.paste_joiner = paste_joiner
        self.trim_paste = trim_paste  # a name copied from a terminal often brings a space along

    def _on_paste(self, event: events.Paste) -> None:
        # Runs before Input._on_paste, which prevent_default() skips.
        event.prevent_default()
        event.stop()
        text = one_line(event.text, self.paste_joiner)
        if self.trim_paste:
            text = text.strip()
        if not text:
            return
        selection = self.selection
        if selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *selection)
