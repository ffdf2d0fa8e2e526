"""The environment's state as plain transitions: filter, sort, selection, tasks (no Textual)."""

from __future__ import annotations

from datetime import datetime

from cca_tui.api.models import Instance
from cca_tui.ui.state import EnvironmentRef, EnvironmentView, TaskRow
from tests.typed import not_none

NOW = datetime(2026, 11, 29, 12, 0)


def instance(name: str, state: str = "Running", ip: str = "10.0.0.1") -> Instance:
    return Instance(id=f"id-{name}", name=name, state=state, ip_address=ip)


def loaded(*instances: Instance) -> EnvironmentView:
    return EnvironmentView.of(EnvironmentRef("compute-on", "env")).with_instances(list(instances), when=NOW)


def names(view: EnvironmentView) -> list[str]:
    return [i.name for i in view.rows]


def test_rows_sorted_by_name_and_first_selected() -> None:
    view = loaded(instance("web-2"), instance("api"), instance("Web-1"))
    assert names(view) == ["api", "Web-1", "web-2"]
    assert view.selected_key == "id-api"
    assert view.loaded and view.last_refresh == NOW and view.stale_reason is None


def test_filter_keeps_the_selection_while_it_matches() -> None:
    view = loaded(instance("api"), instance("web-1"), instance("web-2")).with_selection("id-web-2")
    filtered = view.with_filter("web")
    assert names(filtered) == ["web-1", "web-2"] and filtered.selected_key == "id-web-2"


def test_filter_moves_the_selection_to_the_same_place_when_it_leaves() -> None:
    view = loaded(instance("a"), instance("b"), instance("c", state="Stopped")).with_selection("id-b")
    filtered = view.with_filter("stopped")
    assert names(filtered) == ["c"] and filtered.selected_key == "id-c"
    assert filtered.with_filter("nothing matches").selected_key is None


def test_filter_matches_state_and_ip_case_insensitively() -> None:
    view = loaded(instance("a", ip="10.1.1.1"), instance("b", state="Error", ip="10.2.2.2"))
    assert names(view.with_filter("ERROR")) == ["b"]
    assert names(view.with_filter("10.1.")) == ["a"]


def test_sorting_the_same_column_flips_it_and_unknown_columns_are_ignored() -> None:
    view = loaded(instance("a", state="Stopped"), instance("b", state="Running"))
    by_state = view.with_sort("state")
    assert names(by_state) == ["b", "a"] and by_state.sort_column == "state" and not by_state.sort_reverse
    assert names(by_state.with_sort("state")) == ["a", "b"] and by_state.with_sort("state").sort_reverse
    assert view.with_sort("no-such-column") is view


def test_a_refresh_keeps_filter_sort_and_selection() -> None:
    view = loaded(instance("a"), instance("b"), instance("c")).with_filter("b").with_sort("name")
    view = view.with_selection("id-b")
    fresh = view.with_instances([instance("a"), instance("b", state="Stopped"), instance("c")], when=NOW)
    assert names(fresh) == ["b"] and fresh.selected_key == "id-b" and not_none(fresh.selected).state == "Stopped"


def test_stale_keeps_the_rows() -> None:
    view = loaded(instance("a")).with_stale("Cannot reach the API")
    assert names(view) == ["a"] and view.stale_reason == "Cannot reach the API"
    assert view.with_instances([instance("a")], when=NOW).stale_reason is None


def test_a_fleet_that_goes_down_says_one_reason_and_counts_the_others() -> None:
    """An outage makes every environment stale with the same words: the status line says the
    first in full and counts the rest (three lines of it at 120 columns otherwise)."""
    envs = [EnvironmentRef("compute-on", name) for name in ("a", "b", "c")]
    view = EnvironmentView.of(*envs).with_instances([], when=NOW, environment=envs[0])
    for env in envs:
        view = view.with_stale(f"Cannot reach the API (GET {env.name}/instances)", env)
    assert view.stale_reason == (
        "3 of 3 environments: compute-on/a: Cannot reach the API (GET a/instances); and 2 more (E lists them)"
    )


def test_tasks_and_busy_come_together() -> None:
    row = TaskRow("t1", NOW, "Stop", "a", "PENDING", "")
    view = loaded(instance("a")).with_tasks([row], {"id-a": "Stop"})
    assert view.tasks == (row,) and view.busy == {"id-a": "Stop"}


def test_transitional_states_are_noticed() -> None:
    assert not loaded(instance("a")).has_transitional
    assert loaded(instance("a", state="Stopping")).has_transitional
