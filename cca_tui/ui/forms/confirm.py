"""A yes/no question for simple confirmations. Focus opens on Cancel: Enter alone says no."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmModal(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmModal {
        align: center middle;
        background: $background 60%;
    }
    ConfirmModal > #dialog {
        width: 70;
        height: auto;
        border: thick $warning;
        background: $surface;
        padding: 0 1;
    }
    ConfirmModal #title {
        text-style: bold;
        padding: 0 0 1 0;
    }
    ConfirmModal #buttons {
        height: auto;
        align-horizontal: right;
        padding: 1 0 0 0;
    }
    ConfirmModal #buttons Button {
        margin-left: 2;
    }
    """

    BINDINGS = [Binding("escape", "answer(False)", "Cancel")]
    AUTO_FOCUS = "#cancel"

    def __init__(self, title: str, message: str, confirm_label: str = "OK") -> None:
        super().__init__()
        self._title = title
        self._message = message
        self._confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self._title, id="title", markup=False)
            yield Static(self._message, id="message", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self._confirm_label, id="confirm", variant="warning")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        self.dismiss(True)
