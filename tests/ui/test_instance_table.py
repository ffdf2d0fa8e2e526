"""The instance table on its own: a host screen holds an EnvironmentView and applies the
table's messages to it, as the instance screen does. Every wait is on a condition."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any, cast

from textual.app import App, ComposeResult
from textual.reactive import reactive
from textual.screen import Screen

from cca_tui.api.models import Instance
from cca_tui.ui.state import EnvironmentRef, EnvironmentView
from cca_tui.ui.widgets.instance_table import InstanceTable

# When a list arrived, for views built by hand (no time is shown by what is tested here).
LOADED_AT = datetime(2026, 12, 1, 12, 0)

SIZE = (100, 12)  # a table 11 rows high (10 instances and the header)


def instance(n: int, *, name: str | None = None, state: str = "Running", ip: str | None = None) -> Instance:
    return Instance(
        id=f"id-{n:04d}",
        name=name if name is not None else f"vm-{n:04d}",
        state=state,
        ip_address=ip if ip is not None else f"10.0.{n // 250}.{n % 250 + 1}",
        compute_offering_name="1vCPU.1GB",
        cpu_count=1,
        memory_in_mb=1024,
    )


class HostScreen(Screen[None]):
    view: reactive[EnvironmentView] = reactive(cast(EnvironmentView, None), init=False, repaint=False)

    def __init__(self) -> None:
        super().__init__()
        self.set_reactive(HostScreen.view, EnvironmentView.of(EnvironmentRef("compute-on", "test")))
        self.highlighted: list[Hashable | None] = []
        self.sorts: list[str] = []

    def compose(self) -> ComposeResult:
        yield InstanceTable().data_bind(HostScreen.view)

    def on_mount(self) -> None:
        self.query_one(InstanceTable).focus()

    def on_instance_table_highlighted(self, event: InstanceTable.Highlighted) -> None:
        self.highlighted.append(event.key)
        self.view = self.view.with_selection(event.key, chosen=event.chosen)

    def on_instance_table_sort_requested(self, event: InstanceTable.SortRequested) -> None:
        self.sorts.append(event.column_key)
        self.view = self.view.with_sort(event.column_key)


class Host(App[None]):
    def on_mount(self) -> None:
        self.push_screen(HostScreen())


async def until(pilot: Any, condition: Callable[[], bool], what: str) -> None:
    for _ in range(200):
        await pilot.pause()
        if condition():
            return
    raise AssertionError(f"never happened: {what}")


def parts(app: Host) -> tuple[HostScreen, InstanceTable]:
    screen = cast(HostScreen, app.screen)
    return screen, screen.query_one(InstanceTable)


def drawn(table: InstanceTable) -> list[str]:
    """The table's lines as the terminal would show them (text only)."""
    return [table.render_line(y).text for y in range(table.size.height)]


def row_ids(screen: HostScreen) -> list[Hashable]:
    """The rows the table draws, top to bottom: the view's (the table holds none of its own)."""
    return [instance.key for instance in screen.view.rows]


def cursor_height(table: InstanceTable) -> int:
    return table.cursor_row - round(table.scroll_y)


async def test_rows_are_the_views_rows_keyed_by_id() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        screen, table = parts(app)
        instances = [instance(n) for n in (3, 1, 2)]
        screen.view = screen.view.with_instances(instances, when=LOADED_AT)
        await until(pilot, lambda: table.row_count == 3, "three rows")
        assert row_ids(screen) == ["id-0001", "id-0002", "id-0003"]
        assert screen.view.selected_key == "id-0001"
        lines = drawn(table)
        assert lines[0].split()[:2] == ["Name", "▲"]
        assert "vm-0001" in lines[1] and "vm-0003" in lines[3]


async def test_cursor_stays_on_its_instance_at_the_same_height_across_a_refresh() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        screen, table = parts(app)
        screen.view = screen.view.with_instances([instance(n) for n in range(100)], when=LOADED_AT)
        await until(pilot, lambda: table.row_count == 100, "rows")
        for _ in range(40):
            await pilot.press("down")
        for _ in range(3):
            await pilot.press("up")
        await until(pilot, lambda: screen.view.selected_key == "id-0037", "cursor on vm-0037")
        height = cursor_height(table)
        assert 0 <= height < 10 and round(table.scroll_y) > 0
        # Twenty new instances sort above it, three above it leave, it changes state.
        fresh = [instance(n, name=f"vm-0000-new-{n}") for n in range(200, 220)]
        kept = [instance(n) for n in range(3, 100) if n != 37] + [instance(37, state="Stopping")]
        screen.view = screen.view.with_instances(fresh + kept, when=LOADED_AT)
        await until(pilot, lambda: table.row_count == 117, "refreshed rows")
        assert screen.view.selected_key == "id-0037"
        assert row_ids(screen).index("id-0037") == 20 + 34
        assert cursor_height(table) == height
        assert "Stopping" in drawn(table)[height + 1]


