"""The task tracker: sends mutations, follows their tasks, and says what became of each.

It lives on the app, not on a screen or a form, so a mutation the server accepted is followed
to its end whatever the operator closes meanwhile. Each change of a task reaches the
listeners (the app turns them into `TaskChanged` messages); the task log, the notifications,
the busy marks and the quit confirmation read from here.

What it promises: a task's outcome is known, or said to be unknown, never guessed.
- Failing to *read* a task never fails it: the task shows UNKNOWN ("still checking") and the
  tracker keeps asking, with backoff, until the task ends or expires.
- A 404 for a task means it expired or never existed: EXPIRED, and the instance's current
  state is looked up and said.
- A request whose reply was lost is OUTCOME UNKNOWN: the instance's state is looked up, and
  where it shows the answer (a stop whose instance is now Stopping), that is said.
- A 429 or 503 answer, or a request that never left, means the server did nothing: NOT DONE,
  with a one-key retry (never an automatic one).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Awaitable, Callable, Coroutine, Hashable, Iterable
from datetime import datetime
from typing import Any

from cca_tui.api.client import CloudCAClient, TaskUnreadable, sent_requests, task_failure_message
from cca_tui.api.errors import ApiError, CloudCAError, NotDone, NotFoundError, NotSent, OutcomeUnknown, TaskExpired
from cca_tui.api.models import Task
from cca_tui.fleet.identity import RowKey
from cca_tui.ui.actions import Action
from cca_tui.ui.errors import describe_error
from cca_tui.ui.state import EnvironmentRef, TaskRow
from cca_tui.ui.tasks.history import ActionHistory
from cca_tui.ui.tasks.journal import TaskJournal
from cca_tui.ui.tasks.records import TaskStatus, TrackedTask

Listener = Callable[[TrackedTask], None]
Spawn = Callable[[Coroutine[Any, Any, None]], object]
PasswordShown = Callable[[TrackedTask, str], None]

# cloud.ca keeps a task about 30 minutes after it ends; past this we stop asking.
TASK_LIFETIME = 30 * 60.0
# Statuses that mean "the server did not do it" when they answer a mutation.
NOT_DONE_STATUSES = frozenset({429, 503})


class TaskTracker:
    def __init__(
        self,
        client: CloudCAClient,
        *,
        spawn: Spawn,
        clock: Callable[[], datetime] = datetime.now,
        poll_interval: float | None = None,
        journal: TaskJournal | None = None,
        history: ActionHistory | None = None,
    ) -> None:
        self.client = client
        self._spawn = spawn
        self._clock = clock
        self._poll_interval = poll_interval if poll_interval is not None else client.task_poll_interval
        self._journal = journal
        self.history = history
        self._counter = itertools.count(1)
        self.records: dict[str, TrackedTask] = {}
        self._listeners: list[Listener] = []
        # Each record's latest frozen snapshot, by environment (what the screens read).
        self._snapshots: dict[EnvironmentRef, dict[str, TaskRow]] = {}
        self._calls: dict[str, Callable[[], Awaitable[Task]]] = {}
        self._sent: dict[str, asyncio.Future[Task]] = {}
        self.on_password: PasswordShown | None = None

    # --- who hears about changes ----------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _changed(self, record: TrackedTask) -> None:
        if self._journal is not None:
            self._journal.save(record)
        if self.history is not None:
            self.history.save(record)
        self._snapshots.setdefault(record.environment, {})[record.key] = record.snapshot()
        for listener in list(self._listeners):
            listener(record)

    # --- what the UI reads ------------------------------------------------------------------

    @property
    def in_flight(self) -> list[TrackedTask]:
        return [record for record in self.records.values() if record.in_flight]

    def snapshots(self, environments: Iterable[EnvironmentRef]) -> list[TaskRow]:
        """Our tasks in these environments, frozen, oldest first."""
        rows = [row for env in environments for row in self._snapshots.get(env, {}).values()]
        return sorted(rows, key=lambda row: int(row.key[1:]) if row.key[1:].isdigit() else 0)

    def busy(self, environments: Iterable[EnvironmentRef]) -> dict[Hashable, str]:
        """Rows of these environments with a task of ours in flight, and which action."""
        return {
            key: row.action
            for env in environments
            for row in self._snapshots.get(env, {}).values()
            if row.in_flight and (key := row.row_key) is not None
        }

    def touched_since(self, environment: EnvironmentRef, since: datetime | None) -> set[RowKey]:
        """Rows of an environment that a task of ours may have changed since `since`: in
        flight, or ended at or after it (None: any task of ours)."""
        return {
            key
            for row in self._snapshots.get(environment, {}).values()
            if (key := row.row_key) is not None
            and (row.in_flight or since is None or row.ended is None or row.ended >= since)
        }

    def last_retryable(self, environments: Iterable[EnvironmentRef]) -> TrackedTask | None:
        wanted = set(environments)
        candidates = [r for r in self.records.values() if r.environment in wanted and r.retry_possible]
        return candidates[-1] if candidates else None

    def superseded_by(self, record: TrackedTask) -> TrackedTask | None:
        """A later action of ours on the same instance that reached the server: resending
        the older one would undo it (a NOT DONE start resent after a stop starts it again)."""
        if record.instance_id is None:
            return None
        later = [
            other
            for other in self.records.values()
            if other is not record
            and other.environment == record.environment
            and other.instance_id == record.instance_id
            and other.started >= record.started
            and int(other.key[1:]) > int(record.key[1:])
            and other.status not in (TaskStatus.NOT_DONE, TaskStatus.REFUSED)
        ]
        return later[-1] if later else None

    # --- sending ----------------------------------------------------------------------------

    def submit(
        self,
        environment: EnvironmentRef,
        action: Action,
        instance_id: str | None,
        instance_name: str,
        call: Callable[[], Awaitable[Task]],
        *,
        reveal_password: bool = False,
        name_after: Callable[[], str | None] | None = None,
    ) -> TrackedTask:
        """Send a mutation and follow it. The returned record changes as the task goes on;
        `await tracker.sent(record)` waits for the server's first answer."""
        record = TrackedTask(
            key=f"t{next(self._counter)}",
            environment=environment,
            action=action,
            instance_id=instance_id,
            instance_name=instance_name,
            started=self._clock(),
            reveal_password=reveal_password,
        )
        self.records[record.key] = record
        self._calls[record.key] = call
        self._sent[record.key] = asyncio.get_running_loop().create_future()
        self._changed(record)
        self._spawn(self._send_and_follow(record, call, name_after))
        return record

    async def sent(self, record: TrackedTask) -> Task:
        """The server's answer to the request (its Task), or the error it raised.

        Shielded: a form that stops waiting (closed by the operator) does not stop the
        tracker, which follows the task anyway.
        """
        return await asyncio.shield(self._sent[record.key])

    def retry(self, record: TrackedTask) -> TrackedTask | None:
        """Send a NOT DONE request again, as a new task (the operator asked for it)."""
        call = self._calls.get(record.key)
        if call is None or not record.retry_possible:
            return None
        record.retry_possible = False
        self._changed(record)
        again = self.submit(
            record.environment,
            record.action,
            record.instance_id,
            record.instance_name,
            call,
            reveal_password=record.reveal_password,
        )
        again.first_tried = record.first_started
        return again

    def drop_retry(self, record: TrackedTask, why: str) -> None:
        """The operator may no longer resend this one (superseded): say so in its outcome."""
        if record.retry_possible:
            record.retry_possible = False
            record.outcome = f"{record.outcome.removesuffix('; R retries')}; not retried: {why}"
            self._changed(record)

    async def _send_and_follow(
        self,
        record: TrackedTask,
        call: Callable[[], Awaitable[Task]],
        name_after: Callable[[], str | None] | None = None,
    ) -> None:
        future = self._sent[record.key]
        sent_requests.set(record.requests)  # this worker's own context: what the call sends
        try:
            try:
                task = await call()
            finally:
                # A create knows its instance's name only once its form built the request.
                named = name_after() if name_after is not None else None
                if named:
                    record.instance_name = named
        except asyncio.CancelledError:
            if not future.done():
                future.cancel()
            raise
        except Exception as exc:  # noqa: BLE001 - every failure is worded and recorded
            if not future.done():
                future.set_exception(exc)
                future.exception()  # retrieved here: a closed form may never ask
            await self._send_failed(record, exc)
            return
        if not future.done():
            future.set_result(task)
        await self.follow(record, task)

    async def _send_failed(self, record: TrackedTask, exc: BaseException) -> None:
        if isinstance(exc, NotDone):
            # 429/503, or no connection at all: the server did nothing; the operator may retry.
            verb = "not sent" if isinstance(exc, NotSent) else "not done"
            record.retry_possible = True
            self._end(record, TaskStatus.NOT_DONE, f"{verb}: {describe_error(exc)}; R retries")
        elif isinstance(exc, ApiError):
            self._end(record, TaskStatus.REFUSED, describe_error(exc))
        else:
            # The request left and no usable answer came back (OutcomeUnknown, or anything
            # unexpected): it may have been done. Look at the instance before saying more.
            record.status = TaskStatus.OUTCOME_UNKNOWN
            record.outcome = f"reply lost ({describe_error(exc)}); checking the instance…"
            self._changed(record)
            verdict = await self._instance_verdict(record)
            self._end(record, TaskStatus.OUTCOME_UNKNOWN, f"reply lost; {verdict}")

    # --- following --------------------------------------------------------------------------

    async def follow(self, record: TrackedTask, task: Task) -> None:
        """Follow the task (client.follow_task) until it ends or expires; reading failures
        only delay the answer."""
        record.task_id = task.id or None
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + TASK_LIFETIME
        try:
            async with contextlib.aclosing(self.client.follow_task(task, interval=self._poll_interval)) as updates:
                async for update in updates:
                    if isinstance(update, TaskUnreadable):
                        self._set(
                            record,
                            TaskStatus.CHECKING,
                            f"cannot read the task ({describe_error(update.error)}); still checking",
                        )
                    elif update.succeeded:
                        self._succeeded(record, update)
                        return
                    elif update.failed:
                        self._end(record, TaskStatus.FAILED, task_failure_message(update.result))
                        return
                    elif update.status == TaskStatus.PENDING:
                        self._set(record, TaskStatus.PENDING, "")
                    else:
                        # A status we do not know: shown as it came, and followed on.
                        self._set(record, update.status, "status as the server sent it; still following")
                    if loop.time() > give_up_at:
                        verdict = await self._instance_verdict(record)
                        self._end(record, TaskStatus.EXPIRED, f"still unknown after 30 min; {verdict}")
                        return
        except TaskExpired:
            verdict = await self._instance_verdict(record)
            self._end(record, TaskStatus.EXPIRED, f"task expired or unknown to the server; {verdict}")
        except OutcomeUnknown:
            verdict = await self._instance_verdict(record)
            self._end(record, TaskStatus.OUTCOME_UNKNOWN, f"the reply carried no task id; {verdict}")

    def _set(self, record: TrackedTask, status: str, outcome: str) -> None:
        """Record a change of a task in flight; tell the listeners only when something changed."""
        if (record.status, record.outcome) != (status, outcome):
            record.status, record.outcome = status, outcome
            self._changed(record)

    def _succeeded(self, record: TrackedTask, task: Task) -> None:
        if record.instance_id is None and isinstance(task.result, dict) and isinstance(task.result.get("id"), str):
            record.instance_id = task.result["id"]  # a create: the new instance, to select it once listed
        if not record.reveal_password:
            self._end(record, TaskStatus.SUCCESS, "done")
            return
        password = task.result.get("password") if isinstance(task.result, dict) else None
        if password:
            self._end(record, TaskStatus.SUCCESS, "password shown once")
            if self.on_password is not None:
                self.on_password(record, str(password))
        else:
            self._end(record, TaskStatus.SUCCESS, "done, but the reply carried no password")

    def _end(self, record: TrackedTask, status: TaskStatus, outcome: str) -> None:
        record.status, record.outcome, record.ended = status, outcome, self._clock()
        self._changed(record)

    async def _instance_verdict(self, record: TrackedTask) -> str:
        """What the instance's state says about an action whose outcome we could not read."""
        if record.instance_id is None:
            return "look for the new instance in the list before creating it again"
        compute = self.client.compute(record.environment.service_code, record.environment.name)
        try:
            instance = await compute.get_instance(record.instance_id)
        except NotFoundError:
            if record.action in (Action.PURGE, Action.DESTROY):
                return f"{record.instance_name} is gone: it was done"
            return f"{record.instance_name} is not found"
        except CloudCAError as exc:
            return f"its state could not be read either ({describe_error(exc)})"
        shows = record.action.spec.leads_to
        if instance.state in shows:
            return f"{record.instance_name} is now {instance.state}: it was done"
        if shows:
            return f"{record.instance_name} is {instance.state}: it was probably not done"
        return f"{record.instance_name} is {instance.state}"

    # --- resuming after a restart ---------------------------------------------------------

    def resume_journaled(self) -> list[TrackedTask]:
        """Follow again the tasks a previous run was following when it stopped."""
        if self._journal is None:
            return []
        resumed = []
        for record in self._journal.load():
            record.key = f"t{next(self._counter)}"
            record.status = TaskStatus.PENDING
            record.outcome = "resumed after a restart"
            self.records[record.key] = record
            self._changed(record)
            task = Task(id=record.task_id or "", status="PENDING")
            self._spawn(self.follow(record, task))
            resumed.append(record)
        return resumed
