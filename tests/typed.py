"""Narrowing for tests: a value the code under test may leave out, which the test needs."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def not_none(value: T | None) -> T:
    """The value, asserting it is there (a None fails the test here, with this message)."""
    assert value is not None, "expected a value, got None"
    return value
