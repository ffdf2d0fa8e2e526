"""The environment picker on its own (a bare host app): any name opens, and it recovers by itself."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Static

from cca_tui.api.client import CloudCAClient
from cca_tui.sim.server import SimServer
from cca_tui.ui.screens.picker import PickerScreen
from tests.typed import not_none
from tests.ui.conftest import PickerHostFactory, WaitUntil


def status_of(picker: PickerScreen) -> str:
    return str(picker.query_one("#picker-status", Static).render())


def names_shown(picker: PickerScreen) -> list[str]:
    """The environments listed (after the first row, "All environments")."""
    table = picker.query_one(DataTable)
    rows = [str(table.get_row_at(row)[0]) for row in range(table.row_count)]
    assert not rows or rows[0].startswith("All environments")
    return rows[1:]


class QuickRetryPicker(PickerScreen):
    RETRY_FIRST = 0.05
    RETRY_MAX = 0.2


async def test_recovers_by_itself_when_the_api_comes_back(
    sim: SimServer, sim_client: CloudCAClient, picker_host: PickerHostFactory, wait_until: WaitUntil
) -> None:
    """Was: the error stayed until ctrl+r. Now it retries with a growing delay."""
    sim.offline = True
    picker = QuickRetryPicker()
    app = picker_host(sim_client, picker)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: "trying again" in status_of(picker), "the picker says it will retry")
        assert picker.query_one(DataTable).row_count == 0
        first = not_none(picker.retry_delay)
        await wait_until(
            pilot, lambda: picker.retry_delay is not None and picker.retry_delay > first, "the delay grows"
        )
        await wait_until(pilot, lambda: picker.retry_delay == QuickRetryPicker.RETRY_MAX, "the delay is capped")
        sim.offline = False
        await wait_until(pilot, lambda: picker.query_one(DataTable).row_count > 0, "the environments are listed")
        assert "environments" in status_of(picker) and "trying again" not in status_of(picker)
        assert picker.retry_delay is None
        assert app.key_problems == []


async def test_the_first_retry_comes_after_the_first_delay(
    sim: SimServer, sim_client: CloudCAClient, picker_host: PickerHostFactory, wait_until: WaitUntil
) -> None:
    """The default delays: the first retry waits RETRY_FIRST, no busy loop against a dead API."""
    sim.offline = True
    picker = PickerScreen()
    app = picker_host(sim_client, picker)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: "trying again in 2 s" in status_of(picker), "the first delay is shown")
        assert picker.retry_delay == PickerScreen.RETRY_FIRST
        sim.offline = False
        await pilot.press("ctrl+r")  # now, without waiting
        await wait_until(pilot, lambda: picker.query_one(DataTable).row_count > 0, "ctrl+r loads at once")


async def test_burst_and_paste_into_the_filter_keep_every_letter(
    sim: SimServer, sim_client: CloudCAClient, picker_host: PickerHostFactory, wait_until: WaitUntil
) -> None:
    picker = PickerScreen()
    app = picker_host(sim_client, picker)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: picker.query_one(DataTable).row_count > 0, "the environments are listed")
        driver = app._driver
        assert driver is not None
        from textual import events

        for char in "produc":  # all at once, as a terminal delivers a fast burst
            driver.send_message(events.Key(char, char))
        driver.send_message(events.Paste("tion\n"))
        await wait_until(pilot, lambda: picker.query_one(Input).value == "production", "the filter holds it all")
        assert names_shown(picker) == ["production"]


class PaintsBeforeMeasuring(PickerScreen):
    """The race seen in 2 of 5 fresh starts: the screen paints the new rows before the table's
    idle pass has measured them. Painting here, right after the rows are added, makes it happen
    every time instead of by chance."""

    def _fill(self) -> None:
        super()._fill()
        table = self.query_one(DataTable)
        for y in range(table.row_count + 1):
            table.render_line(y)


async def test_columns_fit_their_cells_when_painted_before_the_table_measured_them(
    sim: SimServer, sim_client: CloudCAClient, picker_host: PickerHostFactory, wait_until: WaitUntil
) -> None:
    """Was: the Code and Status columns stayed at header width ("comp", "unreac") because the
    table kept the lines it had cut before widening its columns."""
    with sim.world.lock:
        sim.world.connections[0].reachable = False
    picker = PaintsBeforeMeasuring()
    app = picker_host(sim_client, picker)
    async with app.run_test(size=(160, 30)) as pilot:
        table = picker.query_one(DataTable)
        await wait_until(pilot, lambda: table.row_count > 0, "the environments are listed")
        drawn = ""

        def whole_cells_drawn() -> bool:
            nonlocal drawn
            drawn = app.export_screenshot().replace("&#160;", " ")
            return "compute-on" in drawn and "unreachable" in drawn

        try:
            await wait_until(pilot, whole_cells_drawn, "the Code and Status cells are drawn whole", limit=10)
        except AssertionError:
            cut = [word for word in (" comp ", " unreac ") if word in drawn]
            raise AssertionError(f"cells cut at header width: {cut}") from None
