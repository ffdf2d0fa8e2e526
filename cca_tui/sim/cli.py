"""`cca-tui sim`: run the simulator in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import ipaddress
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from .options import DEMO_API_KEY, MAX_ENVIRONMENTS, MAX_INSTANCES, TASKLESS_OPERATIONS, SimOptions

# The key clients must send, when not the demo key. Never a flag: the command line of a
# process is visible to every user in `ps` and lands in shell history.
ENV_SIM_API_KEY = "CCA_SIM_API_KEY"


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None


def _rate(text: str) -> float:
    value = _number(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _non_negative(text: str) -> float:
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def _positive_int(text: str) -> int:
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


ADMIN_HELP = """\
admin endpoint (outside the API, same MC-Api-Key header, never delayed nor faulted):
  POST /_sim/churn  {"serviceCode": "compute-on", "environment": "production",
                     "share": 0.01, "seed": 1}
      changes that share of the environment's instances at once (in turn: stop or
      start, rename, move to another compute offering); answers
      {"changed": N, "ids": [...]}. Without serviceCode and environment: every
      environment. Example:
      curl -X POST -H "MC-Api-Key: KEY" -d '{"serviceCode": "compute-on",
        "environment": "production", "share": 0.01}' http://127.0.0.1:8080/_sim/churn
"""


def _instance_count(text: str) -> int:
    value = _positive_int(text)
    if value > MAX_INSTANCES:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_INSTANCES}")
    return value


def _environment_count(text: str) -> int:
    value = _positive_int(text)
    if value > MAX_ENVIRONMENTS:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_ENVIRONMENTS}")
    return value


def _port(text: str) -> int:
    value = _integer(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 0 to 65535 (0: any free port), got {value}")
    return value


def _loopback_host(text: str) -> str:
    # The simulator accepts a published demo key: it must not be reachable from the network.
    try:
        loopback = text == "localhost" or ipaddress.ip_address(text).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise argparse.ArgumentTypeError(f"must be a loopback address such as 127.0.0.1 or localhost, got {text!r}")
    return text


class _RefuseKeyOnCommandLine(argparse.Action):
    """`--api-key` is gone: a key given as an argument shows in `ps` to every user."""

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        parser.error(
            f"--api-key is not accepted: a key on the command line is visible in `ps` and shell history. "
            f"Set the environment variable {ENV_SIM_API_KEY} instead."
        )


def add_sim_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = SimOptions()
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "--host", type=_loopback_host, default="127.0.0.1", help="loopback address to listen on (default: %(default)s)"
    )
    parser.add_argument("--port", type=_port, default=8080, help="port to listen on, 0 for any (default: %(default)s)")
    parser.add_argument(
        "--instances",
        type=_instance_count,
        default=None,
        help=f"seed this many instances (up to {MAX_INSTANCES:,}) in the first environment, its networks"
        " sized to hold them (default: 12 per environment); with --environments, spread over all",
    )
    parser.add_argument(
        "--environments",
        type=_environment_count,
        default=None,
        help=f"this many environments (up to {MAX_ENVIRONMENTS}) the key can see, across both service"
        " connections (default: the five seeded ones)",
    )
    parser.add_argument(
        "--page-cap", type=_positive_int, default=None, help="never return more than this many rows per page"
    )
    parser.add_argument(
        "--task-delay",
        type=_non_negative,
        default=defaults.task_delay,
        help="seconds an asynchronous task takes (default: %(default)s)",
    )
    parser.add_argument(
        "--latency",
        type=_non_negative,
        default=defaults.latency,
        help="seconds added to every request (default: %(default)s)",
    )
    parser.add_argument("--error-rate", type=_rate, default=0.0, help="share of requests answered 503")
    parser.add_argument("--drop-rate", type=_rate, default=0.0, help="share of requests whose connection drops")
    parser.add_argument("--throttle-rate", type=_rate, default=0.0, help="share of requests answered 429")
    parser.add_argument(
        "--task-ttl",
        type=_non_negative,
        default=defaults.task_ttl,
        help="seconds a task stays readable after it ends; then GET /tasks/{id} is 404 (default: %(default)s)",
    )
    parser.add_argument(
        "--rejected-key-status",
        type=int,
        choices=(401, 403),
        default=defaults.rejected_key_status,
        help="status of a missing or wrong key (default: %(default)s, as the reference lists)",
    )
    parser.add_argument(
        "--taskless-reply",
        choices=("204", "data"),
        default=None,
        help="answer " + ", ".join(TASKLESS_OPERATIONS) + " at once, with 204 or with {data} and no task",
    )
    parser.add_argument("--api-key", nargs="?", action=_RefuseKeyOnCommandLine, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=_integer, default=defaults.seed, help="seed of the world and of fault draws")
    parser.epilog = (
        f"The key clients must send is the demo key, or the value of {ENV_SIM_API_KEY} if set.\n\n" + ADMIN_HELP
    )


def sim_api_key(environ: Mapping[str, str] | None = None) -> str:
    """The key from CCA_SIM_API_KEY, else the demo key. Raises ValueError (never quoting it) if unusable."""
    value = (os.environ if environ is None else environ).get(ENV_SIM_API_KEY, "").strip()
    if not value:
        return DEMO_API_KEY
    if not all(" " < character <= "~" for character in value):
        raise ValueError(
            f"{ENV_SIM_API_KEY} contains spaces, control characters or non-ASCII characters; "
            "an HTTP header cannot carry it"
        )
    return value


def options_from_args(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> SimOptions:
    return SimOptions(
        api_key=sim_api_key(environ),
        task_delay=args.task_delay,
        page_cap=args.page_cap,
        instances=args.instances,
        environments=args.environments,
        latency=args.latency,
        error_rate=args.error_rate,
        drop_rate=args.drop_rate,
        throttle_rate=args.throttle_rate,
        seed=args.seed,
        task_ttl=args.task_ttl,
        rejected_key_status=args.rejected_key_status,
        taskless_reply=args.taskless_reply,
    )


def run_from_args(args: argparse.Namespace) -> int:
    try:
        options = options_from_args(args)
    except ValueError as exc:
        print(f"cca-tui sim: {exc}", file=sys.stderr)
        return 2
    from .server import SimServer  # uvicorn and starlette: only when the simulator runs

    server = SimServer(options, host=args.host, port=args.port)
    try:
        # Everything from here to the wait is inside the try: Ctrl-C can land at any
        # bytecode, including the prints, and must still end with a clean exit 0.
        try:
            server.start()
        except OSError as exc:
            print(f"cca-tui sim: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
            return 2  # like any other bad input: the port given cannot be used
        print(f"cloud.ca simulator listening on {server.url}")
        # A custom key is a secret of the operator's: say where it is, never print it.
        shown = server.api_key if server.api_key == DEMO_API_KEY else f"the value of {ENV_SIM_API_KEY}"
        print(f"API key: {shown}")
        print("Press Ctrl-C to stop.", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        with _interrupts_ignored():
            server.stop()
    print("simulator stopped")
    return 0


@contextmanager
def _interrupts_ignored() -> Iterator[None]:
    """A second Ctrl-C while shutting down should not turn a clean exit into a traceback."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def main(argv: list[str] | None = None) -> int:
    """Standalone entry (`python -m cca_tui.sim.cli`), handy before the lead wires `cca-tui sim`."""
    parser = argparse.ArgumentParser(prog="cca-tui sim", description="Run the cloud.ca API simulator.")
    add_sim_arguments(parser)
    return run_from_args(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
