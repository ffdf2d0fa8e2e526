"""`cca-tui --web`: the same app in a browser, served by textual-serve on loopback.

Each browser tab gets its own cca-tui process (textual-serve runs the command per
session), started with the same options minus the web ones. The server listens on
127.0.0.1 unless `--web-host` says otherwise: anyone who can reach the port gets the app
with the operator's key behind it.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web

    Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

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


def served_hosts(host: str, port: int) -> frozenset[str]:
    """The `Host` values (lower-cased, with the port) under which this server is addressed:
    the one it listens on, and for loopback every name of loopback."""
    names = {f"[{host}]" if ":" in host and not host.startswith("[") else host.lower()}  # IPv6 goes in brackets
    if is_loopback_host(host):
        names |= {"127.0.0.1", "localhost", "[::1]"}
    return frozenset(f"{name}:{port}" for name in names)


def cross_site_refusal(headers: Mapping[str, str], hosts: frozenset[str]) -> str | None:
    """Why a request must be refused, or None. textual-serve checks neither: any web page in
    the operator's browser could open `ws://127.0.0.1:8000/ws` (a WebSocket is not held to the
    same-origin rule) and drive a cca-tui with the operator's key, or reach it under a
    hostname of its own that resolves to 127.0.0.1 (DNS rebinding). So the `Host` must be
    one we serve, and a browser's `Origin`, when sent, one of ours too."""
    host = headers.get("Host", "").lower()
    if host not in hosts:
        return "not served under this host name"
    origin = headers.get("Origin")
    if origin is not None and origin.lower().removeprefix("http://") not in hosts:
        return "a page of another site may not use this server"
    return None


def serve(argv: list[str], *, host: str, port: int) -> int:
    from aiohttp import web
    from textual_serve.server import Server

    hosts = served_hosts(host, port)

    @web.middleware
    async def same_site_only(request: web.Request, handler: Handler) -> web.StreamResponse:
        refusal = cross_site_refusal(request.headers, hosts)
        if refusal is not None:
            return web.Response(status=403, text=f"cca-tui: refused: {refusal}\n")
        return await handler(request)

    class GuardedServer(Server):
        async def _make_app(self) -> web.Application:
            app: web.Application = await super()._make_app()
            app.middlewares.append(same_site_only)
            return app

    if not is_loopback_host(host):
        print(f"cca-tui: serving on {host}: anyone who reaches this port acts with your API key", file=sys.stderr)
    print(f"cca-tui: open http://{host}:{port} in a browser (Ctrl+C stops)", file=sys.stderr)
    GuardedServer(app_command(argv), host=host, port=port, title="cca-tui").serve()
    return 0
