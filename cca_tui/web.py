"""`cca-tui --web`: the same app in a browser, served by textual-serve on loopback.

Each browser tab gets its own cca-tui process (textual-serve runs the command per
session), started with the same options minus the web ones. The server listens on
127.0.0.1 unless `--web-host` says otherwise: anyone who can reach the port gets the app
with the operator's key behind it.
"""

from __future__ import annotations

import shlex
import sys

from cca_tui.config.value_checks import is_loopback_host

DEFAULT_WEB_PORT = 8000
WEB_FLAGS_WITH_VALUE = ("--port", "--web-host")


def app_command(argv: list[str]) -> str:
    """The shell command textual-serve runs for each browser session: this program with the
    same arguments, less the web ones."""
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--web":
            continue
        if arg in WEB_FLAGS_WITH_VALUE:
            skip = True
            continue
        if any(arg.startswith(flag + "=") for flag in WEB_FLAGS_WITH_VALUE):
            continue
        kept.append(arg)
    return shlex.join([sys.executable, "-m", "cca_tui", *kept])


def serve(argv: list[str], *, host: str, port: int) -> int:
    from textual_serve.server import Server

    if not is_loopback_host(host):
        print(f"cca-tui: serving on {host}: anyone who reaches this port acts with your API key", file=sys.stderr)
    print(f"cca-tui: open http://{host}:{port} in a browser (Ctrl+C stops)", file=sys.stderr)
    Server(app_command(argv), host=host, port=port, title="cca-tui").serve()
    return 0
