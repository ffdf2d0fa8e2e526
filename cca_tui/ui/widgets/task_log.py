"""The task log: every mutation the operator started, followed to its end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.widgets import DataTable

STATUS_STYLES = {"PENDING": "yellow", "SUCCESS": "green", "FAILED": "bold red", "SENDING": "dim"}


@dataclass
class TaskEntry:
    key: str
    action: str
    instance: str
    started: datetime
    status: str = "SENDING"
    outcome: str = ""


class TaskLog(DataTable):
    DEFAULT_CSS = """
    TaskLog { height: 7; border-top: solid $primary-darken-2; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", show_cursor=False, **kwargs)
        self.can_focus = False  # read-only: Tab should not stop here
        self.entries: dict[str, TaskEntry] = {}
        self.border_title = "Tasks"

    def on_mount(self) -> None:
        self.add_column("Started", key="started")
        self.add_column("Action", key="action")
        self.add_column("Instance", key="instance")
        self.add_column("Status", key="status")
        self.add_column("Outcome", key="outcome")

    def record(self, entry: TaskEntry) -> None:
        self.entries[entry.key] = entry
        cells = self._cells(entry)
        if entry.key in self.rows:
            for column, value in zip(("started", "action", "instance", "status", "outcome"), cells, strict=True):
                self.update_cell(entry.key, column, value, update_width=True)
        else:
            self.add_row(*cells, key=entry.key)
            self.move_cursor(row=self.row_count - 1, scroll=True)

    @property
    def pending(self) -> int:
        return sum(1 for e in self.entries.values() if e.status in ("PENDING", "SENDING"))

    @staticmethod
    def _cells(entry: TaskEntry) -> list[Text | str]:
        return [
            entry.started.strftime("%H:%M:%S"),
            entry.action,
            entry.instance,
            Text(entry.status, style=STATUS_STYLES.get(entry.status, "")),
            entry.outcome,
        ]
