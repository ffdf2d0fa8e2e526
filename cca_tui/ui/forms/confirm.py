"""A yes/no question for simple confirmations. Focus opens on Cancel: Enter alone says no."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Static

from cca_tui.ui.safe_text import safe

from .dialog import DialogScreen


class ConfirmModal(DialogScreen[bool]):
    BINDINGS = [Binding("escape", "answer(False)", "Cancel")]
    AUTO_FOCUS = "#cancel"

    def __init__(self, title: str, message: str, confirm_label: str = "OK") -> None:
        super().__init__()
        self._title = title
        self._message = message
        self._confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            # The question may quote server text (an instance's name): shown literally.
            yield Static(safe(self._title, limit=200), id="title", classes="title")
            yield Static(safe(self._message, keep_newlines=True), id="message")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self._confirm_label, id="confirm", variant="warning")
        yield Footer()

    def set_message(self, message: str) -> None:
        """Say something else while open (the quit dialog counts tasks as they end)."""
        self._message = message
        if self.is_mounted:
            self.query_one("#message", Static).update(safe(message, keep_newlines=True))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        self.dismiss(True)
