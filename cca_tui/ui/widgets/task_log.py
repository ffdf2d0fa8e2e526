"""The task log: every mutation the operator started in this environment, followed to its end.

It follows the environment's view (data_bind): `view.tasks` holds a row per task, which the
task tracker keeps current. Statuses that need the operator's eye stand out.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.reactive import reactive

from cca_tui.ui.safe_text import safe
from cca_tui.ui.state import EnvironmentView, TaskRow
from cca_tui.ui.widgets.measured_table import MeasuredDataTable

STATUS_STYLES = {
    "SENDING": "dim",
    "PENDING": "yellow",
    "UNKNOWN": "bold magenta",
    "SUCCESS": "green",
    "FAILED": "bold red",
    "REFUSED": "red",
    "NOT DONE": "bold yellow",
    "OUTCOME UNKNOWN": "bold magenta",
    "EXPIRED": "bold magenta",
}
COLUMNS = ("started", "action", "instance", "status", "outcome")


class TaskLog(MeasuredDataTable):
    DEFAULT_CSS = """
    TaskLog { height: 7; border-top: solid $primary-darken-2; }
    """

    # repaint=False: the table's own add_row/update_cell repaint what changed.
    view: reactive[EnvironmentView | None] = reactive(None, init=False, repaint=False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", show_cursor=False, **kwargs)
        self.can_focus = False  # read-only: Tab should not stop here
        self.border_title = "Tasks"
        self._shown: dict[str, TaskRow] = {}

    def on_mount(self) -> None:
        for column in COLUMNS:
            self.add_column(column.capitalize(), key=column)

    def watch_view(self, old: EnvironmentView | None, new: EnvironmentView | None) -> None:
        if new is None or (old is not None and old.tasks is new.tasks):
            return
        for row in new.tasks:
            if self._shown.get(row.key) is row:  # the tracker reuses a row while its task is unchanged
                continue
            cells = self._cells(row, fleet=new.is_fleet)
            if row.key in self._shown:
                for column, value in zip(COLUMNS, cells, strict=True):
                    self.update_cell(row.key, column, value, update_width=True)
            else:
                self.add_row(*cells, key=row.key)
                self.move_cursor(row=self.row_count - 1, scroll=True)
            self._shown[row.key] = row

    @staticmethod
    def _cells(row: TaskRow, *, fleet: bool = False) -> list[Text]:
        # In a view of several environments, the instance says where it lives.
        instance = f"{row.instance} · {row.environment}" if fleet and row.environment is not None else row.instance
        return [
            Text(row.started.strftime("%H:%M:%S")),
            safe(row.action),
            safe(instance, limit=80 if fleet else 40),
            safe(row.status, STATUS_STYLES.get(row.status, "magenta"), limit=20),
            safe(row.outcome, limit=200),
        ]
