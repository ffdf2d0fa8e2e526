"""`cca-tui`: the command line. Loads settings, starts the demo simulator if asked, runs the app.

cca-tui                      the configured profile
cca-tui --demo               an embedded simulator on a free loopback port
cca-tui --env compute-on/test_area
cca-tui sim --port 8080      the simulator alone, for scripts and other clients
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cca_tui import __version__

# Simulated tasks take about this long in the demo, so an operator sees Starting/Stopping.
DEMO_TASK_DELAY = 1.0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cca-tui", description="A terminal UI for the cloud.ca compute API.")
    parser.add_argument("--version", action="version", version=f"cca-tui {__version__}")
    parser.add_argument("--demo", action="store_true", help="run against an embedded simulator (no account needed)")
    parser.add_argument("--config", type=Path, metavar="PATH", help="config file (default: the user config dir)")
    parser.add_argument("--profile", metavar="NAME", help="profile of the config file to use")
    parser.add_argument("--env", metavar="SERVICE_CODE/ENV_NAME", help="open this environment directly")
    parser.add_argument("--refresh", type=float, metavar="SECONDS", help="refresh interval of the instance table")
    parser.add_argument("--api-url", metavar="URL", help="API base URL (default https://api.cloud.ca/v1)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    sim = commands.add_parser("sim", help="run the cloud.ca simulator on loopback")
    from cca_tui.sim.cli import add_sim_arguments

    add_sim_arguments(sim)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "sim":
        from cca_tui.sim.cli import run_from_args

        return run_from_args(args)
    return run_app(args)


def _demo_state_path() -> Path:
    import platformdirs

    return platformdirs.user_state_path("cca-tui") / "demo-state.json"


def _send_simulator_logs_to_file() -> None:
    """The embedded simulator's log lines would be drawn over the TUI: write them to a file.

    uvicorn bound its handlers to the real stderr before the app started, out of reach of
    Textual's capture of print output.
    """
    import logging

    import platformdirs

    log_dir = platformdirs.user_log_path("cca-tui")
    log_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_dir / "demo-simulator.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "cca_tui.sim"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.propagate = False


def run_app(args: argparse.Namespace) -> int:
    from cca_tui.config import ConfigError, Settings, StateStore, load_settings, parse_environment_ref

    if args.env:
        try:
            parse_environment_ref(args.env)
        except ValueError as exc:
            print(f"cca-tui: --env: {exc}", file=sys.stderr)
            return 2
    if args.refresh is not None and not args.refresh >= 1:  # also refuses nan
        print("cca-tui: --refresh must be at least 1 second", file=sys.stderr)
        return 2

    server = None
    if args.demo:
        from pydantic import SecretStr

        from cca_tui.sim.options import SimOptions
        from cca_tui.sim.server import SimServer

        server = SimServer(SimOptions(task_delay=DEMO_TASK_DELAY)).start()
        _send_simulator_logs_to_file()
        settings = Settings(
            profile_name="demo",
            api_url=server.url,
            api_key=SecretStr(server.api_key),
            api_key_source="demo simulator",
            refresh_interval=args.refresh if args.refresh is not None else 5.0,
        )
    else:
        try:
            settings = load_settings(
                config_path=args.config, profile=args.profile, api_url=args.api_url, refresh_interval=args.refresh
            )
        except ConfigError as exc:
            print(f"cca-tui: {exc}", file=sys.stderr)
            return 2

    from cca_tui.ui.app import CcaApp

    # The demo remembers its environment in a state file of its own, not the operator's.
    state = StateStore(_demo_state_path()) if args.demo else StateStore()
    app = CcaApp(settings, state=state, environment=args.env, task_poll_interval=0.5 if args.demo else 1.0)
    try:
        app.run()
    finally:
        if server is not None:
            server.stop()
    return app.return_code or 0
