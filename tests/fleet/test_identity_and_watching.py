"""Row identity, the environments a pattern names, and what watching reports (no Textual)."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime

from cca_tui.api.models import Instance
from cca_tui.fleet.identity import EnvironmentRef, LocatedInstance, RowKey, located
from cca_tui.fleet.scope import is_pattern, matching_environments
from cca_tui.fleet.watching import changes_behind_our_back
from cca_tui.ui.state import EnvironmentView

PROD = EnvironmentRef("compute-on", "prod")
DEV = EnvironmentRef("compute-on", "dev")
NOW = datetime(2026, 12, 1, 12, 0)


def row(env: EnvironmentRef, instance_id: str, name: str, state: str = "Running") -> LocatedInstance:
    return LocatedInstance.model_validate(
        {"id": instance_id, "name": name, "state": state}, context={"environment": env}
    )


def test_two_web_1_with_the_same_id_in_two_environments_are_two_rows() -> None:
    a, b = row(PROD, "same-id", "web-1"), row(DEV, "same-id", "web-1", "Stopped")
    assert a.key == RowKey(PROD, "same-id") != b.key == RowKey(DEV, "same-id")
    view = EnvironmentView.of(PROD, DEV).with_instances([a], when=NOW, environment=PROD)
    view = view.with_instances([b], when=NOW, environment=DEV)
    assert len(view.rows) == 2 and view.is_fleet
    assert [(str(i.environment), i.state) for i in view.rows if isinstance(i, LocatedInstance)] == [
        ("compute-on/dev", "Stopped"),
        ("compute-on/prod", "Running"),
    ]
    chosen = view.with_selection(RowKey(PROD, "same-id"))
    assert chosen.selected is a
    # One environment's refresh leaves the other's rows alone.
    again = chosen.with_instances([], when=NOW, environment=DEV)
    assert [i.key for i in again.rows] == [a.key] and again.selected is a


def test_a_stale_environment_keeps_its_rows_and_is_named() -> None:
    view = EnvironmentView.of(PROD, DEV, EnvironmentRef("x", "y"))
    view = view.with_instances([row(PROD, "1", "a")], when=NOW, environment=PROD)
    view = view.with_stale("HTTP 503", environment=DEV)
    # dev never loaded: no row of it can carry the mark, so the reason says so.
    assert view.stale_reason == "1 of 3 environments: compute-on/dev: not loaded: HTTP 503 (E lists them)"
    loaded_once = view.with_instances([row(DEV, "2", "b")], when=NOW, environment=DEV).with_stale("HTTP 503", DEV)
    assert loaded_once.stale_reason == "1 of 3 environments: compute-on/dev: HTTP 503 (E lists them)"
    assert [i.name for i in view.rows] == ["a"]
    assert view.with_instances([], when=NOW, environment=DEV).stale_reason is None


def test_the_environment_column_sorts_and_filters() -> None:
    view = EnvironmentView.of(PROD, DEV)
    view = view.with_instances([row(PROD, "1", "a")], when=NOW, environment=PROD)
    view = view.with_instances([row(DEV, "2", "b")], when=NOW, environment=DEV)
    assert [i.name for i in view.with_sort("env").rows] == ["b", "a"]
    assert [i.name for i in view.with_filter("prod").rows] == ["a"]


def test_located_keeps_a_retrieved_instance_in_its_environment() -> None:
    placed = located(Instance(id="i", name="n"), PROD)
    assert placed.key == RowKey(PROD, "i") and located(placed, PROD) is placed


def test_patterns() -> None:
    envs = [PROD, DEV, EnvironmentRef("compute-qc", "prod-2")]
    assert is_pattern("all") and is_pattern("compute-on/prod*") and not is_pattern("compute-on/prod")
    assert matching_environments(envs, "all") == envs
    assert matching_environments(envs, "*/prod*") == [PROD, envs[2]]
    assert matching_environments(envs, "compute-on/d?v") == [DEV]


def test_watching_reports_what_we_did_not_do() -> None:
    web, db, old = row(PROD, "1", "web"), row(PROD, "2", "db"), row(PROD, "3", "old")
    before: dict[Hashable, Instance] = {i.key: i for i in (web, db, old)}
    after: dict[Hashable, Instance] = {web.key: row(PROD, "1", "web", "Error"), db.key: row(PROD, "2", "db", "Stopped")}
    changes = changes_behind_our_back(before, after, ours=set())
    assert {(c.name, c.kind) for c in changes} == {("web", "error"), ("db", "left-running"), ("old", "gone")}
    # Our own stop of db is not news; a narrowed profile hears only errors; off hears nothing.
    assert {c.name for c in changes_behind_our_back(before, after, ours={db.key})} == {"web", "old"}
    assert [c.name for c in changes_behind_our_back(before, after, ours=set(), kinds=("error",))] == ["web"]
    assert changes_behind_our_back(before, after, ours=set(), kinds=()) == []
    assert changes_behind_our_back(None, after, ours=set()) == []  # a first load is no news


def test_news_marks_stay_until_the_row_is_selected() -> None:
    a, b = row(PROD, "1", "a"), row(PROD, "2", "b")
    view = EnvironmentView.of(PROD).with_instances([a, b], when=NOW)
    assert view.selected_key == a.key
    marked = view.with_news({a.key, b.key})
    assert marked.news == {b.key}  # the selected row is seen already
    assert marked.with_selection(b.key).news == frozenset()


def test_until_the_operator_moves_the_first_row_is_selected_whatever_order_environments_arrive_in() -> None:
    late, early = row(DEV, "1", "a"), row(PROD, "2", "b")
    view = EnvironmentView.of(PROD, DEV).with_instances([early], when=NOW, environment=PROD)
    assert view.selected_key == early.key
    view = view.with_instances([late], when=NOW, environment=DEV)
    assert view.selected_key == late.key  # "a" sorts first: the same picture whoever answered first
    chosen = view.with_selection(early.key)
    again = chosen.with_instances([late], when=NOW, environment=DEV)
    assert again.selected_key == early.key  # the operator's choice stays
