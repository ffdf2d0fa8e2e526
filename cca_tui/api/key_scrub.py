"""The API key is never read back from the server: every reply is scrubbed of it as it arrives.

A hostile (or careless) server can put the key into any string it sends: an instance name,
an environment name, an offering, a task result. As it is, upper- or lower-cased, or any run
of ECHO_RUN of its characters inside other text; spelled with JSON escapes (`\\u0041` reads
`A`), in UTF-16 (which `json.loads` reads too), or with one of the four non-ASCII letters
that case-insensitive matching takes for an ASCII one (KELVIN SIGN `\u212a` is `k`). The
transport passes every reply through `scrub_reply` once, so nothing read downstream (table,
detail pane, forms, palette, clipboard, history, the paths in the request log) holds the
key: each run of it reads SCRUB_MARK, as in a scrubbed error message, so the operator sees
that the server sent something key-like.

Cost. The error scrubber's expression over every string of a 500-row page takes 60-290 ms;
one substring scan of the raw page per 8-character piece of a 64-character key (57 scans)
takes ~10 ms, more than decoding the page (~4 ms). So the raw reply is checked first, in one
pass of an Aho-Corasick automaton (ahocorasick_rs, in Rust) for every byte sequence that
could spell a piece of the key once decoded: ~1 ms a page. A reply with none is returned as
it is; only a suspect one is walked, each string scrubbed by a second automaton that finds
the longest runs of the key (~30 ms a page of 500).

Pure functions of (bytes, decoded value, key): callable wherever a reply is decoded, in a
worker thread too (the automata are immutable).
"""

from __future__ import annotations

import asyncio
import functools
import re
from typing import Any, TypeVar, cast

from ahocorasick_rs import AhoCorasick, BytesAhoCorasick, MatchKind

from cca_tui.api.errors import ECHO_RUN, SCRUB_MARK, key_spellings, scrub_text

T = TypeVar("T")

# Bytes of a reply checked in one call at most by `suspect_in_slices` (~3.5 ms a MiB quiet).
SLICE_BYTES = 512 * 1024

# The only non-ASCII characters that Python's case-insensitive matching (the error
# scrubber's) takes for an ASCII one, and that one. Checked against `re` by the tests.
FOLDS = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}
_FOLD_TABLE = str.maketrans(FOLDS)
_SURROGATES = re.compile("[\ud800-\udfff]")
# JSON's two-character escapes that spell a printable ASCII character.
_SHORT_ESCAPES = '"\\/'
# Containers nested deeper than this in a suspect reply are dropped (None): no model reads
# that deep, and walking 900 levels could overflow the stack.
MAX_DEPTH = 64


def scrub_reply(raw: bytes, payload: T, secret: str) -> T:
    """`payload`, decoded from `raw`, with every echo of `secret` replaced by SCRUB_MARK;
    `payload` itself when `raw` cannot hold one (the common case, ~1 ms a page of 500)."""
    if not secret:
        return payload
    scrubber = key_scrubber(secret)
    if not scrubber.suspect(raw):
        return payload
    return scrubber.value(payload)


async def scrub_reply_in_slices(raw: bytes, payload: T, secret: str) -> T:
    """`scrub_reply` for a reply that may be large: its raw check is made SLICE_BYTES at a
    time, giving the event loop back between slices (13 MB: ~45 ms in one call)."""
    if not secret:
        return payload
    scrubber = key_scrubber(secret)
    if not await scrubber.suspect_in_slices(raw):
        return payload
    return scrubber.value(payload)


def scrub_value(value: T, secret: str) -> T:
    """`value` (strings, lists and dicts of them) with every echo of `secret` replaced."""
    return key_scrubber(secret).value(value) if secret else value


@functools.lru_cache(maxsize=8)
def key_scrubber(secret: str) -> KeyScrubber:
    return KeyScrubber(secret)


