"""Rename an instance and/or change its hostname; only what changed is sent."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Static

from cca_tui.api.models import Task
from cca_tui.ui.safe_text import printable, safe

from .base import InstanceFormScreen
from .field import Field, FieldInput
from .validation import FieldInvalid, check_name


class RenameForm(InstanceFormScreen):
    ACTION_LABEL = "Save"
    BUSY_LABEL = "Saving…"

    def form_title(self) -> str:
        return f"Rename {printable(self.instance.name, limit=60)}"

    def compose_fields(self) -> ComposeResult:
        # The cursor lands after the current value: typing "-2" appends, it does not replace.
        yield Field("Name", FieldInput(self.instance.name, id="name", select_on_focus=False))
        yield Field("Hostname", FieldInput(self.instance.hostname or "", id="hostname", select_on_focus=False))
        yield Static(
            safe(f"Changing the hostname reboots {printable(self.instance.name, limit=60)}."),
            id="hostname-warning",
            classes="warning",
        )

    def _changes(self) -> dict[str, str]:
        name = self.query_one("#name", Input).value.strip()
        hostname = self.query_one("#hostname", Input).value.strip()
        changes = {}
        if name != self.instance.name:
            changes["name"] = name
        if hostname != (self.instance.hostname or ""):
            changes["hostname"] = hostname
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
                try:
                    check_name(changes[field], what)
                except FieldInvalid as exc:
                    errors[field] = str(exc)
        return errors

    async def send(self) -> Task:
        return await self.compute.update_instance(self.instance.id, **self._changes())
