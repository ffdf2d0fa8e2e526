"""Tasks that end together (a bulk action's) are shown together: their rows patched in one
new view, not one view each (each one a patch of the fleet's orders, a measuring and a frame)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import pytest

from cca_tui.api.models import Instance
from cca_tui.fleet.identity import environment_of
from cca_tui.sim.server import SimServer
from cca_tui.ui.state import EnvironmentView, TaskRow
from cca_tui.ui.tasks.messages import TaskChanged
from tests.ui.app_harness import open_app, wait_until


def stopped(n: int, instance: Instance) -> TaskRow:
    """A stop of `instance` that ended with the instance, stopped, as its result."""
    environment = environment_of(instance)
    now = datetime.now()
    return TaskRow(
        key=f"t{900 + n}",
        started=now,
        action="Stop",
        instance=instance.name,
        status="SUCCESS",
        outcome="stopped",
        environment=environment,
        instance_id=instance.id,
        ended=now,
        instance_after=instance.model_copy(update={"state": "Stopped"}),
    )


def recording_patches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The rows of each view made from tasks' results, as they are made."""
    patches: list[int] = []
    with_task_results = EnvironmentView.with_task_results

    def recording(view: EnvironmentView, instances: Iterable[Instance]) -> EnvironmentView:
        instances = list(instances)
        patches.append(len(instances))
        return with_task_results(view, instances)

    monkeypatch.setattr(EnvironmentView, "with_task_results", recording)
    return patches


async def test_rows_of_tasks_that_end_together_are_patched_in_one_view(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    patches = recording_patches(monkeypatch)
    async with open_app(sim, tmp_path, environment="compute-on/production") as op:
        screen, tracker = op.screen, op.app.tracker
        assert tracker is not None
        running = [instance for instance in screen.view.rows if instance.state == "Running"][:3]
        assert len(running) == 3
        environment = environment_of(running[0])
        assert environment is not None
        # Three stops ended in one poll round: their messages are queued before the screen
        # handles the first.
        for n, instance in enumerate(running):
            screen.post_message(TaskChanged(stopped(n, instance), tracker.board(environment)))
        await wait_until(op.pilot, lambda: all(screen.view.instances[i.key].state == "Stopped" for i in running))
        assert patches == [3]


async def test_tasks_that_end_soon_after_the_last_applied_wait_and_go_together(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bulk action's tasks end a few a second, one poll reply at a time: each applied
    alone was a new view of the fleet. The first after a quiet spell goes at once; the ones
    within TASK_CHANGES_EVERY of it wait and go together."""
    monkeypatch.setattr("cca_tui.ui.screens.instances.TASK_CHANGES_EVERY", 0.3)
    patches = recording_patches(monkeypatch)
    async with open_app(sim, tmp_path, environment="compute-on/production") as op:
        screen, tracker = op.screen, op.app.tracker
        assert tracker is not None
        running = [instance for instance in screen.view.rows if instance.state == "Running"][:3]
        environment = environment_of(running[0])
        assert environment is not None

        def shows_stopped(*instances: Instance) -> bool:
            return all(screen.view.instances[i.key].state == "Stopped" for i in instances)

        screen.post_message(TaskChanged(stopped(0, running[0]), tracker.board(environment)))
        await wait_until(op.pilot, lambda: shows_stopped(running[0]))
        for n in (1, 2):  # each in a turn of its own, after the first was applied: they wait
            screen.post_message(TaskChanged(stopped(n, running[n]), tracker.board(environment)))
            await op.pilot.pause()
        await wait_until(op.pilot, lambda: shows_stopped(*running[1:]))
        assert patches == [1, 2]
