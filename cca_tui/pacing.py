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
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import deque

# Background work a turn of the loop may run before the rest waits for the next turn. A
# slice is ~5-8 ms (see its callers): a turn runs one or two of them.
TURN_BUDGET = 0.008


class _Turn:
    """One event loop's background work in its current turn, and the slices waiting for a
    turn of their own (first come, first served: a load whose slice just ended queues behind
    one that waited)."""

    __slots__ = ("reset_pending", "spent", "waiters")

    def __init__(self) -> None:
        self.spent = 0.0
        self.reset_pending = False
        self.waiters: deque[asyncio.Future[None]] = deque()

    def schedule_reset(self, loop: asyncio.AbstractEventLoop) -> None:
        if not self.reset_pending:
            self.reset_pending = True
            loop.call_soon(self.reset)

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


async def wait_turn() -> None:
    """Return in a turn whose background work has not used its budget, after the slices
    that waited before this one (at once if this turn has room and none waits)."""
    loop, turn = _turn()
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


async def next_slice(started: float) -> float:
    """After a slice of background work begun at `started` (`time.perf_counter()`): count
    it, give the loop back, and return when the next slice may run, with its start time."""
    spend(time.perf_counter() - started)
    await asyncio.sleep(0)
    await wait_turn()
    return time.perf_counter()
