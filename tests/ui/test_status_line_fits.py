"""The status line is one row at every width, and a narrow one keeps what an operator needs.

An operator trial at 80 columns saw it take two rows ("default │ 3 environments │ 6000
instances │ name▲ │ ✓ 1 marked │ refreshed 07:46:49 │ every 20 s" and a stale text). One
row at every width: on a narrow terminal the least useful segments (the refresh interval,
the clock, the sort, which the column header shows) go first, and a stale environment, the
marks and the filter's count stay; what goes is one key away (`E`: each environment's state).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList

from cca_tui.sim.server import SimServer
from cca_tui.ui.app import CcaApp
from cca_tui.ui.screens.environment_states import EnvironmentStates
from cca_tui.ui.screens.instances import InstanceScreen
from cca_tui.ui.state import LoadProgress
from cca_tui.ui.widgets.status_line import StatusLine
from tests.ui.app_harness import instance_screen, make_app, settle, top_screen, wait_until
from tests.ui.faulty_transport import Fault, FaultyTransport
from tests.ui.test_fleet import fleet_app as fleet_with
from tests.ui.test_fleet import opened
from tests.ui.test_fleet_never_loaded import DEV, dev_is_down, fleet_app, option_texts

ENV = "compute-on/production"


def drawn_rows(status: StatusLine) -> list[str]:
    """The status line's rows as drawn on the screen."""
    return [strip.text for strip in status.render_lines(status.region.reset_offset)]


def one_row(status: StatusLine) -> str:
    """The status line's one row as drawn; fails if it takes more than one, or its text
    is wider than the row (cut by the terminal rather than by the line itself)."""
    rows = drawn_rows(status)
    assert status.size.height == 1 and len(rows) == 1, rows
    return rows[0]


async def marked_and_filtered(app: CcaApp, pilot: Pilot[None], screen: InstanceScreen) -> None:
    """One row marked, then a filter that keeps it and hides others (as in the trial)."""
    name = screen.view.rows[0].name
    await pilot.press("space")
    await pilot.press("slash", *name, "enter")
    await settle(app, pilot)
    assert screen.view.marked and screen.view.is_filtered
    assert 0 < len(screen.view.rows) < len(screen.view.instances)


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40), (200, 50)])
async def test_a_stale_fleet_with_marks_and_a_filter_keeps_the_status_line_to_one_row(
    sim: SimServer, tmp_path: Path, size: tuple[int, int]
) -> None:
    transport = FaultyTransport()
    transport.add(dev_is_down)
    app = fleet_app(sim, tmp_path, transport)
    async with app.run_test(size=size) as pilot:
        screen = await opened(app, pilot)
        assert set(screen.view.stale) == {DEV}
        await marked_and_filtered(app, pilot, screen)
        status = screen.query_one(StatusLine)
        row = one_row(status)
        # What the operator must see at any width: which environment is stale, the marks
        # (the next action applies to them), and how many rows the filter shows.
        assert "STALE" in row and "compute-qc/dev" in row, row
        assert "✓ 1 marked" in row, row
        assert f"{len(screen.view.rows)}/{len(screen.view.instances)}" in row, row
        assert status.has_class("stale")
        if size[0] >= 200:
            # Room for the reason and the clock too (the interval gave way first).
            assert "503" in row and "refreshed 12:00:00" in row and "every 60 s" not in row, row


async def test_what_a_narrow_status_line_leaves_out_is_one_key_away(sim: SimServer, tmp_path: Path) -> None:
    transport = FaultyTransport()
    transport.add(dev_is_down)
    app = fleet_app(sim, tmp_path, transport)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(app, pilot)
        await marked_and_filtered(app, pilot, screen)
        row = one_row(screen.query_one(StatusLine))
        # The least useful go first: the interval, then the clock, then the sort.
        assert "every 60 s" not in row and "12:00:00" not in row and "name▲" not in row, row
        await pilot.press("E")
        await wait_until(pilot, lambda: isinstance(app.screen, EnvironmentStates))
        lines = option_texts(top_screen(app, EnvironmentStates).query_one(OptionList))
        # Each environment's state, when it was loaded, and the server's words in full.
        assert any(line.startswith("compute-qc/dev NOT LOADED") and "down for maintenance" in line for line in lines)
        assert any("loaded 12:00:00" in line for line in lines), lines