async def test_cursor_follows_filter_and_sort() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        screen, table = parts(app)
        instances = [instance(n, state="Stopped" if n % 2 else "Running") for n in range(30)]
        screen.view = screen.view.with_instances(instances, when=LOADED_AT)
        await until(pilot, lambda: table.row_count == 30, "rows")
        table.select("id-0007")
        await until(pilot, lambda: screen.view.selected_key == "id-0007", "selection recorded")
        # Visible through the filter: the cursor stays on it.
        screen.view = screen.view.with_filter("stopped")
        await until(pilot, lambda: table.row_count == 15, "filtered")
        assert screen.view.selected_key == "id-0007" and table.cursor_row == 3
        # Sorted the other way: still on it.
        screen.view = screen.view.with_sort("name")
        await until(pilot, lambda: row_ids(screen)[0] == "id-0029", "reversed")
        assert screen.view.selected_key == "id-0007" and table.cursor_row == 11
        # Filtered out: the cursor stays at its row, on the instance that took its place.
        screen.view = screen.view.with_filter("vm-002")
        await until(pilot, lambda: table.row_count == 10, "filtered again")
        assert screen.view.selected_key == row_ids(screen)[9] == "id-0020"
        # Filter cleared: back to every row, the cursor on the same instance.
        chosen = screen.view.selected_key
        screen.view = screen.view.with_filter("")
        await until(pilot, lambda: table.row_count == 30, "unfiltered")
        assert screen.view.selected_key == chosen


async def test_keys_move_the_cursor_and_report_it() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        screen, table = parts(app)
        screen.view = screen.view.with_instances([instance(n) for n in range(50)], when=LOADED_AT)
        await until(pilot, lambda: table.row_count == 50, "rows")
        await pilot.press("down", "down")
        await until(pilot, lambda: screen.view.selected_key == "id-0002", "two down")
        await pilot.press("end")
        await until(pilot, lambda: screen.view.selected_key == "id-0049", "last row")
        assert cursor_height(table) == 9  # the last row at the bottom of the screen
        await pilot.press("pageup")
        await until(pilot, lambda: screen.view.selected_key == "id-0039", "a page up")
        await pilot.press("home")
        await until(pilot, lambda: screen.view.selected_key == "id-0000", "first row")
        assert round(table.scroll_y) == 0
        assert screen.highlighted[-1] == "id-0000"


async def test_clicks_sort_by_header_and_select_rows() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        screen, table = parts(app)
        instances = [instance(n, ip=f"10.0.0.{30 - n}") for n in range(5)]
        screen.view = screen.view.with_instances(instances, when=LOADED_AT)
        await until(pilot, lambda: table.row_count == 5, "rows")
        header = drawn(table)[0]
        ip_x = header.index("Private IP")
        await pilot.click(InstanceTable, offset=(ip_x + 1, 0))
        await until(pilot, lambda: screen.view.sort_column == "ip", "sorted by IP")
        assert screen.sorts == ["ip"]
        assert row_ids(screen) == [f"id-{n:04d}" for n in (4, 3, 2, 1, 0)]
        assert "Private IP ▲" in drawn(table)[0]
        await pilot.click(InstanceTable, offset=(ip_x + 1, 0))
        await until(pilot, lambda: screen.view.sort_reverse, "reversed")
        assert "Private IP ▼" in drawn(table)[0]
        # A click on the third row selects it.
        await pilot.click(InstanceTable, offset=(2, 3))
        await until(pilot, lambda: screen.view.selected_key == row_ids(screen)[2], "clicked row selected")
        name_x = header.index("Name")
        await pilot.click(InstanceTable, offset=(name_x, 0))
        await until(pilot, lambda: screen.view.sort_column == "name", "sorted by name")
        assert row_ids(screen) == [f"id-{n:04d}" for n in range(5)]


async def test_hostile_names_are_drawn_literally() -> None:
    hostile = [
        "[/]",
        "[@click=app.quit]boom[/]",
        "[bold red]loud",
        "evil\x1b]52;c;aGk=\x07",
        "clear\x1b[2J",
        "rtl\u202eexe.txt",
        "wide名前",
    ]
    app = Host()
    async with app.run_test(size=(160, 12)) as pilot:
        screen, table = parts(app)
        instances = [instance(n, name=name) for n, name in enumerate(hostile)]
        screen.view = screen.view.with_instances(instances, when=LOADED_AT)
        await until(pilot, lambda: table.row_count == len(hostile), "rows")
        text = "\n".join(drawn(table))
        for literal in ("[/]", "[@click=app.quit]boom[/]", "[bold red]loud", "wide名前"):
            assert literal in text
        assert "evil\\x1b]52;c;aGk=\\x07" in text
        assert "clear\\x1b[2J" in text
        assert "rtl\\u202eexe.txt" in text
        assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
        assert app.is_running  # no markup error, no action run


async def test_an_empty_view_draws_an_empty_table() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        screen, table = parts(app)
        screen.view = screen.view.with_instances([], when=LOADED_AT)
        await until(pilot, lambda: screen.view.loaded, "loaded")
        assert table.row_count == 0 and screen.view.selected_key is None
        await pilot.press("down", "end")
        assert screen.view.selected_key is None
        assert "Name" in drawn(table)[0]
