"""Finding instances by name or id among tens of thousands, for the palette's "Go to" entries.

Fuzzy-matching every name in Python cost a pasted name 1.5 s at 50,000 instances (and a
prompt was built for each). Here the names and the ids of a list are lowercased once into a
few long strings, and a query is a few `str.find` calls on them (C speed): exact names and
ids first, then those that start with the query, then those that hold it, up to a limit.

An index is good for as long as the list it was built from; it is built a chunk at a time
(`JumpIndexBuild.step`), so that the loop is given back between chunks.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from operator import attrgetter
from typing import Final, NamedTuple

from cca_tui.api.models import Instance

# Between the texts of two instances; a text that holds it has it replaced by a stand-in.
SEPARATOR: Final = "\x00"
_STAND_IN: Final = "\ufffd"
# Instances per chunk: a chunk's text is a few tens of kB, and a match's row in it is the
# count of separators before it (C speed), so no table of offsets is kept or built.
CHUNK: Final = 2000

# How a text matches the query, best first.
EXACT: Final = 0
START: Final = 1
INSIDE: Final = 2
CLOSENESS: Final = (EXACT, START, INSIDE)
# Which text matched; the name before the id at equal closeness.
NAME: Final = 0
ID: Final = 1
FIELDS: Final = (NAME, ID)
_READ = (attrgetter("name"), attrgetter("id"))


class Found(NamedTuple):
    instance: Instance
    closeness: int  # EXACT, START or INSIDE
    field: int  # NAME or ID
    source: int  # which of the indexes searched it came from


def chunk_text(values: list[str]) -> str:
    """Texts lowercased, each between two separators (`str.lower` never makes a separator)."""
    joined = SEPARATOR.join(values)
    if joined.count(SEPARATOR) != len(values) - 1:  # a text holds the separator: stand-ins
        joined = SEPARATOR.join(value.replace(SEPARATOR, _STAND_IN) for value in values)
    return (SEPARATOR + joined + SEPARATOR).lower()


def _rows_in(text: str, pattern: str, leading: bool) -> Iterator[int]:
    """The rows of one chunk's text holding `pattern` (which starts with the separator when
    `leading`: then it starts at the separator before its row's text), each once, in order."""
    position = text.find(pattern)
    row, counted = -1, 0  # the separators before `counted`, less one: the row there
    while position != -1:
        inside = position + 1 if leading else position
        row += text.count(SEPARATOR, counted, inside)
        yield row
        end = text.find(SEPARATOR, inside)  # where its row's text ends
        counted = end
        position = text.find(pattern, end if leading else end + 1)


class JumpIndex:
    """The instances of one list (in its order), findable by name or by id."""

    __slots__ = ("chunks", "instances")

    def __init__(self, instances: Sequence[Instance], chunks: list[tuple[str, str]]) -> None:
        self.instances = instances
        self.chunks = chunks  # per CHUNK instances: (their names, their ids), see chunk_text

    @classmethod
    def of(cls, instances: Sequence[Instance]) -> JumpIndex:
        build = JumpIndexBuild(instances)
        while not build.step():
            pass
        return build.index

    def rows(self, needle: str, closeness: int, field: int) -> Iterator[int]:
        """The rows whose `field` is `needle` (EXACT), starts with it (START, exact ones
        included) or holds it (INSIDE, all the above included), in order."""
        if closeness == EXACT:
            pattern, leading = SEPARATOR + needle + SEPARATOR, True
        elif closeness == START:
            pattern, leading = SEPARATOR + needle, True
        else:
            pattern, leading = needle, False
        if not needle and closeness != EXACT:
            yield from range(len(self.instances))
            return
        for number, texts in enumerate(self.chunks):
            first = number * CHUNK
            for row in _rows_in(texts[field], pattern, leading):
                yield first + row


class JumpIndexBuild:
    """A JumpIndex made a chunk at a time: `step()` until it says done, then `index`."""

    def __init__(self, instances: Sequence[Instance]) -> None:
        self.index = JumpIndex(instances, [])
        self.done = not instances

    def step(self) -> bool:
        """Index the next chunk (~1 ms); True when every instance is indexed."""
        index = self.index
        if not self.done:
            start = len(index.chunks) * CHUNK
            part = index.instances[start : start + CHUNK]
            names, ids = (chunk_text(list(map(read, part))) for read in _READ)
            index.chunks.append((names, ids))
            self.done = start + CHUNK >= len(index.instances)
        return self.done


def normalised(query: str) -> str:
    """What the instances' texts are searched for: the query lowercased, without a leading
    "go to " (the entries read "Go to <name>"), a separator made the stand-in for it."""
    needle = query.lower().strip()
    if needle == "go to":  # "Go to" and nothing yet (the palette strips what it is given)
        return ""
    return needle.removeprefix("go to ").strip().replace(SEPARATOR, _STAND_IN)


def find(indexes: Sequence[JumpIndex], needle: str, limit: int, exact_limit: int | None = None) -> list[Found]:
    """Up to `limit` instances whose name or id holds `needle` (see `normalised`), best first:
    exact names, exact ids, names that start with it, ids that do, then names and ids that
    hold it; within each, the indexes in their order and each index's instances in its
    order. Exact matches are cut at `exact_limit` instead, when it is larger (a name typed
    in full finds every instance of that name, across every environment). An instance is
    found once, by its best match (and the first index that has it: the same row key in two
    views is the same instance)."""
    found: list[Found] = []
    seen: set[object] = set()
    for closeness in CLOSENESS:
        at_most = max(limit, exact_limit or 0) if closeness == EXACT else max(limit, len(found))
        for field in FIELDS:
            for source, index in enumerate(indexes):
                if len(found) >= at_most:
                    break
                for row in index.rows(needle, closeness, field):
                    instance = index.instances[row]
                    key = instance.key
                    if key in seen:
                        continue
                    seen.add(key)
                    found.append(Found(instance, closeness, field, source))
                    if len(found) >= at_most:
                        break
    return found
