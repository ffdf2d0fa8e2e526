"""Fitting a line of segments into one row: the least useful give way first. No Textual.

The status line says many things (profile, environments, counts, sort, marks, loading,
freshness, what is wrong); a wide terminal has room for all of them, a narrow one does
not, and a second row would push the table down (and lay the screen out again each time
the line's length crossed the edge). So each segment says how it gives way: its shorter
forms, and at which rank it takes each one (the lower the rank, the sooner), the last
form empty when it may go altogether. The line takes the steps in order of rank until it
fits. A segment whose last form is still too long may be cut at its end, down to what it
must keep (a stale environment's name, not the whole of the server's reason); only when
that is not enough is the line itself cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text

SEPARATOR = " │ "


@dataclass(frozen=True)
class Segment:
    # The full form first, then each shorter one; an empty last form: the segment may go.
    forms: tuple[Text, ...]
    # The rank at which it gives up each form for the next one (one fewer than forms,
    # ascending): the lower, the sooner it gives way.
    ranks: tuple[int, ...] = ()
    # If set, its last form may be cut at the end down to this many cells and an ellipsis,
    # when giving up every form was not enough.
    keep: int | None = None

    def __post_init__(self) -> None:
        if len(self.ranks) != len(self.forms) - 1 or list(self.ranks) != sorted(self.ranks):
            raise ValueError("one ascending rank per shorter form")


def segment(*forms: Text | str, ranks: Sequence[int] = (), keep: int | None = None) -> Segment:
    """A segment of plain strings or Texts (a string is taken literally, never as markup)."""
    return Segment(tuple(f if isinstance(f, Text) else Text(f, end="") for f in forms), tuple(ranks), keep)


def _joined(texts: Sequence[Text]) -> Text:
    return Text(SEPARATOR, end="").join(text for text in texts if text.cell_len)


def _width(widths: Sequence[int]) -> int:
    """The cells of the segments of these widths joined (an empty one takes no separator)."""
    shown = [width for width in widths if width]
    return sum(shown) + len(SEPARATOR) * max(len(shown) - 1, 0)


def fit(segments: Sequence[Segment], width: int) -> Text:
    """The segments on one row of `width` cells, each in the longest form that lets the
    more useful ones keep theirs."""
    # Measured by widths, joined once: it runs at every selection key.
    chosen = [segment.forms[0] for segment in segments]
    widths = [text.cell_len for text in chosen]
    steps = sorted(
        (rank, index, form)
        for index, segment in enumerate(segments)
        for form, rank in enumerate(segment.ranks, start=1)
    )
    for _rank, index, form in steps:
        if _width(widths) <= width:
            break
        chosen[index] = segments[index].forms[form]
        widths[index] = chosen[index].cell_len
    over = _width(widths) - width
    # Still too long: cut the cuttable ones, the last first (the end of a line is read last).
    for index in reversed(range(len(segments))):
        keep = segments[index].keep
        if over <= 0:
            break
        if keep is None or widths[index] <= keep + 1:
            continue
        room = max(keep + 1, widths[index] - over)  # what it keeps, and the ellipsis
        over -= widths[index] - room
        chosen[index] = chosen[index].copy()
        chosen[index].truncate(room, overflow="ellipsis")
    line = _joined(chosen)
    if line.cell_len > width:
        line.truncate(max(width, 0), overflow="ellipsis")
    return line
