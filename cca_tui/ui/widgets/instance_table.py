"""The instance table: draws the visible rows of the environment's state, in its order.

It follows the screen's `EnvironmentView` (bound with data_bind): when the rows change it
shows them, and it keeps its cursor on the view's selected instance. The operator's moves are
reported with `Highlighted` (the screen records the selection in the view) and header clicks
with `SortRequested`. What a row shows, the filter and the sort live in `cca_tui/ui/rows.py`.

Built on Textual's line API, not DataTable: the table holds no rows of its own, it reads
`view.rows` and draws only the lines on screen, so a refresh, a filter keystroke or a sort
costs the same at 100 or 100,000 instances (DataTable's add/remove/update per row grows with
the row count, and its diff of a refresh grows with its square). Per instance it keeps the
cell texts and their widths, keyed by the instance object (an unchanged instance keeps its
object across refreshes, see loading.py), so column widths follow the data at the cost of
what changed. A refresh keeps the cursor on the same instance at the same height on screen.

Nothing but the data moves a column: a row's marks sit in a gutter left of the columns, and a
column the table cannot show whole is left out or cut with an ellipsis, never a sliver
(`_shown_columns`); left and right scroll a column at a time.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from itertools import accumulate
from operator import attrgetter
from typing import Any, ClassVar, NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.actions import SkipAction
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from cca_tui import pacing
from cca_tui.api.models import Instance
from cca_tui.fleet.identity import EnvironmentRef, environment_of
from cca_tui.ui.filter_query import unknown_fields
from cca_tui.ui.format import state_style
from cca_tui.ui.rows import COLUMNS, FILTER_COLUMNS, Column, columns_for
from cca_tui.ui.safe_text import printable
from cca_tui.ui.state import EnvironmentView

CELL_LIMIT = 80  # characters of a cell at most (an ellipsis ends a longer value)
# Changed rows measured in the frame that shows them; more are measured after it, in slices
# of MEASURE_SLICE seconds (see `_measure_changes`).
MEASURE_AT_ONCE = 500
MEASURE_SLICE = 0.005
MEASURE_CHUNK = 250  # rows measured together in a slice (~1 ms)
PADDING = 1  # blank cells on each side of a cell
SORT_MARKS = (" ▲", " ▼")
# A row's mark is drawn in a gutter of its own, left of the first column, that never scrolls
# and never widens: the operator marked the row (space), or it changed behind our back (until
# selected; a row that is both shows the news, and is still drawn bold as marked). Drawn in
# the Name cell, the first mark widened the column and moved every column right of it.
GUTTER = 1
MARK = "✓"
NEWS_MARK = "!"
STALE_MARK = " STALE"  # after the environment's name, while its rows are stale


def cells_of(instance: Instance, columns: tuple[Column, ...] = COLUMNS) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """A row's cells as the terminal shows them: control characters escaped, long values cut.

    A first load measures every cell of every row (10 a row, 500,000 at 50,000 instances):
    most rows are short printable ASCII throughout, so a row is checked whole (one join, a
    few C calls) and its widths are its lengths; only a row that is not goes cell by cell."""
    texts = _reader(columns)(instance)
    joined = "".join(texts)
    if joined.isascii() and joined.isprintable() and max(map(len, texts)) <= CELL_LIMIT:
        return texts, tuple(map(len, texts))
    texts = tuple(map(_cell_text, texts))
    return texts, tuple(len(text) if text.isascii() else cell_len(text) for text in texts)


class _RowReader:
    """Reads the cell texts of one tuple of columns: the plain attribute columns (7 of 9)
    in one C call, the others by their `text`."""

    def __init__(self, columns: tuple[Column, ...]) -> None:
        self.columns = columns
        names = [column.attribute for column in columns if column.attribute is not None]
        self._plain = attrgetter(*names) if len(names) > 1 else None
        # Where each other column goes, in ascending order: inserted in turn, each lands
        # at its place.
        self._computed = [
            (n, column.text) for n, column in enumerate(columns) if self._plain is None or column.attribute is None
        ]

    def __call__(self, instance: Instance) -> tuple[str, ...]:
        texts: list[Any] = [] if self._plain is None else list(self._plain(instance))
        for position, text in self._computed:
            texts.insert(position, text(instance))
        return tuple(["" if text is None else text for text in texts])


# By the columns tuple (the module's constants: COLUMNS, FLEET_COLUMNS), held so that its id
# is not reused.
_READERS: dict[int, _RowReader] = {}


def _reader(columns: tuple[Column, ...]) -> _RowReader:
    reader = _READERS.get(id(columns))
    if reader is None or reader.columns is not columns:
        reader = _READERS[id(columns)] = _RowReader(columns)
    return reader


def _cell_text(text: str) -> str:
    # Most cells are short printable ASCII, which `printable` would return as it is: a
    # first load measures every cell of every row (10 a row, 500,000 at 50,000 instances).
    if len(text) <= CELL_LIMIT and text.isascii() and text.isprintable():
        return text
    return printable(text, limit=CELL_LIMIT)


def _cell_width(text: str) -> int:
    shown = _cell_text(text)
    return len(shown) if shown.isascii() else cell_len(shown)


def column_widths(instances: Sequence[Instance], columns: tuple[Column, ...]) -> list[list[int]]:
    """The widths of these rows' cells, column by column: what `cells_of` says of each row,
    for many rows at once. Rows are read a row at a time (an instance's values are read
    together: 50,000 instances are scattered in memory, and reading one column of them all
    costs ~20 ms of cache misses), then each column is checked whole: most columns are short
    printable ASCII throughout, and their widths are their lengths."""
    if not instances:
        return [[] for _ in columns]
    widths: list[list[int]] = []
    for texts in zip(*map(_reader(columns), instances), strict=True):
        joined = "".join(texts)
        if joined.isascii() and joined.isprintable() and max(map(len, texts)) <= CELL_LIMIT:
            widths.append(list(map(len, texts)))
        else:
            widths.append(list(map(_cell_width, texts)))
    return widths


class _Line(NamedTuple):
    """A line of the table as drawn at any horizontal scroll: the gutter, the columns, and each
    cell's text width and style (for the ellipsis of a column cut at the right edge)."""

    gutter: Segment
    strip: Strip
    cells: tuple[tuple[int, Style], ...]


