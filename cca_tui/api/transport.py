"""The HTTP layer: one httpx.AsyncClient, timeouts, retries with backoff, bounded paging.

Only GETs are retried (on transport errors, 5xx and 429, honouring Retry-After): a POST, PUT
or DELETE may have been carried out even when its reply was lost, so repeating it could start
or destroy something twice. A mutation that fails says which of three things happened:
NotSent (no connection, the server never saw it), ServerBusy (429/503, the server did not do
it) or OutcomeUnknown (sent, no usable answer: a lost reply, a 5xx other than 503, a 2xx
carrying `errors`; it may have been done). Only a 4xx is a refusal (ApiError).

Nothing waits or grows without bound: every request has an overall deadline (a reply that
drips a byte a second ends there), every body is streamed and counted against a cap, and a
list load has one deadline (for the server's time: the time the app holds a page is not
counted), a page cap and a byte cap derived from the first page's `metadata.recordCount`
(a server that keeps saying there is more stops at the cap). A server that sends no total
is read on while its pages come back full, under the same ceilings.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import importlib.util
import json
import logging
import math
import random
import re
import sys
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from contextlib import aclosing, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from cca_tui import __version__, pacing
from cca_tui.api.envelope import SLICE_BYTES, data_of, decode_reply, decode_reply_in_slices, parse_errors
from cca_tui.api.errors import (
    ApiError,
    ErrorDetail,
    ListIncomplete,
    NotSent,
    OutcomeUnknown,
    ProtocolError,
    ServerBusy,
    TransportError,
    scrub_errors,
    scrub_text,
)
from cca_tui.api.key_scrub import key_scrubber, scrub_reply, scrub_reply_in_slices
from cca_tui.api.page_reuse import DecodedRow, PageReader, ReusedRow


def _remember_that_sniffio_is_absent() -> None:
    """httpcore asks `import sniffio` on every request (which async library runs it?). Not
    installed here, each of those imports failed anew, looking for it on disk: 6 % of the
    event loop's time during a list load. A None in sys.modules makes the import fail at
    once, and httpcore then takes asyncio, as it did."""
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


_remember_that_sniffio_is_absent()

# The request log (cca_tui/requestlog.py writes it to a rotated file): one line per
# exchange, never a header (the key is one) and never a body.
request_log = logging.getLogger("cca_tui.requests")

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# Answers to a mutation that mean "not done": throttled, or unavailable before any work.
NOT_DONE_STATUSES = frozenset({429, 503})
# Answers from a gateway that gave up waiting: the server behind it may have done the work.
GATEWAY_STATUSES = frozenset({502, 504})
MAX_RETRY_AFTER = 30.0

# Seconds for one request, or one whole list load, retries included (a list load's: the
# server's time, not the time the app spends reading the pages it has; see _Budget.held).
DEFAULT_DEADLINE = 60.0
DEFAULT_PAGE_CONCURRENCY = 6  # pages in flight at once once the first page gave the total
ROW_ALLOWANCE = 16 * 1024  # bytes one row may take in a reply (a sim instance row is ~660)
REPLY_OVERHEAD = 64 * 1024  # bytes of envelope around a page's rows
MAX_REPLY_BYTES = 64 * 1024 * 1024  # absolute ceiling on one reply (a server may ignore paging)
# Absolute ceiling on the replies of one list load. Held as rows and models they take about
# 8 times that (an instance row of 661 bytes: 1.7 KiB as a dict, 3.2 KiB as a model): at 256
# MiB a server that kept sending full pages grew the app to 2.2 GB. 64 MiB is ~100,000 rows.
MAX_LOAD_BYTES = 64 * 1024 * 1024
# A reply this small (one instance, a task, an error) decodes in well under a millisecond.
SMALL_REPLY = 16 * 1024
MAX_ROWS = 200_000  # absolute ceiling on the rows of one list load
PAGE_SLACK = 2  # pages beyond ceil(recordCount / page size), for rows that moved meanwhile

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RawPage:
    """One page of a list load, as the server sent it (rows not yet parsed).

    `rows` holds only rows not seen on an earlier page of the same load; `total` is the
    first page's `metadata.recordCount` (None when the server sent none).
    """

    number: int
    rows: list[Any]
    total: int | None


class _Breach(Exception):
    """Internal: a request ran past its deadline or its byte cap."""

    def __init__(self, reason: str, *, deadline: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.deadline = deadline


class _Budget:
    """The limits one request, or one list load with all its pages, runs under."""

    def __init__(self, deadline: float, seconds: float, reply_cap: int, load_cap: int | None) -> None:
        self.deadline = deadline  # event-loop time
        self.seconds = seconds
        self.reply_cap = reply_cap
        self.load_cap = load_cap  # None: a single request, only reply_cap applies
        self.used = 0

    @contextmanager
    def held(self) -> Iterator[None]:
        """The caller holds a page (a list load's generator waits at its `yield`): that time is
        the caller's, not the server's, and the deadline moves by it. A load of 100,000 rows
        is as much the app's reading of its pages as their fetching: counted whole, a busy
        machine ran it past the deadline, and each retry read every page again."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            yield
        finally:
            self.deadline += loop.time() - started

    def take(self, size: int) -> None:
        self.used += size
        if self.load_cap is not None and self.used > self.load_cap:
            raise _Breach(f"replies exceed {_mib(self.load_cap)} for this list", deadline=False)


# Servers close idle keep-alive connections after a few seconds (uvicorn 5 s, nginx 75 s,
# many balancers 60 s). A request sent on a connection the server is closing at that moment is
# lost with no way to tell whether it was read: so reads drop idle connections well before any
# common server does, and mutations never reuse one (below).
KEEPALIVE_EXPIRY = 2.0


class FreshForMutations(httpx.AsyncBaseTransport):
    """Reads on a keep-alive pool; every mutation on a connection of its own, opened for it.

    A read that meets a connection the server just closed is retried (GETs are). A mutation
    cannot be: once written, the server may have done it. On a pooled connection the server
    may have closed it as it idled (the race between keep-alive expiries), and the mutation is
    then lost with its outcome unknown although the server never read it; on a connection
    just opened for it, that cannot happen. The cost is one handshake per mutation, which are
    few and operator-paced.
    """

    def __init__(self, *, verify: bool = True) -> None:
        # One TLS context for both: loading the certificate store takes tens of milliseconds
        # of every start, and both pools trust the same certificates.
        tls = httpx.create_ssl_context(verify=verify)
        self.pooled = httpx.AsyncHTTPTransport(verify=tls, limits=httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY))
        self.fresh = httpx.AsyncHTTPTransport(verify=tls, limits=httpx.Limits(max_keepalive_connections=0))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        inner = self.pooled if request.method in ("GET", "HEAD") else self.fresh
        return await inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.pooled.aclose()
        await self.fresh.aclose()


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
        deadline: float = DEFAULT_DEADLINE,
        page_concurrency: int = DEFAULT_PAGE_CONCURRENCY,
        row_allowance: int = ROW_ALLOWANCE,
        max_reply_bytes: int = MAX_REPLY_BYTES,
        max_load_bytes: int = MAX_LOAD_BYTES,
        max_rows: int = MAX_ROWS,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._api_key = api_key
        self._max_retries = max_retries
        self._backoff = backoff
        self.page_size = page_size
        self.deadline = deadline
        self.page_concurrency = max(1, page_concurrency)
        self.row_allowance = row_allowance
        self.max_reply_bytes = max_reply_bytes
        self.max_load_bytes = max_load_bytes
        self.max_rows = max_rows
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
            transport=transport if transport is not None else FreshForMutations(verify=verify),
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    def __repr__(self) -> str:  # never show the key
        return f"HttpTransport(base_url={str(self._http.base_url)!r})"

    def scrub(self, text: str) -> str:
        """`text` with the API key replaced by *** (for server text bound for a message)."""
        return scrub_text(text, self._api_key)

    # --- one request ------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
    ) -> tuple[int, dict[str, Any] | None]:
        """Send one request; return (status, JSON object or None) or raise a typed error.

        A GET is retried; past the deadline it raises TransportError, a reply over the byte
        cap ProtocolError. A mutation is sent once and raises NotSent, ServerBusy or
        OutcomeUnknown when it was not, or may not have been, carried out.
        """
        budget = self._single_budget()
        if method == "GET":
            try:
                return await self._get(path, params, budget)
            except _Breach as exc:
                if exc.deadline:
                    raise TransportError(exc.reason, method=method, path=path) from None
                raise ProtocolError(exc.reason, status=0, method=method, path=path) from None
        return await self._mutate(method, path, params, body, budget)

    async def get_data(self, path: str, params: dict[str, Any] | None = None) -> Any:
        status, payload = await self.request("GET", path, params=params)
        return data_of(payload, status=status, method="GET", path=path)

    def _single_budget(self) -> _Budget:
        now = asyncio.get_running_loop().time()
        return _Budget(now + self.deadline, self.deadline, self.max_reply_bytes, None)

    async def _get(
        self, path: str, params: dict[str, Any] | None, budget: _Budget, reader: PageReader | None = None
    ) -> tuple[int, dict[str, Any] | None]:
        attempts = 1 + self._max_retries
        loop = asyncio.get_running_loop()
        for attempt in range(attempts):
            try:
                status, headers, content = await self._exchange("GET", path, params, None, budget)
            except httpx.TransportError as exc:
                delay = self._backoff_delay(attempt)
                if attempt + 1 == attempts or loop.time() + delay >= budget.deadline:
                    # `from None`: the httpx exception holds the request, and so its headers.
                    raise TransportError(self._describe(exc), method="GET", path=path) from None
                await self._sleep(delay)
                continue
            except httpx.HTTPError as exc:  # bad encodings: an answer we can't use
                raise ProtocolError(type(exc).__name__, status=0, method="GET", path=path) from None
            if status in RETRYABLE_STATUSES and attempt + 1 < attempts:
                delay = self._retry_delay(headers, attempt)
                if loop.time() + delay < budget.deadline:
                    await self._sleep(delay)
                    continue
            return status, await self._decode_in_slices(status, content, "GET", path, reader)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _mutate(
        self, method: str, path: str, params: dict[str, Any] | None, body: Any, budget: _Budget
    ) -> tuple[int, dict[str, Any] | None]:
        # POST and PUT always carry a JSON body, as the reference's examples do.
        json_body = body if body is not None or method not in ("POST", "PUT") else {}
        try:
            status, headers, content = await self._exchange(method, path, params, json_body, budget)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol) as exc:
            raise NotSent(self._describe(exc), method=method, path=path) from None
        except httpx.LocalProtocolError as exc:  # the request could not even be written
            raise NotSent(self._describe(exc), method=method, path=path) from None
        except httpx.TransportError as exc:  # sent (at least in part), then no reply
            raise OutcomeUnknown(self._describe(exc), method=method, path=path) from None
        except httpx.HTTPError as exc:  # an answer came but could not be decoded
            raise OutcomeUnknown(f"unreadable reply ({type(exc).__name__})", method=method, path=path) from None
        except _Breach as exc:
            raise OutcomeUnknown(exc.reason, method=method, path=path) from None
        if status in NOT_DONE_STATUSES:
            raise ServerBusy(
                status,
                scrub_errors(_errors_in(content), self._api_key),
                method=method,
                path=path,
                retry_after=_parse_retry_after(headers.get("Retry-After")),
            )
        if status in GATEWAY_STATUSES:
            raise OutcomeUnknown(f"a gateway answered HTTP {status}", method=method, path=path, status=status)
        if status >= 500:
            # An error inside the server after it took the request: the work may be done
            # (or half done). Only a 4xx says nothing was done; a 5xx is no refusal.
            raise OutcomeUnknown(_answered(status, content, self._api_key), method=method, path=path, status=status)
        try:
            return status, self._decode(status, content, method, path)
        except ApiError as exc:
            if 200 <= exc.status < 300:
                # "OK" carrying `errors`: the server contradicts itself, so nobody can say.
                raise OutcomeUnknown(
                    _answered(status, content, self._api_key), method=method, path=path, status=status
                ) from None
            raise

    async def _exchange(
        self, method: str, path: str, params: dict[str, Any] | None, json_body: Any, budget: _Budget
    ) -> tuple[int, httpx.Headers, bytes]:
        """One HTTP exchange, written to the request log (method, path, status, duration)."""
        started = time.monotonic()
        where = self.scrub("/" + path.lstrip("/") + (f"?{httpx.QueryParams(params)}" if params else ""))
        try:
            status, headers, content = await self._exchange_unlogged(method, path, params, json_body, budget)
        except BaseException as exc:
            request_log.info(
                "%s %s failed after %.3fs: %s", method, where, time.monotonic() - started, type(exc).__name__
            )
            raise
        request_log.info("%s %s %d %.3fs %dB", method, where, status, time.monotonic() - started, len(content))
        if json_body is not None:
            # Which fields were sent, never their values (passwords, keys, user data).
            request_log.debug("%s %s sent fields: %s", method, where, ", ".join(sorted(_field_names(json_body))))
        return status, headers, content

    async def _exchange_unlogged(
        self, method: str, path: str, params: dict[str, Any] | None, json_body: Any, budget: _Budget
    ) -> tuple[int, httpx.Headers, bytes]:
        """One HTTP exchange with its body streamed and counted, within the budget."""
        remaining = budget.deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise _Breach(f"no complete reply within {budget.seconds:g} s", deadline=True)
        chunks: list[bytes] = []
        try:
            async with asyncio.timeout(remaining):
                async with self._http.stream(method, path, params=params, json=json_body) as response:
                    cap = budget.reply_cap
                    declared = response.headers.get("Content-Length", "")
                    if declared.isdigit() and int(declared) > cap:
                        raise _Breach(f"a reply is larger than {_mib(cap)}", deadline=False)
                    size = 0
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        if size > cap:
                            raise _Breach(f"a reply is larger than {_mib(cap)}", deadline=False)
                        budget.take(len(chunk))
                        chunks.append(chunk)
                    return response.status_code, response.headers, b"".join(chunks)
        except TimeoutError:
            raise _Breach(f"no complete reply within {budget.seconds:g} s", deadline=True) from None

    def _decode(self, status: int, content: bytes, method: str, path: str) -> dict[str, Any] | None:
        with self._reading_reply(status, method, path):
            payload = decode_reply(httpx.Response(status, content=content), method=method, path=path)
            # Every reply, in this one place: no server string downstream can hold the key.
            return scrub_reply(content, payload, self._api_key)
        raise AssertionError("unreachable")  # pragma: no cover - _reading_reply raises

    async def _decode_in_slices(
        self, status: int, content: bytes, method: str, path: str, reader: PageReader | None = None
    ) -> dict[str, Any] | None:
        """`_decode` for a reply that may be large (a server that ignores the page size): one
        over SLICE_BYTES is decoded and checked for the key a slice at a time, so that the
        event loop never waits for all of it at once. A list page given a `reader` is read by
        it first (see page_reuse.py): the rows it knew are not decoded again. Pages of a few
        rows (under SMALL_REPLY) and huge ones (over SLICE_BYTES) are decoded as they were."""
        if len(content) <= SMALL_REPLY:  # microseconds: no turn of its own to wait for
            return self._decode(status, content, method, path)
        if len(content) <= SLICE_BYTES:
            # A page of 500 rows is ~4 ms of decoding: in a turn of its own when other
            # background work has used this one (see pacing.py).
            await pacing.wait_turn()
            started = time.perf_counter()
            try:
                if reader is not None and 200 <= status < 300:
                    payload = reader(content, self._suspect)
                    if payload is not None:
                        return payload
                return self._decode(status, content, method, path)
            finally:
                pacing.spend(time.perf_counter() - started)
        with self._reading_reply(status, method, path):
            payload = await decode_reply_in_slices(status, content, method=method, path=path)
            return await scrub_reply_in_slices(content, payload, self._api_key)
        raise AssertionError("unreachable")  # pragma: no cover - _reading_reply raises

    def _suspect(self, raw: bytes) -> bool:
        """Whether `raw` may hold an echo of the API key (see key_scrub.py)."""
        return bool(self._api_key) and key_scrubber(self._api_key).suspect(raw)

    @contextmanager
    def _reading_reply(self, status: int, method: str, path: str) -> Iterator[None]:
        try:
            yield
        except RecursionError:  # JSON nested deeper than the parser goes: hostile or broken
            raise ProtocolError("reply is nested too deeply", status=status, method=method, path=path) from None
        except ApiError as exc:
            # A server may echo the key in its error text: it must not reach the screen.
            raise type(exc)(
                exc.status, scrub_errors(exc.errors, self._api_key), method=exc.method, path=exc.path
            ) from None

    # --- lists ------------------------------------------------------------------------

    async def iter_pages(
        self, path: str, params: dict[str, Any] | None = None, *, reader: PageReader | None = None
    ) -> AsyncGenerator[RawPage, None]:
        """Yield the pages of a list as they arrive: page 1 first, then the rest.

        CloudStack-based servers cap a page (often at 500) whatever page_size asked for. When
        the first page comes back shorter than asked while the total says there is more, the
        server's cap becomes our page size, so page N means the same rows on both sides. Once
        page 1 gave the total, the other pages are fetched `page_concurrency` at a time and
        yielded as they complete (so out of order); rows already seen are dropped.

        Raises ListIncomplete when the load runs past its deadline, its page cap, its byte
        cap or MAX_ROWS, or the server repeats a page; the pages already yielded stay valid.
        Use `contextlib.aclosing` if you may stop early: that cancels pages still in flight.

        A `reader` reads the pages first (see page_reuse.py): their rows are then its own
        kinds of row (page_reuse.ReusedRow, DecodedRow), or dicts when it gave a page up.
        """
        loop = asyncio.get_running_loop()
        fetch_page = functools.partial(self._fetch_page, reader=reader)
        # Page 1 may hold every row (paging "may be ignored by the server"): only the absolute
        # reply ceiling applies to it. Later pages are held to what their page size allows.
        budget = _Budget(loop.time() + self.deadline, self.deadline, self.max_reply_bytes, self.max_load_bytes)
        seen: set[str] = set()
        received = 0

        def fresh_rows(data: list[Any]) -> list[Any]:
            nonlocal received
            fresh = []
            for row in data:
                key = _row_key(row)
                if key is not None:
                    if key in seen:
                        continue
                    seen.add(key)
                fresh.append(row)
            received += len(fresh)
            return fresh

        def incomplete(reason: str, total: int | None) -> ListIncomplete:
            return ListIncomplete(reason, path=path, rows=received, total=total)

        page_size = self.page_size
        try:
            data, total = await fetch_page(path, params, 1, page_size, budget)
        except _Breach as exc:
            raise incomplete(exc.reason, None) from None
        if isinstance(total, int) and 0 < len(data) < min(page_size, total):
            page_size = len(data)
        first = RawPage(1, fresh_rows(data), total)
        if total is None:
            # Paging is only in a commented-out part of the docs: a server may send no total.
            with budget.held():
                yield first
            rest = self._pages_without_total(
                fetch_page, path, params, len(data), page_size, budget, fresh_rows, incomplete
            )
            async with aclosing(rest):
                async for page in rest:
                    if received > self.max_rows:
                        raise incomplete(f"more than the {self.max_rows} rows this client loads", None)
                    with budget.held():
                        yield page
            return
        if received >= total or not data:
            with budget.held():
                yield first
            return
        if total > self.max_rows:
            with budget.held():
                yield first
            raise incomplete(f"the server reports {total} rows, more than the {self.max_rows} this client loads", total)
        planned = math.ceil(total / page_size)
        max_pages = planned + PAGE_SLACK
        # Bounds from the first page's total: generous per row, never above the ceilings.
        load_cap = min(self.max_load_bytes, (total + page_size) * self.row_allowance + REPLY_OVERHEAD)
        budget.load_cap = max(load_cap, budget.used)
        budget.reply_cap = self._reply_cap(page_size)
        if budget.used > load_cap:
            with budget.held():
                yield first
            raise incomplete(f"replies exceed {_mib(load_cap)} for this list", total)

        lengths: dict[int, int] = {1: len(data)}
        in_flight: dict[asyncio.Task[tuple[list[Any], int | None]], int] = {}
        next_number = 2

        def launch() -> None:
            # Keep `page_concurrency` pages in flight, even while the caller handles a page.
            nonlocal next_number
            while next_number <= planned and len(in_flight) < self.page_concurrency:
                fetch = fetch_page(path, params, next_number, page_size, budget)
                in_flight[asyncio.ensure_future(fetch)] = next_number
                next_number += 1

        try:
            # Pages 2..planned, concurrently (bounded), yielded as they complete.
            launch()
            with budget.held():
                yield first
            while in_flight:
                finished, _ = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                for task in sorted(finished, key=lambda t: in_flight[t]):
                    number = in_flight.pop(task)
                    data, _ = task.result()
                    lengths[number] = len(data)
                    fresh = fresh_rows(data)
                    if data and not fresh:
                        raise incomplete(f"the server repeated a page (page {number})", total)
                    launch()
                    with budget.held():
                        yield RawPage(number, fresh, total)
            # Rows short of the total while the last page was full: rows moved between pages
            # (or the server keeps saying there is more). Follow on, up to the page cap.
            number = planned
            while received < total and lengths.get(number, 0) > 0:
                if number >= max_pages:
                    raise incomplete(f"still short of the total after {max_pages} pages", total)
                number += 1
                data, _ = await fetch_page(path, params, number, page_size, budget)
                lengths[number] = len(data)
                fresh = fresh_rows(data)
                if data and not fresh:
                    raise incomplete(f"the server repeated a page (page {number})", total)
                if fresh:
                    with budget.held():
                        yield RawPage(number, fresh, total)
        except _Breach as exc:
            raise incomplete(exc.reason, total) from None
        finally:
            for task in in_flight:
                task.cancel()
            if in_flight:
                await asyncio.gather(*in_flight, return_exceptions=True)

    async def _pages_without_total(
        self,
        fetch_page: Callable[..., Awaitable[tuple[list[Any], int | None]]],
        path: str,
        params: dict[str, Any] | None,
        first_length: int,
        page_size: int,
        budget: _Budget,
        fresh_rows: Callable[[list[Any]], list[Any]],
        incomplete: Callable[[str, int | None], ListIncomplete],
    ) -> AsyncGenerator[RawPage, None]:
        """Pages 2, 3, ... of a list whose server sent no `metadata.recordCount`.

        A full page (exactly `page_size` rows) says there may be more, so the next is read;
        a short or empty page ends the list. A page longer than asked means the server
        ignores paging and sent everything at once. The caller's caps still apply: the
        deadline and byte cap through `budget`, the page cap here, the row cap by the caller.
        Raises ListIncomplete (total None) when a cap is reached or a page repeats.
        """
        budget.reply_cap = self._reply_cap(page_size)
        max_pages = math.ceil(self.max_rows / page_size) + PAGE_SLACK
        number, length = 1, first_length
        try:
            while length == page_size:
                if number >= max_pages:
                    raise incomplete(f"the server still sends full pages after {max_pages} pages", None)
                number += 1
                data, _ = await fetch_page(path, params, number, page_size, budget)
                length = len(data)
                fresh = fresh_rows(data)
                if data and not fresh:
                    raise incomplete(f"the server repeated a page (page {number})", None)
                if fresh:
                    yield RawPage(number, fresh, None)
        except _Breach as exc:
            raise incomplete(exc.reason, None) from None

    async def _fetch_page(
        self,
        path: str,
        params: dict[str, Any] | None,
        number: int,
        page_size: int,
        budget: _Budget,
        reader: PageReader | None = None,
    ) -> tuple[list[Any], int | None]:
        query = dict(params or {})
        query.update(page_number=number, page_size=page_size)
        status, payload = await self._get(path, query, budget, reader)
        data = data_of(payload, status=status, method="GET", path=path)
        if not isinstance(data, list):
            raise ProtocolError("list reply's 'data' is not an array", status=status, method="GET", path=path)
        metadata = (payload or {}).get("metadata")
        total = metadata.get("recordCount") if isinstance(metadata, dict) else None
        if isinstance(total, bool) or not isinstance(total, int) or total < 0:
            total = None
        return data, total

    def _reply_cap(self, page_size: int) -> int:
        return min(self.max_reply_bytes, page_size * self.row_allowance + REPLY_OVERHEAD)

    # --- waiting ----------------------------------------------------------------------

    def _backoff_delay(self, attempt: int) -> float:
        return self._backoff * (2.0**attempt) * (0.5 + random.random() / 2)

    def _retry_delay(self, headers: httpx.Headers, attempt: int) -> float:
        retry_after = _parse_retry_after(headers.get("Retry-After"))
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
        return scrub_text(text, self._api_key)


