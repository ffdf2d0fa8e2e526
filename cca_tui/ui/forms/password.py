"""Show a freshly reset password once. It is never logged, notified or kept after closing."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class PasswordModal(ModalScreen[None]):
    DEFAULT_CSS = """
    PasswordModal {
        align: center middle;
        background: $background 60%;
    }
    PasswordModal > #dialog {
        width: 70;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    PasswordModal #title {
        text-style: bold;
        padding: 0 0 1 0;
    }
    PasswordModal #password {
        width: 100%;
        content-align: center middle;
        text-style: bold;
        color: $text-accent;
        border: double $accent;
        padding: 1 2;
    }
    PasswordModal #note, PasswordModal #copied {
        color: $text-muted;
        padding: 1 0 0 0;
    }
    PasswordModal #buttons {
        height: auto;
        align-horizontal: right;
        padding: 1 0 0 0;
    }
    PasswordModal #buttons Button {
        margin-left: 2;
    }
    """

    BINDINGS = [Binding("escape", "close", "Close"), Binding("c", "copy", "Copy")]
    AUTO_FOCUS = "#copy"

    def __init__(self, instance_name: str, password: str) -> None:
        super().__init__()
        self._instance_name = instance_name
        self._password = password

    def __repr__(self) -> str:
        # Textual logs screens by repr: make sure the password can never ride along.
        return f"PasswordModal({self._instance_name!r})"

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(f"New password of {self._instance_name}", id="title", markup=False)
            yield Static(self._password, id="password", markup=False)
            yield Static("Shown once: copy it now. It is not kept anywhere.", id="note")
            yield Static("", id="copied")
            with Horizontal(id="buttons"):
                yield Button("Copy", id="copy", variant="primary")
                yield Button("Close", id="close")

    @on(Button.Pressed, "#copy")
    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self._password)
        self.query_one("#copied", Static).update("Copied to the clipboard (if your terminal allows it).")

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self._password = ""
        self.dismiss(None)
