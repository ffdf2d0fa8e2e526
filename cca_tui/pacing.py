"""Background work shares each turn of the event loop, so that a key never waits for all of it.

A turn of asyncio's loop runs every step that is ready, one after the other. Work done in
slices (reading a page's rows, decoding a reply, building a list) gives the loop back
between slices, but when several loads' replies arrive together each of them reads its
slice in the same turn, then the screen shows what they read: a key pressed meanwhile
waited for all of it (stalls of 150-240 ms while a fleet of ten environments loaded).

Work in slices counts what each slice took (`spend`) and starts its next one with
`next_slice()`: once this turn's background work has used TURN_BUDGET, the next slice
waits for a later turn, where the keys and frames ready by then go first. One budget per
event loop (tests run many loops in one process).

Input goes first. Textual passes a key through several queues (the app's, the screen's, a
widget's) and paints its frame from a timer: each hop waits for the next turn, and each turn
ran a slice first. While a fleet's sort keys were read in the background, a move key took
165 ms to its frame in a real terminal instead of 15. So after a key, a click or a scroll
(`hold_for_input`), background slices wait INPUT_QUIET, or at most INPUT_HOLD_MAX when keys
keep coming (a key held down repeats faster than that: the background still moves).
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import deque

# Background work a turn of the loop may run before the rest waits for the next turn. A
# slice is ~5-8 ms (see its callers): a turn runs one or two of them.
TURN_BUDGET = 0.008
# How long background work waits after an input event (the handling of a key and its frame
# take 10-30 ms without background work; a filter letter in a fleet of 50,000 up to ~60).
INPUT_QUIET = 0.06
# The longest a slice waits for input to go quiet.
INPUT_HOLD_MAX = 0.25


class _Turn:
    """One event loop's background work in its current turn, and the slices waiting for a
    turn of their own (first come, first served: a load whose slice just ended queues behind
    one that waited)."""

    __slots__ = ("input_cpu", "input_ends", "input_opened", "quiet_until", "reset_pending", "spent", "waiters")

    def __init__(self) -> None:
        self.quiet_until = 0.0  # loop time before which background work waits for input
        # The loop thread's CPU time spent handling input: the windows closed so far, the
        # CPU clock when the open one began, and the timer that closes it.
        self.input_cpu = 0.0
        self.input_opened: float | None = None
        self.input_ends: asyncio.TimerHandle | None = None
        self.spent = 0.0
        self.reset_pending = False
        self.waiters: deque[asyncio.Future[None]] = deque()

    def schedule_reset(self, loop: asyncio.AbstractEventLoop) -> None:
        if not self.reset_pending:
            self.reset_pending = True
            # A timer due now, not `call_soon`. A turn of asyncio's loop runs what was made
            # ready before it began, then the timers that fell due, in the order they fell due;
            # a task a timer wakes runs in the turn after. Called soon, the reset woke the next
            # slice ahead of the tasks whose timers fell due during this one (Textual's frames,
            # a stall probe): two slices of 20 ms made one stall of 40.
            loop.call_at(loop.time(), self.reset)

    def count_input(self, loop: asyncio.AbstractEventLoop) -> None:
        """An input window opens (or goes on) for INPUT_QUIET from now: its CPU time is input's."""
        if self.input_opened is None:
            self.input_opened = time.thread_time()
        if self.input_ends is not None:
            self.input_ends.cancel()
        self.input_ends = loop.call_later(INPUT_QUIET, self.close_input_window)

    def close_input_window(self) -> None:
        if self.input_opened is not None:
            self.input_cpu += time.thread_time() - self.input_opened
        self.input_opened = self.input_ends = None

    def input_cpu_now(self) -> float:
        opened = self.input_opened
        return self.input_cpu + (time.thread_time() - opened if opened is not None else 0.0)

    def reset(self) -> None:
        """A new turn: nothing spent yet; the longest waiting slice may go."""
        self.spent = 0.0
        self.reset_pending = False
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return


_TURNS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Turn] = weakref.WeakKeyDictionary()


def _turn() -> tuple[asyncio.AbstractEventLoop, _Turn]:
    loop = asyncio.get_running_loop()
    turn = _TURNS.get(loop)
    if turn is None:
        turn = _TURNS[loop] = _Turn()
    return loop, turn


def spend(seconds: float) -> None:
    """Count `seconds` of background work against this turn of the loop (the count starts
    again at the next turn: a callback scheduled now runs first thing there)."""
    loop, turn = _turn()
    turn.spent += seconds
    turn.schedule_reset(loop)


def hold_for_input(loop: asyncio.AbstractEventLoop | None = None) -> None:
    """An input event arrived: background work waits until its handling has had INPUT_QUIET.
    From another thread (a terminal driver's input thread), with the loop to hold."""
    if loop is None:
        loop, turn = _turn()
        turn.count_input(loop)  # the loop's own thread: what it spends now is input's
    else:
        found = _TURNS.get(loop)
        if found is None:  # no background work has run in that loop yet: none to hold
            return
        turn = found
    # One float written (atomic under the GIL); loop.time() is the monotonic clock.
    turn.quiet_until = loop.time() + INPUT_QUIET


def release_input() -> None:
    """The input has been handled, and what it asked for is background work (ctrl+r: a
    refresh): that work goes now, not after INPUT_QUIET (ctrl+r's repaint came 60-100 ms
    later with the hold)."""
    _loop, turn = _turn()
    turn.quiet_until = 0.0
    if turn.input_ends is not None:
        turn.input_ends.cancel()
    turn.close_input_window()


def background_cpu_time() -> float:
    """The loop thread's CPU time (`time.thread_time()`) less what handling input took in
    the INPUT_QUIET after each input: what a refresh's cost is counted in, so that an
    operator browsing while rows load does not make refreshes look dearer (their cadence
    grew from 2.5 to 19 minutes while a key was held during a fleet's load)."""
    _loop, turn = _turn()
    return time.thread_time() - turn.input_cpu_now()


def input_quiet_in() -> float:
    """Seconds until background work may run again after input (0: now)."""
    loop, turn = _turn()
    return max(0.0, turn.quiet_until - loop.time())


async def _input_quiet(loop: asyncio.AbstractEventLoop, turn: _Turn, give_up: float) -> None:
    while (now := loop.time()) < (until := min(turn.quiet_until, give_up)):
        await asyncio.sleep(until - now)


async def wait_turn() -> None:
    """Return in a turn whose background work has not used its budget, after the slices
    that waited before this one (at once if this turn has room and none waits), and not
    while input is being handled (see hold_for_input), unless it waited INPUT_HOLD_MAX."""
    loop, turn = _turn()
    give_up = loop.time() + INPUT_HOLD_MAX
    while True:
        if loop.time() < turn.quiet_until:
            await _input_quiet(loop, turn, give_up)
        if turn.spent < TURN_BUDGET and not turn.waiters:
            return
        waiter: asyncio.Future[None] = loop.create_future()
        turn.waiters.append(waiter)
        turn.schedule_reset(loop)
        try:
            await waiter
        finally:
            # Whatever this slice does (or if it was cancelled), the next turn wakes the next one.
            turn.schedule_reset(loop)
        # Its turn came; input that arrived while it waited goes first all the same.
        if (now := loop.time()) >= turn.quiet_until or now >= give_up:
            return


async def next_slice(started: float) -> float:
    """After a slice of background work begun at `started` (`time.perf_counter()`): count
    it, give the loop back, and return when the next slice may run, with its start time."""
    spend(time.perf_counter() - started)
    await asyncio.sleep(0)
    await wait_turn()
    return time.perf_counter()
