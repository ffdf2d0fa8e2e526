"""Background work in slices shares the event loop's turns (cca_tui/pacing.py): however many
loads have a slice ready, a turn runs at most two of them, and each load gets its turns in
the order it asked (none starves)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from cca_tui import pacing


class TurnCounter:
    """Counts the turns of the running loop: a callback that schedules itself runs once a turn."""

    def __init__(self) -> None:
        self.turn = 0
        self._loop = asyncio.get_running_loop()
        self._handle = self._loop.call_soon(self._tick)

    def _tick(self) -> None:
        self.turn += 1
        self._handle = self._loop.call_soon(self._tick)

    def stop(self) -> None:
        self._handle.cancel()


async def test_slices_of_several_loads_share_the_turns_fairly() -> None:
    turns = TurnCounter()
    ran: list[tuple[int, str]] = []

    async def load(name: str, slices: int) -> None:
        await pacing.wait_turn()
        for _ in range(slices):
            ran.append((turns.turn, name))
            pacing.spend(pacing.TURN_BUDGET)  # a slice that uses a whole turn's budget
            await asyncio.sleep(0)
            await pacing.wait_turn()

    await asyncio.gather(*(load(name, 6) for name in "abcd"))
    turns.stop()
    per_turn = Counter(turn for turn, _name in ran)
    assert max(per_turn.values()) <= 2, per_turn  # without pacing: all four loads in each turn
    # Each load's slices come in turn with the others': none waits for another to finish.
    last_of = {name: max(n for n, (_turn, who) in enumerate(ran) if who == name) for name in "abcd"}
    first_of = {name: min(n for n, (_turn, who) in enumerate(ran) if who == name) for name in "abcd"}
    assert max(first_of.values()) < min(last_of.values()), ran


async def test_a_cancelled_waiter_does_not_hold_up_the_others() -> None:
    pacing.spend(pacing.TURN_BUDGET)
    waiting = [asyncio.ensure_future(pacing.wait_turn()) for _ in range(3)]
    waiting[0].cancel()
    await asyncio.wait_for(asyncio.gather(*waiting[1:]), timeout=5)


async def test_a_task_a_timer_woke_during_a_slice_runs_before_the_next_slice() -> None:
    """Textual draws its frames from tasks that sleep on a timer: a slice that used the turn's
    budget lets them go first, not only the callbacks made ready before it ended."""
    ran: list[str] = []

    async def frame() -> None:
        await asyncio.sleep(0.001)
        ran.append("frame")

    await pacing.wait_turn()
    drawing = asyncio.ensure_future(frame())
    await asyncio.sleep(0)  # the frame's timer is set
    started = time.perf_counter()
    while time.perf_counter() - started < 0.02:  # a slice of 20 ms: the timer falls due meanwhile
        pass
    await pacing.next_slice(started)
    ran.append("next slice")
    await drawing
    assert ran == ["frame", "next slice"]


# --- input first ---------------------------------------------------------------------------


async def test_after_input_background_work_waits_for_the_input_to_be_handled() -> None:
    loop = asyncio.get_running_loop()
    pacing.hold_for_input()
    held_until = loop.time() + pacing.INPUT_QUIET
    await pacing.wait_turn()
    assert loop.time() >= held_until - 0.001  # (the loop's clock is read twice)


async def test_a_slice_already_waiting_for_its_turn_waits_for_input_too() -> None:
    """A page whose decoding waited for a turn when the key came does not run in the key's turns."""
    loop = asyncio.get_running_loop()

    async def slice_then_the_next() -> None:
        pacing.spend(pacing.TURN_BUDGET)  # this turn's budget used: the next slice is queued
        await pacing.wait_turn()

    waiting = asyncio.ensure_future(slice_then_the_next())
    await asyncio.sleep(0)  # it ran its slice and queued for a turn
    assert not waiting.done()
    pacing.hold_for_input()
    held_until = loop.time() + pacing.INPUT_QUIET
    await waiting
    assert loop.time() >= held_until - 0.001


async def test_keys_held_down_do_not_stop_background_work() -> None:
    """Keys that repeat faster than INPUT_QUIET: a slice still runs after INPUT_HOLD_MAX."""
    stop = asyncio.Event()

    async def key_repeat() -> None:
        while not stop.is_set():
            pacing.hold_for_input()
            await asyncio.sleep(pacing.INPUT_QUIET / 4)

    repeating = asyncio.ensure_future(key_repeat())
    try:
        await asyncio.wait_for(pacing.wait_turn(), timeout=30)
    finally:
        stop.set()
        await repeating


async def test_input_read_by_another_thread_holds_the_loop_it_names() -> None:
    """The terminal driver reads keys in a thread of its own: it holds the app's loop."""
    loop = asyncio.get_running_loop()
    pacing.spend(0.0)  # background work has run in this loop

    def read_a_key() -> float:
        pressed = loop.time()
        pacing.hold_for_input(loop)
        return pressed

    pressed = await loop.run_in_executor(None, read_a_key)
    await pacing.wait_turn()
    assert loop.time() >= pressed + pacing.INPUT_QUIET - 0.001


async def test_the_cpu_time_of_handling_input_is_not_background_work() -> None:
    """A refresh's cost is counted in background_cpu_time: CPU spent in the window after an
    input (the key's handling) is left out of it; outside such windows it runs as the
    thread's CPU clock does."""

    def busy(seconds: float) -> None:
        start = time.thread_time()
        while time.thread_time() - start < seconds:
            pass

    loop = asyncio.get_running_loop()
    before = pacing.background_cpu_time()
    busy(0.02)
    assert pacing.background_cpu_time() - before >= 0.02
    before = pacing.background_cpu_time()
    pacing.hold_for_input()  # from the loop's thread: a key the app handles now
    busy(0.03)  # the key's handling
    assert pacing.background_cpu_time() - before < 0.01
    window_ends = loop.time() + pacing.INPUT_QUIET
    while loop.time() < window_ends + 0.01:  # the window closes on a timer of the loop
        await asyncio.sleep(0.01)
    before = pacing.background_cpu_time()
    busy(0.02)
    assert pacing.background_cpu_time() - before >= 0.02


async def test_input_that_asks_for_background_work_releases_it() -> None:
    """ctrl+r: the refresh is what the operator waits for; it does not wait INPUT_QUIET."""
    loop = asyncio.get_running_loop()
    pacing.hold_for_input()
    assert pacing.input_quiet_in() > 0
    pacing.release_input()
    assert pacing.input_quiet_in() == 0
    before = pacing.background_cpu_time()
    start = time.thread_time()
    while time.thread_time() - start < 0.02:  # the refresh's work: background again
        pass
    assert pacing.background_cpu_time() - before >= 0.02
    asked = loop.time()
    await pacing.wait_turn()
    assert loop.time() - asked < pacing.INPUT_QUIET
