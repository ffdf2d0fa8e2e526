"""The key scrubber of every reply (cca_tui/api/key_scrub.py): what it scrubs, that its raw
check never misses a reply whose decoded strings hold the key, and that an ordinary page goes
through untouched."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cca_tui.api.errors import SCRUB_MARK, _echo_pattern, scrub_text
from cca_tui.api.key_scrub import FOLDS, MAX_DEPTH, key_scrubber, scrub_reply, scrub_value

KEY = "Zq7vK2mPx9sLw4iTn8bR"  # 20 characters: i, s and k have non-ASCII folds
HEX_KEY = "3f9c0a7e5b1d4f2a8c6e0b9d7a5f3c1e2b4d6f8a0c2e4b6d8f0a1c3e5b7d9f1a"

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, database=None)


def test_the_folds_are_exactly_what_case_insensitive_matching_takes_for_ascii() -> None:
    """The scrubber folds text itself (for speed) where the error scrubber lets `re` fold it:
    they agree only if these facts of this Python's Unicode tables hold."""
    printable_ascii = re.compile("[!-~]", re.IGNORECASE)
    alike: dict[str, set[str]] = {}
    for code in range(0x80, sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        if printable_ascii.match(char):
            alike[char] = {a for a in map(chr, range(0x21, 0x7F)) if re.fullmatch(re.escape(a), char, re.IGNORECASE)}
        # What `str.lower` may do to the text: map into ASCII, or change its length.
        if char not in FOLDS:
            assert len(char.lower()) == 1 and not char.lower().isascii(), hex(code)
    assert alike == {fold: {ascii_char, ascii_char.upper()} for fold, ascii_char in FOLDS.items()}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (KEY, SCRUB_MARK),
        (KEY.upper(), SCRUB_MARK),
        (KEY.lower(), SCRUB_MARK),
        (f"web-{KEY[5:13]}-1", f"web-{SCRUB_MARK}-1"),  # a run of 8 inside other text
        (f"web-{KEY[5:12]}-1", f"web-{KEY[5:12]}-1"),  # 7 is no run of the key
        (f"a{KEY}b{KEY[:9].swapcase()}c", f"a{SCRUB_MARK}b{SCRUB_MARK}c"),
        (KEY + KEY, SCRUB_MARK),  # two runs side by side: one mark
        ("Zq7v\u212a2mPx", SCRUB_MARK),  # KELVIN SIGN for K
        ("9\u017fLw4\u0130Tn", SCRUB_MARK),  # LONG S for s, dotted capital I for i
        ("w4\u0131Tn8bR", SCRUB_MARK),  # dotless i
        ("lone\ud800" + KEY[2:12], "lone\ud800" + SCRUB_MARK),
        ("日本語" + KEY.upper() + "ü", "日本語" + SCRUB_MARK + "ü"),
        ("nothing of it here", "nothing of it here"),
        ("", ""),
    ],
)
def test_text_scrubs_every_spelling_of_a_run(text: str, expected: str) -> None:
    assert key_scrubber(KEY).text(text) == expected


def test_a_url_quoted_key_is_scrubbed_too() -> None:
    key = "ab/cd+ef=gh ij"
    assert scrub_value("x ab%2Fcd%2Bef%3Dgh%20ij y", key) == f"x {SCRUB_MARK} y"
    assert scrub_value("x ab%2fcd%2bef%3dgh+ij y", key) == f"x {SCRUB_MARK} y"


def test_a_key_that_is_not_plain_ascii_is_still_scrubbed() -> None:
    key = "clé-secrète-ünïcode"
    raw = json.dumps({"data": [{"name": f"x{key.upper()}y"}]}).encode()
    assert scrub_reply(raw, json.loads(raw), key) == {"data": [{"name": f"x{SCRUB_MARK}y"}]}


# Text made of the key's pieces in any case, its folds and other characters.
_alphabet = st.sampled_from([*KEY, *KEY.lower(), *KEY.upper(), *FOLDS, "-", " ", "é", "\ud800", "日", "\\", "u"])
_text = st.one_of(
    st.lists(_alphabet, max_size=40).map("".join),
    st.tuples(st.text(max_size=5), st.integers(0, len(KEY) - 8), st.integers(8, len(KEY)), st.booleans()).map(
        lambda t: t[0] + (KEY[t[1] : t[1] + t[2]].swapcase() if t[3] else KEY[t[1] : t[1] + t[2]]) + t[0]
    ),
)


@PROPERTY_SETTINGS
@given(_text)
def test_no_run_of_the_key_is_left_and_nothing_else_is_touched(text: str) -> None:
    scrubbed = key_scrubber(KEY).text(text)
    assert _echo_pattern(KEY).search(scrubbed) is None
    if scrub_text(text, KEY) == text:  # the error scrubber sees no run: neither may we
        assert scrubbed == text


def _json_spelling(value: Any, escaped: list[bool]) -> str:
    """`value` as JSON whose string characters are each written raw or as a \\u escape, as
    chosen in turn from `escaped` (a hostile server may spell anything so)."""
    choices = iter(escaped * 50)

    def spell(text: str) -> str:
        out = []
        for char in text:
            if next(choices, False) or char in '"\\' or ord(char) < 0x20 or 0xD800 <= ord(char) <= 0xDFFF:
                units = char.encode("utf-16-be", "surrogatepass")  # a pair beyond the BMP
                for unit in (int.from_bytes(units[i : i + 2], "big") for i in range(0, len(units), 2)):
                    out.append(f"\\u{unit:04x}" if next(choices, True) else f"\\u{unit:04X}")
            else:
                out.append(char)
        return '"' + "".join(out) + '"'

    if isinstance(value, str):
        return spell(value)
    if isinstance(value, list):
        return "[" + ",".join(_json_spelling(v, escaped) for v in value) + "]"
    return "{" + ",".join(f"{spell(k)}:{_json_spelling(v, escaped)}" for k, v in value.items()) + "}"


