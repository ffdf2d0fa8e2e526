"""The one helper for server text: literal, escaped, cut."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.text import Text

from cca_tui.ui.safe_text import ELLIPSIS, printable, safe


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain name", "plain name"),
        ("", ""),
        (None, ""),
        (42, "42"),
        ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),
        ("\x1b[2J", "\\x1b[2J"),
        ("\x1b]52;c;aGk=\x07", "\\x1b]52;c;aGk=\\x07"),
        ("a\x9bb", "a\\x9bb"),  # C1 CSI
        ("\x7f", "\\x7f"),
        ("tab\there", "tab\\x09here"),
        ("line\nbreak", "line\\x0abreak"),
        ("evil\u202eexe.txt", "evil\\u202eexe.txt"),  # bidi override
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("bom\ufeff", "bom\\ufeff"),
        ("soft\u00adhyphen", "soft\\xadhyphen"),
        ("tag\U000e0041", "tag\\U000e0041"),  # invisible ASCII look-alike
        ("lone\ud800", "lone\\ud800"),  # a lone surrogate cannot be encoded for the terminal
        ("[/]", "[/]"),  # markup characters stay as they are: safe() never parses them
        ("日本語 café", "日本語 café"),
    ],
)
def test_printable_escapes_what_a_terminal_would_act_on(raw: object, shown: str) -> None:
    assert printable(raw) == shown


def test_keep_newlines_keeps_only_newlines() -> None:
    assert printable("a\nb\r\x1b", keep_newlines=True) == "a\nb\\x0d\\x1b"


def test_limit_cuts_with_an_ellipsis_and_never_through_an_escape() -> None:
    assert printable("abcdef", limit=6) == "abcdef"
    assert printable("abcdefg", limit=6) == f"abcde{ELLIPSIS}"
    assert printable("abc", limit=1) == ELLIPSIS
    assert printable("abc", limit=0) == ""
    # "ab\x1b..." escaped is "ab\\x1b...": a cut at 5 would leave "ab\\x" dangling.
    cut = printable("ab\x1bcdef", limit=5)
    assert cut == f"ab{ELLIPSIS}" and len(cut) <= 5
    assert printable("ab\x1bcdef", limit=7) == f"ab\\x1b{ELLIPSIS}"
    for limit in range(0, 30):
        assert len(printable("x\x1b\u202e" * 10, limit=limit)) <= limit


def test_idempotent() -> None:
    once = printable("a\x1b[2J\u202e")
    assert printable(once) == once


@pytest.mark.parametrize("raw", ["[/]", "[/bold]", "[@click=app.quit]y[/]", "[link=https://x]x[/link]", "[b]x"])
def test_safe_is_never_markup(raw: str) -> None:
    text = safe(raw, "bold")
    assert isinstance(text, Text) and text.plain == raw
    assert all(span.style == "bold" for span in text.spans) or not text.spans
    assert str(text.style) == "bold"
    # Rendered, it carries no link and no action: only the literal characters.
    console = Console(file=None, force_terminal=True, color_system="truecolor", width=200)
    with console.capture() as capture:
        console.print(text)
    out = capture.get()
    assert "\x1b]8;" not in out and raw in out


def test_safe_cuts_and_escapes() -> None:
    assert safe("x" * 100, limit=10).plain == "x" * 9 + ELLIPSIS
    assert safe("a\x1bb").plain == "a\\x1bb"
    assert safe("a\nb", keep_newlines=True).plain == "a\nb"
