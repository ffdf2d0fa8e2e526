"""The live state of the simulated cloud, shared by the HTTP layer and the tests.

All access goes through one re-entrant lock, and every access first applies the
task steps that are due by the injected clock (see tasks.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from .entities import Connection, Instance
from .environment import Environment
from .errors import TASK_FAILED, not_found
from .idgen import IdSource
from .options import SimOptions
from .seed import build_world
from .tasks import FAILED, SUCCESS, Task, TaskBook

# (fraction of the task delay, action): a task's intermediate steps.
Step = tuple[float, Callable[[], None]]


class World:
    def __init__(self, options: SimOptions | None = None, clock: Callable[[], float] = time.monotonic):
        self.options = options or SimOptions()
        self.clock = clock
        self.lock = threading.RLock()
        self.ids = IdSource(self.options.seed)
        self.connections, self.environments = build_world(self.ids, self.options.instances)
        self.tasks = TaskBook()
        self._fail_next: str | None = None
        # (service code, environment name) pairs where the key has no rights: 403.
        self.forbidden: set[tuple[str, str]] = set()

    # -- access ---------------------------------------------------------------------

    @contextmanager
    def session(self) -> Iterator[World]:
        """Hold the lock with the world brought up to date: one request's worth of work."""
        with self.lock:
            self.advance()
            yield self

    def advance(self) -> None:
        with self.lock:
            self.tasks.advance(self.clock())

    def environment(self, service_code: str, name: str) -> Environment:
        with self.session():
            for env in self.environments:
                if env.connection.service_code == service_code and env.name == name:
                    return env
            raise not_found("environments", f"{service_code}/{name}")

    def environment_by_id(self, environment_id: str) -> Environment:
        with self.session():
            env = next((e for e in self.environments if e.id == environment_id), None)
            if env is None:
                raise not_found("environments", environment_id)
            return env

    def connection(self, connection_id: str) -> Connection:
        with self.session():
            found = next((c for c in self.connections if c.id == connection_id), None)
            if found is None:
                raise not_found("serviceconnections", connection_id)
            return found

    def task(self, task_id: str) -> Task:
        with self.session():
            task = self.tasks.tasks.get(task_id)
            if task is None:
                raise not_found("tasks", task_id)
            return task

    def instance(self, instance_id: str) -> Instance | None:
        """The instance with this id in any environment (for tests), or None once purged."""
        with self.session():
            for env in self.environments:
                if instance_id in env.instances:
                    return env.instances[instance_id]
            return None

    # -- knobs for tests --------------------------------------------------------------

    def fail_next_task(self, message: str = "Simulated failure") -> None:
        """Make the next task that starts end FAILED, its instance back in its prior state."""
        with self.lock:
            self._fail_next = message

    def forbid_environment(self, service_code: str, name: str, forbidden: bool = True) -> None:
        """Make the key lack rights in one environment: its compute calls answer 403."""
        with self.lock:
            if forbidden:
                self.forbidden.add((service_code, name))
            else:
                self.forbidden.discard((service_code, name))

    def set_connection_reachable(self, service_code: str, reachable: bool) -> None:
        with self.lock:
            for connection in self.connections:
                if connection.service_code == service_code:
                    connection.reachable = reachable
                    connection.last_updated = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                    return
            raise KeyError(service_code)

    # -- running tasks ------------------------------------------------------------------

    def start_task(
        self,
        operation: str,
        finish: Callable[[], Any],
        steps: list[Step] | None = None,
        instance: Instance | None = None,
        revert: Callable[[], None] | None = None,
    ) -> Task:
        """Open a task: apply `steps` at their share of the delay, then `finish()` (whose
        return value is the task result). If a failure was requested, skip all of that
        and call `revert()` at the end instead."""
        with self.lock:
            task = self.tasks.open(self.ids.uuid(), operation)
            now, delay = self.clock(), self.options.task_delay
            if instance is not None:
                instance.busy_task_id = task.id

            def release() -> None:
                if instance is not None and instance.busy_task_id == task.id:
                    instance.busy_task_id = None

            failure, self._fail_next = self._fail_next, None
            if failure is not None:

                def fail() -> None:
                    release()
                    if revert is not None:
                        revert()
                    task.status, task.result = FAILED, {"code": TASK_FAILED, "message": failure}

                self.tasks.schedule(task, now + delay, fail)
                return task

            for share, step in steps or []:
                self.tasks.schedule(task, now + share * delay, step)

            def complete() -> None:
                release()
                task.result = finish()
                task.status = SUCCESS

            self.tasks.schedule(task, now + delay, complete)
            return task