@PROPERTY_SETTINGS
@given(
    st.lists(st.dictionaries(_text, _text, max_size=3), min_size=1, max_size=3),
    st.lists(st.booleans(), min_size=1, max_size=16),
    st.sampled_from(["utf-8", "utf-16", "utf-16-le", "utf-32-be"]),
)
def test_the_raw_check_never_misses_a_reply_that_holds_the_key(
    rows: list[dict[str, str]], escaped: list[bool], encoding: str
) -> None:
    document = _json_spelling({"data": rows}, escaped)
    raw = document.encode(encoding, "surrogatepass")
    payload = json.loads(raw)
    assert payload == {"data": rows}
    if scrub_value(payload, KEY) != payload:
        assert key_scrubber(KEY).suspect(raw)
    scrubbed = scrub_reply(raw, payload, KEY)
    assert _echo_pattern(KEY).search(json.dumps(scrubbed, ensure_ascii=False)) is None


def page_of(rows: int) -> bytes:
    """A page as the simulator sends it: ids, names, addresses; no key anywhere."""
    return json.dumps(
        {
            "data": [
                {
                    "id": f"956269f0-e5d7-4875-adad-{n:012x}",
                    "name": f"web-{n}",
                    "state": "Running",
                    "templateName": "Ubuntu 22.04 LTS",
                    "description": "Développement, Montréal",
                    "ipAddress": f"10.100.{n // 250}.{n % 250}",
                    "macAddress": "02:00:66:3f:1c:97",
                }
                for n in range(rows)
            ],
            "metadata": {"recordCount": rows},
        },
        ensure_ascii=False,
    ).encode()


@pytest.mark.parametrize("key", [KEY, HEX_KEY, "demo-0000-cca-tui-key"])
def test_an_ordinary_page_is_not_walked(key: str) -> None:
    raw = page_of(500)
    payload = json.loads(raw)
    assert not key_scrubber(key).suspect(raw)
    assert scrub_reply(raw, payload, key) is payload


def test_an_escape_of_a_character_the_key_lacks_does_not_make_a_page_suspect() -> None:
    # Go's encoder writes <, > and & so; other servers escape all non-ASCII.
    raw = json.dumps({"data": [{"name": "a<b>&c", "description": "Montréal"}]}).encode().replace(b"<", b"\\u003c")
    assert b"\\u00e9" in raw and b"\\u003c" in raw
    assert not key_scrubber(HEX_KEY).suspect(raw)


def test_a_suspect_reply_nested_deeper_than_anyone_reads_is_cut_there() -> None:
    deep: Any = KEY
    for _ in range(300):
        deep = [deep]
    raw = json.dumps({"data": deep}).encode()
    scrubbed = scrub_reply(raw, json.loads(raw), KEY)
    depth, node = 0, scrubbed["data"]
    while isinstance(node, list):
        depth, node = depth + 1, node[0]
    assert node is None and depth == MAX_DEPTH - 1


def test_object_names_are_scrubbed_too() -> None:
    raw = json.dumps({"data": {KEY.lower(): 1, "ok": [KEY]}}).encode()
    assert scrub_reply(raw, json.loads(raw), KEY) == {"data": {SCRUB_MARK: 1, "ok": [SCRUB_MARK]}}


def test_the_scrubber_never_shows_the_key() -> None:
    assert KEY not in repr(key_scrubber(KEY))


def _escaped(text: str, hex_format: str = "04x") -> str:
    return "".join(f"\\u{ord(char):{hex_format}}" for char in text)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"data":[{"name":"' + _escaped(KEY).encode() + b'"}]}',
        b'{"data":[{"name":"' + _escaped(KEY.upper(), "04X").encode() + b'"}]}',
        b'{"data":[{"name":"x' + (KEY[:4] + _escaped(KEY[4]) + KEY[5:9]).encode() + b'y"}]}',  # one letter
        b'{"data":[{"name":"' + ("Zq7v" + _escaped("\u212a") + "2mPx").encode() + b'"}]}',
        ('{"data":[{"name":"Zq7v\u212a2mPx"}]}').encode(),
        ('{"data":[{"name":"' + KEY + '"}]}').encode("utf-16"),
        ('{"data":[{"name":"' + KEY.lower() + '"}]}').encode("utf-32-le"),
    ],
    ids=["escapes", "upper-hex-escapes", "one-escaped-letter", "escaped-kelvin", "kelvin", "utf-16", "utf-32"],
)
def test_a_run_spelled_otherwise_makes_the_reply_suspect_and_is_scrubbed(raw: bytes) -> None:
    payload = json.loads(raw)
    assert key_scrubber(KEY).suspect(raw)
    name = scrub_reply(raw, payload, KEY)["data"][0]["name"]
    assert SCRUB_MARK in name and _echo_pattern(KEY).search(name) is None


def test_a_key_shorter_than_a_run_is_scrubbed_from_values_but_not_from_object_names() -> None:
    # Such a key is a test's or a simulator's; scrubbing it from names would break replies.
    raw = json.dumps({"taskId": "t", "taskStatus": "PENDING", "data": {"name": "a-Test-b"}}).encode()
    assert scrub_reply(raw, json.loads(raw), "test") == {
        "taskId": "t",
        "taskStatus": "PENDING",
        "data": {"name": f"a-{SCRUB_MARK}-b"},
    }
