"""Fault injection, outermost around the app: latency, 503s, 429s and dropped connections.

Draws come from a Random seeded by the options, so a fault sequence replays
exactly for the same sequence of requests.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import SERVICE_UNAVAILABLE, THROTTLED, error_body
from .options import SimOptions


class ConnectionDropped(Exception):
    """Raised on purpose to make uvicorn close a connection in the middle of a reply."""


class _HideDeliberateDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


def silence_drop_logs() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _HideDeliberateDrops) for f in logger.filters):
        logger.addFilter(_HideDeliberateDrops())


async def drop_connection(send: Send) -> None:
    """Promise a body, send a fraction, then abort: the client sees a broken reply
    (httpx: RemoteProtocolError), not an HTTP status it could mistake for an answer."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
        }
    )
    await send({"type": "http.response.body", "body": b'{"data": [', "more_body": True})
    raise ConnectionDropped()


async def send_error(
    send: Send, status: int, code: int, message: str, extra_headers: list[tuple[bytes, bytes]]
) -> None:
    body = json.dumps(error_body(code, message)).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *extra_headers]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class FaultInjector:
    def __init__(self, app: ASGIApp, options: SimOptions, is_offline: Callable[[], bool]):
        self.app = app
        self.options = options
        self.is_offline = is_offline
        self.rng = random.Random(options.seed)
        silence_drop_logs()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sim/"):
            await self.app(scope, receive, send)  # the simulator's own admin paths: no faults
            return
        if self.is_offline():  # the transport normally drops these first; this catches requests already read
            await drop_connection(send)
        opts = self.options
        if opts.latency > 0:
            await asyncio.sleep(opts.latency)
        # One draw per request, split into consecutive bands: drop, error, throttle, pass.
        draw = self.rng.random()
        if draw < opts.drop_rate:
            await drop_connection(send)
        elif draw < opts.drop_rate + opts.error_rate:
            await send_error(send, 503, SERVICE_UNAVAILABLE, "The service is temporarily unavailable (simulated).", [])
        elif draw < opts.drop_rate + opts.error_rate + opts.throttle_rate:
            await send_error(
                send, 429, THROTTLED, "Too many requests (simulated); retry after 1 second.", [(b"retry-after", b"1")]
            )
        else:
            await self.app(scope, receive, send)
