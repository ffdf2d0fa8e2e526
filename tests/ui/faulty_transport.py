"""An httpx transport in front of the simulator that breaks chosen requests the way networks do.

Real HTTP to the simulator on loopback; a rule can answer instead of it (429, 503, 404, a
rewritten task), or pass the request through and then lose the reply (the server did the
work, the client never hears of it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

Rule = Callable[[httpx.Request], "Fault | None"]


@dataclass
class Fault:
    # Answer with this status and body instead of the server (the server sees nothing).
    status: int | None = None
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)
    # With `status`: send the request to the server first (it does the work), then answer
    # `status` and `body` instead of its reply (a 500 after the work was done).
    pass_through: bool = False
    # Send the request to the server, then drop its reply.
    lose_reply: bool = False
    # Do not send it at all: the connection could not be made.
    refuse: bool = False
    # Pass it through, then rewrite the JSON reply.
    rewrite: Callable[[Any], object] | None = None  # given the reply's JSON


class FaultyTransport(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.rules: list[Rule] = []
        self.seen: list[str] = []

    def add(self, rule: Rule) -> None:
        self.rules.append(rule)

    def clear(self) -> None:
        self.rules.clear()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(f"{request.method} {request.url.path}")
        fault = next((f for f in (rule(request) for rule in self.rules) if f is not None), None)
        if fault is None:
            return await self.inner.handle_async_request(request)
        if fault.refuse:
            raise httpx.ConnectError("Connection refused", request=request)
        if fault.status is not None:
            if fault.pass_through:
                await (await self.inner.handle_async_request(request)).aread()
            content = json.dumps(fault.body).encode() if fault.body is not None else b""
            return httpx.Response(fault.status, headers=fault.headers, content=content, request=request)
        response = await self.inner.handle_async_request(request)
        await response.aread()
        if fault.lose_reply:
            raise httpx.ReadError("connection reset after the request was sent", request=request)
        if fault.rewrite is not None:
            payload = fault.rewrite(json.loads(response.content))
            return httpx.Response(response.status_code, json=payload, request=request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def is_mutation(request: httpx.Request) -> bool:
    return request.method != "GET"


def is_task_read(request: httpx.Request) -> bool:
    return request.method == "GET" and "/tasks/" in request.url.path
