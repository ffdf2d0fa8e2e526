"""Batches: the tasks of one bulk action, followed together to one summary.

Each instance of a bulk action is a task of its own in the tracker (its own row in the task
log); a batch knows which tasks belong together, says once when the last one has ended, and
lets `R` retry that batch's not-done tasks. Records are values the tracker replaces: a batch
keeps its tasks' keys and reads their latest values from the tracker. No Textual.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from cca_tui.ui.tasks.records import TrackedTask
from cca_tui.ui.tasks.tracker import TaskTracker

Ended = Callable[["Batch"], None]


class Batch:
    def __init__(
        self, tracker: TaskTracker, key: str, label: str, keys: Sequence[str], skipped: Sequence[object]
    ) -> None:
        self._tracker = tracker
        self.key = key
        self.label = label
        self.keys = tuple(keys)
        self.skipped = list(skipped)
        # Tasks of the batch still in flight: the batch ends when the last one leaves.
        self.pending = {key for key in self.keys if tracker.latest(key).in_flight}

    @property
    def records(self) -> list[TrackedTask]:
        """Its tasks as they are now."""
        return [self._tracker.latest(key) for key in self.keys]

    @property
    def ended(self) -> bool:
        return not self.pending

    def retryable(self) -> list[TrackedTask]:
        return [record for record in self.records if record.retry_possible]


class Batches:
    """The batches sent through one tracker, by the key of each of their tasks."""

    def __init__(self, tracker: TaskTracker) -> None:
        self._tracker = tracker
        self._counter = itertools.count(1)
        self._by_record: dict[str, Batch] = {}
        self._ended: dict[str, Ended] = {}
        tracker.subscribe(self._heard)

    def follow(self, label: str, records: Sequence[TrackedTask], skipped: Sequence[object], ended: Ended) -> Batch:
        """Group tasks just submitted; `ended(batch)` is called once, when every one has ended."""
        batch = Batch(self._tracker, f"b{next(self._counter)}", label, [record.key for record in records], skipped)
        for key in batch.keys:
            self._by_record[key] = batch
        if batch.ended:  # nothing in flight (cannot happen with fresh submissions, but be sure)
            ended(batch)
        else:
            self._ended[batch.key] = ended
        return batch

    def of(self, record: TrackedTask) -> Batch | None:
        return self._by_record.get(record.key)

    def _heard(self, record: TrackedTask) -> None:
        """One task changed: only its own batch looks (no walk over every batch or task)."""
        batch = self._by_record.get(record.key)
        if batch is None or record.in_flight or record.key not in batch.pending:
            return
        batch.pending.discard(record.key)
        if batch.ended:
            ended = self._ended.pop(batch.key, None)
            if ended is not None:
                ended(batch)
