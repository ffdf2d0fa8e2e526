"""Destroy many marked instances at once: the destroy form's options, applied to each.

Always a typed yes (the count): many instances go at once, perhaps for good. The options are
those of the destroy form that need no per-instance choice (purge, delete snapshots); public
IPs and data volumes are kept, since they would be released or deleted without the operator
having seen them: destroy one at a time to choose those.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Checkbox, Static

from .confirm import TypedConfirmModal


@dataclass(frozen=True)
class DestroyOptions:
    purge: bool = False
    delete_snapshots: bool = False


class BulkDestroyModal(TypedConfirmModal):
    def __init__(self, title: str, message: str, confirm_label: str, *, expected: str) -> None:
        super().__init__(title, message, confirm_label, expected=expected)
        self.options = DestroyOptions()

    DEFAULT_CSS = """
    BulkDestroyModal #options { height: auto; }
    BulkDestroyModal #message { max-height: 12; overflow-y: auto; }
    """

    def compose_answer(self) -> ComposeResult:
        # Side by side: the question keeps its buttons on a 24-line terminal.
        with Horizontal(id="options"):
            yield Checkbox("Purge immediately (no recovery)", id="purgeImmediately")
            yield Checkbox("Delete snapshots", id="deleteSnapshots")
        yield Static("Public IPs and data volumes are kept: destroy one at a time to release them.")
        yield from super().compose_answer()

    @on(Checkbox.Changed)
    def _option_changed(self) -> None:
        purge = self.query_one("#purgeImmediately", Checkbox).value
        self.options = DestroyOptions(purge=purge, delete_snapshots=self.query_one("#deleteSnapshots", Checkbox).value)
        label = f"Destroy and purge {self.expected}" if purge else self._confirm_label
        self.query_one("#confirm", Button).label = label
