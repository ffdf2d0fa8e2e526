"""The live state of the simulated cloud, shared by the HTTP layer and the tests.

All access goes through one re-entrant lock, and every access first applies the
task steps that are due by the injected clock (see tasks.py).
"""

from __future__ import annotations

import gc
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from .entities import Connection, Instance
from .environment import Environment
from .errors import TASK_FAILED, not_found
from .idgen import IdSource
from .options import SimOptions
from .seed import build_world
from .tasks import FAILED, SUCCESS, Task, TaskBook

# Pass as `org_id` to World.environment to find an environment whatever its organisation.
T = TypeVar("T")


FREEZE_AT = 10_000  # instances from which the seeded world is moved out of the GC's sight


def _without_gc(build: Callable[[], T], freeze: bool = False) -> T:
    """Run `build` with the cyclic GC paused: seeding 100,000 instances creates ~400,000
    objects and no garbage, and the collector's repeated full passes cost a third of it.
    With `freeze`, the result is then moved to the GC's permanent generation: a full
    collection scanning a big world stalls the server for about a second (measured once per
    200 page requests at 100,000 instances). Refcounting still frees what is dropped."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        built = build()
        if freeze:
            gc.freeze()
        return built
    finally:
        if was_enabled:
            gc.enable()


class _AnyOrganization:
    pass


ANY = _AnyOrganization()
_CHURN_SUFFIX = re.compile(r"-c\d+$")

# (fraction of the task delay, action): a task's intermediate steps.
Step = tuple[float, Callable[[], None]]


class World:
    def __init__(self, options: SimOptions | None = None, clock: Callable[[], float] = time.monotonic):
        self.options = options or SimOptions()
        self.clock = clock
        self.lock = threading.RLock()
        self.ids = IdSource(self.options.seed)
        self.connections, self.environments = _without_gc(
            lambda: build_world(self.ids, self.options.instances, self.options.environments),
            freeze=(self.options.instances or 0) >= FREEZE_AT,
        )
        self.tasks = TaskBook(ttl=self.options.task_ttl)
        self._fail_next: str | None = None
        self._churns = 0
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

    def visible_environments(self, org_id: str | None = None) -> list[Environment]:
        """What `GET /environments` lists: with `org_id`, that organisation's environments;
        without, those the key's user is a member of."""
        if org_id:
            return [e for e in self.environments if e.organization.id == org_id]
        return [e for e in self.environments if e.member]

    def environment(self, service_code: str, name: str, org_id: str | _AnyOrganization | None = None) -> Environment:
        """The environment as a request names it (`org_id` as in its query string). Tests may
        pass `org_id=ANY` to find any environment, listed or not."""
        with self.session():
            if isinstance(org_id, _AnyOrganization):
                candidates = self.environments
            else:
                candidates = self.visible_environments(org_id)
            for env in candidates:
                if env.connection.service_code == service_code and env.name == name:
                    return env
            raise not_found("environments", f"{service_code}/{name}")

    def environment_by_id(self, environment_id: str, org_id: str | None = None) -> Environment:
        with self.session():
            env = next((e for e in self.environments if e.id == environment_id), None)
            if env is None or (org_id and env.organization.id != org_id):
                raise not_found("environments", environment_id)
            return env

    def connection(self, connection_id: str) -> Connection:
        with self.session():
            found = next((c for c in self.connections if c.id == connection_id), None)
            if found is None:
                raise not_found("serviceconnections", connection_id)
            return found

    def task(self, task_id: str) -> Task:
        """A task, or a 404 once it is unknown or has expired (`SimOptions.task_ttl`)."""
        with self.session():
            task = self.tasks.get(task_id, self.clock())
            if task is None:
                raise not_found("tasks", task_id)
            return task

    def finish_now(self, task: Task) -> Task:
        """Apply all of a task's remaining steps at once (for replies that carry no task)."""
        with self.lock:
            self.tasks.run_now(task, self.clock())
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

    def churn(self, service_code: str, environment_name: str, share: float, seed: int = 0) -> list[str]:
        """Change `share` (0..1) of an environment's instances at once, as other operators would:
        in turn, a Running/Stopped instance is stopped/started, one is renamed, one moves to
        another compute offering. Instances with a task in flight are left alone. The same seed
        on the same world picks the same instances. Returns the ids changed."""
        if not 0.0 <= share <= 1.0:
            raise ValueError("share must be between 0 and 1")
        with self.session():
            env = self.environment(service_code, environment_name, org_id=ANY)
            self._churns += 1
            idle = [i for i in env.instances.values() if not self._busy(i)]
            count = min(len(idle), round(share * len(env.instances)))
            chosen = random.Random(seed).sample(idle, count)
            standard = [o for o in env.compute_offerings.values() if not o.custom]
            for n, instance in enumerate(chosen):
                kind = n % 3
                if kind == 0 and instance.state in ("Running", "Stopped"):
                    instance.state = "Stopped" if instance.state == "Running" else "Running"
                elif kind == 2 and standard:
                    current = next((k for k, o in enumerate(standard) if o.id == instance.compute_offering_id), -1)
                    offering = standard[(current + 1) % len(standard)]
                    instance.compute_offering_id = offering.id
                    instance.cpu_count, instance.memory_in_mb = offering.cpu_count or 0, offering.memory_in_mb or 0
                else:
                    instance.name = f"{_CHURN_SUFFIX.sub('', instance.name)}-c{self._churns}"
            return [i.id for i in chosen]

    def _busy(self, instance: Instance) -> bool:
        task = self.tasks.tasks.get(instance.busy_task_id) if instance.busy_task_id else None
        return task is not None and task.status == "PENDING"

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
