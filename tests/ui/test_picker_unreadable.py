"""Environments the server sent that cannot be read are counted in the picker's status line,
as unreadable instance rows are on the instance screen: never "0 of 0 environments" for a
reply of six rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Static

from cca_tui.sim.server import SimServer
from cca_tui.ui.screens.picker import PickerScreen
from tests.ui.app_harness import SIZE, make_app, wait_until
from tests.ui.faulty_transport import Fault, FaultyTransport
from tests.ui.hostile import assert_terminal_clean, screen_text, terminal_output

JUNK: list[Any] = [None, 1, "[/]\x1b]0;x\x07", [], {"id": [1]}, {"id": "e-1", "name": {"x": 1}}]


def with_junk(payload: object) -> object:
    assert isinstance(payload, dict) and isinstance(payload["data"], list)
    return {**payload, "data": [*payload["data"], *JUNK]}


async def picker_status(sim: SimServer, tmp_path: Path, rewrite: Any) -> str:
    transport = FaultyTransport()
    transport.add(lambda r: Fault(rewrite=rewrite) if r.url.path.endswith("/environments") else None)
    app = make_app(sim, tmp_path, transport=transport)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, PickerScreen) and "of" in status_of(app.screen))
        await pilot.pause()
        assert_terminal_clean(terminal_output(app))
        assert app.is_running
        text = screen_text(app)
        assert status_of(app.screen).split(" · ")[0] in text
        return status_of(app.screen)


def status_of(screen: Any) -> str:
    return str(screen.query_one("#picker-status", Static).render())


async def test_unreadable_environments_are_counted(sim: SimServer, tmp_path: Path) -> None:
    status = await picker_status(sim, tmp_path, with_junk)
    assert status.startswith("4 of 4 environments"), status
    assert "6 environment rows the server sent could not be read" in status, status


async def test_only_unreadable_environments_say_so(sim: SimServer, tmp_path: Path) -> None:
    status = await picker_status(sim, tmp_path, lambda payload: {**payload, "data": JUNK})
    assert status.startswith("0 of 0 environments") and "6 environment rows" in status, status


async def test_a_clean_list_says_nothing_of_it(sim: SimServer, tmp_path: Path) -> None:
    status = await picker_status(sim, tmp_path, lambda payload: payload)
    assert status.startswith("4 of 4 environments") and "could not be read" not in status, status
