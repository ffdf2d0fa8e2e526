"""A tiny HTTP/1.1 server on 127.0.0.1 whose every answer a test scripts, including the broken
ones a real server cannot be made to give on demand: a reply dripped a byte at a time, a
connection dropped after the request was read, a page that never ends.

    async def handler(request: FakeRequest) -> Reply | Drop:
        return Reply(200, {"data": []})

    async with FakeServer(handler) as server:
        client = CloudCAClient(server.url, KEY)

It runs in the test's own event loop. Every connection serves one request and closes.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

MAX_HEADER_LINES = 100


@dataclass(frozen=True)
class FakeRequest:
    method: str
    path: str  # without the query string, e.g. "/v1/tasks/abc"
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def int_param(self, name: str, default: int) -> int:
        value = self.query.get(name, "")
        return int(value) if value.isdigit() else default


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # bytes as they are, anything else as JSON; None: empty body
    headers: dict[str, str] = field(default_factory=dict)
    drip: float | None = None  # seconds between single bytes of the body
    chunked: bool = False  # no Content-Length: the body in chunks of 4 KiB

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode()


@dataclass
class Drop:
    """Read the request, then close the connection without a byte of reply."""


Handler = Callable[[FakeRequest], Awaitable[Reply | Drop] | Reply | Drop]

REASONS = {200: "OK", 204: "No Content", 404: "Not Found", 429: "Too Many Requests", 503: "Service Unavailable"}


class FakeServer:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[FakeRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.hung_up = 0  # requests whose client closed the connection before the answer
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def __aenter__(self) -> FakeServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            request = await _read_request(reader)
            if request is None:
                return
            self.requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                outcome = await self._answer(request, reader)
            finally:
                self.in_flight -= 1
            if outcome is None or isinstance(outcome, Drop):
                return
            await _write_reply(writer, outcome)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the client went away, or the server is stopping
        finally:
            self._connections.discard(task)
            writer.close()

    async def _answer(self, request: FakeRequest, reader: asyncio.StreamReader) -> Reply | Drop | None:
        """The handler's answer, or None if the client hung up first (counted in hung_up)."""

        async def run() -> Reply | Drop:
            outcome = self.handler(request)
            return await outcome if inspect.isawaitable(outcome) else outcome

        answer = asyncio.ensure_future(run())
        hangup = asyncio.ensure_future(reader.read(1))  # the client sends nothing more but EOF
        try:
            await asyncio.wait({answer, hangup}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            hangup.cancel()
            if not answer.done():
                answer.cancel()
                self.hung_up += 1
        await asyncio.gather(hangup, return_exceptions=True)
        if answer.cancelled():
            return None
        return answer.result()


async def _read_request(reader: asyncio.StreamReader) -> FakeRequest | None:
    line = await reader.readline()
    if not line:
        return None
    method, target, _ = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADER_LINES):
        raw = await reader.readline()
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    body = await reader.readexactly(length) if length else b""
    parts = urlsplit(target)
    return FakeRequest(method, parts.path, dict(parse_qsl(parts.query)), headers, body)


async def _write_reply(writer: asyncio.StreamWriter, reply: Reply) -> None:
    body = reply.encoded()
    headers = {"Content-Type": "application/json", "Connection": "close"}
    if reply.chunked:
        headers["Transfer-Encoding"] = "chunked"
    else:
        headers["Content-Length"] = str(len(body))
    headers.update(reply.headers)
    head = f"HTTP/1.1 {reply.status} {REASONS.get(reply.status, 'Whatever')}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    writer.write(head.encode("latin-1"))
    if reply.chunked:
        for start in range(0, len(body), 4096):
            piece = body[start : start + 4096]
            writer.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return
    if reply.drip is None:
        writer.write(body)
        await writer.drain()
        return
    await writer.drain()
    for index in range(len(body)):
        writer.write(body[index : index + 1])
        await writer.drain()
        await asyncio.sleep(reply.drip)
