"""A large list reply is decoded a piece of rows at a time (`decode_json_in_slices`), the event
loop given back between pieces: whatever the body, the result is `decode_json`'s (and so
`json.loads`'s), and what it refuses is refused. Pieces of a few bytes here, so that every
body is cut, at every kind of place: between rows, inside strings that look like a row
boundary, inside nested values, before repeated or trailing members."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cca_tui.api.envelope import decode_json, decode_json_in_slices
from tests.property.test_property_decode_json import JSON_VALUES, PROPERTY_SETTINGS, outcome, same

# Strings that look like the seams the decoder cuts at, and text that breaks a decoder.
TRICKY_TEXT = st.sampled_from(["},{", '"},{"', "}, {", "]}", '"data":[', "\\", '\\"', "\ud800", "\x00", "é"])
ROWS = st.lists(
    st.dictionaries(st.text(max_size=6) | TRICKY_TEXT, JSON_VALUES | TRICKY_TEXT, max_size=4),
    max_size=12,
)


def sliced(body: bytes, piece: int) -> Any:
    return asyncio.run(decode_json_in_slices(body, piece=piece))


def assert_as_decode_json(body: bytes, piece: int) -> None:
    expected, got = outcome(decode_json, body), outcome(lambda b: sliced(b, piece), body)
    assert expected[0] == got[0], (body[:120], expected, got)
    if expected[0] == "value":
        assert same(expected[1], got[1]), body[:120]
    else:
        assert expected[1] is got[1], body[:120]


def envelope(rows: list[Any], before: dict[str, Any], after: dict[str, Any], spaced: bool) -> bytes:
    """A list reply: `before` members (none: `data` comes first, as every server sends it),
    the rows, then `after` members (a repeated `data` among them, sometimes)."""
    separators = (", ", ": ") if spaced else (",", ":")
    members = [
        json.dumps(k, ensure_ascii=False) + separators[1] + json.dumps(v, separators=separators)
        for k, v in before.items()
    ]
    members.append('"data"' + separators[1] + json.dumps(rows, separators=separators, ensure_ascii=False))
    members += [json.dumps(k) + separators[1] + json.dumps(v, separators=separators) for k, v in after.items()]
    return ("{" + separators[0].join(members) + "}").encode("utf-8", "surrogatepass")


@PROPERTY_SETTINGS
@given(
    ROWS,
    st.dictionaries(st.sampled_from(["metadata", "x"]), JSON_VALUES, max_size=1),
    st.dictionaries(st.sampled_from(["metadata", "data", "errors"]), JSON_VALUES, max_size=2),
    st.booleans(),
    st.integers(1, 200),
)
def test_a_list_reply_decodes_in_pieces_as_in_one(
    rows: list[Any], before: dict[str, Any], after: dict[str, Any], spaced: bool, piece: int
) -> None:
    assert_as_decode_json(envelope(rows, before, after, spaced), piece)


@PROPERTY_SETTINGS
@given(ROWS, st.booleans(), st.integers(1, 200), st.data())
def test_a_damaged_list_reply_decodes_or_is_refused_as_in_one(
    rows: list[Any], spaced: bool, piece: int, data: st.DataObject
) -> None:
    body = bytearray(envelope(rows, {}, {"metadata": {"recordCount": len(rows)}}, spaced))
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(body)))
        cut = data.draw(st.integers(0, 2))
        insert = data.draw(
            st.sampled_from([b"", b"\x00", b"\\", b'"', b"\\ud800", b"\xff", b",", b"}", b"{", b"]", b"},{", b"\n"])
        )
        body[at : at + cut] = insert
    assert_as_decode_json(bytes(body), piece)


def test_a_large_reply_is_decoded_in_pieces_and_gives_the_loop_back_between_them() -> None:
    """20,000 rows at once (a server that ignores the page size): many pieces, each a short
    call, with other tasks running between them; and the rows are those of one decode."""
    rows = [{"id": f"i-{n}", "name": f"web-{n}", "zoneName": "ON-1", "tags": ["a},{b"]} for n in range(20_000)]
    body = json.dumps({"data": rows, "metadata": {"recordCount": len(rows)}}).encode()
    turns = 0

    async def decode_beside_another_task() -> Any:
        nonlocal turns
        done = False

        async def other() -> None:
            nonlocal turns
            while not done:
                turns += 1
                await asyncio.sleep(0)

        beside = asyncio.ensure_future(other())
        try:
            return await decode_json_in_slices(body, piece=64 * 1024)
        finally:
            done = True
            await beside

    decoded = asyncio.run(decode_beside_another_task())
    assert decoded == json.loads(body)
    assert turns >= len(body) // (64 * 1024) - 1  # the other task ran between every two pieces


@pytest.mark.parametrize(
    "body",
    [
        b'{"metadata":{},"data":[{"a":1},{"b":2}]}',  # data not first: decoded whole
        b'{"data":[{"a":"},{"},{"b":2}]}',  # a seam inside a string
        b'{"data":[{"a":1},{"b":2}],"data":[3]}',  # the last `data` wins
        b'{"data":[{"a":1},{"b":2}]',  # unterminated
        b'{"data":[{"a":1},{"b":"\\ud800"}]}',  # a lone surrogate: json.loads reads it
        b'\xef\xbb\xbf{"data":[{"a":1},{"b":2}]}',  # BOM
    ],
)
def test_bodies_the_pieces_cannot_read_alone_decode_as_decode_json(body: bytes) -> None:
    assert_as_decode_json(body, 1)
