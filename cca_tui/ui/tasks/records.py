"""A tracked task: an immutable value, replaced by the tracker at each of its transitions.

Nothing holds a record and watches it change: the tracker keeps the latest value of each
task (`TaskTracker.latest`) and publishes, per environment, a frozen `EnvironmentTasks`
(the task log's rows and the busy rows) that screens read as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from cca_tui.api.client import SentRequest
from cca_tui.api.models import Instance
from cca_tui.fleet.identity import RowKey
from cca_tui.ui.actions import Action
from cca_tui.ui.state import EnvironmentRef, EnvironmentTasks, TaskRow

__all__ = ["IN_FLIGHT", "EnvironmentTasks", "TaskStatus", "TrackedTask", "server_status"]


class TaskStatus(StrEnum):
    SENDING = "SENDING"  # the request is on its way, no answer yet
    PENDING = "PENDING"  # the server accepted it; its task runs
    CHECKING = "UNKNOWN"  # the task could not be read just now: still checking, with backoff
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"  # the server's task ended FAILED
    REFUSED = "REFUSED"  # the server answered no at once (4xx): nothing was done
    NOT_DONE = "NOT DONE"  # throttled, unavailable or never sent: nothing was done; retry offered
    OUTCOME_UNKNOWN = "OUTCOME UNKNOWN"  # the request may have been carried out; nobody can say
    EXPIRED = "EXPIRED"  # the task is gone (404) before we saw its end


SERVER_STATUS_PREFIX = "server: "


def server_status(status: str) -> str:
    """A task status the server sent that we do not know, marked as the server's: its
    `REFUSED` must not read as ours (a 4xx, nothing done), and it is still followed."""
    return f"{SERVER_STATUS_PREFIX}{status}"


# Still worth following (and a reason to ask before quitting).
IN_FLIGHT = frozenset({TaskStatus.SENDING, TaskStatus.PENDING, TaskStatus.CHECKING})


# eq=False: two records are the same value only if they are the same object (one per
# transition); comparing fields would also compare the requests sent.
@dataclass(frozen=True, eq=False)
class TrackedTask:
    key: str
    environment: EnvironmentRef
    action: Action
    instance_id: str | None
    instance_name: str
    started: datetime
    # A TaskStatus, or a task status the server sent that we do not know, shown as it came.
    status: str = TaskStatus.SENDING
    outcome: str = ""
    task_id: str | None = None
    reveal_password: bool = False
    # Only for NOT_DONE: the same request again, sent when the operator asks (never by itself).
    retry_possible: bool = False
    ended: datetime | None = field(default=None)
    # The mutations the call sent, as sent (the history masks secrets before writing them).
    requests: tuple[SentRequest, ...] = ()
    # A resend (`R`) keeps when the request was first tried: the question says it.
    first_tried: datetime | None = None
    # The instance as the SUCCESS result gave it, when the result was that instance.
    instance_after: Instance | None = None

    @property
    def first_started(self) -> datetime:
        return self.first_tried or self.started

    @property
    def in_flight(self) -> bool:
        return self.status in IN_FLIGHT or self.status not in set(TaskStatus)

    @property
    def label(self) -> str:
        return self.action.label

    @property
    def row_key(self) -> RowKey | None:
        """The row it is about (None for a create before its instance exists)."""
        return RowKey(self.environment, self.instance_id) if self.instance_id is not None else None

    def snapshot(self) -> TaskRow:
        """What it is now, frozen: what screens and the task log are given."""
        return TaskRow(
            self.key,
            self.started,
            self.label,
            self.instance_name,
            str(self.status),
            self.outcome,
            environment=self.environment,
            instance_id=self.instance_id,
            in_flight=self.in_flight,
            ended=self.ended,
            retry_possible=self.retry_possible,
            instance_after=self.instance_after,
        )
