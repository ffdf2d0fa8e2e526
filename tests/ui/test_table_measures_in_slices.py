"""A page of thousands of new rows is shown without measuring them all in the step that shows
it (that held the event loop ~40 ms per 2,000 rows at fleet size): they are measured after
the frame, in slices, and the columns end up as wide as their longest cell."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from datetime import datetime

import pytest
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.pilot import Pilot

from cca_tui.api.models import Instance
from cca_tui.ui.rows import Grown
from cca_tui.ui.state import EnvironmentRef, EnvironmentView
from cca_tui.ui.widgets import instance_table
from tests.ui.app_harness import count_widths

LOADED_AT = datetime(2026, 12, 1, 12, 0)
LONG_NAME = "a-name-longer-than-any-other-in-the-page"


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield instance_table.InstanceTable()


async def measured_in_slices(table: instance_table.InstanceTable, pilot: Pilot[None]) -> None:
    """Until the slices after the frame have measured every row: a bound on pauses (a few ms
    each), not a time."""
    for _ in range(500):
        if not table._unmeasured:
            return
        await pilot.pause()


async def test_a_big_page_is_measured_after_its_frame_in_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    first = [Instance(id=f"i{n:05d}", name=f"vm-{n}", state="Running") for n in range(100)]
    page = [Instance(id=f"i{n:05d}", name=f"vm-{n}", state="Running") for n in range(100, 3100)]
    page[1500] = page[1500].model_copy(update={"name": LONG_NAME})
    env = EnvironmentRef("c", "e")
    shown: Grown[Hashable] = Grown({}, [(i.id, i) for i in first])
    view = EnvironmentView.of(env).with_instances(shown, when=LOADED_AT, complete=False)
    measured = count_widths(monkeypatch)
    app = Host()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(instance_table.InstanceTable)
        table.view = view
        await pilot.pause()
        measured.clear()
        grown: Grown[Hashable] = Grown(shown, [(i.id, i) for i in page])
        table.view = view.with_instances(grown, when=LOADED_AT, complete=False)
        # The step that showed the page measured none of its 3,000 rows.
        assert len(measured.counted_in) <= 100  # the rows drawn at most
        await measured_in_slices(table, pilot)
        assert not table._unmeasured
        assert sorted(measured.counted_in) == sorted(i.id for i in page)  # each row once
        assert table._widths[0] == len(LONG_NAME)
        # A later small change is measured at once, as before.
        measured.clear()
        renamed = page[7].model_copy(update={"name": "vm-7-renamed"})
        table.view = table.view.with_instances([*first, *page[:7], renamed, *page[8:]], when=LOADED_AT, environment=env)
        assert measured.counted_in == [renamed.id]


async def test_a_list_from_scratch_is_counted_again_in_slices_and_columns_only_widen_meanwhile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every row a new object (a list parsed from scratch): taking each old row's widths off
    first held the loop ~600 ms at 50,000 rows. They are all counted again after the frame;
    meanwhile the columns do not narrow to what is counted so far."""
    env = EnvironmentRef("c", "e")
    before = [Instance(id=f"i{n:05d}", name=f"vm-{n}", state="Running") for n in range(3000)]
    before[2500] = before[2500].model_copy(update={"name": LONG_NAME})
    after = [instance.model_copy(update={"state": "Stopped"}) for instance in before]
    after[2500] = after[2500].model_copy(update={"name": "vm-2500"})  # the longest name is gone
    view = EnvironmentView.of(env).with_instances(before, when=LOADED_AT)
    app = Host()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(instance_table.InstanceTable)
        table.view = view
        await measured_in_slices(table, pilot)
        assert table._widths[0] == len(LONG_NAME)
        counted = count_widths(monkeypatch)
        table.view = view.with_instances(after, when=LOADED_AT)
        assert len(counted) <= 100  # the step that showed it: the rows drawn at most
        assert table._widths[0] == len(LONG_NAME)  # not narrowed to the rows counted so far
        widths_seen = set()
        for _ in range(500):
            if not table._unmeasured:
                break
            widths_seen.add(table._widths[0])
            await pilot.pause()
        assert not table._unmeasured
        assert widths_seen == {len(LONG_NAME)}
        assert sorted(counted) == sorted((instance.id, 1) for instance in after)  # each new row once, none taken off
        assert table._widths[0] == len("vm-2500")  # exact once every row is counted


