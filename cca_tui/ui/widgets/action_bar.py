"""A row of buttons, one per instance action, enabled only where the API allows it."""

from __future__ import annotations

from textual.containers import HorizontalScroll
from textual.message import Message
from textual.widgets import Button

from cca_tui.api.gates import Action
from cca_tui.ui.actions import INSTANCE_ACTIONS


class ActionBar(HorizontalScroll):
    DEFAULT_CSS = """
    ActionBar { height: 1; background: $panel; scrollbar-size-horizontal: 0; }
    ActionBar Button { margin: 0 0 0 0; min-width: 0; }
    """

    class Chosen(Message):
        def __init__(self, action: Action | None) -> None:
            self.action = action  # None for "new instance"
            super().__init__()

    def compose(self):
        yield self._button("n New", "action-new", variant="success")
        for spec in INSTANCE_ACTIONS:
            yield self._button(f"{spec.key} {spec.label}", f"action-{spec.action.value}")

    @staticmethod
    def _button(label: str, button_id: str, variant: str = "default") -> Button:
        # Out of the Tab order: each has its key, and Tab should go table <-> detail pane.
        button = Button(label, id=button_id, compact=True, variant=variant)  # type: ignore[arg-type]
        button.can_focus = False
        return button

    def update_gates(self, reasons: dict[Action, str | None], *, new_allowed: str | None) -> None:
        """`reasons[action]` is None when allowed, else why not (shown as the tooltip)."""
        for spec in INSTANCE_ACTIONS:
            button = self.query_one(f"#action-{spec.action.value}", Button)
            reason = reasons.get(spec.action)
            button.disabled = reason is not None
            button.tooltip = reason
        new = self.query_one("#action-new", Button)
        new.disabled = new_allowed is not None
        new.tooltip = new_allowed

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button_id = event.button.id or ""
        if button_id == "action-new":
            self.post_message(self.Chosen(None))
        elif button_id.startswith("action-"):
            self.post_message(self.Chosen(Action(button_id.removeprefix("action-"))))
