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

# Zero-width and direction-changing code points are harmless to the terminal, but they make
# what is read differ from what is there (a name that reads "prod" but sorts otherwise).
_INVISIBLE = "\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060\u2066-\u2069\ufeff"
# C0 controls (newline kept apart), DEL and C1 controls, then the invisible marks. A compiled
# class: the table runs this on every cell of tens of thousands of rows.
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_INVISIBLE}]")
_UNSAFE_KEEP_NEWLINES = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_INVISIBLE}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(value: Any, *, limit: int | None = None, keep_newlines: bool = False) -> str:
    """`value` as a plain string a terminal shows literally.

    Control characters (C0, DEL, C1), bidi and zero-width marks become visible escapes;
    newlines too unless `keep_newlines`. With `limit`, the result is at most that many
    characters, the last one an ellipsis when something was cut.
    """
    text = "" if value is None else str(value)
    text = (_UNSAFE_KEEP_NEWLINES if keep_newlines else _UNSAFE).sub(_escape, text)
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)] + ELLIPSIS
    return text


def safe(value: Any, style: str = "", *, limit: int | None = None, keep_newlines: bool = False) -> Text:
    """A rich Text of server text: literal (no markup), escaped, optionally cut."""
    return Text(printable(value, limit=limit, keep_newlines=keep_newlines), style=style, end="")
