"""The `/` filter's little language: words and `field:value` terms, each negated by a leading `-`.

    web                       name, state or an IP contains "web"
    state:running zone:on-1   the State column contains "running" and the Zone column "on-1"
    -state:stopped            not Stopped
    env:prod web              any column whose key or title starts with "env" (the fleet's
                              Environment column): no list of fields to keep up to date
    id:887b7913               the instance's id contains "887b7913" (a field, not a column)

Every term must hold (AND); matching is case-insensitive and by substring. A field is found
by the start of a column's key or title (spaces ignored: `private:10.` is "Private IP"); a
term whose field names no column, or more than one, is matched as plain text instead, so a
typo narrows the rows visibly rather than being ignored or raising. No Textual, no Instance
internals: columns are given (anything with `key`, `label` and `text(instance)`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


class ColumnLike(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def text(self) -> Callable[[Any], str]: ...


@dataclass(frozen=True)
class Term:
    value: str  # lowercased
    column: ColumnLike | None = None  # None: the plain haystack (name, state, IPs)
    negated: bool = False


# A predicate on (instance, its lowercased haystack).
Predicate = Callable[[Any, str], bool]


def _column_named(field: str, columns: Sequence[ColumnLike]) -> ColumnLike | None:
    wanted = field.lower()
    exact = [c for c in columns if wanted in (c.key.lower(), c.label.lower().replace(" ", ""))]
    if exact:
        return exact[0]
    found = [
        c for c in columns if c.key.lower().startswith(wanted) or c.label.lower().replace(" ", "").startswith(wanted)
    ]
    return found[0] if len(found) == 1 else None


def parse(query: str, columns: Sequence[ColumnLike]) -> list[Term]:
    terms = []
    for word in query.split():
        negated = word.startswith("-") and len(word) > 1
        body = word[1:] if negated else word
        field, colon, value = body.partition(":")
        if colon and field and not value and _column_named(field, columns) is not None:
            continue  # `env:` while `env:dev` is being typed: no condition yet, not "no match"
        column = _column_named(field, columns) if colon and field and value else None
        if column is None:
            terms.append(Term(body.lower(), None, negated))
        else:
            terms.append(Term(value.lower(), column, negated))
    return terms


def unknown_fields(query: str, columns: Sequence[ColumnLike]) -> list[str]:
    """The fields of `field:value` terms that name no column (or more than one): matched as
    plain text, which an operator who mistyped a field should be told."""
    unknown = []
    for term in parse(query, columns):
        field, colon, value = term.value.partition(":")  # (a term `parse` took as plain text)
        if term.column is None and colon and field and value and field not in unknown:
            unknown.append(field)
    return unknown


def is_plain(query: str) -> bool:
    """A query the old fast path handles as it is: one substring of the haystack."""
    return not query or (":" not in query and not query.startswith("-") and not any(c.isspace() for c in query))


def compile_query(query: str, columns: Sequence[ColumnLike]) -> Predicate:
    """A predicate for the query; `is_plain` queries keep their one `in` test."""
    if is_plain(query):
        needle = query.lower()
        return lambda _instance, haystack: needle in haystack
    terms = parse(query, columns)

    def holds(instance: Any, haystack: str) -> bool:
        for term in terms:
            text = haystack if term.column is None else term.column.text(instance).lower()
            if (term.value in text) is term.negated:
                return False
        return True

    return holds
