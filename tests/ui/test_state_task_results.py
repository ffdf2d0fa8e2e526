"""Rows patched from our tasks' results, as plain transitions of the view (no Textual), and
how a task's result is read (untrusted: as the loader reads a listed row, or not at all)."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from typing import Any

import pytest

from cca_tui.api.field_caps import FIELD_LIMIT
from cca_tui.api.models import Instance, InstancePublicIp
from cca_tui.fleet.identity import EnvironmentRef, LocatedInstance, RowKey
from cca_tui.ui.rows import arrange
from cca_tui.ui.state import EnvironmentView, ListArrived, LoadProgress
from cca_tui.ui.tasks.results import instance_in_result

NOW = datetime(2026, 12, 2, 12, 0)
PROD = EnvironmentRef("compute-on", "prod")
DEV = EnvironmentRef("compute-qc", "dev")


def row(env: EnvironmentRef, name: str, state: str = "Running", **fields: Any) -> LocatedInstance:
    return LocatedInstance.model_validate(
        {"id": f"id-{name}", "name": name, "state": state, **fields}, context={"environment": env}
    )


def listed(env: EnvironmentRef, *instances: LocatedInstance) -> dict[Hashable, Instance]:
    return {i.key: i for i in instances}


def fleet() -> EnvironmentView:
    view = EnvironmentView.of(PROD, DEV)
    return view.with_lists(
        [
            ListArrived(PROD, listed(PROD, row(PROD, "a", "Stopped"), row(PROD, "b"))),
            ListArrived(DEV, listed(DEV, row(DEV, "a", "Stopped"), row(DEV, "c"))),
        ],
        when=NOW,
    )


def states(view: EnvironmentView) -> dict[str, str]:
    return {f"{key.environment.name}/{key.id}": i.state for key, i in view.instances.items() if isinstance(key, RowKey)}


def test_a_task_result_patches_its_row_alone_in_its_environment() -> None:
    view = fleet().with_filter("running")
    patched = view.with_task_results([row(DEV, "a", "Running")])
    assert states(patched) == {
        "prod/id-a": "Stopped",
        "prod/id-b": "Running",
        "dev/id-a": "Running",
        "dev/id-c": "Running",
    }
    # Filter and sort see it at once, as if a list had brought it.
    assert [i.key for i in patched.rows] == [
        i.key for i in arrange(patched.instances.values(), "running", "name", False)
    ]
    # The others keep their very objects (their caches stay good); only that row changed.
    index = patched.row_index
    assert index is not None and index.changed == [RowKey(DEV, "id-a")] and index.departed == []
    assert patched.by_environment[PROD] is view.by_environment[PROD]
    assert not patched.held_results and patched.refreshed == view.refreshed


def test_a_result_of_an_environment_not_shown_or_of_no_environment_changes_nothing() -> None:
    view = fleet()
    elsewhere = EnvironmentRef("compute-on", "other")
    assert view.with_task_results([row(elsewhere, "a")]) is view
    assert view.with_task_results([Instance(id="id-a", name="a", state="Running")]) is view


def test_a_patched_row_keeps_the_public_ips_its_list_joined() -> None:
    ips = [InstancePublicIp(id="ip-1", ip_address="203.0.113.9", purposes=["STATIC_NAT"])]
    with_ip = row(PROD, "b").model_copy(update={"public_ips": ips})
    view = EnvironmentView.of(PROD).with_instances({with_ip.key: with_ip}, when=NOW, environment=PROD)
    patched = view.with_task_results([row(PROD, "b", "Stopped")])
    assert patched.instances[with_ip.key].state == "Stopped"
    assert patched.instances[with_ip.key].public_ips == ips


def test_a_row_patched_while_its_environment_loads_is_held_against_that_load_only() -> None:
    view = fleet().with_loading(LoadProgress(0), DEV)  # a refresh of dev under way
    patched = view.with_task_results([row(DEV, "a", "Running")])
    assert set(patched.held_results) == {DEV}
    # Its list was read before the task ended (a still Stopped): the row stays as patched.
    older = listed(DEV, row(DEV, "a", "Stopped"), row(DEV, "c", "Stopping"))
    after = patched.with_lists([ListArrived(DEV, older)], when=NOW)
    assert states(after)["dev/id-a"] == "Running" and states(after)["dev/id-c"] == "Stopping"
    assert not after.held_results and DEV not in after.progress
    # The next list was read after the end: taken as it comes.
    newer = listed(DEV, row(DEV, "a", "Stopped"), row(DEV, "c"))
    assert states(after.with_lists([ListArrived(DEV, newer)], when=NOW))["dev/id-a"] == "Stopped"


def test_held_rows_are_dropped_when_the_load_fails_and_never_held_without_a_load() -> None:
    loading = fleet().with_loading(LoadProgress(0), DEV).with_task_results([row(DEV, "a", "Running")])
    failed = loading.with_stale("HTTP 503", DEV)
    assert not failed.held_results and states(failed)["dev/id-a"] == "Running"
    idle = fleet().with_task_results([row(DEV, "a", "Running")])
    assert not idle.held_results


def test_a_first_loads_pages_keep_the_held_rows_they_list() -> None:
    view = EnvironmentView.of(PROD).with_loading(LoadProgress(0), PROD)
    patched = view.with_task_results([row(PROD, "a", "Running")])
    pages = patched.with_lists([ListArrived(PROD, listed(PROD, row(PROD, "a", "Starting")), complete=False)], when=NOW)
    assert [i.state for i in pages.instances.values()] == ["Running"] and pages.held_results
    done = pages.with_lists([ListArrived(PROD, listed(PROD, row(PROD, "a", "Starting"), row(PROD, "b")))], when=NOW)
    assert states(done) == {"prod/id-a": "Running", "prod/id-b": "Running"} and not done.held_results


# --- reading a result -------------------------------------------------------------------


def detail(**changes: Any) -> dict[str, Any]:
    """A retrieved instance as a task's result carries it (the simulator's shape)."""
    shape: dict[str, Any] = {
        "id": "id-a",
        "name": "a",
        "state": "Running",
        "zoneName": "ON-1",
        "cpuCount": 2,
        "memoryInMB": 4096,
        "userData": "#!/bin/sh\necho secret",
        "publicIps": [{"id": "ip-1", "ipAddress": "203.0.113.9", "purposes": ["PORT_FORWARDING"], "ports": ["22"]}],
        "nics": [{"id": "nic-1", "isDefault": True, "networkId": "net-1"}],
        "password": "hunter2",
    }
    shape.update(changes)
    return shape


def test_a_result_that_is_the_instance_makes_its_row_as_a_listed_row() -> None:
    made = instance_in_result(detail(environment={"evil": True}), PROD, "id-a")
    assert made is not None and made.key == RowKey(PROD, "id-a") and made.environment == PROD
    assert (made.state, made.cpu_count, made.memory_in_mb, made.zone_name) == ("Running", 2, 4096, "ON-1")
    # What a list row has not: no user data, addresses, NICs or password in a row.
    assert made.user_data is None and made.public_ips is None and made.nics is None and made.password is None


def test_a_long_value_is_cut_as_the_loader_cuts_it() -> None:
    made = instance_in_result(detail(name="n" * (FIELD_LIMIT + 5)), PROD, "id-a")
    assert made is not None and len(made.name) < FIELD_LIMIT + 50 and made.name.startswith("n" * 100)


@pytest.mark.parametrize(
    "result",
    [
        None,
        "Running",
        ["id-a"],
        {"password": "hunter2"},  # a password reset's result
        {"id": "id-a"},  # a purge's result: the instance is gone, the list says so
        detail(id="id-b"),  # another instance
        detail(id=7),
        detail(state=None),
        detail(state=["Running"]),
        {key: value for key, value in detail().items() if key != "state"},
        {key: value for key, value in detail().items() if key != "name"},
        detail(cpuCount="many"),
        detail(id="i" * (FIELD_LIMIT + 1)),
    ],
    ids=[
        "null",
        "text",
        "list",
        "password",
        "id-only",
        "other-id",
        "id-not-text",
        "state-null",
        "state-list",
        "no-state",
        "no-name",
        "bad-cpu",
        "id-too-long",
    ],
)
def test_a_result_that_is_not_the_instance_makes_no_row(result: Any) -> None:
    assert instance_in_result(result, PROD, "id-a") is None


def test_no_row_without_the_tasks_instance() -> None:
    assert instance_in_result(detail(), PROD, None) is None


def test_an_id_too_long_to_be_an_id_makes_no_row_even_for_that_id() -> None:
    long_id = "i" * (FIELD_LIMIT + 1)
    assert instance_in_result(detail(id=long_id), PROD, long_id) is None
