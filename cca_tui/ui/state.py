"""One environment's state as the instance screen shows it: the single place it lives.

`EnvironmentView` is an immutable snapshot: instances, the visible rows in order, filter and
sort, selection, instances busy with an action of ours, freshness. Every change makes a new
snapshot through one of its `with_*` methods; the screen holds the current one in a reactive
and its widgets follow it through `data_bind` (each widget's `watch_view` looks at the fields
it shows). Nothing here imports Textual, so the transitions are tested as plain functions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from cca_tui.api.models import TRANSITIONAL_STATES, Instance
from cca_tui.ui.rows import COLUMN_BY_KEY, RowIndex, matches


@dataclass(frozen=True)
class EnvironmentRef:
    service_code: str
    name: str

    def __str__(self) -> str:
        return f"{self.service_code}/{self.name}"


@dataclass(frozen=True)
class LoadProgress:
    """A load under way: rows received so far, and the total once the server said it."""

    received: int
    total: int | None = None


@dataclass(frozen=True)
class TaskRow:
    """A task of ours as the task log shows it (a copy: the tracker's records change)."""

    key: str
    started: datetime
    action: str
    instance: str
    status: str
    outcome: str


# eq=False: snapshots compare by identity, so assigning a new one always reaches the watchers
# and comparing two never walks thousands of instances.
@dataclass(frozen=True, eq=False)
class EnvironmentView:
    ref: EnvironmentRef
    instances: Mapping[str, Instance] = field(default_factory=dict)
    rows: Sequence[Instance] = ()
    filter_text: str = ""
    sort_column: str = "name"
    sort_reverse: bool = False
    selected_id: str | None = None
    # Instances with a request or task of ours in flight, and which action: a second action
    # on them would only be refused by the server (code 2013), so the UI refuses it first.
    busy: Mapping[str, str] = field(default_factory=dict)
    # Our tasks in this environment, oldest first.
    tasks: Sequence[TaskRow] = ()
    loaded: bool = False
    loading: LoadProgress | None = None
    last_refresh: datetime | None = None
    stale_reason: str | None = None
    # Rows of the last list that could not be read (they are not shown), and why.
    unreadable: str | None = None
    # What filtering and sorting `instances` needs, kept from one snapshot to the next (a
    # cache: it never changes what the rows are, only how fast they are found).
    row_index: RowIndex | None = field(default=None, repr=False)

    # --- derived ----------------------------------------------------------------------

    @cached_property
    def positions(self) -> dict[str, int]:
        return {instance.id: index for index, instance in enumerate(self.rows)}

    def _row_of(self, instance_id: str | None) -> int | None:
        if instance_id is None:
            return None
        if self.row_index is not None and self.row_index.instances is self.instances:
            return self.row_index.row_of(self.rows, instance_id, self.sort_column, self.sort_reverse)
        return self.positions.get(instance_id)

    @property
    def selected(self) -> Instance | None:
        return self.instances.get(self.selected_id) if self.selected_id is not None else None

    @cached_property
    def has_transitional(self) -> bool:
        """Something is changing on the server: worth refreshing sooner."""
        if self.row_index is not None and self.row_index.instances is self.instances:
            return self.row_index.transitional > 0  # kept up to date with the changes alone
        return any(instance.state in TRANSITIONAL_STATES for instance in self.instances.values())

    @property
    def is_filtered(self) -> bool:
        return bool(self.filter_text)

    # --- transitions ------------------------------------------------------------------

    def _rearranged(self, **changes: object) -> EnvironmentView:
        """A new snapshot with `changes` applied and the rows recomputed.

        The selection stays on the same instance while it is visible; when it leaves, the
        cursor stays at the same position (the next row takes its place).
        """
        draft = dataclasses.replace(self, **changes)  # type: ignore[arg-type]
        index = draft.row_index
        if index is None or index.instances is not draft.instances:
            index = RowIndex(draft.instances, previous=index)
        rows = index.arrange(draft.filter_text, draft.sort_column, draft.sort_reverse)
        selected = draft.selected_id
        # Visible means present and matching the filter: no need to look through the rows.
        current = draft.instances.get(selected) if selected is not None else None
        if current is None or not matches(current, draft.filter_text):
            old_index = self._row_of(self.selected_id) or 0
            selected = rows[min(old_index, len(rows) - 1)].id if rows else None
        return dataclasses.replace(draft, rows=rows, selected_id=selected, row_index=index)

    def with_instances(
        self, instances: Sequence[Instance] | Mapping[str, Instance], *, when: datetime
    ) -> EnvironmentView:
        """A complete, fresh list arrived (a mapping by id is taken as it is, not copied)."""
        return self._rearranged(
            instances=instances if isinstance(instances, Mapping) else {i.id: i for i in instances},
            loaded=True,
            loading=None,
            last_refresh=when,
            stale_reason=None,
        )

    def with_unreadable(self, unreadable: str | None) -> EnvironmentView:
        return dataclasses.replace(self, unreadable=unreadable)

    def with_loading(self, progress: LoadProgress | None) -> EnvironmentView:
        return dataclasses.replace(self, loading=progress)

    def with_stale(self, reason: str) -> EnvironmentView:
        """The last load failed: keep the rows, say why they may be out of date."""
        return dataclasses.replace(self, stale_reason=reason, loading=None)

    def with_filter(self, text: str) -> EnvironmentView:
        if text == self.filter_text:
            return self
        return self._rearranged(filter_text=text)

    def with_sort(self, column_key: str) -> EnvironmentView:
        """Sort by a column; choosing the sorted column again flips the order."""
        if column_key not in COLUMN_BY_KEY:
            return self
        if column_key == self.sort_column:
            return self._rearranged(sort_reverse=not self.sort_reverse)
        return self._rearranged(sort_column=column_key, sort_reverse=False)

    def with_selection(self, instance_id: str | None) -> EnvironmentView:
        if instance_id == self.selected_id:
            return self
        return dataclasses.replace(self, selected_id=instance_id)

    def with_tasks(self, tasks: Sequence[TaskRow], busy: Mapping[str, str]) -> EnvironmentView:
        """Our tasks changed: the log's rows, and which instances are busy with one."""
        return dataclasses.replace(self, tasks=tuple(tasks), busy=dict(busy))
