"""How the UI words the client's errors for an operator: code and message, never a traceback.

Error messages quote the server (and sometimes what the server quoted back): the text
returned here is `printable` (control characters escaped, cut to a sane length), and the
widget that shows it must still not parse it as markup (`safe()`, `notify(..., markup=False)`).
"""

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
from cca_tui.ui.safe_text import printable

# An error line is read, not scrolled: a server that answers with a page of text is cut.
ERROR_LIMIT = 500


def describe_error(exc: BaseException) -> str:
    """One or two lines an operator can act on, safe to show (see the module's docstring)."""
    return printable(_describe(exc), limit=ERROR_LIMIT, keep_newlines=True)


def _describe(exc: BaseException) -> str:
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
            found[name] = printable(str(detail), limit=ERROR_LIMIT)
    return found
