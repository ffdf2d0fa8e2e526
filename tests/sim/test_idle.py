"""An idle simulator leaves its process idle.

Pilot tests run the simulator in a thread of their own process, and Textual's pilot waits
after every key and pause until the process uses under 5 % of a core (`wait_for_idle`, at
most 1 s each time): a simulator that polls for its stop signal 200 times a second used
4-6 % on its own, so each key of a pilot test could wait a full second or two.
"""

from __future__ import annotations

import threading
import time

import httpx

from cca_tui.sim.server import SimServer

WINDOW = 1.0  # seconds of idleness measured: CPU time, which a busy machine does not inflate


def _thread_cpu(thread: threading.Thread) -> float:
    assert thread.ident is not None
    return time.clock_gettime(time.pthread_getcpuclockid(thread.ident))


def test_an_idle_simulator_uses_under_one_percent_of_a_core(sim: SimServer) -> None:
    [serving] = [t for t in threading.enumerate() if t.name == f"cca-sim:{sim.port}"]
    assert httpx.get(f"{sim.url}/environments", headers={"MC-Api-Key": sim.api_key}).status_code == 200
    cpu, wall = _thread_cpu(serving), time.monotonic()
    time.sleep(WINDOW)  # a measurement window, not a wait for something to happen
    used, elapsed = _thread_cpu(serving) - cpu, time.monotonic() - wall
    assert used < 0.01 * elapsed, f"the idle simulator used {used * 1000:.1f} ms of CPU in {elapsed:.2f} s"


def test_a_simulator_stops_when_told() -> None:
    server = SimServer().start()
    [serving] = [t for t in threading.enumerate() if t.name == f"cca-sim:{server.port}"]
    server.stop()
    assert not serving.is_alive()
