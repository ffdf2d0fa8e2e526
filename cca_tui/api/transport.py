"""The HTTP layer: one httpx.AsyncClient, timeouts, retries with backoff, paging.

Only GETs are retried (on transport errors, 5xx and 429, honouring Retry-After): a POST, PUT
or DELETE may have been carried out even when its reply was lost, so repeating it could start
or destroy something twice.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from cca_tui import __version__
from cca_tui.api.envelope import data_of, decode_reply
from cca_tui.api.errors import ProtocolError, TransportError

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 30.0

Sleep = Callable[[float], Awaitable[None]]


class HttpTransport:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 15.0,
        verify: bool = True,
        max_retries: int = 3,
        backoff: float = 0.5,
        page_size: int = 500,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._api_key = api_key
        self._max_retries = max_retries
        self._backoff = backoff
        self.page_size = page_size
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            base_url=join_base(base_url),
            headers={
                "MC-Api-Key": api_key,
                "Accept": "application/json",
                "User-Agent": f"cca-tui/{__version__}",
            },
            timeout=httpx.Timeout(timeout, connect=min(5.0, timeout)),
            verify=verify,
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    def __repr__(self) -> str:  # never show the key
        return f"HttpTransport(base_url={str(self._http.base_url)!r})"

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
    ) -> tuple[int, dict[str, Any] | None]:
        """Send one request; return (status, JSON object or None) or raise a typed error."""
        attempts = 1 + (self._max_retries if method == "GET" else 0)
        for attempt in range(attempts):
            last_try = attempt + 1 == attempts
            try:
                response = await self._http.request(
                    method,
                    path,
                    params=params,
                    # POST and PUT always carry a JSON body, as the reference's examples do.
                    json=body if body is not None or method not in ("POST", "PUT") else {},
                )
            except httpx.TransportError as exc:
                if last_try:
                    # `from None`: the httpx exception holds the request, and so its headers.
                    raise TransportError(self._describe(exc), method=method, path=path) from None
                await self._sleep(self._backoff_delay(attempt))
                continue
            except httpx.HTTPError as exc:  # redirects, bad encodings: an answer we can't use
                raise ProtocolError(type(exc).__name__, status=0, method=method, path=path) from None
            if response.status_code in RETRYABLE_STATUSES and not last_try:
                await self._sleep(self._retry_delay(response, attempt))
                continue
            return response.status_code, decode_reply(response, method=method, path=path)
        raise AssertionError("unreachable")  # pragma: no cover

    async def get_data(self, path: str, params: dict[str, Any] | None = None) -> Any:
        status, payload = await self.request("GET", path, params=params)
        return data_of(payload, status=status, method="GET", path=path)

    async def get_all(self, path: str, params: dict[str, Any] | None = None) -> list[Any]:
        """GET a list, following pages until `metadata.recordCount` rows are in.

        CloudStack-based servers cap a page (often at 500) whatever page_size asked for. When
        the first page comes back shorter than asked while the total says there is more, the
        server's cap becomes our page size, so page N means the same rows on both sides.
        """
        page_size = self.page_size
        rows: list[Any] = []
        seen: set[str] = set()
        page = 1
        while True:
            query = dict(params or {})
            query.update(page_number=page, page_size=page_size)
            status, payload = await self.request("GET", path, params=query)
            data = data_of(payload, status=status, method="GET", path=path)
            if not isinstance(data, list):
                raise ProtocolError("list reply's 'data' is not an array", status=status, method="GET", path=path)
            total = ((payload or {}).get("metadata") or {}).get("recordCount")
            if page == 1 and isinstance(total, int) and 0 < len(data) < min(page_size, total):
                page_size = len(data)
            fresh = 0
            for row in data:
                key = _row_key(row)
                if key is not None and key in seen:
                    continue
                if key is not None:
                    seen.add(key)
                rows.append(row)
                fresh += 1
            if not isinstance(total, int) or len(rows) >= total or not data:
                return rows
            if fresh == 0:
                # The server ignored page_number and sent a page we already have: say so
                # rather than hand back a silently truncated list.
                raise ProtocolError(
                    f"server repeated a page: {len(rows)} of {total} rows received",
                    status=status,
                    method="GET",
                    path=path,
                )
            page += 1

    def _backoff_delay(self, attempt: int) -> float:
        return self._backoff * (2**attempt) * (0.5 + random.random() / 2)

    def _retry_delay(self, response: httpx.Response, attempt: int) -> float:
        retry_after = _parse_retry_after(response.headers.get("Retry-After"))
        if retry_after is not None:
            return min(retry_after, MAX_RETRY_AFTER)
        return self._backoff_delay(attempt)

    def _describe(self, exc: httpx.TransportError) -> str:
        if isinstance(exc, httpx.ConnectTimeout):
            text = "connection timed out"
        elif isinstance(exc, httpx.TimeoutException):
            text = "no reply in time"
        elif isinstance(exc, httpx.ConnectError):
            # The OS's words ("Connection refused", a TLS verification failure) help the
            # operator; they never hold request headers.
            text = f"cannot connect: {exc}" if str(exc) else "cannot connect"
        elif isinstance(exc, httpx.RemoteProtocolError):
            text = "connection dropped by the server"
        else:
            # Only the type: the text of some (LocalProtocolError) quotes header values.
            text = type(exc).__name__
        return text.replace(self._api_key, "***") if self._api_key else text


def join_base(base_url: str) -> str:
    """The base URL every request path is joined to: one `/` at the end and no run of slashes
    in its path, so `https://api.cloud.ca/v1`, `.../v1/` and `...//v1//` send the same requests
    (paths are joined without a leading `/`)."""
    url = httpx.URL(base_url.strip())
    path = re.sub(r"/{2,}", "/", url.path).rstrip("/") + "/"
    return str(url.copy_with(path=path))


def _row_key(row: Any) -> str | None:
    if isinstance(row, dict):
        key = row.get("id") or row.get("name")
        return str(key) if key is not None else None
    return None


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
