"""Asynchronous tasks that advance lazily.

A task is a queue of timed steps. Nothing runs in the background: the world calls
`TaskBook.advance(now)` before it answers anything, and every step whose due time
has passed is applied then, in due order. With a task delay of 0 a task therefore
finishes on the very next request, which makes tests deterministic without sleeps.
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

    def to_json(self) -> dict[str, Any]:
        # Both shapes at once: the reference reads the top level, the Go client reads `data`.
        return {
            "taskId": self.id,
            "taskStatus": self.status,
            "result": self.result,
            "data": {"id": self.id, "status": self.status, "created": self.created, "result": self.result},
        }


class TaskBook:
    def __init__(self) -> None:
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
            _, _, task, step = heapq.heappop(self._due)
            if task.status != PENDING:
                continue  # an earlier step failed the task; skip the rest of its plan
            try:
                step()
            except Exception as exc:  # a bug in a step must not wedge the world
                log.exception("simulated task %s failed", task.id)
                task.status, task.result = FAILED, {"code": INTERNAL_ERROR, "message": str(exc)}
