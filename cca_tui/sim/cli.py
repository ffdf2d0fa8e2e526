"""`cca-tui sim`: run the simulator in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .options import DEMO_API_KEY, TASKLESS_OPERATIONS, SimOptions
from .seed import MAX_INSTANCES
from .server import SimServer


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


ADMIN_HELP = """\
admin endpoint (outside the API, same MC-Api-Key header, never delayed nor faulted):
  POST /_sim/churn  {"serviceCode": "compute-on", "environment": "production",
                     "share": 0.01, "seed": 1}
      changes that share of the environment's instances at once (in turn: stop or
      start, rename, move to another compute offering); answers
      {"changed": N, "ids": [...]}. Example:
      curl -X POST -H "MC-Api-Key: KEY" -d '{"serviceCode": "compute-on",
        "environment": "production", "share": 0.01}' http://127.0.0.1:8080/_sim/churn
"""


def _instance_count(text: str) -> int:
    value = _positive_int(text)
    if value > MAX_INSTANCES:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_INSTANCES}")
    return value


def add_sim_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = SimOptions()
    parser.epilog = ADMIN_HELP
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on, 0 for any (default: %(default)s)")
    parser.add_argument(
        "--instances",
        type=_instance_count,
        default=None,
        help=f"seed this many instances (up to {MAX_INSTANCES:,}) in the first environment, its networks"
        " sized to hold them (default: 12 per environment)",
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
    parser.add_argument("--api-key", default=DEMO_API_KEY, help="the key clients must send (default: the demo key)")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="seed of the world and of fault draws")


def options_from_args(args: argparse.Namespace) -> SimOptions:
    return SimOptions(
        api_key=args.api_key,
        task_delay=args.task_delay,
        page_cap=args.page_cap,
        instances=args.instances,
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
    server = SimServer(options_from_args(args), host=args.host, port=args.port)
    try:
        # Everything from here to the wait is inside the try: Ctrl-C can land at any
        # bytecode, including the prints, and must still end with a clean exit 0.
        try:
            server.start()
        except OSError as exc:
            print(f"cca-tui sim: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        print(f"cloud.ca simulator listening on {server.url}")
        print(f"API key: {server.api_key}")
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
