"""Where the instance table's columns are drawn: a mark never moves them, and a column the
table cannot show whole is not drawn as a sliver.

Found by an operator trial: the first mark (space) widened the Name column by two and shifted
every column right of it, header included; and at 120 columns with the detail pane open the
fleet view's last column was a sliver ("Publ", its values invisible). The real app on the
simulator, driven with keys; the table is read as the terminal would show it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from cca_tui.api.models import Instance
from cca_tui.sim.server import SimServer
from cca_tui.ui.app import CcaApp
from cca_tui.ui.rows import FLEET_COLUMNS
from cca_tui.ui.screens.instances import InstanceScreen
from cca_tui.ui.widgets.instance_table import MARK, NEWS_MARK, InstanceTable
from tests.ui.app_harness import make_app, select, settle, wait_until
from tests.ui.faulty_transport import FaultyTransport
from tests.ui.test_fleet import DEV, drawn, fleet_app, instance_named, opened
from tests.ui.test_instance_table import LOADED_AT, Host, parts, until
from tests.ui.test_instance_table import drawn as table_lines

FLEET = "compute-*/[dp]*"  # production, dev and dr-site
ONE = "compute-on/production"
LABELS = {column.label for column in FLEET_COLUMNS}


def header_cells(table: InstanceTable) -> list[tuple[int, str]]:
    """The header's cells as drawn: (where each starts on the line, its text)."""
    return [(found.start(), found.group()) for found in re.finditer(r"\S+(?: \S+)*", table.render_line(0).text)]


def row_line(table: InstanceTable, environment: str, name: str) -> str:
    return next(line for line in drawn(table) if f" {environment} " in line and f" {name} " in line)


def column_starts(table: InstanceTable, environment: str, *names: str) -> list[list[int]]:
    """Where each cell of these rows starts (the mark's gutter left out)."""
    return [
        [found.start() for found in re.finditer(r"\S+(?: \S+)*", row_line(table, environment, name)[1:])]
        for name in names
    ]


def cut_labels(table: InstanceTable) -> list[str]:
    """The header's cells that are not a whole column label (the sort mark aside)."""
    return [text for _, text in header_cells(table) if text.removesuffix(" ▲").removesuffix(" ▼") not in LABELS]


def sized(app: CcaApp, table: InstanceTable, size: tuple[int, int]) -> Callable[[], bool]:
    return lambda: app.size == size and table.size.width > 0


async def mark_count(app: CcaApp, pilot: Pilot[None], count: int) -> None:
    await wait_until(
        pilot, lambda: len(app.screen.view.marked) == count if isinstance(app.screen, InstanceScreen) else False
    )
    await pilot.pause()


async def test_a_mark_moves_no_column_in_the_fleet_view(sim: SimServer, tmp_path: Path) -> None:
    web1 = instance_named(sim, DEV, "web-1")
    app = fleet_app(sim, tmp_path, FaultyTransport())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot)
        table = screen.query_one(InstanceTable)
        select(screen, web1.id, "compute-qc/dev")
        await settle(app, pilot)
        header = header_cells(table)
        rows = column_starts(table, "compute-qc/dev", "web-1", "web-2")
        assert [text for _, text in header][:3] == ["Environment", "Name ▲", "State"]
        await pilot.press("space")  # marks the row and moves down
        await mark_count(app, pilot, 1)
        assert header_cells(table) == header
        assert column_starts(table, "compute-qc/dev", "web-1", "web-2") == rows
        assert row_line(table, "compute-qc/dev", "web-1").startswith(MARK + " compute-qc/dev")  # in the gutter
        await pilot.press("space")  # a second mark: nothing moves either
        await mark_count(app, pilot, 2)
        assert header_cells(table) == header and column_starts(table, "compute-qc/dev", "web-1", "web-2") == rows
        await pilot.press("u")  # every mark cleared
        await mark_count(app, pilot, 0)
        assert header_cells(table) == header and column_starts(table, "compute-qc/dev", "web-1", "web-2") == rows
        assert not any(line.startswith(MARK) for line in drawn(table))


async def test_a_mark_moves_no_column_in_one_environment(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim, tmp_path, environment=ONE)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, InstanceScreen)
        table = screen.query_one(InstanceTable)
        header = header_cells(table)
        first = table.render_line(1).text
        await pilot.press("ctrl+a")  # every row marked at once
        await wait_until(pilot, lambda: len(screen.view.marked) == len(screen.view.rows))
        await pilot.pause()
        assert header_cells(table) == header
        assert table.render_line(1).text == MARK + first[1:]  # the mark, and the same cells


