"""The fleet's state as the instance screen shows it: the single place it lives.

`EnvironmentView` is an immutable snapshot of one or more environments (one environment is a
fleet of one): instances keyed by their row key (`Instance.key`: environment and id for the
loaders' `LocatedInstance`s), the visible rows in order, filter and sort, selection, instances
busy with an action of ours, rows marked by watching, freshness per environment. Every change makes a new
snapshot through one of its `with_*` methods; the screen holds the current one in a reactive
and its widgets follow it through `data_bind` (each widget's `watch_view` looks at the fields
it shows). Nothing here imports Textual, so the transitions are tested as plain functions.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from cca_tui.api.models import TRANSITIONAL_STATES, Instance
from cca_tui.fleet.identity import EnvironmentRef, RowKey, environment_of
from cca_tui.ui.rows import COLUMN_BY_KEY, Grown, Revised, RowIndex, is_grown_from, matches

# In a fleet, the status line says this many stale environments' reasons; the others counted.
STALE_REASONS_SAID = 1

__all__ = ["EnvironmentRef", "EnvironmentTasks", "EnvironmentView", "LoadProgress", "TaskRow"]


@dataclass(frozen=True)
class LoadProgress:
    """A load under way: rows received so far, and the total once the server said it;
    `asked`: the operator asked for it (ctrl+r), and is told at once that it runs."""

    received: int
    total: int | None = None
    asked: bool = False


@dataclass(frozen=True)
class TaskRow:
    """A task of ours as the task log shows it: a frozen snapshot (the tracker's records
    change; it hands out a new snapshot at each change, indexed by environment)."""

    key: str
    started: datetime
    action: str
    instance: str
    status: str
    outcome: str
    environment: EnvironmentRef | None = None
    instance_id: str | None = None
    in_flight: bool = False
    ended: datetime | None = None
    retry_possible: bool = False
    # Ended SUCCESS with its instance as the result (read as a listed row is: see
    # tasks/results.py): the row as it is now, which the screen shows without a reload.
    instance_after: Instance | None = field(default=None, compare=False, repr=False)

    @property
    def row_key(self) -> RowKey | None:
        """The row it is about (None for a create before its instance exists)."""
        if self.environment is None or self.instance_id is None:
            return None
        return RowKey(self.environment, self.instance_id)


def task_order(row: TaskRow) -> int:
    """Tasks in the order they were started: the tracker's keys count up (t1, t2, ...)."""
    digits = row.key[1:]
    return int(digits) if digits.isdigit() else 0


@dataclass(frozen=True, eq=False)
class EnvironmentTasks:
    """One environment's tasks of ours at one moment, frozen: what its screens show. The
    tracker publishes a new one for an environment each time one of its tasks changes; the
    other environments' stay the same objects."""

    environment: EnvironmentRef
    # The task log's rows, oldest first (a row object is reused while its task is unchanged).
    rows: tuple[TaskRow, ...] = ()
    # Rows with a task of ours in flight, and which action.
    busy: Mapping[Hashable, str] = field(default_factory=dict)


def _combined_after(
    combined: Mapping[Hashable, Instance],
    changes: Sequence[tuple[Mapping[Hashable, Instance] | None, Mapping[Hashable, Instance]]],
    by_environment: Mapping[EnvironmentRef, Mapping[Hashable, Instance]],
) -> Mapping[Hashable, Instance]:
    """Every environment's instances in one mapping, when some environments' lists went from
    `before` to `after` (`changes`) and `combined` held them all with their `before`: a
    `Grown` or a `Revised` of `combined`, so that the next row index (and the table's cells)
    patch what changed in those environments instead of walking the whole fleet. Only their
    instances are looked at (none of them when their loaders said what changed); the mapping
    itself is built by C-level copies."""
    if len(by_environment) == 1:
        return changes[-1][1]
    if all(is_grown_from(after, before) for before, after in changes):
        return Grown(combined, [(key, after[key]) for _before, after in changes for key in after.added])  # type: ignore[attr-defined]
    changed: list[Hashable] = []
    departed: list[Hashable] = []
    patches: list[tuple[Mapping[Hashable, Instance], list[Hashable]]] = []  # (a list, its changed keys)
    for before, after in changes:
        earlier = before if before is not None else {}
        if is_grown_from(after, before):
            keys: list[Hashable] = list(after.added)
        elif isinstance(after, Revised) and after.base is earlier:
            keys = list(after.changed)
            departed.extend(after.departed)
        else:
            known = earlier.get
            keys = [key for key, instance in after.items() if known(key) is not instance]
            arrived = sum(1 for key in keys if key not in earlier)
            if len(earlier) + arrived != len(after):
                departed.extend(earlier.keys() - after.keys())
        changed.extend(keys)
        patches.append((after, keys))
    revised: Revised[Hashable] = Revised(combined, changed, departed)
    # A copy of the whole mapping (C-level, a few ms at 50,000, where rebuilding it from
    # every environment's cost ~10), then these environments' changes alone.
    dict.update(revised, combined)
    for key in departed:
        revised.pop(key, None)
    for after, keys in patches:
        for key in keys:
            revised[key] = after[key]
    return revised


