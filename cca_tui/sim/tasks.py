"""Asynchronous tasks that advance lazily.

A task is a queue of timed steps. Nothing runs in the background: the world calls
`TaskBook.advance(now)` before it answers anything, and every step whose due time
has passed is applied then, in due order. With a task delay of 0 a task therefore
finishes on the very next request, which makes tests deterministic without sleeps.

A task that has ended is remembered for `ttl` seconds of the world's clock, counted
from the due time of its last step; after that it is forgotten (GET answers 404).
"""

from __future__ import annotations

import heapq
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .errors import INTERNAL_ERROR

log = logging.getLogger(__name__)

PENDING, SUCCESS, FAILED = "PENDING", "SUCCESS", "FAILED"


@dataclass
class Task:
    id: str
    created: str
    operation: str  # e.g. "stop"; named when a second operation is refused
    status: str = PENDING
    result: Any = None
    ended_at: float | None = None  # the world's clock when the task ended

    def to_json(self) -> dict[str, Any]:
        # Both shapes at once: the reference reads the top level, the Go client reads `data`.
        # A pending task has no `result` key at all: the Go client reads the key whenever it
        # is present and crashes on null.
        top: dict[str, Any] = {"taskId": self.id, "taskStatus": self.status}
        data: dict[str, Any] = {"id": self.id, "status": self.status, "created": self.created}
        if self.status != PENDING:
            top["result"] = data["result"] = self.result
        top["data"] = data
        return top


class TaskBook:
    def __init__(self, ttl: float | None = None) -> None:
        self.ttl = ttl  # seconds an ended task stays readable; None: forever
        self.tasks: dict[str, Task] = {}
        self._due: list[tuple[float, int, Task, Callable[[], None]]] = []
        self._order = itertools.count()  # breaks due-time ties in scheduling order

    def open(self, task_id: str, operation: str) -> Task:
        task = Task(task_id, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), operation)
        self.tasks[task_id] = task
        return task

    def schedule(self, task: Task, due: float, step: Callable[[], None]) -> None:
        heapq.heappush(self._due, (due, next(self._order), task, step))

    def advance(self, now: float) -> None:
        while self._due and self._due[0][0] <= now:
            due, _, task, step = heapq.heappop(self._due)
            self._run(task, step, due)

    def run_now(self, task: Task, now: float) -> None:
        """Apply every remaining step of one task at once (a reply that waits for the work)."""
        mine = sorted((entry for entry in self._due if entry[2] is task), key=lambda e: (e[0], e[1]))
        if mine:
            self._due = [entry for entry in self._due if entry[2] is not task]
            heapq.heapify(self._due)
        for _, _, _, step in mine:
            self._run(task, step, now)

    def _run(self, task: Task, step: Callable[[], None], when: float) -> None:
        if task.status != PENDING:
            return  # an earlier step failed the task; skip the rest of its plan
        try:
            step()
        except Exception as exc:  # a bug in a step must not wedge the world
            log.exception("simulated task %s failed", task.id)
            task.status, task.result = FAILED, {"code": INTERNAL_ERROR, "message": str(exc)}
        if task.status != PENDING and task.ended_at is None:
            task.ended_at = when

    def get(self, task_id: str, now: float) -> Task | None:
        """The task, or None if unknown or expired (an expired task is forgotten)."""
        task = self.tasks.get(task_id)
        if task is None:
            return None
        if self.ttl is not None and task.ended_at is not None and now - task.ended_at > self.ttl:
            del self.tasks[task_id]
            return None
        return task
