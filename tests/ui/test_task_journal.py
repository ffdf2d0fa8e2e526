"""The task journal keeps up with many tasks without rewriting its file at every change."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import datetime
from pathlib import Path

import pytest

from cca_tui.config.private_files import replace_private_json
from cca_tui.fleet.identity import EnvironmentRef
from cca_tui.ui.actions import Action
from cca_tui.ui.tasks.journal import TaskJournal
from cca_tui.ui.tasks.records import TaskStatus, TrackedTask

ENV = EnvironmentRef("compute-on", "production")


def task(n: int, status: str = TaskStatus.PENDING) -> TrackedTask:
    return TrackedTask(
        key=f"t{n}",
        environment=ENV,
        action=Action.STOP,
        instance_id=f"i-{n}",
        instance_name=f"web-{n}",
        started=datetime(2026, 12, 1, 12, 0),
        status=status,
        task_id=f"task-{n}",
    )


async def test_a_burst_of_changes_is_one_write_and_other_profiles_entries_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps({"other:x": {"profile": "other", "task_id": "x"}}))
    writes: list[dict[str, object]] = []

    def counting_write(target: Path, data: dict[str, object]) -> None:
        writes.append(data)
        replace_private_json(target, data)

    monkeypatch.setattr("cca_tui.ui.tasks.journal.replace_private_json", counting_write)
    journal = TaskJournal(path, "test")
    for n in range(200):
        journal.save(task(n))  # each one accepted: in flight
    for n in range(0, 200, 2):
        journal.save(dataclasses.replace(task(n), status=TaskStatus.SUCCESS))  # half of them end
    assert writes == []  # nothing written yet: the burst is one write, a moment later
    deadline = asyncio.get_running_loop().time() + 10
    while not writes and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.01)
    assert len(writes) == 1
    on_disk = json.loads(path.read_text())
    assert sorted(key for key in on_disk if key.startswith("test:")) == sorted(
        f"test:task-{n}" for n in range(1, 200, 2)
    )
    assert on_disk["other:x"] == {"profile": "other", "task_id": "x"}  # another profile's entry is kept
    assert {record.task_id for record in journal.load()} == {f"task-{n}" for n in range(1, 200, 2)}


async def test_flush_writes_at_once_and_load_sees_what_was_saved(tmp_path: Path) -> None:
    journal = TaskJournal(tmp_path / "tasks.json", "test")
    journal.save(task(1))
    assert [record.task_id for record in journal.load()] == ["task-1"]  # load writes what was pending
    journal.save(dataclasses.replace(task(1), status=TaskStatus.SUCCESS))
    journal.flush()  # the app leaving: no waiting
    assert json.loads((tmp_path / "tasks.json").read_text()) == {}
