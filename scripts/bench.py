"""Benchmarks: print numbers, judge nothing. Run: .venv/bin/python scripts/bench.py [--instances N]

- list: the client fetching every instance of a big environment through the simulator's
  page cap (real HTTP on loopback);
- table: the instance table applying a first load, then a refresh where a few rows changed
  state, then a refresh with nothing changed (the steady state of the live table);
- memory: Python heap held by the app after the big load (tracemalloc).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from scenes import scene_app

from cca_tui.api.client import CloudCAClient
from cca_tui.sim.options import SimOptions
from cca_tui.sim.server import SimServer
from cca_tui.ui.widgets.instance_table import InstanceTable

ENVIRONMENT = ("compute-on", "production")


async def bench_list(sim, repeats: int) -> list:
    timings = []
    async with CloudCAClient(sim.url, sim.api_key) as api:
        compute = api.compute(*ENVIRONMENT)
        for _ in range(repeats):
            started = time.perf_counter()
            instances = await compute.list_instances()
            timings.append(time.perf_counter() - started)
    print(
        f"list     {len(instances)} instances, page cap {sim.world.options.page_cap}: "
        f"median {statistics.median(timings) * 1000:.0f} ms, min {min(timings) * 1000:.0f} ms over {repeats}"
    )
    return instances


async def bench_table(sim, instances: list, repeats: int, *, trace_memory: bool = False) -> None:
    if trace_memory:
        tracemalloc.start()
    app = scene_app(sim, environment=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = InstanceTable()
        await app.screen.mount(table)
        await pilot.pause()

        started = time.perf_counter()
        table.set_instances(instances)
        first = time.perf_counter() - started
        await pilot.pause()

        changed, unchanged = [], []
        for round_ in range(repeats):
            flipped = [
                i.model_copy(update={"state": "Stopping" if (n + round_) % 100 == 0 else i.state})
                for n, i in enumerate(instances)
            ]
            started = time.perf_counter()
            table.set_instances(flipped)
            changed.append(time.perf_counter() - started)
            started = time.perf_counter()
            table.set_instances(flipped)
            unchanged.append(time.perf_counter() - started)
            await pilot.pause()
        if trace_memory:
            current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(
                f"memory   traced heap with {len(instances)} rows loaded: {current / 2**20:.1f} MiB (peak {peak / 2**20:.1f} MiB)"
            )
            return
    print(f"table    first load of {len(instances)} rows: {first * 1000:.0f} ms")
    print(f"table    refresh with 1% of rows changed: median {statistics.median(changed) * 1000:.0f} ms")
    print(f"table    refresh with nothing changed: median {statistics.median(unchanged) * 1000:.0f} ms")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=5000)
    parser.add_argument("--page-cap", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with SimServer(SimOptions(task_delay=0, instances=args.instances, page_cap=args.page_cap)) as sim:
        instances = await bench_list(sim, args.repeats)
        await bench_table(sim, instances, args.repeats)
        # A second pass under tracemalloc, which slows everything: its timings are not printed.
        await bench_table(sim, instances, 1, trace_memory=True)


if __name__ == "__main__":
    asyncio.run(main())
