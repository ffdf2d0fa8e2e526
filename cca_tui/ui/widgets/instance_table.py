"""The instance table: draws the visible rows of the environment's state, in its order.

It follows the screen's `EnvironmentView` (bound with data_bind): when the rows change it
shows them, and it keeps its cursor on the view's selected instance. The operator's moves are
reported with `Highlighted` (the screen records the selection in the view) and header clicks
with `SortRequested`. What a row shows, the filter and the sort live in `cca_tui/ui/rows.py`.

A refresh never clears the table (DataTable.clear() sends the cursor and the scroll back to
the top): changed cells are updated, arrivals added, departures removed, then the rows are
put in the view's order and the cursor goes back to the same instance at the same height.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable

from cca_tui.api.models import Instance
from cca_tui.ui.format import state_style
from cca_tui.ui.rows import COLUMN_KEYS, COLUMNS
from cca_tui.ui.safe_text import safe
from cca_tui.ui.state import EnvironmentView


class InstanceTable(DataTable):
    DEFAULT_CSS = """
    InstanceTable { height: 1fr; }
    """

    view: reactive[EnvironmentView | None] = reactive(None, init=False)

    class Highlighted(Message):
        """The operator moved the cursor to this instance (None: the table is empty)."""

        def __init__(self, instance_id: str | None) -> None:
            self.instance_id = instance_id
            super().__init__()

    class SortRequested(Message):
        """The operator clicked a column header."""

        def __init__(self, column_key: str) -> None:
            self.column_key = column_key
            super().__init__()

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        # What the rows show now, to skip unchanged instances and needless re-sorts: a
        # refresh of thousands of rows where nothing changed must cost next to nothing.
        self._shown: dict[str, Instance] = {}
        self._order: list[str] = []

    def on_mount(self) -> None:
        for column in COLUMNS:
            self.add_column(column.label, key=column.key)

    def watch_virtual_size(self, old: Size, new: Size) -> None:
        # Column widths are measured when the table is idle. Rows drawn before that were
        # cached at the old widths and would stay squeezed: drop them when widths change.
        if old.width != new.width:
            self.notify_style_update()

    def watch_view(self, old: EnvironmentView | None, new: EnvironmentView | None) -> None:
        if new is None:
            return
        if old is None or new.rows is not old.rows:
            self._show(new.rows, keep=new.selected_id)
        elif new.selected_id is not None and new.selected_id != self.selected_id and new.selected_id in self.rows:
            self.move_cursor(row=self.get_row_index(new.selected_id), animate=False)

    # --- what the screen reads ------------------------------------------------------

    @property
    def selected_id(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except Exception:  # noqa: BLE001 - cursor outside rows while the table is empty
            return None

    def select(self, instance_id: str) -> None:
        """Put the cursor on an instance, as arrow keys would."""
        if instance_id in self.rows:
            self.move_cursor(row=self.get_row_index(instance_id), animate=False)

    # --- the operator's moves -------------------------------------------------------

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.Highlighted(event.row_key.value))

    @on(DataTable.HeaderSelected)
    def _header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.post_message(self.SortRequested(str(event.column_key.value)))

    # --- the diff -------------------------------------------------------------------

    @staticmethod
    def _cells(instance: Instance) -> list[Text]:
        # Every cell a Text (never a str, which DataTable parses as markup) made by `safe`:
        # server text is shown literally. A Text per row, never shared: _sort_rows_by_position
        # tells rows apart by the identity of the name cell.
        cells: list[Text] = []
        for column in COLUMNS:
            value = column.text(instance)
            cells.append(safe(value, state_style(value) if column.key == "state" else "", limit=80))
        return cells

    def _show(self, ordered: Sequence[Instance], *, keep: str | None) -> None:
        selected = keep if keep is not None else self.selected_id
        offset_on_screen = self.cursor_row - int(self.scroll_y) if self.selected_id else 0
        wanted = {i.id for i in ordered}
        for row_key in list(self.rows):
            if row_key.value not in wanted:
                self.remove_row(row_key)
                self._shown.pop(row_key.value or "", None)
        for instance in ordered:
            shown = self._shown.get(instance.id)
            if shown is not None and shown == instance:
                continue
            cells = self._cells(instance)
            if shown is not None:
                for column, old, new in zip(COLUMN_KEYS, self.get_row(instance.id), cells, strict=True):
                    if str(old) != str(new):  # styles follow from the text
                        self.update_cell(instance.id, column, new, update_width=True)
            else:
                self.add_row(*cells, key=instance.id)
            self._shown[instance.id] = instance
        order = [instance.id for instance in ordered]
        if order != self._order:
            self._sort_rows_by_position({instance_id: index for index, instance_id in enumerate(order)})
            self._order = order
        self._restore_cursor(selected, offset_on_screen)

    def _sort_rows_by_position(self, position: dict[str, int]) -> None:
        # DataTable.sort hands its key function a row's cells, not its key: find the row
        # through the identity of its name cell, which is a distinct Text object per row.
        rows_by_identity = {id(self.get_row(key)[0]): position[key.value or ""] for key in self.rows}
        self.sort(COLUMN_KEYS[0], key=lambda name_cell: rows_by_identity.get(id(name_cell), 0))

    def _restore_cursor(self, selected: str | None, offset_on_screen: int) -> None:
        if not self.row_count:
            return
        if selected is not None and selected in self.rows:
            row = self.get_row_index(selected)
        else:
            row = min(self.cursor_row, self.row_count - 1)
        self.move_cursor(row=row, animate=False, scroll=False)
        self.scroll_to(y=max(0, row - offset_on_screen), animate=False, immediate=True)