async def test_the_rows_on_screen_are_counted_before_they_are_drawn() -> None:
    """A page measured after its frame: the rows that frame draws are counted first, or a
    cell wider than its column pushed the cells after it out of line until the slices got
    there (a fleet's load: "compute-on/production" in a column as wide as "compute-on/fleet-04")."""
    first = [Instance(id=f"i{n:05d}", name=f"vm-{n}", state="Running") for n in range(100)]
    page = [Instance(id=f"i{n:05d}", name=f"vm-{n}", state="Running") for n in range(100, 3100)]
    top = Instance(id="i99999", name="a-" + LONG_NAME, state="Running")  # sorts first: on screen
    env = EnvironmentRef("c", "e")
    shown: Grown[Hashable] = Grown({}, [(i.id, i) for i in first])
    view = EnvironmentView.of(env).with_instances(shown, when=LOADED_AT, complete=False)
    app = Host()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(instance_table.InstanceTable)
        table.view = view
        await pilot.pause()
        grown: Grown[Hashable] = Grown(shown, [(i.id, i) for i in [*page, top]])
        table.view = view.with_instances(grown, when=LOADED_AT, complete=False)
        assert table._unmeasured  # the page is measured later, in slices
        assert table._widths[0] == len("a-" + LONG_NAME)  # but the rows on screen now
        header, first_row = table.render_line(0).text, table.render_line(1).text
        assert first_row.index("Running") == header.index("State")


async def test_a_column_widened_by_a_row_off_screen_repaints_every_line_it_moves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A refresh changed the rows on screen and renamed one off screen to a longer name: the
    Name column widens, and every line on screen moves with it, the header included. Only the
    changed rows were drawn again: the header kept its old widths over the new rows (seen in
    tmux on a fleet of 50,000, "State" over the private IPs)."""
    env = EnvironmentRef("c", "e")
    before = [Instance(id=f"i{n:05d}", name=f"vm-{n:05d}", state="Running") for n in range(3000)]
    # Three rows on screen changed (fewer than half: those lines alone would be drawn again).
    after = [instance.model_copy(update={"state": "Stopped"}) for instance in before[:3]] + before[3:]
    after[2500] = after[2500].model_copy(update={"name": "vm-" + LONG_NAME})  # far below the screen
    view = EnvironmentView.of(env).with_instances(before, when=LOADED_AT)
    app = Host()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(instance_table.InstanceTable)
        table.view = view
        await measured_in_slices(table, pilot)
        height = table.size.height
        drawn_before = [table.render_line(y).text for y in range(height)]
        repainted: set[int] = set()  # lines drawn again, by number
        whole: list[bool] = []  # whether each refresh was of the whole table
        refresh_line, refresh = table.refresh_line, table.refresh

        def note_line(y: int) -> object:
            repainted.add(y)
            return refresh_line(y)

        def note_refresh(*regions: Region, **options: bool) -> object:
            whole.append(not regions)
            return refresh(*regions, **options)

        monkeypatch.setattr(table, "refresh_line", note_line)
        monkeypatch.setattr(table, "refresh", note_refresh)
        table.view = view.with_instances(after, when=LOADED_AT)
        assert table._widths[0] == len("vm-" + LONG_NAME)
        drawn_after = [table.render_line(y).text for y in range(height)]
        moved = [y for y in range(height) if drawn_after[y] != drawn_before[y]]
        assert 0 in moved and len(moved) == height  # the header and every row
        assert any(whole) or set(moved) <= repainted


async def test_each_slice_of_measuring_is_a_turn_of_the_loop_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """Between two slices the loop runs what else is ready (a key, a frame): slices the table
    posted to itself ran one after the other in one turn, ~22 ms while a fleet loaded."""
    monkeypatch.setattr(instance_table, "MEASURE_SLICE", 0.0)  # a chunk a slice
    page = [Instance(id=f"i{n:05d}", name=f"vm-{n}", state="Running") for n in range(3000)]
    env = EnvironmentRef("c", "e")
    app = Host()
    async with app.run_test(size=(100, 20)) as pilot:
        loop = asyncio.get_running_loop()
        turns = [0]

        def tick() -> None:  # one a turn of the loop
            turns[0] += 1
            loop.call_soon(tick)

        tick()
        table = app.query_one(instance_table.InstanceTable)
        counted_in_turn: list[int] = []
        count = table._count

        def counting(instances: list[Instance], sign: int) -> None:
            if sign > 0 and len(instances) == instance_table.MEASURE_CHUNK:
                counted_in_turn.append(turns[0])
            count(instances, sign)

        monkeypatch.setattr(table, "_count", counting)
        table.view = EnvironmentView.of(env).with_instances(Grown({}, [(i.id, i) for i in page]), when=LOADED_AT)
        await measured_in_slices(table, pilot)
        assert not table._unmeasured
        assert len(counted_in_turn) >= 3000 // instance_table.MEASURE_CHUNK - 1
        assert len(set(counted_in_turn)) == len(counted_in_turn)  # never two slices in one turn
