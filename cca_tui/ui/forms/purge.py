"""Purge a destroyed instance for good: the operator types its exact name to unlock the button."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from cca_tui.api.models import Task

from .confirm_name import NameConfirmedForm


class PurgeForm(NameConfirmedForm):
    DEFAULT_CSS = """
    PurgeForm > #dialog {
        width: 80;
        border: thick $error;
    }
    """

    AUTO_FOCUS = "#cancel"
    ACTION_LABEL = "Purge"
    ACTION_VARIANT = "error"
    BUSY_LABEL = "Purging…"

    def form_title(self) -> str:
        return f"Purge {self.instance.name}?"

    def compose_fields(self) -> ComposeResult:
        yield Static(
            f"{self.instance.name} is removed for good: it cannot be recovered.", classes="warning", markup=False
        )
        yield self.confirm_name_row()

    async def send(self) -> Task:
        return await self.compute.purge_instance(self.instance.id)
