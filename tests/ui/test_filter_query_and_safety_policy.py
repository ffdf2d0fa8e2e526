"""The filter's terms (filter_query.py) and the safety policy (safety.py): plain functions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from cca_tui.api.models import Instance
from cca_tui.ui.actions import Action
from cca_tui.ui.filter_query import compile_query, is_plain
from cca_tui.ui.rows import COLUMNS, RowIndex, arrange, haystack, matches
from cca_tui.ui.safety import SafetyPolicy
from cca_tui.ui.state import EnvironmentRef


def instance(name: str, state: str, zone: str, ip: str = "10.0.0.1") -> Instance:
    return Instance.model_validate(
        {"id": f"id-{name}", "name": name, "state": state, "zoneName": zone, "ipAddress": ip}
    )


FLEET = [
    instance("web-1", "Running", "ON-1"),
    instance("web-2", "Stopped", "ON-1"),
    instance("web-3", "Running", "QC-1", "10.0.0.9"),
    instance("db-1", "Running", "ON-1"),
]


def names(query: str) -> list[str]:
    holds = compile_query(query, COLUMNS)
    return [i.name for i in FLEET if holds(i, haystack(i))]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("web", ["web-1", "web-2", "web-3"]),
        ("state:running", ["web-1", "web-3", "db-1"]),
        ("-state:running", ["web-2"]),
        ("state:running zone:on-1", ["web-1", "db-1"]),
        ("state:running -zone:on-1 web", ["web-3"]),
        ("-web", ["db-1"]),
        ("Zone:qc", ["web-3"]),  # the column's title, any case
        ("private:10.0.0.9", ["web-3"]),  # a title's start, spaces ignored ("Private IP")
        ("ip:10.0.0.9", ["web-3"]),  # the column's key
        ("env:prod", []),  # no such column here: plain text, which nothing contains
        # A field being typed, its value not yet: no condition (not "no instance matches").
        ("state:", ["web-1", "web-2", "web-3", "db-1"]),
        ("web state:", ["web-1", "web-2", "web-3"]),
        ("-zone:", ["web-1", "web-2", "web-3", "db-1"]),
        ("nosuchfield:", []),  # names no column: plain text still
    ],
)
def test_terms(query: str, expected: list[str]) -> None:
    assert names(query) == expected


def test_the_id_is_a_field_of_the_filter_not_a_word_of_it() -> None:
    """An operator finds an instance by the id a ticket names (`id:`); plain words search
    what the table shows (every filter letter searches it: no id in it)."""
    assert [i.name for i in FLEET if matches(i, "id:web-3")] == ["web-3"]
    assert [i.name for i in FLEET if matches(i, "ID:id-DB")] == ["db-1"]
    assert [i.name for i in FLEET if matches(i, "-id:web")] == ["db-1"]
    assert [i.name for i in FLEET if matches(i, "id-web")] == []


def test_a_column_added_later_is_filterable_by_its_key_or_title() -> None:
    """The fleet view adds an Environment column: `env:` works without a list of fields."""

    @dataclass(frozen=True)
    class Extra:
        key: str = "environment"
        label: str = "Environment"

        @property
        def text(self) -> Callable[[Instance], str]:
            return lambda i: "compute-on/production" if i.name.startswith("web") else "compute-qc/dev"

    holds = compile_query("env:prod -state:stopped", (*COLUMNS, Extra()))
    assert [i.name for i in FLEET if holds(i, haystack(i))] == ["web-1", "web-3"]


def test_row_index_and_arrange_agree_on_structured_queries() -> None:
    index = RowIndex({i.id: i for i in FLEET})
    for query in ("state:running -zone:qc", "web -state:stopped", "web"):
        assert index.arrange(query, "name", False) == arrange(FLEET, query, "name", False)


def test_plain_queries_keep_the_fast_path() -> None:
    assert is_plain("web") and is_plain("")
    assert not is_plain("state:running") and not is_plain("-web") and not is_plain("two words")


PROD = EnvironmentRef("compute-on", "production")
DEV = EnvironmentRef("compute-qc", "dev")


def test_policy_asks_per_setting_and_always_when_protected() -> None:
    policy = SafetyPolicy(frozenset({"stop"}), ("prod*",))
    assert policy.is_protected(PROD) and not policy.is_protected(DEV)
    assert policy.asks(Action.STOP, DEV) and not policy.asks(Action.START, DEV)
    assert policy.asks(Action.START, PROD)  # every mutation in a protected environment
    assert SafetyPolicy(protected_patterns=("compute-qc/*",)).is_protected(DEV)


def test_typed_text_is_the_name_for_one_and_the_count_for_many() -> None:
    policy = SafetyPolicy(protected_patterns=("production",))
    assert policy.text_to_type(Action.DESTROY, PROD, ["web-1"]) == "web-1"
    assert policy.text_to_type(Action.DESTROY, PROD, ["web-1", "web-2", "web-3"]) == "3"
    assert policy.text_to_type(Action.PURGE, PROD, ["a", "b"]) == "2"
    assert policy.text_to_type(Action.STOP, PROD, ["web-1"]) is None
    assert policy.text_to_type(Action.DESTROY, DEV, ["web-1"]) is None
