"""Typing the instance's exact name to unlock an action that cannot be undone.

Shared by the purge form (always) and the destroy form (when "Purge immediately" is ticked):
the field is an Input `#confirm-name`, and while `needs_name()` the action button stays
disabled until the Input holds the instance's name exactly.

Focus opens on Cancel, so a stray Enter does nothing; yet nothing typed or pasted is lost:
letters typed and text pasted while a button has the focus go into the name.
"""

from __future__ import annotations

from textual import events, on
from textual.widget import Widget
from textual.widgets import Input

from cca_tui.ui.safe_text import printable

from .base import InstanceFormScreen
from .field import Field, FieldInput, one_line

CONFIRM_ID = "confirm-name"


class NameConfirmedForm(InstanceFormScreen):
    """A form on one instance whose action is gated on typing that instance's name."""

    @property
    def name_always_needed(self) -> bool:
        """A protected environment (the context says so): the name is asked whatever the options."""
        return self.context.name_always_needed

    def confirm_name_row(self) -> Widget:
        # The placeholder must not look like the name already typed in.
        return Field(
            f"Type “{printable(self.instance.name, limit=40)}”",
            FieldInput(
                id=CONFIRM_ID, placeholder="the instance's name, exactly", select_on_focus=False, trim_paste=True
            ),
        )

    def _name_box(self) -> Input:
        return self.query_one(f"#{CONFIRM_ID}", Input)

    def on_key(self, event: events.Key) -> None:
        """A typed character that reached the form was taken by no field (the focus is on a
        button or a checkbox): it belongs to the name.

        No look at what has the focus *now*: in a burst, the keys after the first were all
        sent to the button before the first one moved the focus, and each must still land.
        """
        if (
            self.needs_name()
            and event.character is not None
            and event.is_printable
            and event.character != " "  # space presses the focused button or checkbox
        ):
            event.stop()
            event.prevent_default()
            box = self._name_box()
            if self.focused is not box:
                self.set_focus(box)
            box.insert_text_at_cursor(event.character)

    def paste_target(self) -> Input | None:
        return self._name_box() if self.needs_name() else super().paste_target()

    def on_paste(self, event: events.Paste) -> None:
        if self.needs_name():
            event.stop()
            event.prevent_default()  # not FormScreen's on_paste as well
            box = self._name_box()
            self.set_focus(box)
            box.insert_text_at_cursor(one_line(event.text).strip())  # whitespace around a copied name

    def needs_name(self) -> bool:
        """Whether the name must be typed now; always, unless a subclass says otherwise."""
        return True

    def name_matches(self) -> bool:
        # Exact: no case folding. The point is that the operator reads the name.
        # A name with control characters is shown escaped: typing what is shown counts too.
        # A paste is trimmed of surrounding whitespace, so a name that has some matches
        # without it as well.
        name = self.instance.name
        return self._name_box().value in (name, printable(name), name.strip(), printable(name).strip())

    def submit_allowed(self) -> bool:
        return super().submit_allowed() and (not self.needs_name() or self.name_matches())

    @on(Input.Changed, f"#{CONFIRM_ID}")
    def _confirm_name_typed(self) -> None:
        self.refresh_submit_button()
