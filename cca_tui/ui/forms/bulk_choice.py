"""A bulk question with a choice to make first (a key, an offering): the button unlocks only
once the choice is made and, in a protected environment, the count typed. Nothing is
preselected, so the question always shows the choice before anything can be sent."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Input

from cca_tui.ui.safe_text import printable
from cca_tui.ui.widgets.keys_in_order import KeysInOrderInput

from .confirm import ConfirmModal


class BulkChoiceModal(ConfirmModal):
    def __init__(self, title: str, message: str, confirm_label: str, *, expected: str | None = None) -> None:
        super().__init__(title, message, confirm_label)
        self.expected = expected

    def compose_choice(self) -> ComposeResult:
        """The widgets of the choice (a subclass's)."""
        yield from ()

    def chosen(self) -> bool:
        """The choice is complete (a subclass's)."""
        return False

    def compose_answer(self) -> ComposeResult:
        yield from self.compose_choice()
        if self.expected is not None:
            yield KeysInOrderInput(
                placeholder=f"type “{printable(self.expected, limit=40)}”", id="typed", select_on_focus=False
            )

    def on_mount(self) -> None:
        self.refresh_button()

    def _ready(self) -> bool:
        if not self.chosen():
            return False
        if self.expected is None:
            return True
        typed = self.query_one("#typed", Input).value
        return typed in (self.expected, printable(self.expected))

    def refresh_button(self) -> None:
        self.query_one("#confirm", Button).disabled = not self._ready()

    @on(Input.Changed, "#typed")
    def _typed(self) -> None:
        self.refresh_button()

    @on(Input.Submitted, "#typed")
    def _submitted(self) -> None:
        if self._ready() and not self.answered_before_drawn():
            self.dismiss(True)

    def action_answer(self, yes: bool) -> None:
        if yes and not self._ready():
            return
        super().action_answer(yes)

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        if self._ready() and not self.answered_before_drawn():
            self.dismiss(True)
