"""Batches: the tasks of one bulk action, followed together to one summary.

Each instance of a bulk action is a task of its own in the tracker (its own row in the task
log); a batch knows which tasks belong together, says once when the last one has ended, and
lets `R` retry that batch's not-done tasks. No Textual.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from cca_tui.ui.tasks.records import TrackedTask
from cca_tui.ui.tasks.tracker import TaskTracker

Ended = Callable[["Batch"], None]


class Batch:
    def __init__(self, key: str, label: str, records: Sequence[TrackedTask], skipped: Sequence[object]) -> None:
        self.key = key
        self.label = label
        self.records = list(records)
        self.skipped = list(skipped)

    @property
    def ended(self) -> bool:
        return all(not record.in_flight for record in self.records)

    def retryable(self) -> list[TrackedTask]:
        return [record for record in self.records if record.retry_possible]


class Batches:
    """The batches sent through one tracker, by the key of each of their tasks."""

    def __init__(self, tracker: TaskTracker) -> None:
        self._tracker = tracker
        self._counter = itertools.count(1)
        self._by_record: dict[str, Batch] = {}

    def follow(self, label: str, records: Sequence[TrackedTask], skipped: Sequence[object], ended: Ended) -> Batch:
        """Group tasks just submitted; `ended(batch)` is called once, when every one has ended."""
        batch = Batch(f"b{next(self._counter)}", label, records, skipped)
        for record in records:
            self._by_record[record.key] = batch
        keys = {record.key for record in records}

        def heard(record: TrackedTask) -> None:
            if record.key in keys and batch.ended:
                self._tracker.unsubscribe(heard)
                ended(batch)

        self._tracker.subscribe(heard)
        if batch.ended:  # nothing in flight (cannot happen with fresh submissions, but be sure)
            self._tracker.unsubscribe(heard)
            ended(batch)
        return batch

    def of(self, record: TrackedTask) -> Batch | None:
        return self._by_record.get(record.key)
