"""Where the event loop stalls: a sampling watchdog for the benchmark (`scale.py --trace-stalls`).

A heartbeat task on the loop stamps the time every millisecond; a thread looks every 2 ms
and, while the stamp is older than THRESHOLD, takes the loop thread's stack
(`sys._current_frames`). Each stall (one run of stale stamps) keeps its samples; `report`
prints the longest stalls with their most frequent frames (innermost first, in our code
and Textual's), which says what held the loop without a profiler installed.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from types import FrameType

THRESHOLD = 0.015  # a gap longer than this is sampled
SAMPLE_EVERY = 0.002


@dataclass
class Stall:
    started: float
    ended: float = 0.0
    samples: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def ms(self) -> float:
        return (self.ended - self.started) * 1000


def _stack(frame: FrameType | None) -> tuple[str, ...]:
    lines = []
    for summary in traceback.extract_stack(frame)[::-1]:
        where = summary.filename
        if "/cca_tui/" in where or "/textual/" in where or "/rich/" in where or "/pydantic" in where:
            short = where.split("/cca_tui/")[-1] if "/cca_tui/" in where else where.rsplit("/", 2)[-2:][-1]
            lines.append(f"{short}:{summary.lineno} {summary.name}")
    return tuple(lines[:12])


class StallTracer:
    def __init__(self) -> None:
        self.stalls: list[Stall] = []
        self._beat = time.perf_counter()
        self._loop_thread = threading.get_ident()
        self._stop = threading.Event()
        self._task: asyncio.Task[None] | None = None
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def start(self) -> None:
        async def beat() -> None:
            while True:
                self._beat = time.perf_counter()
                await asyncio.sleep(0.001)

        self._loop_thread = threading.get_ident()
        self._task = asyncio.get_running_loop().create_task(beat())
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()

    def _watch(self) -> None:
        current: Stall | None = None
        while not self._stop.is_set():
            time.sleep(SAMPLE_EVERY)
            now, beat = time.perf_counter(), self._beat
            if now - beat > THRESHOLD:
                if current is None or current.started != beat:
                    current = Stall(beat)
                    self.stalls.append(current)
                current.ended = now
                frame = sys._current_frames().get(self._loop_thread)
                current.samples.append(_stack(frame))
            elif current is not None:
                current = None

    def report(self, since: float = 0.0, until: float = float("inf"), top: int = 6, frames: int = 8) -> str:
        chosen = sorted((s for s in self.stalls if since <= s.started < until), key=lambda s: -s.ms)[:top]
        out = []
        for stall in chosen:
            out.append(f"--- stall {stall.ms:.0f} ms ({len(stall.samples)} samples)")
            inner: Counter[str] = Counter()
            for sample in stall.samples:
                for line in set(sample[:frames]):
                    inner[line] += 1
            for line, count in inner.most_common(frames * 2):
                out.append(f"  {count:3d}  {line}")
        return "\n".join(out)
