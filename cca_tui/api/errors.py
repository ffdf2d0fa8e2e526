"""Typed errors of the API client.

None of them ever carries the API key: they are built from the method, the path, the status
and the server's error entries, never from request headers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
    """A task was still PENDING when the caller's deadline passed."""

    def __init__(self, task_id: str, seconds: float):
        self.task_id = task_id
        super().__init__(f"task {task_id} still pending after {seconds:g} s")
