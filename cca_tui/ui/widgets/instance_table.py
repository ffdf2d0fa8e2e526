"""The instance table: rows keyed by instance id, refreshed as a diff so nothing jumps.

A refresh never clears the table (DataTable.clear() sends the cursor and the scroll back to
the top): changed cells are updated, arrivals added, departures removed, then the rows are
put in the chosen order and the cursor goes back to the same instance at the same height on
screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.geometry import Size
from textual.widgets import DataTable

from cca_tui.api.models import Instance
from cca_tui.ui.format import public_ips_text, size_text, state_style


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    text: Callable[[Instance], str]
    sort_key: Callable[[Instance], object] | None = None


def _ip_sort_key(address: str | None) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in (address or "").split("."))
    except ValueError:
        return (999,)


COLUMNS: tuple[Column, ...] = (
    Column("name", "Name", lambda i: i.name, lambda i: i.name.lower()),
    Column("state", "State", lambda i: i.state),
    Column("ip", "Private IP", lambda i: i.ip_address or "", lambda i: _ip_sort_key(i.ip_address)),
    Column("public", "Public IP", lambda i: public_ips_text(i.public_ips)),
    Column("offering", "Offering", lambda i: i.compute_offering_name or ""),
    Column("size", "vCPU/RAM", size_text, lambda i: (i.cpu_count or 0, i.memory_in_mb or 0)),
    Column("template", "Template", lambda i: i.template_name or ""),
    Column("zone", "Zone", lambda i: i.zone_name or ""),
    Column("network", "Network", lambda i: i.network_name or ""),
)
COLUMN_KEYS = tuple(column.key for column in COLUMNS)


def matches(instance: Instance, query: str) -> bool:
    """`/` filter: name, state, or any IP contains the query (case-insensitive)."""
    if not query:
        return True
    needle = query.lower()
    haystack = [instance.name, instance.state, instance.ip_address or "", public_ips_text(instance.public_ips)]
    return any(needle in value.lower() for value in haystack)


class InstanceTable(DataTable):
    DEFAULT_CSS = """
    InstanceTable { height: 1fr; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.instances: dict[str, Instance] = {}
        self.filter_text = ""
        self.sort_column = "name"
        self.sort_reverse = False
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

    # --- what the screen calls ------------------------------------------------------

    @property
    def selected_id(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except Exception:  # noqa: BLE001 - cursor outside rows while the table is empty
            return None

    @property
    def selected(self) -> Instance | None:
        instance_id = self.selected_id
        return self.instances.get(instance_id) if instance_id else None

    def set_instances(self, instances: list[Instance]) -> None:
        self.instances = {instance.id: instance for instance in instances}
        self._apply()

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self._apply()

    def sort_by(self, column_key: str) -> None:
        """Sort by a column; choosing the same column again flips the order."""
        if column_key == self.sort_column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column, self.sort_reverse = column_key, False
        self._apply()

    @property
    def visible_count(self) -> int:
        return self.row_count

    # --- the diff -------------------------------------------------------------------

    def _ordered_visible(self) -> list[Instance]:
        column = next(c for c in COLUMNS if c.key == self.sort_column)
        key = column.sort_key or (lambda i: column.text(i).lower())
        visible = [i for i in self.instances.values() if matches(i, self.filter_text)]
        visible.sort(key=lambda i: i.name.lower())  # stable tie-break
        visible.sort(key=key, reverse=self.sort_reverse)
        return visible

    def _cells(self, instance: Instance) -> list[Text | str]:
        cells: list[Text | str] = []
        for column in COLUMNS:
            value = column.text(instance)
            if column.key == "state":
                cells.append(Text(value, style=state_style(value)))
            elif column.key == "name":
                # A Text per row (never an interned str): _sort_rows_by_position tells rows
                # apart by the identity of this cell.
                cells.append(Text(value))
            else:
                cells.append(value)
        return cells

    def _apply(self) -> None:
        selected = self.selected_id
        offset_on_screen = self.cursor_row - int(self.scroll_y) if selected else 0
        ordered = self._ordered_visible()
        wanted = {i.id for i in ordered}
        for row_key in list(self.rows):
            if row_key.value not in wanted:
                self.remove_row(row_key)
                self._shown.pop(row_key.value, None)
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
        rows_by_identity = {id(self.get_row(key)[0]): position[key.value] for key in self.rows}
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