def _state_column(columns: tuple[Column, ...]) -> int:
    return next(n for n, column in enumerate(columns) if column.key == "state")


class InstanceTable(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    InstanceTable {
        height: 1fr;
        /* Always there, so that a filter that leaves less than a screen of rows (or ctrl+u
           after it) does not change the table's width: that is a layout pass of the screen. */
        overflow-y: scroll;
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .instance-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .instance-table--header { background-tint: $foreground 5%; }
        }
        &:dark > .instance-table--even-row { background: $surface-darken-1 40%; }
        & > .instance-table--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .instance-table--header { background: ansi_bright_blue; color: ansi_default; }
        & > .instance-table--odd-row { }
        & > .instance-table--marked { text-style: bold; }
        & > .instance-table--even-row { background: $surface-lighten-1 50%; }
        & > .instance-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """
    COMPONENT_CLASSES = {
        "instance-table--header",
        "instance-table--cursor",
        "instance-table--even-row",
        "instance-table--odd-row",
        "instance-table--marked",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        # j/k/g/G as in vim (and less, k9s); ids for the config file's [keymap].
        Binding("up,k", "cursor(-1)", "Cursor up", show=False, id="cursor_up"),
        Binding("down,j", "cursor(1)", "Cursor down", show=False, id="cursor_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="page_down"),
        Binding("home,ctrl+home,g", "first", "First row", show=False, id="first_row"),
        Binding("end,ctrl+end,G", "last", "Last row", show=False, id="last_row"),
        Binding("left", "scroll_left", "Scroll left", show=False, id="scroll_left"),
        Binding("right", "scroll_right", "Scroll right", show=False, id="scroll_right"),
    ]

    # repaint=False: `watch_view` repaints what changed (the cursor's two lines on a move,
    # every line when the rows change); a full repaint on every new view drew the whole
    # table on every key.
    view: reactive[EnvironmentView | None] = reactive(None, init=False, repaint=False)

    class Highlighted(Message):
        """The operator moved the cursor to this instance (None: the table is empty)."""

        def __init__(self, key: Hashable | None, *, chosen: bool = True) -> None:
            self.key = key
            self.chosen = chosen  # False: the table kept up with new rows, nobody moved
            super().__init__()

    class SortRequested(Message):
        """The operator clicked a column header."""

        def __init__(self, column_key: str) -> None:
            self.column_key = column_key
            super().__init__()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rows: Sequence[Instance] = ()
        self._cursor = 0  # index in _rows
        self._cursor_id: Hashable | None = None  # the row key under the cursor
        # Rows whose cursor highlight changed and are not drawn again yet (see `_move`).
        self._unpainted: set[int] = set()
        # The lines said instead of an empty table, for the view they were made for.
        self._no_match_shown: tuple[EnvironmentView, tuple[str, ...]] | None = None
        self._columns: tuple[Column, ...] = COLUMNS
        self._state_column = _state_column(COLUMNS)
        # Cells widened for a mark (STALE in the environment), per column.
        self._reserve: list[int] = [0] * len(COLUMNS)
        self._news: frozenset[Hashable] = frozenset()
        self._marks: frozenset[Hashable] = frozenset()
        self._stale: Mapping[EnvironmentRef, str] = {}
        # The instances measured (every one of the view, not only the visible rows: widths
        # must not jump while filtering), and how many cells of each width each column has.
        self._instances: Mapping[Hashable, Instance] = {}
        self._width_counts: list[Counter[int]] = [Counter() for _ in COLUMNS]
        # Instances of the view not measured yet (see `_measure_changes`), and whether a
        # slice of measuring them is on its way.
        self._unmeasured: dict[Hashable, Instance] = {}
        self._measuring = False
        self._widths: list[int] = [0] * len(COLUMNS)
        self._ends: list[int] = []  # where each column ends, from the first column's start
        self._sort: tuple[str, bool] = ("name", False)
        # Drawn rows: (instance, zebra, cursor, marked, news, stale) -> its line; cleared when
        # the widths or the styles change.
        self._strips: dict[tuple[int, bool, bool, bool, bool, bool], tuple[Instance, _Line]] = {}
        self._strip_key: object = None
        self._styles: dict[str, Style] = {}
        self._base_style: Style | None = None
        self._geometry: tuple[int, int, int] | None = None  # (scroll x, scroll y, width) during a paint
        self._state_styles: dict[tuple[str, Style], Style] = {}

    # --- following the view ---------------------------------------------------------

    def watch_view(self, old: EnvironmentView | None, new: EnvironmentView | None) -> None:
        if new is None:
            return
        # Measuring the changed rows may move the columns (a row off screen renamed longer):
        # every line then, the header included, not only the rows that changed.
        widths_before = self._widths
        columns = columns_for(new.is_fleet)
        if columns is not self._columns:
            self._columns = columns
            self._state_column = _state_column(columns)
            self._reserve = [0] * len(columns)
            self._instances, self._unmeasured = {}, {}
            self._width_counts = [Counter() for _ in columns]
            self._widths = [0] * len(columns)
            self._ends = []
        if new.news != self._news or new.stale != self._stale or new.marked != self._marks:
            marks_before = (self._news, self._stale, self._marks)
            self._news, self._stale, self._marks = new.news, new.stale, new.marked
            reserve = [len(STALE_MARK) if column.key == "env" and new.stale else 0 for column in columns]
            if reserve != self._reserve:
                self._reserve = reserve
                self._widths = []  # widths again, with the marks' room (every row drawn again)
                self._update_widths()
                self.refresh()
            else:
                # Only the lines whose row's marks changed (the others' strips are kept by
                # their marks): a fleet's refresh that brought news repainted the whole
                # table in each of its frames (~15 ms each in the pilot).
                self._refresh_marks_changed(*marks_before)
        if new.instances is not self._instances:
            index = new.row_index
            if index is not None and index.base is self._instances and index.changed is not None:
                self._measure_changes(new.instances, index.changed, index.departed)
            else:
                self._measure(new.instances)
        sort = (new.sort_column, new.sort_reverse)
        if sort != self._sort:
            self._sort = sort
            self.refresh_line(0)  # the header's mark moved (rows do not show the sort)
        if old is None or new.rows is not old.rows or new.rows is not self._rows:
            rows_before, top_before = self._rows, round(self.scroll_y)
            self._show(new)
            self._measure_visible()
            self._unpainted.clear()
            if round(self.scroll_y) != top_before or self._widths != widths_before:
                self.refresh()
            else:
                self._refresh_lines_changed(rows_before)
        elif (
            new.selected_key is not None
            and new.selected_key != self._cursor_id
            and (old is None or new.selected_key != old.selected_key)
        ):
            # The view chose another row (show_instance, a create listed): follow it. A view
            # whose selection did not change (a refresh starting, a task) is older news than
            # a move whose Highlighted is on its way: following it put the cursor back and
            # lost the key.
            row = self._find(new, new.selected_key)
            if row is not None:
                self._move(row, announce=False)
        if self._widths != widths_before:
            self.refresh()  # (again, for new rows: one repaint all the same)
        self.paint_cursor()

    def _show(self, view: EnvironmentView) -> None:
        """New rows: the cursor stays on its instance, at the same height on screen (within
        the table's body: it may have grown shorter since)."""
        height_on_screen = max(0, min(self._cursor - round(self.scroll_y), self._body_height() - 1))
        self._rows = view.rows
        self._resize()
        # Until the operator moves, the view's choice (the first row); then the cursor's own
        # instance (the view may not have heard of the latest move yet).
        keep = self._cursor_id if self._cursor_id is not None and view.selection_chosen else view.selected_key
        row = self._find(view, keep)
        if row is None and view.selected_key is not None and view.selected_key != keep:
            row = self._find(view, view.selected_key)
        if row is None:
            row = min(self._cursor, len(self._rows) - 1)
        self._cursor = max(0, row)
        self._cursor_id = self._rows[self._cursor].key if self._rows else None
        top = max(0, min(self._cursor - height_on_screen, len(self._rows) - self._body_height()))
        self.scroll_to(y=top, animate=False, immediate=True)
        if self._cursor_id != view.selected_key:
            self.post_message(self.Highlighted(self._cursor_id, chosen=False))

    def _find(self, view: EnvironmentView, key: Hashable | None) -> int | None:
        """The row of an instance in the view, None if it is not shown (by bisection)."""
        if key is None:
            return None
        index = view.row_index
        if index is not None and index.instances is view.instances:
            return index.row_of(view.rows, key, view.sort_column, view.sort_reverse)
        return view.positions.get(key)

    def forget(self) -> None:
        """Drop every width counted (benchmarks: the cost of drawing from scratch)."""
        self._instances = {}
        self._unmeasured = {}
        self._width_counts = [Counter() for _ in self._columns]
        self._strips.clear()
        if self.view is not None:
            self._measure(self.view.instances)

    # --- column widths, from the data ---------------------------------------------------
    # The counts hold the widths of every instance of `_instances` but those waiting in
    # `_unmeasured`. An instance is immutable: the widths it was counted with are measured
    # again when it leaves, rather than kept for each of 50,000 rows.

    def _measure(self, instances: Mapping[Hashable, Instance]) -> None:
        """Bring the width counts up to date with `instances`, by comparing them with the
        instances measured: only those whose object changed are measured again."""
        before = self._instances
        known = before.get
        changed = [instance_id for instance_id, instance in instances.items() if known(instance_id) is not instance]
        departed = [instance_id for instance_id in before if instance_id not in instances]
        self._measure_changes(instances, changed, departed)

    def _measure_changes(
        self, instances: Mapping[Hashable, Instance], changed: list[Hashable], departed: list[Hashable]
    ) -> None:
        """`_measure` when the state says which instances changed since the ones measured.

        Many of them (a first load's pages) are measured after the frame that shows them, in
        slices (`_measure_some`): the rows on screen are drawn from cells made for the frame,
        and the columns widen when the slices reach a longer cell."""
        before, unmeasured = self._instances, self._unmeasured
        leaving = len(departed) + sum(1 for instance_id in changed if instance_id in before)
        if leaving > MEASURE_AT_ONCE and leaving > len(instances) // 2:
            # Most rows were replaced (a list from scratch): all of them are counted again
            # after the frame, in slices, rather than each old one taken off first, in one
            # piece (that held the loop ~600 ms at 50,000).
            self._width_counts = [Counter() for _ in self._columns]
            unmeasured.clear()
            unmeasured.update(instances)
        else:
            counted: list[Instance] = []  # the instances whose widths leave the counts
            for instance_id in (*departed, *changed):
                if unmeasured.pop(instance_id, None) is None and (old := before.get(instance_id)) is not None:
                    counted.append(old)
            if counted:
                self._count(counted, -1)
            if len(changed) > MEASURE_AT_ONCE:
                unmeasured.update((instance_id, instances[instance_id]) for instance_id in changed)
            elif changed:
                self._count([instances[instance_id] for instance_id in changed], 1)
        self._instances = instances
        self._update_widths()
        if unmeasured and not self._measuring:
            self._measuring = self.call_after_refresh(self._start_measuring)

    def _refresh_lines_changed(self, rows_before: Sequence[Instance]) -> None:
        """Draw again only the lines on screen whose row changed (another instance, or none):
        a fleet's refresh changes a few rows of 50,000 and most often none of those on
        screen, and drawing every line again was ~20 ms of each refresh's frame."""
        if not rows_before or not self._rows:
            self.refresh()  # (an empty table draws a line of its own)
            return
        rows = self._rows
        self._refresh_rows_where(
            lambda row: (
                (rows[row] if row < len(rows) else None) is not (rows_before[row] if row < len(rows_before) else None)
            )
        )

    def _refresh_marks_changed(
        self, news: frozenset[Hashable], stale: Mapping[EnvironmentRef, str], marks: frozenset[Hashable]
    ) -> None:
        """Draw again the lines on screen whose row gained or lost a mark (news, the
        operator's mark, STALE after its environment) since `news`, `stale`, `marks`: a
        fleet's refresh that brought news repainted the whole table in each of its frames."""
        rows = self._rows

        def marks_differ(row: int) -> bool:
            if row >= len(rows):
                return False
            key, environment = rows[row].key, environment_of(rows[row])
            return (
                (key in news) != (key in self._news)
                or (key in marks) != (key in self._marks)
                or (environment in stale) != (environment in self._stale)
            )

        self._refresh_rows_where(marks_differ)

    def _refresh_rows_where(self, differs: Callable[[int], bool]) -> None:
        """Draw again the lines on screen whose row (by its index) `differs`; more than half
        of them: the whole table, in one region (many regions of one line each cost the
        compositor more)."""
        top, height = round(self.scroll_y), self._body_height()
        changed = [row for row in range(top, top + height) if differs(row)]
        if len(changed) > height // 2:
            self.refresh()
            return
        for row in changed:
            self.refresh_line(row + 1)

    def _measure_visible(self) -> None:
        """Count the rows on screen now if they wait for a slice: a row drawn before its
        widths were counted can be wider than its column, and pushed the cells after it out
        of line for a frame or more (a fleet's load, "compute-on/production" in a column as
        wide as "compute-on/fleet-04")."""
        if not self._unmeasured:
            return
        top = round(self.scroll_y)
        waiting = [
            instance
            for instance in self._rows[top : top + self._body_height()]
            if self._unmeasured.get(instance.key) is instance
        ]
        if waiting:
            for instance in waiting:
                del self._unmeasured[instance.key]
            self._count(waiting, 1)
            self._update_widths()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._measure_visible()

    def _count(self, instances: Sequence[Instance], sign: int) -> None:
        """Add (sign 1) or take off (-1) the widths of these instances' cells."""
        for count, widths in zip(self._width_counts, column_widths(instances, self._columns), strict=True):
            if sign > 0:
                count.update(widths)
            else:
                count.subtract(widths)

    def _start_measuring(self) -> None:
        # The method, not a coroutine (as the screen's settle: a worker cancelled before it
        # starts never makes one).
        measure = self._measure_rows
        self.run_worker(measure, group="measure-rows", exclusive=True, exit_on_error=False)  # type: ignore[arg-type]

    async def _measure_rows(self) -> None:
        """Measure the rows left for later, MEASURE_SLICE at a time, each slice in a turn of
        the loop of its own (see pacing.py: an operator's key first). In a worker: slices the
        table posted to itself ran one after the other in one turn (its queue never waits),
        3-4 of them, ~22 ms, while a fleet loaded."""
        try:
            await pacing.wait_turn()
            started = time.perf_counter()
            while unmeasured := self._unmeasured:
                self._count([unmeasured.popitem()[1] for _ in range(min(MEASURE_CHUNK, len(unmeasured)))], 1)
                if time.perf_counter() - started > MEASURE_SLICE:
                    if self._update_widths():
                        self.refresh()
                    started = await pacing.next_slice(started)
            if self._update_widths():
                self.refresh()
            pacing.spend(time.perf_counter() - started)
        finally:
            self._measuring = False

    def _update_widths(self) -> bool:
        """The columns' widths from the cells measured (True: they changed)."""
        counts = self._width_counts
        widths_now = [
            max([cell_len(column.label) + len(SORT_MARKS[0])] + [w + reserve for w, n in count.items() if n > 0])
            for column, count, reserve in zip(self._columns, counts, self._reserve, strict=True)
        ]
        for count in counts:  # keep the counters small
            for width in [w for w, n in count.items() if n <= 0]:
                del count[width]
        if self._unmeasured and len(self._widths) == len(widths_now):
            # Rows are still being counted (a list counted again from scratch): the columns
            # only widen meanwhile, rather than narrow to what is counted so far and back.
            widths_now = [max(now, shown) for now, shown in zip(widths_now, self._widths, strict=True)]
        if widths_now == self._widths:
            return False
        self._widths = widths_now
        self._ends = list(accumulate(width + 2 * PADDING for width in widths_now))
        self._strips.clear()
        self._resize()
        return True

    def _resize(self) -> None:
        """The scrollable size follows the rows and widths. Set without a layout pass (the
        table's own size does not change): a layout repaints the whole screen, on every
        filter keystroke. A scrollbar that appears or goes still asks for one."""
        size = Size(self._scroll_width(), len(self._rows) + 1)
        if size != self.virtual_size:
            self.set_reactive(InstanceTable.virtual_size, size)
            self._scroll_update(size)

    def on_resize(self) -> None:
        self._resize()  # the room to scroll over follows the table's width (see `_scroll_width`)
        # A shorter table (the filter box opening above it) kept its top row: a cursor on the
        # last line was then under the bottom edge, and stayed there as the filter kept it
        # at that height (trial in tmux: the detail showed a row the table did not).
        self._keep_cursor_in_sight()

    def _keep_cursor_in_sight(self) -> None:
        """Scroll the least that shows the cursor's row."""
        body, top = self._body_height(), round(self.scroll_y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, immediate=True)
        elif self._cursor >= top + body:
            self.scroll_to(y=self._cursor - body + 1, animate=False, immediate=True)

    def _body_width(self) -> int:
        """The cells the columns are drawn in (right of the gutter)."""
        return max(1, self.scrollable_content_region.width - GUTTER)

    def _scroll_width(self) -> int:
        """The width to scroll over: the gutter and the columns, and when they do not fit, as
        far right as the scroll that starts at the edge of the first column from which every
        column left fits whole (the last scroll shows whole columns, not a cut one at the left)."""
        total = self._ends[-1] if self._ends else 0
        body = self._body_width()
        if total <= body:
            return GUTTER + total
        start = next(end for end in self._ends if total - end <= body)
        return GUTTER + start + body

    def _shown_columns(self, scroll_x: int, body_width: int) -> tuple[int, int | None]:
        """Where the columns drawn from `scroll_x` end, and the column cut there (None: none).

        A column that does not fit whole is shown cut if the room left holds its header (a
        wide Public IP column, widened by one instance's many addresses, still shows the
        others'); with less room it is left out, not drawn as a sliver ("Publ" and no
        values): the operator scrolls to it (right) or hides the detail pane (z). The only
        column on screen is shown cut, however narrow."""
        right = scroll_x + body_width
        ends = self._ends
        whole = bisect_right(ends, right)  # the columns that end before the right edge
        if whole == len(ends):
            return right, None
        start = ends[whole - 1] if whole else 0  # where the column that does not fit starts
        header = cell_len(self._columns[whole].label) + len(SORT_MARKS[0]) + 2 * PADDING
        if start <= scroll_x or right - start >= header:
            return right, whole
        return start, None

    def _cells_for(self, instance: Instance) -> tuple[tuple[str, ...], tuple[int, ...]]:
        """A row's cells, for drawing it (its strip is kept: a row is not read again per frame)."""
        texts, widths = cells_of(instance, self._columns)
        if self._unmeasured.get(instance.key) is instance:  # waiting for a slice: counted now
            del self._unmeasured[instance.key]
            self._count([instance], 1)  # the widths follow at the next slice (not while drawing)
        return texts, widths

    # --- drawing ----------------------------------------------------------------------

    def _body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def render_lines(self, crop: Region) -> list[Strip]:
        # The widget's style and geometry once per paint, not once per line (the style walks
        # the ancestors, the content region is computed anew at each reading).
        self._base_style = self.rich_style
        self._geometry = (*self.scroll_offset, self.scrollable_content_region.width)
        try:
            return super().render_lines(crop)
        finally:
            self._base_style, self._geometry = None, None

    def render_line(self, y: int) -> Strip:
        if self._geometry is not None:
            scroll_x, scroll_y, width = self._geometry
        else:
            (scroll_x, scroll_y), width = self.scroll_offset, self.scrollable_content_region.width
        base = self._base_style if self._base_style is not None else self.rich_style
        styles_key = (base, self.has_focus)
        if styles_key != self._strip_key:
            self._strip_key = styles_key
            self._strips.clear()
            self._styles = {
                name: base + self.get_component_rich_style(f"instance-table--{name}")
                for name in ("header", "cursor", "odd-row", "even-row", "marked")
            }
            self._state_styles = {}
        if y == 0:
            line = self._header()
        else:
            row = scroll_y + y - 1
            if row >= len(self._rows):
                no_match = self._no_match()
                if no_match is not None and row < len(no_match):
                    return Strip([Segment(no_match[row], base)]).crop_extend(0, width, base)
                return Strip.blank(width, base)
            line = self._row_strip(row)
        if width <= GUTTER:
            return Strip([line.gutter]).crop_extend(0, width, base)
        return Strip([line.gutter, *self._columns_shown(line, scroll_x, width - GUTTER, base)], width)

    def _columns_shown(self, line: _Line, scroll_x: int, body: int, base: Style) -> Strip:
        """The part of a line's columns the table shows from `scroll_x`, `body` cells wide: a
        column cut at the right edge ends its longer cells with an ellipsis; one left out
        leaves its cells blank."""
        end, cut = self._shown_columns(scroll_x, body)
        if cut is not None:
            text_width, style = line.cells[cut]
            column_end = self._ends[cut]
            text_room = self._widths[cut] - (column_end - end)  # the cells of text shown
            if text_width > text_room and end - PADDING - 1 > scroll_x:
                cut_at = end - PADDING - 1
                return Strip(
                    [*line.strip.crop_extend(scroll_x, cut_at, base), Segment("…" + " " * PADDING, style)],
                    end - scroll_x,
                )
        shown = line.strip.crop_extend(scroll_x, end, base)
        return shown.extend_cell_length(body, base) if end - scroll_x < body else shown

    def _no_match(self) -> tuple[str, ...] | None:
        """The lines shown instead of an empty table when the filter hides every instance
        (two: on one, a long filter pushed "Esc clears" past a narrow table's edge), and a
        third and fourth when a term's field names no column (it was matched as text: say so,
        and what the fields are)."""
        view = self.view
        if view is None or view.rows or not view.instances or not view.is_filtered:
            return None
        if self._no_match_shown is not None and self._no_match_shown[0] is view:
            return self._no_match_shown[1]  # (asked for each empty line of each frame)
        lines: tuple[str, ...] = (
            f" No instance matches “{printable(view.filter_text, limit=60)}”",
            f" ({len(view.instances)} hidden; Esc or ctrl+u clears)",
        )
        unknown = unknown_fields(view.filter_text, FILTER_COLUMNS)
        if unknown:
            fields = " ".join(column.key for column in FILTER_COLUMNS)  # (~65 cells: a line of their own)
            lines = (*lines, f" No field “{printable(unknown[0], limit=30)}”; the fields:", f" {fields}")
        self._no_match_shown = (view, lines)
        return lines

    def _header(self) -> _Line:
        style = self._styles["header"]
        segments, cells = [], []
        for column, width in zip(self._columns, self._widths, strict=True):
            label = column.label
            if column.key == self._sort[0]:
                label += SORT_MARKS[self._sort[1]]
            segments.append(Segment(" " * PADDING + label + " " * (width - cell_len(label) + PADDING), style))
            cells.append((cell_len(label), style))
        return _Line(Segment(" " * GUTTER, style), Strip(segments), tuple(cells))

    def _row_strip(self, row: int) -> _Line:
        """The row's gutter (its mark) and its columns, kept while its instance is."""
        instance = self._rows[row]
        odd, cursor = bool(row % 2), row == self._cursor
        marked = instance.key in self._marks
        news = instance.key in self._news
        stale = bool(self._stale) and environment_of(instance) in self._stale
        key = (id(instance), odd, cursor, marked, news, stale)
        cached = self._strips.get(key)
        if cached is not None and cached[0] is instance:
            return cached[1]
        style = self._styles["cursor" if cursor else "odd-row" if odd else "even-row"]
        if marked:
            style = style + self._styles["marked"]
        state = self._state_style(instance.state, style) if not cursor else style
        pad = " " * PADDING
        texts, text_widths = self._cells_for(instance)
        if stale:
            texts, text_widths = self._stale_marked(texts, text_widths)
        cells = tuple(
            (text_width, state if n == self._state_column else style) for n, text_width in enumerate(text_widths)
        )
        segments = [
            Segment(pad + text + " " * (width - text_width) + pad, cell_style)
            for text, (text_width, cell_style), width in zip(texts, cells, self._widths, strict=True)
        ]
        gutter = Segment((NEWS_MARK if news else MARK if marked else " ").ljust(GUTTER), style)
        line = _Line(gutter, Strip(segments), cells)
        if len(self._strips) > 4 * max(100, self.size.height):
            self._strips.clear()
        self._strips[key] = (instance, line)
        return line

    def _state_style(self, state: str, row_style: Style) -> Style:
        key = (state, row_style)
        found = self._state_styles.get(key)
        if found is None:
            found = self._state_styles[key] = row_style + Style.parse(state_style(state))
        return found

    def _stale_marked(self, texts: tuple[str, ...], widths: tuple[int, ...]) -> tuple[tuple[str, ...], tuple[int, ...]]:
        """The cells of a row of a stale environment: STALE after the environment."""
        marked, sizes = list(texts), list(widths)
        for n, column in enumerate(self._columns):
            if column.key == "env":
                marked[n], sizes[n] = marked[n] + STALE_MARK, sizes[n] + len(STALE_MARK)
        return tuple(marked), tuple(sizes)

    # --- what the screen reads ------------------------------------------------------

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def cursor_key(self) -> Hashable | None:
        """The row under the cursor now (the view hears of a move a message later)."""
        return self._cursor_id

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def select(self, key: Hashable) -> None:
        """Put the cursor on a row, as arrow keys would (nothing if it is not shown)."""
        if self.view is None or self._rows is not self.view.rows:
            return
        row = self._find(self.view, key)
        if row is not None:
            self._move(row)

    # --- the operator's moves -------------------------------------------------------

    def _move(self, row: int, *, announce: bool = True) -> None:
        if not self._rows:
            return
        row = max(0, min(row, len(self._rows) - 1))
        before, before_row = self._cursor_id, self._cursor
        self._cursor = row
        self._cursor_id = self._rows[row].key
        self._keep_cursor_in_sight()
        self._unpainted.update((before_row, row))  # (a scroll redraws everything anyway)
        if announce and self._cursor_id != before:
            # The two lines are drawn once the screen has the new selection (it calls
            # `paint_cursor`, and so does a new view): in the same frame as the detail pane
            # and the action bar, rather than a frame of their own a frame period earlier.
            self.post_message(self.Highlighted(self._cursor_id))
        else:
            self.paint_cursor()

    def paint_cursor(self) -> None:
        """Draw the lines the cursor left and reached since the last time."""
        for row in self._unpainted:
            self.refresh_line(row + 1)
        self._unpainted.clear()

    def action_cursor(self, step: int) -> None:
        self._move(self._cursor + step)

    def action_page(self, direction: int) -> None:
        self._move(self._cursor + direction * self._body_height())

    def action_first(self) -> None:
        self._move(0)

    def action_last(self) -> None:
        self._move(len(self._rows) - 1)

    def action_scroll_right(self) -> None:
        """A column to the right: the first column shown leaves and the view starts at the
        next one's edge (a cell at a time took ten keys to bring a column in, cut at the left)."""
        x, last = round(self.scroll_x), round(self.max_scroll_x)
        if x >= last:
            raise SkipAction()
        self.scroll_to(x=min(last, next((end for end in self._ends if end > x), last)), animate=False, immediate=True)

    def action_scroll_left(self) -> None:
        """A column to the left (back to the edge of the column cut at the left, if any)."""
        x = round(self.scroll_x)
        if x <= 0:
            raise SkipAction()
        self.scroll_to(x=max((end for end in self._ends if end < x), default=0), animate=False, immediate=True)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            scroll_x = round(self.scroll_x)
            x = offset.x - GUTTER + scroll_x
            if x < scroll_x or x >= self._shown_columns(scroll_x, self._body_width())[0]:
                return  # the gutter, or a column left out at the right edge
            for column, width in zip(self._columns, self._widths, strict=True):
                x -= width + 2 * PADDING
                if x < 0:
                    event.stop()
                    self.post_message(self.SortRequested(column.key))
                    return
            return
        row = round(self.scroll_y) + offset.y - 1
        if row < len(self._rows):
            event.stop()
            self._move(row)
