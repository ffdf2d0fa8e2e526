"""Replies are decoded by pydantic_core's decoder (faster, shares repeated strings) with
`json.loads` behind it: whatever bytes a server sends, the result is `json.loads`'s, and what
it refuses is refused."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cca_tui.api.envelope import decode_json

PROPERTY_SETTINGS = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(st.characters(codec="utf-8"), max_size=80),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=30,
)


def outcome(decode: Any, body: bytes) -> tuple[str, Any]:
    """What a decoder makes of `body`: its value, or that it refused it (and with what)."""
    try:
        return "value", decode(body)
    except RecursionError:
        return "refused", RecursionError
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return "refused", ValueError


def same(a: Any, b: Any) -> bool:
    """Equal, NaN included, and of the same types all the way down (1 and 1.0 are not the same)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def assert_as_json_loads(body: bytes) -> None:
    expected, got = outcome(json.loads, body), outcome(decode_json, body)
    assert expected[0] == got[0], (body[:80], expected, got)
    if expected[0] == "value":
        assert same(expected[1], got[1]), body[:80]
    else:
        assert expected[1] is got[1], body[:80]


@PROPERTY_SETTINGS
@given(JSON_VALUES, st.booleans())
def test_any_json_document_decodes_as_json_loads_decodes_it(value: Any, ascii_only: bool) -> None:
    assert_as_json_loads(json.dumps(value, ensure_ascii=ascii_only).encode())


@PROPERTY_SETTINGS
@given(JSON_VALUES, st.data())
def test_any_damaged_document_decodes_or_is_refused_as_by_json_loads(value: Any, data: st.DataObject) -> None:
    body = bytearray(json.dumps(value, ensure_ascii=data.draw(st.booleans())).encode())
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(body)))
        cut = data.draw(st.integers(0, 2))
        insert = data.draw(
            st.sampled_from([b"", b"\x00", b"\\", b'"', b"\\ud800", b"\xff", b"\xed\xa0\x80", b",", b"\n"])
        )
        body[at : at + cut] = insert
    assert_as_json_loads(bytes(body))


READ_DIFFERENTLY = {
    "raw control character": b'{"a":"x\x01y"}',  # refused by both
    "trailing data": b'{"a":1} x',
    "trailing comma": b'{"a":1,}',
    "lower-case nan": b'{"a":nan}',
    "NaN and Infinity": b'{"a":NaN,"b":Infinity,"c":-Infinity}',  # Python's extension: read by both
    "escaped lone surrogate": b'{"a":"\\udc00"}',  # json.loads reads it
    "raw surrogate bytes": b'"\xed\xa0\x80"',  # invalid UTF-8 that json.loads reads
    "UTF-8 BOM": b"\xef\xbb\xbf" + b'{"a":1}',
    "UTF-16": '{"a":"\u00e9"}'.encode("utf-16"),
    "UTF-32": '{"a":"\u00e9"}'.encode("utf-32-le"),
    "invalid UTF-8": b'"\xff"',
    "5000 digits": b"[" + b"1" * 5000 + b"]",  # more than Python converts
    "4300 digits": b"[" + b"1" * 4300 + b"]",
    "300 deep": b"[" * 300 + b"]" * 300,  # deeper than pydantic_core goes, not json.loads
    "100,000 deep": b"[" * 100_000 + b"]" * 100_000,  # deeper than json.loads goes
    "repeated key": b'{"a":1,"a":2}',
    "big numbers": b"[1e400, -0.0, 12345678901234567890123]",
}


@pytest.mark.parametrize("body", READ_DIFFERENTLY.values(), ids=READ_DIFFERENTLY.keys())
def test_documents_that_the_two_decoders_read_differently_decode_as_json_loads(body: bytes) -> None:
    assert_as_json_loads(body)


def test_strings_repeated_across_rows_are_one_object() -> None:
    """The point of the decoder: a zone name on every row is kept once, not once a row."""
    rows = [{"id": f"i-{n}", "zoneName": "ON-1", "templateName": "Ubuntu 22.04 LTS"} for n in range(500)]
    decoded = decode_json(json.dumps({"data": rows}).encode())["data"]
    assert len({id(row["zoneName"]) for row in decoded}) <= 3  # a shared cache: an eviction may cost one more
    assert len({id(row["templateName"]) for row in decoded}) <= 3
