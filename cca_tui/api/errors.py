"""Typed errors of the API client.

None of them ever carries the API key: they are built from the method, the path, the status
and the server's error entries, never from request headers.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus


@dataclass(frozen=True)
class ErrorDetail:
    """One entry of an `errors` array."""

    code: int | str | None
    message: str
    context: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}" if self.code is not None else self.message


class CloudCAError(Exception):
    """Base of every error the client raises."""


class ApiError(CloudCAError):
    """The server answered with an error status (and usually an `errors` body)."""

    def __init__(self, status: int, errors: list[ErrorDetail], *, method: str, path: str):
        self.status = status
        self.errors = errors
        self.method = method
        self.path = path
        super().__init__(self.summary)

    @property
    def summary(self) -> str:
        if not self.errors:
            return f"HTTP {self.status} from {self.method} {self.path}"
        return f"HTTP {self.status}: " + "; ".join(str(e) for e in self.errors)

    @property
    def first(self) -> ErrorDetail | None:
        return self.errors[0] if self.errors else None


class AuthError(ApiError):
    """401 or 403: the key is missing, wrong or not allowed to do this."""


class NotFoundError(ApiError):
    """404: unknown endpoint, environment or entity."""


class TransportError(CloudCAError):
    """The request did not get an HTTP answer: refused, reset, timed out, TLS failure."""

    def __init__(self, message: str, *, method: str, path: str):
        self.method = method
        self.path = path
        super().__init__(f"{message} ({method} {path})")


class ProtocolError(CloudCAError):
    """An answer came, but it is not JSON or not the documented envelope."""

    def __init__(self, message: str, *, status: int, method: str, path: str):
        self.status = status
        self.method = method
        self.path = path
        super().__init__(f"{message} (HTTP {status}, {method} {path})")


class TaskFailed(CloudCAError):
    """A task ended FAILED; `result` holds what the server said about it."""

    def __init__(self, task_id: str, message: str, result: Any = None):
        self.task_id = task_id
        self.result = result
        super().__init__(message)


class TaskTimeout(CloudCAError):
    """A task had not ended when the caller's deadline passed: its outcome is not known yet.

    `status` is the last status read (None if none could be read); `unreadable` says the
    last attempt to read it failed.
    """

    def __init__(self, task_id: str, seconds: float, *, status: str | None = "PENDING", unreadable: bool = False):
        self.task_id = task_id
        self.status = status
        self.unreadable = unreadable
        if status is None:
            text = f"task {task_id} could not be read for {seconds:g} s: outcome unknown"
        elif status == "PENDING":
            text = f"task {task_id} still pending after {seconds:g} s"
        else:
            text = f"task {task_id} not finished after {seconds:g} s (last status {status!r})"
        if status is not None and unreadable:
            text += "; the last attempt to read it failed"
        super().__init__(text)


class TaskExpired(NotFoundError):
    """GET /tasks/{id} answered 404: the task expired (they live about 30 minutes) or never
    existed. Its outcome cannot be read any more: look at the entity instead."""

    def __init__(self, task_id: str, errors: list[ErrorDetail], *, method: str, path: str):
        self.task_id = task_id
        super().__init__(404, errors, method=method, path=path)

    @property
    def summary(self) -> str:
        return f"task {self.task_id} expired or never existed: its outcome is unknown"


class NotDone(CloudCAError):
    """A mutation the server did not carry out: repeating it (on the operator's word) is safe.

    Raised as NotSent (it never left) or ServerBusy (429 or 503). `retry_after` is the
    server's Retry-After in seconds, when it gave one.
    """

    retry_after: float | None = None


class NotSent(NotDone, TransportError):
    """A mutation that could not be sent at all (no connection): the server never saw it."""

    def __init__(self, message: str, *, method: str, path: str):
        TransportError.__init__(self, f"not sent, {message}", method=method, path=path)


class ServerBusy(NotDone, ApiError):
    """A mutation answered 429 (throttled) or 503 (unavailable): the server did not do it."""

    def __init__(
        self,
        status: int,
        errors: list[ErrorDetail],
        *,
        method: str,
        path: str,
        retry_after: float | None = None,
    ):
        self.retry_after = retry_after
        ApiError.__init__(self, status, errors, method=method, path=path)

    @property
    def summary(self) -> str:
        why = "throttled" if self.status == 429 else "unavailable"
        text = f"not done: the API is {why} (HTTP {self.status})"
        if self.retry_after is not None:
            text += f", retry after {self.retry_after:g} s"
        if self.errors:
            text += ": " + "; ".join(str(e) for e in self.errors)
        return text


class OutcomeUnknown(CloudCAError):
    """A mutation was sent but no usable answer came back (the connection dropped, the reply
    timed out, a gateway gave up): the server may or may not have done it. Never repeat it
    blindly: refresh and look at the entity."""

    def __init__(self, message: str, *, method: str = "", path: str = "", status: int | None = None):
        self.method = method
        self.path = path
        self.status = status  # the HTTP status that came back, when one did (a 500, a 200 with errors)
        where = f" ({method} {path})" if method else ""
        super().__init__(f"outcome unknown: {message}{where}; the server may have done it")


class InvalidId(CloudCAError, ValueError):
    """An id (or name) that cannot be one segment of a URL path: empty, `.` or `..`. Sent as
    it is it would address the collection or a parent (`POST .../instances?operation=stop`),
    so nothing is sent."""

    def __init__(self, value: str, what: str = "id"):
        self.value = value
        shown = repr(value[:80])
        super().__init__(f"not sent: the {what} {shown} cannot address one entity")


class ListIncomplete(CloudCAError):
    """A list load stopped before it had every row: deadline, page cap, byte cap, or a server
    that repeats pages. `reason` says which, in words; `rows` is how many were received."""

    def __init__(self, reason: str, *, path: str, rows: int = 0, total: int | None = None):
        self.reason = reason
        self.path = path
        self.rows = rows
        self.total = total
        got = f"{rows} of {total}" if total is not None else f"{rows}"
        super().__init__(f"list incomplete: {reason} ({got} rows received, GET {path})")


def scrub_errors(errors: list[ErrorDetail], secret: str) -> list[ErrorDetail]:
    """The entries with every occurrence of `secret` (the API key) replaced by ***.

    A server that echoes the key in its error text must not put it on the operator's screen.
    """
    if not secret:
        return errors
    return [
        ErrorDetail(
            code=_scrub(detail.code, secret),
            message=_scrub(detail.message, secret),
            context=_scrub(detail.context, secret),
        )
        for detail in errors
    ]


# A run of this many characters of the key, in any case, is the key for scrubbing: a server
# (or a log line) may echo it upper-cased, lower-cased or cut.
ECHO_RUN = 8
# What stands where the key was: the operator sees that the server sent something key-like.
SCRUB_MARK = "***"


def key_spellings(secret: str) -> set[str]:
    """The key as a server may echo it: as it is and URL-quoted (both ways)."""
    return {secret, quote(secret, safe=""), quote_plus(secret)}


def scrub_text(text: str, secret: str) -> str:
    """`text` with the key replaced by ***: the key as it is, URL-quoted, in any letter case,
    and any run of ECHO_RUN or more of its characters (a truncated echo)."""
    if not secret or not text:
        return text
    pattern = _echo_pattern(secret)
    spans: list[tuple[int, int]] = []
    for match in pattern.finditer(text):  # zero-width: every start, overlapping runs too
        start, end = match.start(), match.start() + len(match.group(1))
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    if not spans:
        return text
    pieces, last = [], 0
    for start, end in spans:
        pieces += [text[last:start], SCRUB_MARK]
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


@functools.lru_cache(maxsize=8)
def _echo_pattern(secret: str) -> re.Pattern[str]:
    """Every window of ECHO_RUN characters of each spelling of the key (the whole key when
    shorter), as one case-insensitive lookahead so that overlapping windows all match."""
    pieces: set[str] = set()
    for variant in key_spellings(secret):
        if len(variant) <= ECHO_RUN:
            pieces.add(variant)
        else:
            pieces.update(variant[i : i + ECHO_RUN] for i in range(len(variant) - ECHO_RUN + 1))
    alternatives = "|".join(re.escape(p) for p in sorted(pieces, key=len, reverse=True))
    return re.compile(f"(?=({alternatives}))", re.IGNORECASE)


def _scrub(value: Any, secret: str, depth: int = 0) -> Any:
    if isinstance(value, str):
        return scrub_text(value, secret)
    if depth > 20:  # a hostile context nested deeper than anyone reads: drop it
        return None
    if isinstance(value, dict):
        return {_scrub(k, secret, depth + 1): _scrub(v, secret, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, secret, depth + 1) for v in value]
    return value
