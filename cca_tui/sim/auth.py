"""The API key check: every request carries `MC-Api-Key`, or it gets a 403 (or 401, by option)."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import INVALID_API_KEY
from .faults import send_error


class ApiKeyGate:
    def __init__(self, app: ASGIApp, api_key: str, status: int = 403):
        self.app = app
        self.api_key = api_key
        self.status = status

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and Headers(scope=scope).get("mc-api-key") != self.api_key:
            await send_error(send, self.status, INVALID_API_KEY, "The MC-Api-Key header is missing or not valid.", [])
            return
        await self.app(scope, receive, send)
