"""The simulator stands alone: no UI, no client code, and a CLI that exits cleanly."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys

from cca_tui.sim.cli import add_sim_arguments, options_from_args
from cca_tui.sim.options import DEMO_API_KEY
from cca_tui.sim.server import SimServer


def test_sim_imports_neither_textual_nor_the_client() -> None:
    code = (
        "import sys, cca_tui.sim.server, cca_tui.sim.cli\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith(('textual.', 'cca_tui.api')))\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_cli_flags_map_onto_options() -> None:
    parser = argparse.ArgumentParser()
    add_sim_arguments(parser)
    args = parser.parse_args(
        [
            "--port",
            "0",
            "--instances",
            "50",
            "--page-cap",
            "10",
            "--task-delay",
            "0.5",
            "--latency",
            "0.1",
            "--error-rate",
            "0.2",
            "--drop-rate",
            "0.05",
            "--throttle-rate",
            "0.1",
            "--seed",
            "9",
        ]
    )
    options = options_from_args(args)
    assert (args.host, args.port) == ("127.0.0.1", 0)
    assert (options.instances, options.page_cap, options.task_delay, options.latency) == (50, 10, 0.5, 0.1)
    assert (options.error_rate, options.drop_rate, options.throttle_rate, options.seed) == (0.2, 0.05, 0.1, 9)
    assert options.api_key == DEMO_API_KEY
    assert parser.parse_args([]).port == 8080


def test_cli_prints_url_and_key_and_exits_0_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "cca_tui.sim.cli", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Background children may inherit an ignored SIGINT; give this one the default.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.default_int_handler),
    )
    assert process.stdout is not None
    first_line = process.stdout.readline()
    assert first_line.startswith("cloud.ca simulator listening on http://127.0.0.1:")
    assert DEMO_API_KEY in process.stdout.readline()
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert "Traceback" not in err


def test_forbidden_environment_answers_403(sim: SimServer) -> None:
    import httpx

    sim.world.forbid_environment("compute-on", "test_area")
    reply = httpx.get(f"{sim.url}/services/compute-on/test_area/instances", headers={"MC-Api-Key": sim.api_key})
    assert reply.status_code == 403
    assert reply.json()["errors"][0]["code"] == 1003
    other = httpx.get(f"{sim.url}/services/compute-on/production/instances", headers={"MC-Api-Key": sim.api_key})
    assert other.status_code == 200
