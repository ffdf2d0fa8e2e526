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
    parser.add_argument(
        "--env",
        metavar="SERVICE_CODE/ENV_NAME",
        help="open this environment directly; `all`, or a glob ('compute-on/prod*'), opens the matching ones together",
    )
    parser.add_argument("--refresh", type=float, metavar="SECONDS", help="refresh interval of the instance table")
    parser.add_argument("--api-url", metavar="URL", help="API base URL (default https://api.cloud.ca/v1)")
    parser.add_argument("--debug", action="store_true", help="more detail in the request log (log dir, requests.log)")
    parser.add_argument("--web", action="store_true", help="serve the app to a browser (textual-serve, loopback only)")
    parser.add_argument("--port", type=int, metavar="P", help="with --web: the port to serve on (default 8000)")
    parser.add_argument(
        "--web-host", metavar="ADDRESS", help="with --web: listen on this address instead of 127.0.0.1 (careful)"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    sim = commands.add_parser("sim", help="run the cloud.ca simulator on loopback")
    from cca_tui.sim.cli import add_sim_arguments

    add_sim_arguments(sim)
    return parser


def main(argv: list[str] | None = None) -> int:
    raw = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(raw)
    try:
        if args.command == "sim":
            from cca_tui.sim.cli import run_from_args

            return run_from_args(args)
        if args.web:
            return run_web(args, raw)
        if args.port is not None or args.web_host is not None:
            say("--port and --web-host go with --web")
            return 2
        return run_app(args)
    except KeyboardInterrupt:  # e.g. Ctrl-C while api_key_command waits on a password manager
        say("interrupted")
        return 130


def run_web(args: argparse.Namespace, raw: list[str]) -> int:
    from cca_tui.web import DEFAULT_WEB_PORT, serve

    port = args.port if args.port is not None else DEFAULT_WEB_PORT
    if not 0 < port < 65536:
        say(f"--port {port}: not a port number")
        return 2
    return serve(raw, host=args.web_host or "127.0.0.1", port=port)


def say(message: str) -> None:
    """Print one error message on stderr, its control characters shown as escapes.

    Messages quote paths, flags and environment values as given; an escape sequence
    among them must not reach the terminal.
    """
    from cca_tui.config.value_checks import escape_controls

    lines = str(message).split("\n")
    print("cca-tui: " + "\n".join(escape_controls(line) for line in lines), file=sys.stderr)


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

    from cca_tui.config.private_files import ensure_private_dir, prepare_private_file

    try:
        log_file = prepare_private_file(
            ensure_private_dir(platformdirs.user_log_path("cca-tui")) / "demo-simulator.log"
        )
        handler: logging.Handler = logging.FileHandler(log_file)
    except OSError:
        handler = logging.NullHandler()  # no log is better than log lines drawn over the UI
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "cca_tui.sim"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.propagate = False


def run_app(args: argparse.Namespace) -> int:
    from cca_tui.config import ConfigError, Settings, StateStore, load_settings, parse_environment_ref
    from cca_tui.config.value_checks import check_refresh_interval
    from cca_tui.fleet.scope import is_pattern

    if args.demo:
        # The demo has settings of its own (its simulator's URL and key): a flag that chooses
        # other settings would be ignored without a word.
        for flag, value in (("--config", args.config), ("--profile", args.profile), ("--api-url", args.api_url)):
            if value is not None:
                say(f"{flag}: not used with --demo (the demo runs on settings of its own)")
                return 2
    if args.env is not None and not (is_pattern(args.env) and args.env.isprintable()):
        try:
            parse_environment_ref(args.env)
        except ValueError as exc:
            say(f"--env: {exc}")
            return 2
    if args.refresh is not None:
        try:
            check_refresh_interval(args.refresh)  # also refuses nan and inf
        except ValueError as exc:
            say(f"--refresh {exc}")
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
            say(str(exc))
            return 2

    from cca_tui.requestlog import start_request_log
    from cca_tui.ui.app import CcaApp
    from cca_tui.ui.input_first import take_input_promptly

    start_request_log(debug=args.debug)
    # The demo remembers its environment in a state file of its own, not the operator's.
    state = StateStore(_demo_state_path()) if args.demo else StateStore()
    # The demo's simulator is new each run: its tasks of a previous run cannot be followed.
    journal = _demo_state_path().with_name("demo-tasks.json") if args.demo else None
    app = CcaApp(
        settings,
        state=state,
        environment=args.env,
        task_poll_interval=0.5 if args.demo else 1.0,
        journal_path=journal,
        history_file=_demo_state_path().with_name("demo-history.jsonl") if args.demo else None,
        resume_tasks=not args.demo,
    )
    take_input_promptly()
    try:
        app.run()
    finally:
        if server is not None:
            server.stop()
    return app.return_code or 0
