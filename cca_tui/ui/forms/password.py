"""Show a freshly reset password once. It is never logged, notified or kept after closing."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from cca_tui.ui.safe_text import printable, safe
from cca_tui.ui.widgets.key_footer import KeyFooter

from .dialog import DialogScreen


class PasswordModal(DialogScreen[None]):
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
            yield Static(
                safe(f"New password of {printable(self._instance_name, limit=60)}"), id="title", classes="title"
            )
            # A password is server text too: shown literally, a control character escaped.
            yield Static(safe(self._password), id="password")
            yield Static("Shown once: copy it now. It is not kept anywhere.", id="note")
            yield Static("", id="copied")
            with Horizontal(id="buttons"):
                yield Button("Copy", id="copy", variant="primary")
                yield Button("Close", id="close")
        yield KeyFooter()

    @on(Button.Pressed, "#copy")
    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self._password)
        self.query_one("#copied", Static).update("Copied to the clipboard (if your terminal allows it).")

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self._password = ""
        self.dismiss(None)
