"""A DataTable whose drawn rows follow its column widths.

Textual (seen in 8.2) measures new and updated cells when the table is next idle, widens the
columns, and repaints only when a row has an automatic height. A frame painted between
`add_row` and that idle pass (the screen repaints on its own cadence, and rows added from a
worker do not wait for the table's idle) is cut at the header widths, and its lines stay
cached: the picker kept showing "comp" for compute-on and "unreac" for unreachable until
something else repainted the table (2 fresh starts in 5, more under load). Dropping the
table's line caches after each measuring pass repaints the rows at their real widths.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey


class MeasuredDataTable(DataTable[Any]):
    # Vim movement as in the instance table (same ids: one keymap entry moves both). The
    # picker's letters go to its filter; these work once Tab has put the focus on its table.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Cursor down", show=False, id="cursor_down"),
        Binding("k", "cursor_up", "Cursor up", show=False, id="cursor_up"),
        Binding("g", "scroll_top", "First row", show=False, id="first_row"),
        Binding("G", "scroll_bottom", "Last row", show=False, id="last_row"),
    ]

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        super()._update_dimensions(new_rows)
        # Column widths may have changed: lines cached at the old widths must not be reused.
        self._clear_caches()
