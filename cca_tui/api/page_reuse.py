"""A list page read again without decoding the rows that have not changed since the last time.

A refresh of 50,000 instances reads ~100 pages of 500 rows, ~1 % of them changed. Decoding a
page, checking it for the API key and comparing each row with the last one cost ~8 ms of the
event loop a page, whatever changed. Here the page's array is cut into its rows' texts (at
`},{"id":`, the compact form of the reference's lists and of our simulator); a row whose bytes
are the same as a row read before (a 128-bit BLAKE2b digest of them) is that row again, and
only the others are decoded: ~1.5 ms a page.

What this reads is exactly what decoding the whole page would give. A piece is taken for a
row only when it decodes alone as one JSON object; a piece that does not (a row whose nested
objects also start with `"id"`, cut in the middle) is joined to the next until it does, up to
JOIN_AT_MOST pieces. Any comma-separated list of JSON objects in brackets is a JSON array of
them, so the rows found are the array's. Anything else (another layout, whitespace between
rows, a key echoed in a new row, more than one `"data"`) returns None and the caller decodes
the page as usual.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from cca_tui.api.envelope import decode_json

ROW_START = b'{"id":'
SEPARATOR = b'},{"id":'
# JSON's own whitespace: not Python's, which also takes a form feed or a vertical tab (a page
# holding one must be refused here as the whole decoder refuses it).
WHITESPACE = b" \t\n\r"
# The envelope opens with its `data` array: the array is the top-level object's first value.
_OPENING = re.compile(rb'[ \t\n\r]*\{[ \t\n\r]*"data"[ \t\n\r]*:[ \t\n\r]*\[[ \t\n\r]*')
JOIN_AT_MOST = 8
DIGEST_SIZE = 16  # bytes: 128 bits, a collision out of reach of any server
CHECK_EACH_AT_MOST = 32  # rows decoded: above, the page is checked for the key at once


class ReusedRow(NamedTuple):
    """A row byte for byte as one read before: its id, what the reader made of it then, and
    the digest of its text. The reader's Recall hands back the one it was given."""

    id: str
    known: Any
    digest: bytes


class DecodedRow(NamedTuple):
    """A row decoded alone, with the digest of its text (how the next page finds it again)."""

    row: dict[str, Any]
    digest: bytes


# What the reader knew of a row's text, by its digest; None when nothing.
Recall = Callable[[bytes], ReusedRow | None]
# Whether raw bytes may hold an echo of the API key (key_scrub.KeyScrubber.suspect).
Suspect = Callable[[bytes], bool]
# A page's bytes to its payload, or None: decode it whole (read_page with a Recall).
PageReader = Callable[[bytes, Suspect], "dict[str, Any] | None"]


def digest_of(piece: bytes) -> bytes:
    return hashlib.blake2b(piece, digest_size=DIGEST_SIZE).digest()


def read_page(content: bytes, recall: Recall, suspect: Suspect) -> dict[str, Any] | None:
    """The payload of a list page, its `data` rows each a ReusedRow or a DecodedRow; None when
    the page is not in the form read here (decode it whole)."""
    opening = _OPENING.match(content)
    end = content.rfind(b"]")
    if opening is None or end < opening.end():
        return None
    tail = content[end + 1 :]
    # No second `data` (a later key of the same name wins), spelt out or escaped.
    if b'"data"' in tail or b"\\" in tail or suspect(tail):
        return None
    try:
        payload = decode_json(b'{"data":[]' + tail)
    except (ValueError, RecursionError):
        return None
    if type(payload) is not dict or payload.get("data") != [] or payload.get("errors"):
        return None
    array = content[opening.end() : end].rstrip(WHITESPACE)
    if not array:
        return payload
    if not array.startswith(ROW_START) or not array.endswith(b"}"):
        return None
    read = _rows(array[len(ROW_START) : -1].split(SEPARATOR), recall)
    if read is None:
        return None
    rows, decoded = read
    # The rows decoded are checked for the key (those recalled were, when first read): each
    # alone when they are few, else the page at once (one call, where 500 cost twice as much).
    if len(decoded) > CHECK_EACH_AT_MOST:
        if suspect(content):
            return None  # the whole page goes the way that scrubs the key
    elif any(suspect(text) for text in decoded):
        return None
    payload["data"] = rows
    return payload


def _rows(pieces: list[bytes], recall: Recall) -> tuple[list[Any], list[bytes]] | None:
    """The rows of these pieces, and the texts of those decoded (not recalled)."""
    rows: list[Any] = []
    texts: list[bytes] = []
    append = rows.append
    count, at = len(pieces), 0
    while at < count:
        piece = pieces[at]
        at += 1
        digest = digest_of(piece)
        known = recall(digest)
        if known is not None:  # most rows of a refresh: a digest and a lookup
            append(known)
            continue
        for _joined in range(JOIN_AT_MOST):
            text = ROW_START + piece + b"}"
            try:
                row = decode_json(text)
            except (ValueError, RecursionError):
                row = None
            if type(row) is dict:
                append(DecodedRow(row, digest))
                texts.append(text)
                break
            if at == count:
                return None
            piece = piece + SEPARATOR + pieces[at]
            at += 1
            digest = digest_of(piece)
            known = recall(digest)
            if known is not None:
                append(known)
                break
        else:
            return None
    return rows, texts