def _field_names(body: Any) -> list[str]:
    return [str(name) for name in body] if isinstance(body, dict) else [type(body).__name__]


def _errors_in(content: bytes) -> list[ErrorDetail]:
    """The `errors` entries of a reply body, or none if it has no readable ones."""
    try:
        payload = json.loads(content)
    except (ValueError, RecursionError):
        return []
    return parse_errors(payload.get("errors")) if isinstance(payload, dict) else []


def _answered(status: int, content: bytes, secret: str) -> str:
    """`the server answered HTTP 500: [code] message`, the server's words scrubbed of the key."""
    errors = scrub_errors(_errors_in(content), secret)
    said = "; ".join(str(e) for e in errors[:3])
    return f"the server answered HTTP {status}" + (f" with errors: {said}" if said else "")


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.3g} MiB"


def join_base(base_url: str) -> str:
    """The base URL every request path is joined to: one `/` at the end and no run of slashes
    in its path, so `https://api.cloud.ca/v1`, `.../v1/` and `...//v1//` send the same requests
    (paths are joined without a leading `/`)."""
    url = httpx.URL(base_url.strip())
    path = re.sub(r"/{2,}", "/", url.path).rstrip("/") + "/"
    return str(url.copy_with(path=path))


def _row_key(row: Any) -> str | None:
    kind = type(row)
    if kind is ReusedRow:
        return row.id  # type: ignore[no-any-return]
    if kind is DecodedRow:
        row = row.row
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
