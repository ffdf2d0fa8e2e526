"""An operator's input goes ahead of background work (cca_tui/ui/input_first.py): keys,
clicks and scrolls hold the loads' slices and the cyclic collector for a moment
(tests/ui/test_pacing.py and test_collector_pause.py show what a hold does); a pointer that
merely moves holds nothing."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.app import App
from textual.drivers.headless_driver import HeadlessDriver
from textual.message import Message

from cca_tui import pacing
from cca_tui.sim.server import SimServer
from cca_tui.ui import collector
from cca_tui.ui.input_first import holding_for_input
from cca_tui.ui.widgets.instance_table import InstanceTable
from tests.ui.app_harness import SIZE, instance_screen, make_app, settle, spy

ENV = "compute-on/production"


async def test_keys_and_clicks_hold_background_work_and_pointer_moves_do_not(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(sim, tmp_path, environment=ENV)
    # In a terminal, the platform's driver holds as it reads (the pilot has a driver of its own).
    assert app.driver_class is holding_for_input(App.get_driver_class(app))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot, rounds=3)
        screen = instance_screen(app)
        table = screen.query_one(InstanceTable)
        # A refresh's cost leaves out what handling input took (test_pacing.py shows how).
        assert screen._refresh_cpu.clock is pacing.background_cpu_time
        holds: list[object] = []
        spy(monkeypatch, pacing, "hold_for_input", lambda *args: holds.append(args))
        pauses: list[float] = []
        spy(monkeypatch, collector, "paused_for_input", pauses.append)
        await pilot.hover(InstanceTable, offset=(5, 3))
        await pilot.hover(InstanceTable, offset=(9, 4))
        await pilot.pause()
        assert holds == [] and pauses == []
        await pilot.press("down")
        assert len(holds) >= 1
        assert pauses and pauses[-1] == pacing.INPUT_QUIET  # the collector waits for the frame too
        holds.clear()
        await pilot.click(InstanceTable, offset=(5, 3))
        assert len(holds) >= 2  # the press and the release
        assert table.has_focus
        # ctrl+r asks for background work (a refresh): the key releases it at once.
        released: list[object] = []
        spy(monkeypatch, pacing, "release_input", lambda: released.append(True))
        await pilot.press("ctrl+r")
        assert released


class _StubApp:
    """What a driver needs of an app to hand a message on."""

    def __init__(self) -> None:
        self.received: list[Message] = []

    async def _post_message(self, message: Message) -> bool:
        self.received.append(message)
        return True


async def test_the_terminal_driver_holds_the_apps_loop_from_its_input_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    loop = asyncio.get_running_loop()
    app: Any = _StubApp()
    driver = holding_for_input(HeadlessDriver)(app, size=(80, 24))
    holds: list[tuple[tuple[object, ...], bool]] = []
    main = threading.main_thread()
    spy(monkeypatch, pacing, "hold_for_input", lambda *args: holds.append((args, threading.current_thread() is main)))

    def input_thread() -> None:
        driver.process_message(events.MouseMove(None, 3, 3, 0, 0, 0, False, False, False))
        driver.process_message(events.Key("down", None))

    await loop.run_in_executor(None, input_thread)

    async def handed_on() -> None:  # as a driver does
        while len(app.received) < 2:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(handed_on(), timeout=30)
    assert holds == [((loop,), False)]  # the key only, from the input thread, naming the app's loop
    assert holding_for_input(HeadlessDriver) is holding_for_input(HeadlessDriver)
