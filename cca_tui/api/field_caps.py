"""A bounded cost for every value a server sends: each string of a row is cut as it is read.

One instance whose name is 50 MB used to stall the app for minutes: every cell render, every
filter and sort key, every copy went through it. A value longer than FIELD_LIMIT is cut
there and marked, so it costs what a long value costs, and the row still shows. An `id` that
long is no id at all (a cut one would address another entity): such a row is refused.
"""

from __future__ import annotations

from typing import Any

# Characters kept of one string value: names are at most 63, user data a few KiB.
FIELD_LIMIT = 16 * 1024
_MAX_DEPTH = 8  # nested deeper than the models read: left as it is (pydantic refuses it)


class FieldTooLong(ValueError):
    """An identifier longer than FIELD_LIMIT: the row cannot be used."""

    def __init__(self, field: str, length: int) -> None:
        self.field = field
        self.length = length
        super().__init__(f"{field} is {length} characters long: more than {FIELD_LIMIT}")


def cut_mark(length: int) -> str:
    return f"… [cut: {length} characters]"


def cap_fields(row: Any, limit: int = FIELD_LIMIT) -> Any:
    """`row` with every string longer than `limit` cut and marked (a copy where something was
    cut, the same object otherwise). Raises FieldTooLong for an over-long `id`."""
    return _cap(row, limit, 0, "")


def _cap(value: Any, limit: int, depth: int, key: str) -> Any:
    if isinstance(value, str):
        if len(value) <= limit:
            return value
        if key == "id":
            raise FieldTooLong(key, len(value))
        return value[:limit] + cut_mark(len(value))
    if depth >= _MAX_DEPTH:
        return value
    if isinstance(value, dict):
        changed = None
        for name, item in value.items():
            capped = _cap(item, limit, depth + 1, name if isinstance(name, str) else "")
            if capped is not item:
                changed = changed if changed is not None else dict(value)
                changed[name] = capped
        return value if changed is None else changed
    if isinstance(value, list):
        capped_items = [_cap(item, limit, depth + 1, key) for item in value]
        return value if all(a is b for a, b in zip(capped_items, value, strict=True)) else capped_items
    return value
