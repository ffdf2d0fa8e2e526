"""How the UI words the client's errors for an operator: code and message, never a traceback."""

from __future__ import annotations

from cca_tui.api.errors import (
    ApiError,
    AuthError,
    CloudCAError,
    ProtocolError,
    TaskFailed,
    TaskTimeout,
    TransportError,
)


def describe_error(exc: BaseException) -> str:
    """One or two lines an operator can act on."""
    if isinstance(exc, AuthError) and exc.status == 401:
        return f"API key rejected: {exc.summary}"
    if isinstance(exc, AuthError):
        return f"Not authorised: {exc.summary}"
    if isinstance(exc, ApiError):
        return exc.summary
    if isinstance(exc, TransportError):
        return f"Cannot reach the API: {exc}"
    if isinstance(exc, ProtocolError):
        return f"Unexpected reply from the API: {exc}"
    if isinstance(exc, TaskFailed):
        return f"Task failed: {exc}"
    if isinstance(exc, TaskTimeout):
        return f"Task timed out: {exc}"
    if isinstance(exc, CloudCAError):
        return str(exc)
    return f"Unexpected error: {type(exc).__name__}: {exc}"


def field_errors(exc: BaseException) -> dict[str, str]:
    """Map a 400's errors onto form fields when the server names the field in its context."""
    if not isinstance(exc, ApiError):
        return {}
    found: dict[str, str] = {}
    for detail in exc.errors:
        name = detail.context.get("field") if detail.context else None
        if isinstance(name, str):
            found[name] = str(detail)
    return found