@dataclass(frozen=True)
class ListArrived:
    """One environment's list, for `EnvironmentView.with_lists`: complete, or a first load's
    pages so far."""

    environment: EnvironmentRef
    instances: Mapping[Hashable, Instance]
    complete: bool = True


@dataclass(frozen=True, eq=False)
class PreparedLists:
    """What `EnvironmentView.with_lists` works out before it applies lists (every
    environment's rows together, their row index and, by `arrange_for`, its order for the
    view's filter and sort), made ahead by `prepare_lists` so that a screen can apply it in
    later turns of the loop: merging a page into the name order of 100,000 rows, or patching it with a refresh's
    changed rows, is 15-40 ms, and the view, the table and the frame that follow are as much
    again; a key pressed meanwhile waited for both.

    Good for the view it was made from and for any view that holds the same rows (a key
    that moved the selection, filtered or sorted meanwhile); `with_lists` works it out again
    for one whose rows changed. Building the row index ahead leaves the current one right:
    the tables they share are brought up to date in place, and an older index computes again
    what it finds made for another instance (see rows.py `_value`)."""

    lists: Sequence[ListArrived]  # as applied (rows our tasks' results patched held in)
    combined: Mapping[Hashable, Instance]
    by_environment: dict[EnvironmentRef, Mapping[Hashable, Instance]]
    row_index: RowIndex
    # What it was made from.
    instances: Mapping[Hashable, Instance]
    by_environment_before: Mapping[EnvironmentRef, Mapping[Hashable, Instance]]
    held_results: Mapping[EnvironmentRef, Mapping[Hashable, Instance]]
    row_index_before: RowIndex | None

    def arrange_for(self, view: EnvironmentView) -> None:
        """The rows `view` would show of these lists (its filter and sort), made now: with a
        refresh's patch of the orders, as long again as building the index (so a screen
        gives each a turn of its own); `with_lists` then finds them made."""
        self.row_index.arrange(view.filter_text, view.sort_column, view.sort_reverse)

    def holds_for(self, view: EnvironmentView) -> bool:
        return (
            view.instances is self.instances
            and view.by_environment is self.by_environment_before
            and view.held_results is self.held_results
            and view.row_index is self.row_index_before
        )


