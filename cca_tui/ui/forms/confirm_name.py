"""Typing the instance's exact name to unlock an action that cannot be undone.

Shared by the purge form (always) and the destroy form (when "Purge immediately" is ticked):
the row is an Input `#confirm-name`, and while `needs_name()` the action button stays
disabled until the Input holds the instance's name exactly.
"""

from __future__ import annotations

from textual import events, on
from textual.widget import Widget
from textual.widgets import Button, Input

from .base import InstanceFormScreen
from .layout import field_row

CONFIRM_ID = "confirm-name"


class NameConfirmedForm(InstanceFormScreen):
    """A form on one instance whose action is gated on typing that instance's name."""

    def confirm_name_row(self) -> Widget:
        # The placeholder must not look like the name already typed in.
        return field_row(
            f"Type “{self.instance.name}”",
            Input(id=CONFIRM_ID, placeholder="the instance's name, exactly", select_on_focus=False),
        )

    def on_key(self, event: events.Key) -> None:
        """Focus opens on Cancel so a stray Enter does nothing; a typed character still
        belongs to the name, so it goes there instead of being lost."""
        box = self.query_one(f"#{CONFIRM_ID}", Input)
        if (
            self.needs_name()
            and event.character is not None
            and event.is_printable
            and event.character != " "  # space presses the focused button or checkbox
            and isinstance(self.focused, Button)
        ):
            event.stop()
            event.prevent_default()
            self.set_focus(box)
            box.insert_text_at_cursor(event.character)

    def needs_name(self) -> bool:
        """Whether the name must be typed now; always, unless a subclass says otherwise."""
        return True

    def name_matches(self) -> bool:
        # Exact: no trimming, no case folding. The point is that the operator reads the name.
        return self.query_one(f"#{CONFIRM_ID}", Input).value == self.instance.name

    def submit_allowed(self) -> bool:
        return super().submit_allowed() and (not self.needs_name() or self.name_matches())

    @on(Input.Changed, f"#{CONFIRM_ID}")
    def _confirm_name_typed(self) -> None:
        self.refresh_submit_button()