class KeyScrubber:
    """The two automata of one key: `suspect` over raw reply bytes, `text` over one string."""

    def __init__(self, secret: str) -> None:
        self._secret = secret
        # The folding below is exact for printable ASCII keys (every real one); any other
        # key is scrubbed the slow way, every reply walked with the error scrubber.
        self._plain = secret.isascii() and secret.isprintable()
        # Object names too, where the app never shows one, should a future view show them;
        # but not for a key shorter than ECHO_RUN (a test's or a simulator's): matched whole,
        # it would eat the protocol's own names ("k" in "taskStatus").
        self._names = len(secret) >= ECHO_RUN
        spellings = sorted({spelling.lower() for spelling in key_spellings(secret)})
        self._runs = AhoCorasick(sorted(_runs(spellings)), matchkind=MatchKind.LeftmostLongest)
        tells = _tells(spellings)
        self._tells = BytesAhoCorasick(sorted(tells))
        self._longest_tell = max(len(tell) for tell in tells)

    def __repr__(self) -> str:  # never show the key
        return "KeyScrubber(...)"

    def suspect(self, raw: bytes) -> bool:
        """Could a string decoded from `raw` (JSON) hold a run of the key? Never a false no."""
        return not self._plain or bool(self._tells.find_matches_as_indexes(raw.lower()))

    async def suspect_in_slices(self, raw: bytes, piece: int = SLICE_BYTES) -> bool:
        """`suspect(raw)`, checked `piece` bytes at a time with the event loop given back between
        them. Each slice reaches `_longest_tell - 1` bytes into the next, so a tell across the
        cut is in the slice where it starts."""
        if len(raw) <= piece:
            return self.suspect(raw)
        for start in range(0, len(raw), piece):
            if start:
                await asyncio.sleep(0)
            if self.suspect(raw[start : start + piece + self._longest_tell - 1]):
                return True
        return False

    def text(self, text: str) -> str:
        """`text` with each run of ECHO_RUN or more characters of the key, in any letter
        case, replaced by SCRUB_MARK (adjacent runs by one mark)."""
        if not self._plain:
            return scrub_text(text, self._secret)
        # Same length as `text`, each character as the error scrubber compares it.
        folded = text.lower() if text.isascii() else text.translate(_FOLD_TABLE).lower()
        try:
            found = self._runs.find_matches_as_indexes(folded)
        except UnicodeEncodeError:  # a lone surrogate, which spells no part of the key
            found = self._runs.find_matches_as_indexes(_SURROGATES.sub("\ufffd", folded))
        if not found:
            return text
        pieces: list[str] = []
        last = 0
        for _, start, end in found:
            if start > last or not pieces:
                pieces += [text[last:start], SCRUB_MARK]
            last = end
        pieces.append(text[last:])
        return "".join(pieces)

    def value(self, value: T) -> T:
        # One answer per distinct string: names and many values repeat on every row.
        seen: dict[str, str] = {}
        return cast(T, self._walk(value, 0, seen))

    def _walk(self, value: Any, depth: int, seen: dict[str, str]) -> Any:
        if isinstance(value, str):
            return self._text_once(value, seen)
        if depth >= MAX_DEPTH and isinstance(value, dict | list):
            return None
        if isinstance(value, dict):
            return {
                (self._text_once(name, seen) if self._names and isinstance(name, str) else name): self._walk(
                    item, depth + 1, seen
                )
                for name, item in value.items()
            }
        if isinstance(value, list):
            return [self._walk(item, depth + 1, seen) for item in value]
        return value

    def _text_once(self, text: str, seen: dict[str, str]) -> str:
        scrubbed = seen.get(text)
        if scrubbed is None:
            scrubbed = seen[text] = self.text(text)
        return scrubbed


def _runs(spellings: list[str]) -> set[str]:
    """Every run of the key that counts as the key: each substring of ECHO_RUN characters or
    more (so that leftmost-longest matching takes a whole run at once), or the whole key when
    it is shorter."""
    runs: set[str] = set()
    for spelling in spellings:
        if len(spelling) <= ECHO_RUN:
            runs.add(spelling)
            continue
        for start in range(len(spelling) - ECHO_RUN + 1):
            runs.update(spelling[start:end] for end in range(start + ECHO_RUN, len(spelling) + 1))
    return runs


def _tells(spellings: list[str]) -> set[bytes]:
    """What in raw JSON, lower-cased, could decode to a run of the key: each window of it as
    it is, any escape or fold of one of its characters, and NUL (UTF-16 or UTF-32 JSON)."""
    tells: set[bytes] = {b"\x00"}
    for spelling in spellings:
        if len(spelling) <= ECHO_RUN:
            tells.add(spelling.encode())
        else:
            tells.update(spelling[i : i + ECHO_RUN].encode() for i in range(len(spelling) - ECHO_RUN + 1))
    for char in set("".join(spellings)):
        alike = {char, char.upper(), *(fold for fold, ascii_char in FOLDS.items() if ascii_char == char)}
        for other in alike:
            tells.add(f"\\u{ord(other):04x}".encode())
            if not other.isascii():
                tells.add(other.encode())
        if char in _SHORT_ESCAPES:
            tells.add(b"\\" + char.encode())
    return tells
