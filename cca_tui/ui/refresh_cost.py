"""What one environment's refresh costs this process, when several load at once.

The refresh cadence grows with the cost of a refresh (a refresh may use a bounded share of
the time between two). The cost is CPU time of the event loop's thread, the only place the
app's work runs; but in a fleet several environments load at the same time on that one
thread, and the thread's CPU time over one load's window holds the others' work too: each
environment was charged for up to four, and its interval grew to minutes. `SharedCpu`
shares the thread's CPU time out among the loads running at each moment, equally (as a
processor shared by N runs gives each 1/N): the charges of all loads add up to the CPU time
used while any ran, and a load alone is charged all of it, as before.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class SharedCpu:
    clock: Callable[[], float] = time.thread_time
    _running: int = 0
    _last: float = 0.0
    # What each load running since the start was charged: a load's cost is the growth of
    # this figure while it ran.
    _per_load: float = 0.0

    def _advance(self) -> None:
        now = self.clock()
        if self._running:
            self._per_load += (now - self._last) / self._running
        self._last = now

    def start(self) -> CpuBill:
        """A load begins: its bill runs until `stop`."""
        self._advance()
        self._running += 1
        return CpuBill(self, self._per_load)

    def _stop(self, bill: CpuBill) -> float:
        self._advance()
        self._running -= 1
        return self._per_load - bill.opened_at


@dataclass
class CpuBill:
    """One load's share of the thread's CPU time; `stop` closes it (again: the same figure)."""

    meter: SharedCpu
    opened_at: float
    _cost: float | None = field(default=None)

    def stop(self) -> float:
        if self._cost is None:
            self._cost = self.meter._stop(self)
        return self._cost
