"""Server text made safe to show: the one helper every widget uses for text that came from the API.

A name, a description or an error message from the server is data. It is never parsed as
markup (`[/]` would raise, `[@click=app.quit]` would become a live action), and its control
characters never reach the terminal (`ESC]52;c;...` would rewrite the operator's clipboard,
`ESC[2J` clear the screen, a bidi override reorder what is read). Those characters are shown
as visible escapes instead (`\\x1b`, `\\u202e`), and long values are cut with an ellipsis.

No Textual import here: rich's Text is all it needs, so tests and pure formatters can use it.
"""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text

ELLIPSIS = "…"

# Code points that are harmless to the terminal but make what is read differ from what is
# there: zero-width and direction-changing marks (a name that reads "prod" but is not), the
# soft hyphen, invisible operators, interlinear annotations, and the "tag" block (invisible
# ASCII look-alikes, used to smuggle text past a reader).
_INVISIBLE = (
    "\u00ad\u061c\u180e\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069"
    "\ufeff\ufff9-\ufffb\U000e0000-\U000e007f"
)
# Lone surrogates (JSON can carry "\ud800") cannot be encoded for the terminal: writing one
# would raise. Non-characters are no text either.
_UNENCODABLE = "\ud800-\udfff\ufffe\uffff"
# C0 controls (newline kept apart), DEL and C1 controls, then the rest. A compiled class:
# the table runs this on every cell of tens of thousands of rows.
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_INVISIBLE}{_UNENCODABLE}]")
_UNSAFE_KEEP_NEWLINES = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_INVISIBLE}{_UNENCODABLE}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(value: Any, limit: int | None = None, keep_newlines: bool = False) -> str:
    """`value` as a plain string a terminal shows literally.

    Control characters (C0, DEL, C1), bidi and zero-width marks, lone surrogates become
    visible escapes; newlines too unless `keep_newlines`. With `limit`, the result is at most
    that many characters, the last one an ellipsis when something was cut.
    """
    text = "" if value is None else value if isinstance(value, str) else str(value)
    pattern = _UNSAFE_KEEP_NEWLINES if keep_newlines else _UNSAFE
    escaped = pattern.sub(_escape, text)
    if limit is None or len(escaped) <= limit:
        return escaped
    if limit <= 0:
        return ""
    # Cut piece by piece so that an escape is kept whole or left out whole.
    room = limit - 1  # the ellipsis takes the last place
    pieces: list[str] = []
    used = 0
    for char in text:
        shown = pattern.sub(_escape, char)
        if used + len(shown) > room:
            break
        pieces.append(shown)
        used += len(shown)
    return "".join(pieces) + ELLIPSIS


def safe(value: Any, style: str = "", limit: int | None = None, keep_newlines: bool = False) -> Text:
    """A rich Text of server text: literal (no markup), escaped, optionally cut."""
    return Text(printable(value, limit=limit, keep_newlines=keep_newlines), style=style, end="")