# eq=False: snapshots compare by identity, so assigning a new one always reaches the watchers
# and comparing two never walks thousands of instances.
@dataclass(frozen=True, eq=False)
class EnvironmentView:
    # The environments shown, in the order they were opened (one: a fleet of one).
    environments: tuple[EnvironmentRef, ...]
    # Every row by its key (`Instance.key`), all environments together.
    instances: Mapping[Hashable, Instance] = field(default_factory=dict)
    # The same, by environment (what each environment's last load gave).
    by_environment: Mapping[EnvironmentRef, Mapping[Hashable, Instance]] = field(default_factory=dict)
    rows: Sequence[Instance] = ()
    filter_text: str = ""
    sort_column: str = "name"
    sort_reverse: bool = False
    selected_key: Hashable | None = None
    # The operator chose the selection (a key, a click). Until then it is the first row, also
    # while a fleet's environments arrive one by one in whatever order they answer.
    selection_chosen: bool = False
    # Rows with a request or task of ours in flight, and which action: a second action on
    # them would only be refused by the server (code 2013), so the UI refuses it first.
    busy: Mapping[Hashable, str] = field(default_factory=dict)
    # Our tasks in these environments, oldest first.
    tasks: Sequence[TaskRow] = ()
    # The tracker's frozen snapshot of each environment's tasks (`tasks` and `busy` are
    # made from them; one environment's are taken as they are).
    task_boards: Mapping[EnvironmentRef, EnvironmentTasks] = field(default_factory=dict)
    # Rows that changed behind our back (cca_tui/fleet/watching.py), until the operator has
    # selected them.
    news: frozenset[Hashable] = frozenset()
    # Rows the operator marked (space): an action then applies to every one of them. Marks
    # follow instances, not positions; a marked instance that disappears drops its mark.
    marked: frozenset[Hashable] = frozenset()
    # Per environment: when it was last loaded, its load under way, why it is stale, and rows
    # of its last list that could not be read (they are not shown).
    refreshed: Mapping[EnvironmentRef, datetime] = field(default_factory=dict)
    progress: Mapping[EnvironmentRef, LoadProgress] = field(default_factory=dict)
    stale: Mapping[EnvironmentRef, str] = field(default_factory=dict)
    unreadable_rows: Mapping[EnvironmentRef, str] = field(default_factory=dict)
    # Rows our tasks' results patched while a load of their environment was under way (see
    # `with_task_results`): that load may have read them before the tasks ended, so its list
    # keeps them as patched; dropped once a complete list of the environment is applied or
    # its load failed.
    held_results: Mapping[EnvironmentRef, Mapping[Hashable, Instance]] = field(default_factory=dict)
    # What filtering and sorting `instances` needs, kept from one snapshot to the next (a
    # cache: it never changes what the rows are, only how fast they are found).
    row_index: RowIndex | None = field(default=None, repr=False)

    @classmethod
    def of(cls, *environments: EnvironmentRef) -> EnvironmentView:
        return cls(tuple(environments))

    # --- derived ----------------------------------------------------------------------

    @property
    def is_fleet(self) -> bool:
        """More than one environment: rows say which one they live in."""
        return len(self.environments) > 1

    @property
    def title(self) -> str:
        """What the status line calls the environments shown."""
        if not self.is_fleet:
            return str(self.environments[0]) if self.environments else ""
        return f"{len(self.environments)} environments"

    @property
    def loaded(self) -> bool:
        return bool(self.refreshed)

    @property
    def last_refresh(self) -> datetime | None:
        """The oldest of the environments' last loads (None before the first)."""
        return min(self.refreshed.values()) if self.refreshed else None

    @property
    def loading(self) -> LoadProgress | None:
        """The loads under way, together (total known only when every one said it)."""
        if not self.progress:
            return None
        if len(self.progress) == 1:
            return next(iter(self.progress.values()))
        totals = [p.total for p in self.progress.values()]
        total = sum(t for t in totals if t is not None) if None not in totals else None
        asked = any(p.asked for p in self.progress.values())
        return LoadProgress(sum(p.received for p in self.progress.values()), total, asked)

    @property
    def stale_reason(self) -> str | None:
        """Why some rows may be out of date: the reason itself in one environment; in a
        fleet, how many environments and each one's reason ("1 of 3 environments: ...")."""
        if not self.stale:
            return None
        if not self.is_fleet:
            return next(iter(self.stale.values()))
        # One that never loaded has no rows to mark: say so here (`E` lists every one). The
        # first reason in full, the others counted: an outage makes every environment stale
        # with the same words, which took three lines of the status line.
        said = [
            f"{env}: {reason}" if env in self.refreshed else f"{env}: not loaded: {reason}"
            for env, reason in itertools.islice(self.stale.items(), STALE_REASONS_SAID)
        ]
        more = len(self.stale) - len(said)
        reasons = "; ".join(said) + (f"; and {more} more" if more else "")
        return f"{len(self.stale)} of {len(self.environments)} environments: {reasons} (E lists them)"

    @property
    def unreadable(self) -> str | None:
        if not self.unreadable_rows:
            return None
        if not self.is_fleet:
            return next(iter(self.unreadable_rows.values()))
        return "; ".join(f"{env}: {reason}" for env, reason in self.unreadable_rows.items())

    @cached_property
    def positions(self) -> dict[Hashable, int]:
        return {instance.key: index for index, instance in enumerate(self.rows)}

    def _row_of(self, key: Hashable | None) -> int | None:
        if key is None:
            return None
        if self.row_index is not None and self.row_index.instances is self.instances:
            return self.row_index.row_of(self.rows, key, self.sort_column, self.sort_reverse)
        return self.positions.get(key)

    @property
    def selected(self) -> Instance | None:
        return self.instances.get(self.selected_key) if self.selected_key is not None else None

    @cached_property
    def has_transitional(self) -> bool:
        """Something is changing on the server: worth refreshing sooner."""
        if self.row_index is not None and self.row_index.instances is self.instances:
            return self.row_index.transitional > 0  # kept up to date with the changes alone
        return any(instance.state in TRANSITIONAL_STATES for instance in self.instances.values())

    def is_changing(self, environment: EnvironmentRef) -> bool:
        """Something is changing in one environment: worth refreshing it sooner."""
        if not self.is_fleet:
            return self.has_transitional
        if self.row_index is not None and self.row_index.instances is self.instances:
            return self.row_index.changing_in(environment)  # kept up to date, no walk
        instances = self.by_environment.get(environment, {})
        return any(instance.state in TRANSITIONAL_STATES for instance in instances.values())

    @property
    def is_filtered(self) -> bool:
        return bool(self.filter_text)

    def _environment(self, environment: EnvironmentRef | None) -> EnvironmentRef:
        if environment is not None:
            return environment
        if len(self.environments) != 1:
            raise ValueError("a fleet's change must name its environment")
        return self.environments[0]

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
        selected = draft.selected_key
        # Visible means present and matching the filter: no need to look through the rows.
        current = draft.instances.get(selected) if selected is not None else None
        if not draft.selection_chosen:
            selected = rows[0].key if rows else None
        elif current is None or not matches(current, draft.filter_text):
            old_index = self._row_of(self.selected_key) or 0
            selected = rows[min(old_index, len(rows) - 1)].key if rows else None
        marked = draft.marked
        if marked and draft.instances is not self.instances:
            marked = frozenset(key for key in marked if key in draft.instances)
        return dataclasses.replace(draft, rows=rows, selected_key=selected, row_index=index, marked=marked)

    def with_instances(
        self,
        instances: Sequence[Instance] | Mapping[Hashable, Instance],
        *,
        when: datetime,
        environment: EnvironmentRef | None = None,
        complete: bool = True,
    ) -> EnvironmentView:
        """A list of one environment arrived (a mapping by key is taken as it is, not copied).

        `complete`: the whole list, so the environment is fresh and no longer loading; else
        the pages so far of a first load (shown as they come).
        """
        env = self._environment(environment)
        mapping = instances if isinstance(instances, Mapping) else {i.key: i for i in instances}
        return self.with_lists([ListArrived(env, mapping, complete)], when=when)

    def prepare_lists(self, lists: Sequence[ListArrived]) -> PreparedLists:
        """What `with_lists(lists)` would work out first, made now (see `PreparedLists`)."""
        if self.held_results:
            lists = [self._holding_results(arrived) for arrived in lists]
        combined, by_environment = self._merged(lists)
        index = self.row_index
        if index is None or index.instances is not combined:
            index = RowIndex(combined, previous=index)
        return PreparedLists(
            lists=lists,
            combined=combined,
            by_environment=by_environment,
            row_index=index,
            instances=self.instances,
            by_environment_before=self.by_environment,
            held_results=self.held_results,
            row_index_before=self.row_index,
        )

    def with_lists(
        self, lists: Sequence[ListArrived], *, when: datetime, prepared: PreparedLists | None = None
    ) -> EnvironmentView:
        """Lists of several environments arrived together (one each): applied in one step, one
        row index and one arrangement for all of them (a fleet's environments that finished
        within one frame cost one walk of the fleet's orders, not one each). `prepared`: what
        `prepare_lists(lists)` made of them, used if it holds for this view."""
        if prepared is None or not prepared.holds_for(self):
            prepared = self.prepare_lists(lists)
        lists, combined, by_environment = prepared.lists, prepared.combined, prepared.by_environment
        index = prepared.row_index
        done = {arrived.environment for arrived in lists if arrived.complete}
        if not done:
            return self._rearranged(instances=combined, by_environment=by_environment, row_index=index)
        return self._rearranged(
            instances=combined,
            by_environment=by_environment,
            row_index=index,
            refreshed={**self.refreshed, **dict.fromkeys(done, when)},
            progress={e: p for e, p in self.progress.items() if e not in done},
            stale={e: r for e, r in self.stale.items() if e not in done},
            held_results={e: h for e, h in self.held_results.items() if e not in done},
        )

    def _merged(
        self, lists: Sequence[ListArrived]
    ) -> tuple[Mapping[Hashable, Instance], dict[EnvironmentRef, Mapping[Hashable, Instance]]]:
        """Every environment's instances together and by environment, with these lists."""
        by_environment = dict(self.by_environment)
        changes = []
        for arrived in lists:
            changes.append((self.by_environment.get(arrived.environment), arrived.instances))
            by_environment[arrived.environment] = arrived.instances
        return _combined_after(self.instances, changes, by_environment), by_environment

    def _holding_results(self, arrived: ListArrived) -> ListArrived:
        """A list with the rows our tasks' results patched during its load, as patched (a first
        load's pages: those they hold already)."""
        held = self.held_results.get(arrived.environment)
        if not held:
            return arrived
        instances = arrived.instances
        keys = [
            key for key, row in held.items() if instances.get(key) is not row and (arrived.complete or key in instances)
        ]
        if not keys:
            return arrived
        # A plain mapping: what it was built on is not what the view shows since the patch, so
        # the next row index finds what changed by a walk (once, after such a patch).
        kept = dict(instances)
        for key in keys:
            kept[key] = held[key]
        return ListArrived(arrived.environment, kept, arrived.complete)

    def with_task_results(self, instances: Iterable[Instance]) -> EnvironmentView:
        """Rows as our tasks' results gave them (each the instance as it is now, read as a
        listed row: tasks/results.py), without reloading their environments' lists.

        They reach the view as a list's changed rows do: a `Revised` of their environment's
        list, so the row index, the haystacks and the table's cells are patched for those rows
        alone. A row keeps the public IPs its list joined to it (a result does not say them as
        the environment's public IP list does). A load of the environment under way may have
        read these rows before the tasks ended: they are held until its list is applied
        (`held_results`), so that list does not bring their older state back for a refresh."""
        patched: dict[EnvironmentRef, dict[Hashable, Instance]] = {}
        for instance in instances:
            environment = environment_of(instance)
            if environment is None or environment not in self.environments:
                continue
            current = self.instances.get(instance.key)
            if current is not None and current.public_ips and not instance.public_ips:
                instance = instance.model_copy(update={"public_ips": current.public_ips})
            patched.setdefault(environment, {})[instance.key] = instance
        if not patched:
            return self
        lists = []
        for environment, rows in patched.items():
            before = self.by_environment.get(environment, {})
            revised: Revised[Hashable] = Revised(before, list(rows), [])
            dict.update(revised, before)
            revised.update(rows)
            lists.append(ListArrived(environment, revised, complete=False))
        combined, by_environment = self._merged(lists)
        held = dict(self.held_results)
        for environment, rows in patched.items():
            if environment in self.progress:
                held[environment] = {**held.get(environment, {}), **rows}
        return self._rearranged(instances=combined, by_environment=by_environment, held_results=held)

    def with_unreadable(self, unreadable: str | None, environment: EnvironmentRef | None = None) -> EnvironmentView:
        env = self._environment(environment)
        rows = {e: r for e, r in self.unreadable_rows.items() if e != env}
        if unreadable:
            rows[env] = unreadable
        return dataclasses.replace(self, unreadable_rows=rows)

    def with_loading(self, progress: LoadProgress | None, environment: EnvironmentRef | None = None) -> EnvironmentView:
        env = self._environment(environment)
        loads = {e: p for e, p in self.progress.items() if e != env}
        if progress is not None:
            loads[env] = progress
        return dataclasses.replace(self, progress=loads)

    def with_stale(self, reason: str, environment: EnvironmentRef | None = None) -> EnvironmentView:
        """The last load of an environment failed: keep its rows, say why they may be out of date."""
        env = self._environment(environment)
        loads = {e: p for e, p in self.progress.items() if e != env}
        # The load the held rows were held for brought nothing: the next one starts after
        # their tasks ended.
        held = {e: h for e, h in self.held_results.items() if e != env}
        return dataclasses.replace(self, stale={**self.stale, env: reason}, progress=loads, held_results=held)

    def with_filter(self, text: str) -> EnvironmentView:
        if text == self.filter_text:
            return self
        if not text and not self.selection_chosen and self.selected_key is not None:
            # Nothing chosen yet (the selection follows the first row while rows arrive):
            # clearing a filter keeps the row it found, which the operator was looking at.
            return dataclasses.replace(self, selection_chosen=True)._rearranged(filter_text=text)
        return self._rearranged(filter_text=text)

    def with_sort(self, column_key: str) -> EnvironmentView:
        """Sort by a column; choosing the sorted column again flips the order."""
        if column_key not in COLUMN_BY_KEY:
            return self
        if column_key == self.sort_column:
            return self._rearranged(sort_reverse=not self.sort_reverse)
        return self._rearranged(sort_column=column_key, sort_reverse=False)

    def with_selection(self, key: Hashable | None, *, chosen: bool = True) -> EnvironmentView:
        """A row is selected: by the operator (`chosen`, which also reads its news mark), or
        by the table keeping up with new rows."""
        chosen = chosen or self.selection_chosen
        if key == self.selected_key and key not in self.news and chosen == self.selection_chosen:
            return self
        return dataclasses.replace(self, selected_key=key, news=self.news - {key}, selection_chosen=chosen)

    def with_tasks(self, tasks: Sequence[TaskRow], busy: Mapping[Hashable, str]) -> EnvironmentView:
        """Our tasks changed: the log's rows, and which rows are busy with one."""
        return dataclasses.replace(self, tasks=tuple(tasks), busy=dict(busy))

    def with_task_boards(self, *boards: EnvironmentTasks) -> EnvironmentView:
        """Environments' tasks changed: their new snapshots replace the old ones; the log's
        rows and the busy rows follow (no task is looked at in a fleet of one)."""
        merged = {**self.task_boards, **{board.environment: board for board in boards}}
        if len(merged) == 1:
            only = next(iter(merged.values()))
            return dataclasses.replace(self, task_boards=merged, tasks=only.rows, busy=only.busy)
        tasks = tuple(heapq.merge(*(board.rows for board in merged.values()), key=task_order))
        busy = {key: action for board in merged.values() for key, action in board.busy.items()}
        return dataclasses.replace(self, task_boards=merged, tasks=tasks, busy=busy)

    def with_mark_toggled(self, key: Hashable | None) -> EnvironmentView:
        """Mark a row, or unmark it if marked."""
        if key is None or key not in self.instances:
            return self
        marked = self.marked - {key} if key in self.marked else self.marked | {key}
        return dataclasses.replace(self, marked=marked)

    def with_all_shown_marked(self) -> EnvironmentView:
        """Mark every row the filter shows (marks on hidden rows stay)."""
        return dataclasses.replace(self, marked=self.marked | {instance.key for instance in self.rows})

    def with_marks_cleared(self) -> EnvironmentView:
        return self if not self.marked else dataclasses.replace(self, marked=frozenset())

    @property
    def marked_hidden_count(self) -> int:
        """Marked rows the filter hides (the action applies to them too)."""
        if not self.is_filtered:
            return 0
        return sum(
            1 for key in self.marked if key in self.instances and not matches(self.instances[key], self.filter_text)
        )

    @property
    def marked_instances(self) -> list[Instance]:
        """The marked instances: those shown, in the table's order, then those the filter hides."""
        if not self.marked:
            return []
        shown = [instance for instance in self.rows if instance.key in self.marked]
        shown_keys = {instance.key for instance in shown}
        hidden = sorted(
            (self.instances[key] for key in self.marked if key not in shown_keys and key in self.instances),
            key=lambda instance: (str(instance.name), str(instance.key)),
        )
        return shown + hidden

    def with_news(self, keys: frozenset[Hashable] | set[Hashable]) -> EnvironmentView:
        """Rows changed behind our back: marked until selected (the selected one is seen)."""
        fresh = frozenset(keys) - {self.selected_key}
        if not fresh:
            return self
        return dataclasses.replace(self, news=self.news | fresh)