async def test_one_environment_while_loading_with_marks_is_one_row_at_80_columns(
    sim: SimServer, tmp_path: Path
) -> None:
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot, rounds=4)
        screen = instance_screen(app)
        status = screen.query_one(StatusLine)
        await pilot.press("space")
        screen.view = screen.view.with_loading(LoadProgress(4000, 10000))
        await settle(app, pilot)
        row = one_row(status)
        assert ENV in row and "✓ 1 marked" in row and "loading 4000/10000…" in row, row


async def test_the_status_line_fits_itself_again_when_the_terminal_is_resized(sim: SimServer, tmp_path: Path) -> None:
    transport = FaultyTransport()
    transport.add(dev_is_down)
    app = fleet_app(sim, tmp_path, transport)
    async with app.run_test(size=(200, 50)) as pilot:
        screen = await opened(app, pilot)
        status = screen.query_one(StatusLine)
        assert "refreshed 12:00:00" in one_row(status)
        await pilot.resize_terminal(80, 24)
        await wait_until(pilot, lambda: app.size.width == 80 and "12:00:00" not in drawn_rows(status)[0])
        assert "compute-qc/dev" in one_row(status)
        await pilot.resize_terminal(200, 50)
        await wait_until(pilot, lambda: app.size.width == 200 and "refreshed 12:00:00" in drawn_rows(status)[0])
        assert "compute-qc/dev" in one_row(status)


async def test_rows_that_could_not_be_read_are_said_at_80_columns_and_explained_in_e(
    sim: SimServer, tmp_path: Path
) -> None:
    transport = FaultyTransport()

    def spoil_first_row(payload: dict[str, Any]) -> dict[str, Any]:
        payload["data"][0]["cpuCount"] = "two"
        return payload

    transport.add(lambda r: Fault(rewrite=spoil_first_row) if r.url.path.endswith("/production/instances") else None)
    app = fleet_app(sim, tmp_path, transport, environment=ENV)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(app, pilot)
        assert screen.view.unreadable is not None
        assert "1 row(s) could not be read" in one_row(screen.query_one(StatusLine))
        await pilot.press("E")
        await wait_until(pilot, lambda: isinstance(app.screen, EnvironmentStates))
        [line] = option_texts(top_screen(app, EnvironmentStates).query_one(OptionList))
        assert line.startswith(f"{ENV} loaded") and "1 row(s) could not be read" in line and "cpuCount" in line


async def test_at_80_columns_a_protected_read_only_stale_fleet_says_all_three(sim: SimServer, tmp_path: Path) -> None:
    transport = FaultyTransport()
    transport.add(dev_is_down)
    app = fleet_with(
        sim, tmp_path, transport, environment="compute-*/[dp]*", protected_environments=("production",), read_only=True
    )
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(app, pilot)
        await pilot.press("space")
        await settle(app, pilot)
        row = one_row(screen.query_one(StatusLine))
        # Every action asks (protected) or is refused (read-only), and which profile's key
        # acts: those never give way.
        assert row.strip().startswith("⚠ PROTECTED │ test │"), row
        assert "READ-ONLY" in row and "✓ 1 marked" in row and "STALE" in row and "compute-qc/dev" in row, row


async def test_a_fleet_whose_environments_refresh_apart_says_the_range(sim: SimServer, tmp_path: Path) -> None:
    """Each environment adapts its own interval: the longest alone ("every 161 s") read as
    the fleet's while rows refreshed sooner (operator trial)."""
    app = fleet_app(sim, tmp_path, FaultyTransport())
    async with app.run_test(size=(200, 50)) as pilot:
        screen = await opened(app, pilot)
        status = screen.query_one(StatusLine)
        intervals = {env: loads.interval for env, loads in screen._loads.items()}
        assert len(set(intervals.values())) == 1
        only = next(iter(intervals.values()))
        assert f"every {only:g} s" in one_row(status)
        screen._loads[DEV].interval = only * 3  # as an expensive environment's adapts
        screen._show_interval()
        await pilot.pause()
        assert f"every {only:g}-{only * 3:g} s" in one_row(status)
