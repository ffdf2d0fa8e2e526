"""The bulk plan as plain functions: gates per marked row, the question's grouping, the summary."""

from __future__ import annotations

from datetime import datetime

from cca_tui.api.models import Instance
from cca_tui.fleet.identity import EnvironmentRef, LocatedInstance, located
from cca_tui.ui import bulk
from cca_tui.ui.actions import SPEC_BY_ACTION, Action
from cca_tui.ui.state import EnvironmentView
from cca_tui.ui.tasks.records import TaskStatus, TrackedTask

NOW = datetime(2026, 12, 1, 12, 0)


def fleet(count: int) -> tuple[EnvironmentView, list[EnvironmentRef]]:
    """`count` environments, each with web-1 Running and web-3 Stopped, every row marked."""
    envs = [EnvironmentRef("compute-on", f"env-{n:02}") for n in range(count)]
    view = EnvironmentView(tuple(envs))
    for env in envs:
        rows = [
            located(Instance(id=f"{env.name}-1", name="web-1", state="Running"), env),
            located(Instance(id=f"{env.name}-3", name="web-3", state="Stopped"), env),
        ]
        view = view.with_instances(rows, when=NOW, environment=env)
    return view.with_all_shown_marked(), envs


def where(instance: Instance) -> EnvironmentRef:
    assert isinstance(instance, LocatedInstance)
    return instance.environment


def test_plan_gates_each_marked_row_and_groups_by_environment() -> None:
    view, envs = fleet(2)
    plan = bulk.plan(SPEC_BY_ACTION[Action.STOP], view, where, read_only=False, profile="p")
    assert [(str(env), i.name) for env, i in plan.runnable] == [(str(envs[0]), "web-1"), (str(envs[1]), "web-1")]
    assert [(str(s.environment), s.reason) for s in plan.skipped] == [
        (str(envs[0]), "web-3 is Stopped"),
        (str(envs[1]), "web-3 is Stopped"),
    ]
    text = bulk.question(plan, lambda env: env == envs[1])
    assert text.splitlines() == [
        "Stop 2 instances:",
        f"  {envs[1]} (protected): web-1",
        f"  {envs[0]}: web-1",
        "Skipped 2:",
        f"  {envs[0]}: web-3 is Stopped",
        f"  {envs[1]}: web-3 is Stopped",
    ]


def test_a_busy_row_is_skipped_with_what_it_is_busy_with() -> None:
    view, _envs = fleet(1)
    key = next(k for k, i in view.instances.items() if i.name == "web-1")
    view = view.with_tasks((), {key: "Reboot"})
    plan = bulk.plan(SPEC_BY_ACTION[Action.STOP], view, where, read_only=False, profile="p")
    assert plan.runnable == ()
    assert [s.reason for s in plan.skipped] == ["web-1 is busy: Reboot in progress", "web-3 is Stopped"]


def test_many_environments_keep_the_question_short() -> None:
    view, envs = fleet(20)
    plan = bulk.plan(SPEC_BY_ACTION[Action.START], view, where, read_only=False, profile="p")
    lines = bulk.question(plan, lambda env: env in envs[-2:]).splitlines()
    assert lines[0] == "Start 20 instances:"
    # The protected ones, last in the fleet's order, are named first, before the list is cut.
    assert [line.split(":")[0] for line in lines[1:3]] == [f"  {envs[-2]} (protected)", f"  {envs[-1]} (protected)"]
    assert lines[1 + bulk.ENVIRONMENTS_SHOWN] == "  and 14 more environments (14 instances)"
    assert lines[-1] == "  and 14 more environments (14 instances)"
    assert len(lines) == 2 * (bulk.ENVIRONMENTS_SHOWN + 2)


def test_summary_counts_each_outcome() -> None:
    env = EnvironmentRef("compute-on", "p")
    statuses = [TaskStatus.SUCCESS, TaskStatus.SUCCESS, TaskStatus.FAILED, TaskStatus.NOT_DONE, TaskStatus.EXPIRED]
    records = [
        TrackedTask(f"t{n}", env, Action.STOP, f"i{n}", f"web-{n}", NOW, status=status)
        for n, status in enumerate(statuses)
    ]
    text = bulk.summary("Stop", records, ["web-9 is Stopped"])
    assert text.startswith("Stop: 2 succeeded, 1 failed, 1 not done, 1 unknown; 1 skipped (web-9 is Stopped)")
    assert "task log" in text and "R retries" in text


def test_marks_drop_an_instance_that_disappears_and_survive_sort() -> None:
    view, envs = fleet(1)
    assert len(view.marked) == 2
    view = view.with_sort("state")
    assert len(view.marked) == 2
    web1 = [i for i in view.instances.values() if i.name == "web-1"]
    view = view.with_instances(web1, when=NOW, environment=envs[0])
    assert {view.instances[k].name for k in view.marked} == {"web-1"}
