"""The task tracker: sends mutations, follows their tasks, and says what became of each.

It lives on the app, not on a screen or a form, so a mutation the server accepted is followed
to its end whatever the operator closes meanwhile. A task's record is an immutable value:
each transition replaces it (`latest(key)` is the value now) and publishes a new frozen
`EnvironmentTasks` for its environment alone (`board(env)`), so a screen reads its own
environments' rows and busy marks as they are, never re-scanning every task. Each change
reaches the listeners (the app turns them into `TaskChanged` messages); the task log, the
notifications, the busy marks, the batches and the quit confirmation read from here.

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
import dataclasses
import heapq
import itertools
from collections.abc import Awaitable, Callable, Coroutine, Hashable, Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from cca_tui.api.client import CloudCAClient, SentRequest, TaskUnreadable, sent_requests, task_failure_message
from cca_tui.api.errors import (
    ApiError,
    CloudCAError,
    InvalidId,
    NotDone,
    NotFoundError,
    OutcomeUnknown,
    TaskExpired,
)
from cca_tui.api.models import Task
from cca_tui.fleet.data import FleetData
from cca_tui.fleet.identity import RowKey
from cca_tui.ui.actions import Action
from cca_tui.ui.errors import describe_error
from cca_tui.ui.state import EnvironmentRef, TaskRow, task_order
from cca_tui.ui.tasks.history import ActionHistory
from cca_tui.ui.tasks.journal import TaskJournal
from cca_tui.ui.tasks.records import EnvironmentTasks, TaskStatus, TrackedTask, server_status
from cca_tui.ui.tasks.results import instance_in_result

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
        data: FleetData | None = None,
    ) -> None:
        self.client = client
        # Where an instance is looked up when an outcome could not be read (the app's data layer).
        self._data = data if data is not None else FleetData(client)
        self._spawn = spawn
        self._clock = clock
        self._poll_interval = poll_interval if poll_interval is not None else client.task_poll_interval
        self._journal = journal
        self.history = history
        self._counter = itertools.count(1)
        # Every task's latest value, by key, in the order they were started.
        self._records: dict[str, TrackedTask] = {}
        # Indexes kept with each replacement, so that no question walks every task.
        self._live: dict[str, TrackedTask] = {}  # in flight
        self._retryable: dict[str, TrackedTask] = {}  # NOT DONE, not yet resent
        self._on_row: dict[RowKey, list[str]] = {}  # keys of the tasks about each row, in order
        self._rows: dict[EnvironmentRef, dict[str, TaskRow]] = {}
        self._busy: dict[EnvironmentRef, dict[RowKey, str]] = {}
        self._published: dict[str, TrackedTask] = {}  # the value of each task last published
        # What screens read: one frozen snapshot per environment, replaced when one of its tasks changes.
        self._boards: dict[EnvironmentRef, EnvironmentTasks] = {}
        self._listeners: list[Listener] = []
        self._calls: dict[str, Callable[[], Awaitable[Task]]] = {}
        self._sent: dict[str, asyncio.Future[Task]] = {}
        self.on_password: PasswordShown | None = None

    # --- who hears about changes ----------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _replace(self, key: str, *, publish: bool = True, **changes: Any) -> TrackedTask:
        """The task's next value: stored, indexed and (unless `publish` is False: a detail
        the transition right after publishes) told to everyone who reads tasks."""
        record = dataclasses.replace(self._records[key], **changes)
        self._store(record)
        if publish:
            self._publish(record)
        return record

    def _store(self, record: TrackedTask) -> None:
        key = record.key
        previous = self._records.get(key)
        self._records[key] = record
        if record.in_flight:
            self._live[key] = record
        else:
            self._live.pop(key, None)
        if record.retry_possible:
            self._retryable[key] = record
        else:
            self._retryable.pop(key, None)
        row = record.row_key
        if row is not None and (previous is None or previous.row_key != row):
            self._on_row.setdefault(row, []).append(key)

    def _publish(self, record: TrackedTask) -> None:
        env = record.environment
        self._published[record.key] = record
        rows = self._rows.setdefault(env, {})
        rows[record.key] = record.snapshot()
        busy = self._busy.setdefault(env, {})
        row_key = record.row_key
        if row_key is not None:
            # The row's mark: the latest of our tasks in flight on it, if any.
            live = [self._live[key] for key in self._on_row.get(row_key, ()) if key in self._live]
            if live:
                busy[row_key] = live[-1].label
            else:
                busy.pop(row_key, None)
        self._boards[env] = EnvironmentTasks(env, tuple(rows.values()), MappingProxyType(dict(busy)))
        if self._journal is not None:
            self._journal.save(record)
        if self.history is not None:
            self.history.save(record)
        for listener in list(self._listeners):
            listener(record)

    # --- what the UI reads ------------------------------------------------------------------

    @property
    def records(self) -> Mapping[str, TrackedTask]:
        """Every task's latest value, by key, oldest first (read-only)."""
        return MappingProxyType(self._records)

    def latest(self, record: TrackedTask | str) -> TrackedTask:
        """The task as it is now (a record is a value: the one in hand may be older)."""
        return self._records[record if isinstance(record, str) else record.key]

    @property
    def in_flight(self) -> list[TrackedTask]:
        return list(self._live.values())

    def board(self, environment: EnvironmentRef) -> EnvironmentTasks:
        """One environment's tasks, frozen (the same object until one of them changes)."""
        board = self._boards.get(environment)
        if board is None:
            board = self._boards[environment] = EnvironmentTasks(environment)
        return board

    def row(self, record: TrackedTask) -> TaskRow:
        """The task log's row of a task, as last published."""
        return self._rows[record.environment][record.key]

    def quit_message(self) -> str:
        """What quitting now does to the tasks in flight, said truthfully (the quit dialog)."""
        live = self.in_flight
        if not live:
            return "No task is running any more: quitting leaves nothing behind."
        count = f"{len(live)} task is" if len(live) == 1 else f"{len(live)} tasks are"
        lines = [f"{count} still running. Quitting does not stop them: they go on in cloud.ca."]
        resumed = [r for r in live if r.task_id] if self._journal is not None else []
        if len(resumed) == len(live):
            lines.append("cca-tui follows them again at its next start.")
        elif resumed:
            lines.append(
                f"cca-tui follows {len(resumed)} of them again at its next start; the others are not yet "
                "accepted: look at their instances then."
            )
        else:
            lines.append("cca-tui cannot follow them again after a restart: look at their instances then.")
        if any(r.reveal_password for r in live):
            lines.append("A new password would not be shown.")
        return "\n".join(lines)

    def snapshots(self, environments: Iterable[EnvironmentRef]) -> list[TaskRow]:
        """Our tasks in these environments, frozen, oldest first."""
        boards = [self.board(env) for env in environments]
        if len(boards) == 1:
            return list(boards[0].rows)
        return list(heapq.merge(*(board.rows for board in boards), key=task_order))

    def busy(self, environments: Iterable[EnvironmentRef]) -> dict[Hashable, str]:
        """Rows of these environments with a task of ours in flight, and which action."""
        return {key: action for env in environments for key, action in self.board(env).busy.items()}

    def touched_since(self, environment: EnvironmentRef, since: datetime | None) -> set[RowKey]:
        """Rows of an environment that a task of ours may have changed since `since`: in
        flight, or ended at or after it (None: any task of ours)."""
        return {
            key
            for row in self.board(environment).rows
            if (key := row.row_key) is not None
            and (row.in_flight or since is None or row.ended is None or row.ended >= since)
        }

    def last_retryable(self, environments: Iterable[EnvironmentRef]) -> TrackedTask | None:
        wanted = set(environments)
        candidates = [r for r in self._retryable.values() if r.environment in wanted]
        return max(candidates, key=_started_order) if candidates else None

    def superseded_by(self, record: TrackedTask) -> TrackedTask | None:
        """A later action of ours on the same instance that reached the server: resending
        the older one would undo it (a NOT DONE start resent after a stop starts it again)."""
        row = record.row_key
        if row is None:
            return None
        later = [
            other
            for key in self._on_row.get(row, ())
            if key != record.key
            and (other := self._records[key]).started >= record.started
            and _started_order(other) > _started_order(record)
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
        first_tried: datetime | None = None,
    ) -> TrackedTask:
        """Send a mutation and follow it. Returns the task as sent (a value: `latest()`
        says what became of it); `await tracker.sent(record)` waits for the server's first answer."""
        record = TrackedTask(
            key=f"t{next(self._counter)}",
            environment=environment,
            action=action,
            instance_id=instance_id,
            instance_name=instance_name,
            started=self._clock(),
            reveal_password=reveal_password,
            first_tried=first_tried,
        )
        self._calls[record.key] = call
        self._sent[record.key] = asyncio.get_running_loop().create_future()
        self._store(record)
        self._publish(record)
        self._spawn(self._send_and_follow(record.key, call, name_after))
        return record

    async def sent(self, record: TrackedTask) -> Task:
        """The server's answer to the request (its Task), or the error it raised.

        Shielded: a form that stops waiting (closed by the operator) does not stop the
        tracker, which follows the task anyway.
        """
        return await asyncio.shield(self._sent[record.key])

    def retry(self, record: TrackedTask) -> TrackedTask | None:
        """Send a NOT DONE request again, as a new task (the operator asked for it)."""
        record = self.latest(record)
        call = self._calls.get(record.key)
        if call is None or not record.retry_possible:
            return None
        self._replace(record.key, retry_possible=False)
        return self.submit(
            record.environment,
            record.action,
            record.instance_id,
            record.instance_name,
            call,
            reveal_password=record.reveal_password,
            first_tried=record.first_started,
        )

    def drop_retry(self, record: TrackedTask, why: str) -> None:
        """The operator may no longer resend this one (superseded): say so in its outcome."""
        record = self.latest(record)
        if record.retry_possible:
            outcome = f"{record.outcome.removesuffix('; R retries')}; not retried: {why}"
            self._replace(record.key, retry_possible=False, outcome=outcome)

    async def _send_and_follow(
        self,
        key: str,
        call: Callable[[], Awaitable[Task]],
        name_after: Callable[[], str | None] | None = None,
    ) -> None:
        future = self._sent[key]
        requests: list[SentRequest] = []
        sent_requests.set(requests)  # this worker's own context: what the call sends
        try:
            try:
                task = await call()
            finally:
                # A create knows its instance's name only once its form built the request.
                # Kept quietly: the transition that follows publishes it.
                named = name_after() if name_after is not None else None
                changes: dict[str, Any] = {"requests": tuple(requests)}
                if named:
                    changes["instance_name"] = named
                self._replace(key, publish=False, **changes)
        except asyncio.CancelledError:
            if not future.done():
                future.cancel()
            raise
        except Exception as exc:  # noqa: BLE001 - every failure is worded and recorded
            if not future.done():
                future.set_exception(exc)
                future.exception()  # retrieved here: a closed form may never ask
            await self._send_failed(key, exc)
            return
        if not future.done():
            future.set_result(task)
        await self.follow(self._records[key], task)

    async def _send_failed(self, key: str, exc: BaseException) -> None:
        if isinstance(exc, NotDone):
            # 429/503, or no connection at all: the server did nothing; the operator may retry.
            self._end(key, TaskStatus.NOT_DONE, f"{_not_done_reason(exc)}; R retries", retry_possible=True)
        elif isinstance(exc, InvalidId):
            self._end(key, TaskStatus.REFUSED, describe_error(exc))  # refused here: nothing left
        elif isinstance(exc, ApiError) and 400 <= exc.status < 500:
            # Only a 4xx says the server did nothing; a 5xx (or a 2xx with errors) may hide
            # work done, so it falls through to the state lookup below.
            self._end(key, TaskStatus.REFUSED, describe_error(exc))
        else:
            # The request left and no usable answer came back (OutcomeUnknown, or anything
            # unexpected): it may have been done. Look at the instance before saying more.
            answered = getattr(exc, "status", None)
            why = f"answered HTTP {answered}, not a clear no" if answered else "reply lost"
            self._set(key, TaskStatus.OUTCOME_UNKNOWN, f"{why} ({describe_error(exc)}); checking the instance…")
            verdict = await self._instance_verdict(key)
            self._end(key, TaskStatus.OUTCOME_UNKNOWN, f"{why}; {verdict}")

    # --- following --------------------------------------------------------------------------

    async def follow(self, record: TrackedTask, task: Task) -> None:
        """Follow the task (client.follow_task) until it ends or expires; reading failures
        only delay the answer."""
        key = record.key
        self._replace(key, publish=False, task_id=task.id or None)  # published with the first update
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + TASK_LIFETIME
        try:
            async with contextlib.aclosing(self.client.follow_task(task, interval=self._poll_interval)) as updates:
                async for update in updates:
                    if isinstance(update, TaskUnreadable):
                        self._set(
                            key,
                            TaskStatus.CHECKING,
                            f"cannot read the task ({describe_error(update.error)}); still checking",
                        )
                    elif update.succeeded:
                        self._succeeded(key, update)
                        return
                    elif update.failed:
                        self._end(key, TaskStatus.FAILED, task_failure_message(update.result))
                        return
                    elif update.status == TaskStatus.PENDING:
                        self._set(key, TaskStatus.PENDING, "")
                    else:
                        # A status we do not know: shown as it came, and followed on.
                        self._set(key, server_status(update.status), "the server's own status; still following")
                    if loop.time() > give_up_at:
                        verdict = await self._instance_verdict(key)
                        self._end(key, TaskStatus.EXPIRED, f"still unknown after 30 min; {verdict}")
                        return
        except TaskExpired:
            verdict = await self._instance_verdict(key)
            self._end(key, TaskStatus.EXPIRED, f"task expired or unknown to the server; {verdict}")
        except OutcomeUnknown:
            verdict = await self._instance_verdict(key)
            self._end(key, TaskStatus.OUTCOME_UNKNOWN, f"the reply carried no task id; {verdict}")

    def _set(self, key: str, status: str, outcome: str) -> None:
        """A change of a task in flight; told to the listeners only when something changed
        (a quiet detail kept since, such as the task id, is published with it)."""
        outcome = self._scrub(outcome)
        record = self._records[key]
        if (record.status, record.outcome) != (status, outcome) or record is not self._published.get(key):
            self._replace(key, status=status, outcome=outcome)

    def _succeeded(self, key: str, task: Task) -> None:
        record = self._records[key]
        if record.instance_id is None and isinstance(task.result, dict) and isinstance(task.result.get("id"), str):
            # A create: the new instance, to select it once listed.
            record = self._replace(key, publish=False, instance_id=task.result["id"])
        after = instance_in_result(task.result, record.environment, record.instance_id)
        if after is not None:
            # The instance as it is now: its row shows it at once (published with the end).
            record = self._replace(key, publish=False, instance_after=after)
        if not record.reveal_password:
            self._end(key, TaskStatus.SUCCESS, "done")
            return
        password = task.result.get("password") if isinstance(task.result, dict) else None
        if password:
            ended = self._end(key, TaskStatus.SUCCESS, "password shown once")
            if self.on_password is not None:
                self.on_password(ended, str(password))
        else:
            self._end(key, TaskStatus.SUCCESS, "done, but the reply carried no password")

    def _end(self, key: str, status: TaskStatus, outcome: str, *, retry_possible: bool = False) -> TrackedTask:
        return self._replace(
            key, status=status, outcome=self._scrub(outcome), ended=self._clock(), retry_possible=retry_possible
        )

    def _scrub(self, text: str) -> str:
        """Outcomes quote the server (a task's failure message may echo the key): never the key."""
        return self.client.http.scrub(text)

    async def _instance_verdict(self, key: str) -> str:
        """What the instance's state says about an action whose outcome we could not read."""
        record = self._records[key]
        if record.instance_id is None:
            return "look for the new instance in the list before creating it again"
        try:
            instance = await self._data.instance(record.environment, record.instance_id)
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

    def flush(self) -> None:
        """Write what the journal still holds back (the app is leaving)."""
        if self._journal is not None:
            self._journal.flush()

    # --- resuming after a restart ---------------------------------------------------------

    def resume_journaled(self) -> list[TrackedTask]:
        """Follow again the tasks a previous run was following when it stopped."""
        if self._journal is None:
            return []
        resumed = []
        for entry in self._journal.load():
            record = dataclasses.replace(
                entry, key=f"t{next(self._counter)}", status=TaskStatus.PENDING, outcome="resumed after a restart"
            )
            self._store(record)
            self._publish(record)
            task = Task(id=record.task_id or "", status="PENDING")
            self._spawn(self.follow(record, task))
            resumed.append(record)
        return resumed


def _started_order(task: TrackedTask) -> int:
    """Tasks in the order they were started: their keys count up (t1, t2, ...)."""
    digits = task.key[1:]
    return int(digits) if digits.isdigit() else 0


def _not_done_reason(exc: NotDone) -> str:
    """Why a request was not done, said once: the status (NOT DONE) already says it was not,
    and the error's own text starts "not done: ..." (429/503) or says "not sent" (no
    connection). A closing period is dropped so "; R retries" reads as one sentence."""
    text = describe_error(exc)
    if text.lower().startswith("not done: "):
        text = text[len("not done: ") :]
    return text.rstrip(" .") or "nothing was done"
