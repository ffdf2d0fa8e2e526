"""Purge a destroyed instance for good: the operator types its exact name to unlock the button."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Static

from cca_tui.api.client import ComputeScope
from cca_tui.api.models import Instance, Task

from .base import FormScreen
from .layout import field_row


class PurgeForm(FormScreen):
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

    def __init__(self, compute: ComputeScope, instance: Instance) -> None:
        super().__init__()
        self.compute = compute
        self.instance = instance

    def form_title(self) -> str:
        return f"Purge {self.instance.name}?"

    def compose_fields(self) -> ComposeResult:
        yield Static(f"{self.instance.name} is removed for good: it cannot be recovered.",
                     classes="warning", markup=False)
        yield field_row("Type its name", Input(id="confirm-name", placeholder=self.instance.name))

    def submit_allowed(self) -> bool:
        return super().submit_allowed() and self._name_matches()

    def _name_matches(self) -> bool:
        # Exact: no trimming, no case folding. The point is that the operator reads the name.
        return self.query_one("#confirm-name", Input).value == self.instance.name

    @on(Input.Changed, "#confirm-name")
    def _typed(self) -> None:
        self.refresh_submit_button()

    async def send(self) -> Task:
        return await self.compute.purge_instance(self.instance.id)
