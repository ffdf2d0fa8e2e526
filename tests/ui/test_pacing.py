"""Background work in slices shares the event loop's turns (cca_tui/pacing.py): however many
loads have a slice ready, a turn runs at most two of them, and each load gets its turns in
the order it asked (none starves)."""

from __future__ import annotations

import asyncio
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
