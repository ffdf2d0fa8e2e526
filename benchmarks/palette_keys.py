"""The command palette (ctrl+p) at fleet size, as a real terminal delivers its keys (see
terminal.py), each timed from its bytes to the end of the first frame that shows its result:

- `palette_open_ms`: ctrl+p to the palette's input on screen;
- `palette_paste_ms`: an instance's name pasted (its bytes in one write, after the palette
  opened) to its "Go to" entry listed;
- `palette_letter_ms`: the last letter of a name typed after the rest, to the entries of
  that name alone (the rest also matched a name that differs in its last letter).

Called from scale.py's terminal measure, once the keys measured there are done.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from typing import Any

from terminal import KEYS, Terminal

ROUNDS = 3
_GO_TO = re.compile(r"Go to (\S+)")


def _name_pair(names: list[str]) -> tuple[str, str] | None:
    """Two names (from a third of the way down) that differ only in their last letter."""
    for n in range(len(names) // 3, len(names) - 1):
        name, following = names[n], names[n + 1]
        if name != following and len(name) == len(following) > 1 and name[:-1] == following[:-1]:
            return name, following
    return None


def _lists_only(prefix: str) -> Callable[[str], bool]:
    """A frame whose "Go to" entries are all of names that start with `prefix` (one at least)."""

    def shows(frame: str) -> bool:
        listed = _GO_TO.findall(frame)
        return bool(listed) and all(name.startswith(prefix) for name in listed)

    return shows


def _summary(values: list[float | None]) -> dict[str, float | None]:
    known = [v for v in values if v is not None]
    if not known:
        return {"min": None, "median": None, "max": None}
    return {"min": min(known), "median": round(statistics.median(known), 1), "max": max(known)}


def measure_palette(term: Terminal, names: list[str], pace: float) -> dict[str, Any]:
    KEYS.setdefault("ctrl+p", b"\x10")
    KEYS.setdefault("backspace", b"\x7f")
    pair = _name_pair(names)
    if pair is None:
        return {}
    other, name = pair
    opens: list[float | None] = []
    pastes: list[float | None] = []
    letters: list[float | None] = []

    def timed(key: str, shows: Callable[[str], bool]) -> float | None:
        term.settle()
        time.sleep(pace)
        term.settle()
        started = term.send(key)
        shown = term.wait_frame(shows, started, 30.0)
        return None if shown is None else round((shown - started) * 1000, 1)

    for _ in range(ROUNDS):
        opens.append(timed("ctrl+p", lambda frame: "Search for commands" in frame))
        pastes.append(timed(other, lambda frame: other in _GO_TO.findall(frame)))
        # The name less its last letter: both names listed, then the other's last letter.
        started = term.send("backspace")
        term.wait_frame(lambda frame: any(not n.startswith(other) for n in _GO_TO.findall(frame)), started, 30.0)
        letters.append(timed(name[-1], _lists_only(name)))
        started = term.send("escape")
        term.wait_frame(lambda frame: "Search for commands" not in frame and "Go to" not in frame, started, 30.0)
    return {
        "palette_open_ms": _summary(opens),
        "palette_paste_ms": _summary(pastes),
        "palette_letter_ms": _summary(letters),
        "palette_names": [other, name],
    }
