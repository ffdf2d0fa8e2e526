"""A simulator whose every name is hostile, for trying the app by hand.

    .venv/bin/python scripts/hostile_sim.py --port 8099 &
    CCA_API_URL=http://127.0.0.1:8099/v1 CCA_API_KEY=<printed key> .venv/bin/cca-tui

Uses the corpus of tests/ui/hostile.py: markup, escape sequences, bidi marks, long and empty
names, in every field the app shows.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

# The corpus lives with the tests (the package `tests`, from the repository's root).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cca_tui.sim.options import SimOptions
from cca_tui.sim.server import SimServer
from tests.ui.hostile import plant_world


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8099)
    args = parser.parse_args()
    server = SimServer(SimOptions(task_delay=1.0), port=args.port).start()
    plant_world(server.world)
    print(f"hostile simulator on {server.url} (key: {server.api_key})", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
