"""Starting the app for an environment imports what the app needs, not the simulator's server.

uvicorn and starlette (the simulator's HTTP server) cost every start about a quarter of a
second before the first frame; only `sim` and `--demo` need them.
"""

from __future__ import annotations

import subprocess
import sys

_PROBE = """
import sys
from cca_tui.cli import build_parser
build_parser().parse_args(["--env", "compute-on/production"])
import cca_tui.ui.app
print(",".join(sorted(name for name in ("uvicorn", "starlette", "cca_tui.sim.server") if name in sys.modules)))
"""


def test_the_command_line_and_the_app_leave_the_simulators_server_unimported() -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == ""