async def test_news_moves_no_column() -> None:
    """A row changed behind our back gets its mark in the same gutter: nothing moves when
    news arrives or leaves (it comes with a refresh, while the operator reads)."""
    app = Host()
    async with app.run_test(size=(100, 12)) as pilot:
        screen, table = parts(app)
        screen.view = screen.view.with_instances(
            [Instance(id=f"i{n}", name=f"vm-{n}", state="Running", ip_address=f"10.0.0.{n}") for n in range(5)],
            when=LOADED_AT,
        )
        await until(pilot, lambda: table.row_count == 5, "rows")
        before = table_lines(table)
        screen.view = screen.view.with_news({"i3"})
        await pilot.pause()
        after = table_lines(table)
        assert after[4] == NEWS_MARK + before[4][1:]  # row i3 (line 0: the header)
        assert [line for n, line in enumerate(after) if n != 4] == [line for n, line in enumerate(before) if n != 4]


async def test_no_column_is_a_sliver_at_any_size_with_or_without_the_detail_pane(
    sim: SimServer, tmp_path: Path
) -> None:
    for environment in (FLEET, ONE):
        app = make_app(sim, tmp_path, environment=environment)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, InstanceScreen)
            table = screen.query_one(InstanceTable)
            for size in ((120, 40), (80, 24), (200, 50)):
                await pilot.resize_terminal(*size)
                for _ in range(2):  # the detail pane as the size opens it, then toggled (z)
                    await wait_until(pilot, sized(app, table, size))
                    await pilot.pause()
                    shown = f"{environment} at {size}, pane {screen.query_one('#detail').display}"
                    assert not cut_labels(table), (shown, table.render_line(0).text)
                    await pilot.press("z")


async def test_the_fleet_at_120_columns_with_the_detail_pane_leaves_out_what_does_not_fit(
    sim: SimServer, tmp_path: Path
) -> None:
    """The trial's view: Environment, Name, State and Private IP, then "Publ" and nothing."""
    app = make_app(sim, tmp_path, environment=FLEET)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, InstanceScreen)
        table = screen.query_one(InstanceTable)
        assert screen.query_one("#detail").display
        labels = [text for _, text in header_cells(table)]
        assert not cut_labels(table), labels
        # Right: a column at a time, the view starting at a column's edge; the columns left
        # out come in whole.
        seen = set(labels)
        for _ in range(len(FLEET_COLUMNS)):
            await pilot.press("right")
            await pilot.pause()
            assert not cut_labels(table), table.render_line(0).text
            assert header_cells(table)[0][0] == 2  # gutter and padding: a whole column first
            seen.update(text.removesuffix(" ▲") for _, text in header_cells(table))
        assert seen >= LABELS
        for _ in range(len(FLEET_COLUMNS)):
            await pilot.press("left")
        await pilot.pause()
        assert [text for _, text in header_cells(table)] == labels


async def test_a_column_cut_at_the_edge_keeps_its_header_and_ends_long_values_with_an_ellipsis() -> None:
    """A column that holds its header but not its longest value (one instance with many
    addresses) is shown cut, the others' values whole: leaving it out would hide them all."""
    many = ", ".join(f"198.51.100.{n}" for n in range(1, 9))
    app = Host()
    async with app.run_test(size=(60, 8)) as pilot:
        screen, table = parts(app)
        instances = [
            Instance.model_validate(
                {
                    "id": f"i{n}",
                    "name": f"vm-{n}",
                    "state": "Running",
                    "ipAddress": f"10.0.0.{n}",
                    "publicIps": [
                        {"id": f"p{n}", "ipAddress": ip} for ip in (many.split(", ") if n == 1 else [f"203.0.113.{n}"])
                    ],
                }
            )
            for n in range(1, 4)
        ]
        screen.view = screen.view.with_instances(instances, when=LOADED_AT)
        await until(pilot, lambda: table.row_count == 3, "rows")
        lines = table_lines(table)
        assert "Public IP" in lines[0] and not cut_labels(table), lines[0]
        assert "203.0.113.2" in lines[2] and "203.0.113.3" in lines[3]
        assert lines[1].rstrip().endswith("…") and "198.51.100.1, " in lines[1]


async def test_the_only_column_on_screen_is_shown_cut() -> None:
    app = Host()
    async with app.run_test(size=(30, 6)) as pilot:
        screen, table = parts(app)
        screen.view = screen.view.with_instances(
            [Instance(id="i1", name="a-name-far-longer-than-the-table-is-wide", state="Running")], when=LOADED_AT
        )
        await until(pilot, lambda: table.row_count == 1, "a row")
        assert table.render_line(1).text.rstrip().endswith("…")
        assert "a-name-far-longer" in table.render_line(1).text
