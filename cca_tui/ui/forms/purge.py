"""Purge a destroyed instance for good: the operator types its exact name to unlock the button."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from cca_tui.api.models import Task
from cca_tui.ui.safe_text import printable, safe

from .confirm_name import NameConfirmedForm


class PurgeForm(NameConfirmedForm):
    AUTO_FOCUS = "#cancel"
    ACTION_LABEL = "Purge"
    ACTION_VARIANT = "error"
    BUSY_LABEL = "Purging…"

    def form_title(self) -> str:
        return f"Purge {printable(self.instance.name, limit=60)}?"

    def compose_fields(self) -> ComposeResult:
        yield Static(
            safe(f"{printable(self.instance.name)} is removed for good: it cannot be recovered."), classes="warning"
        )
        yield self.confirm_name_row()

    async def send(self) -> Task:
        return await self.compute.purge_instance(self.instance.id)
