"""Rename an instance and/or change its hostname; only what the operator changed is sent.

The inputs open with the server's name and hostname as the table shows them: control, bidi
and zero-width characters as visible escapes (`\\x1b`), a value longer than any valid name
cut and marked. Nothing raw reaches the terminal, and what is sent is what the operator sees:
- a field left as it opened is not sent at all (so a name holding control characters is
  never sent back as its escaped text, nor as the raw bytes the operator never saw);
- a field the operator edited is sent as typed, after the same checks as a new name; and
  when the server's value had to be escaped or cut to be shown, an edit that still holds one
  of those escapes or the cut mark is refused: it would send our drawing of the name (the
  text `\\x1b`), not a name the operator chose. The reference states no name pattern, so a
  name that was shown as it is may hold anything the server accepts.
"""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.widgets import Input, Static

from cca_tui.api.models import Task
from cca_tui.ui.safe_text import ELLIPSIS, printable, safe

from .base import InstanceFormScreen
from .field import Field, FieldInput
from .validation import FieldInvalid, check_name

# Enough of a long value to see what is wrong with it; the rest is cut and marked.
SHOWN_LIMIT = 252
# The visible escapes `printable` draws for characters it cannot show.
_DRAWN_ESCAPE = re.compile(r"\\x[0-9a-f]{2}|\\u[0-9a-f]{4}|\\U[0-9a-f]{8}")


def check_edited(typed: str, original: str | None, what: str) -> None:
    """Refuse an edit that would send back our drawing of a value the server sent."""
    if shown_value(original) == (original or ""):
        return  # shown as it is: nothing of ours to send back by mistake
    if _DRAWN_ESCAPE.search(typed) or typed.endswith(ELLIPSIS):
        raise FieldInvalid(
            f"{what} still holds the escapes (\\x..) or the cut mark shown for the current value; "
            "type the whole new value"
        )


def shown_value(value: str | None) -> str:
    """A server value as a prefilled input shows it: escaped, cut and marked when long."""
    return printable(value or "", limit=SHOWN_LIMIT)


class RenameForm(InstanceFormScreen):
    ACTION_LABEL = "Save"
    BUSY_LABEL = "Saving…"

    def form_title(self) -> str:
        return f"Rename {printable(self.instance.name, limit=60)}"

    def compose_fields(self) -> ComposeResult:
        # The cursor lands after the current value: typing "-2" appends, it does not replace.
        yield Field("Name", FieldInput(shown_value(self.instance.name), id="name", select_on_focus=False))
        yield Field("Hostname", FieldInput(shown_value(self.instance.hostname), id="hostname", select_on_focus=False))
        yield Static(
            safe(f"Changing the hostname reboots {printable(self.instance.name, limit=60)}."),
            id="hostname-warning",
            classes="warning",
        )

    def _changes(self) -> dict[str, str]:
        """The fields the operator edited, as typed (stripped); untouched ones are not sent."""
        changes = {}
        for field, original in (("name", self.instance.name), ("hostname", self.instance.hostname)):
            typed = self.query_one(f"#{field}", Input).value
            if typed == shown_value(original) or typed.strip() == (original or ""):
                continue
            changes[field] = typed.strip()
        return changes

    def on_fields_changed(self) -> None:
        self.query_one("#hostname-warning").display = "hostname" in self._changes()

    def validate(self) -> dict[str, str]:
        changes = self._changes()
        if not changes:
            return {"name": "Nothing changed: edit the name or the hostname"}
        errors = {}
        for field, what in (("name", "Name"), ("hostname", "Hostname")):
            if field in changes:
                original = self.instance.name if field == "name" else self.instance.hostname
                try:
                    check_name(changes[field], what)
                    check_edited(changes[field], original, what)
                except FieldInvalid as exc:
                    errors[field] = str(exc)
        return errors

    async def send(self) -> Task:
        return await self.compute.update_instance(self.instance.id, **self._changes())
