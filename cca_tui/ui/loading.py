"""Fetching an environment's instances for the table: the list, joined with its public IPs.

Two lists per refresh whatever the size (the instance list's pages and the public IP list),
nothing per row. No Textual here: the screen runs this in a worker.

At scale the cost of a refresh is in reading the rows, not in fetching them: pydantic takes
about 15 us a row and copying a model to attach its public IPs as much again, all holding
the event loop. `InstanceLoader` keeps each row as the server last sent it and reuses the
instance it made from it when the row comes back the same (two tuple comparisons, ~1 us),
so an unchanged instance keeps its object, and everything keyed by identity downstream
(filter haystacks, sort keys, cell texts, column widths) is reused too. What it must parse,
it parses in slices that give the loop back every few milliseconds. Pages are handed over as
they arrive, so the first page can be shown while the others are on their way.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import time
from collections.abc import AsyncIterator, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from cca_tui import pacing
from cca_tui.api.client import ComputeScope
from cca_tui.api.errors import CloudCAError
from cca_tui.api.field_caps import FIELD_LIMIT, FieldTooLong, cap_fields
from cca_tui.api.models import Instance, InstancePublicIp, PublicIp
from cca_tui.api.page_reuse import DecodedRow, ReusedRow, Suspect, read_page
from cca_tui.fleet.identity import ROW_READY, EnvironmentRef, LocatedInstance
from cca_tui.ui import collector
from cca_tui.ui.rows import Grown, Revised, prepare

# The longest the loader holds the event loop between two yields (seconds).
SLICE = 0.008
# Loads between two full garbage collections (see keep_long_lived).
FULL_COLLECTION_EVERY = 100


class _Arrivals:
    """The instances a load has received so far, handed out only when asked (a refresh
    applies its complete list alone: copying what arrived after every page would cost it
    the square of its size). Each mapping handed out is the previous one plus what came
    since (a `Grown`: the next row index extends the previous one), unless a row came twice."""

    def __init__(self) -> None:
        self.arrived: dict[Hashable, Instance] = {}
        self._handed: Mapping[Hashable, Instance] = {}
        self._since: list[tuple[Hashable, Instance]] = []
        self._replaced = False

    def add(self, instance_id: Hashable, instance: Instance) -> None:
        before = self.arrived.get(instance_id)
        if before is None:
            self._since.append((instance_id, instance))
        elif before is not instance:
            self._replaced = True
        self.arrived[instance_id] = instance

    def __len__(self) -> int:
        return len(self.arrived)

    @property
    def handed(self) -> Mapping[Hashable, Instance] | None:
        """The last mapping handed out, if any was."""
        return self._handed if self._handed else None

    def mapping(self, count: int) -> Mapping[Hashable, Instance]:
        """The first `count` instances received (what had arrived when a batch was made)."""
        take = count - len(self._handed)
        if self._replaced or take < 0:
            if count < len(self.arrived):  # asked late: a snapshot of its own
                return dict(itertools.islice(self.arrived.items(), count))
            self._handed = dict(self.arrived)
            self._since, self._replaced = [], False
        elif take:
            # The last mapping plus the rows that had come when the batch was made, also when
            # it is asked for late (more rows came since: they wait for the next one). A
            # snapshot of its own there was no `Grown` of the last, and every showing after
            # it walked and patched all the rows (24-36 ms a showing at 100,000, one in three).
            self._handed = Grown(self._handed, self._since[:take])
            del self._since[:take]
        return self._handed


@dataclass(frozen=True)
class Batch:
    """What a load has so far: every instance received by id (page order), and whether that is all."""

    _instances: Mapping[Hashable, Instance] | tuple[_Arrivals, int]
    received: int
    total: int | None
    complete: bool
    unreadable: str | None = None

    @property
    def instances(self) -> Mapping[Hashable, Instance]:
        if isinstance(self._instances, tuple):
            arrivals, count = self._instances
            return arrivals.mapping(count)
        return self._instances


def public_ips_by_instance(public_ips: list[PublicIp]) -> dict[str, list[InstancePublicIp]]:
    """The environment's public IPs grouped by the instances they serve (one request for all rows)."""
    grouped: dict[str, list[InstancePublicIp]] = {}
    for ip in public_ips:
        embedded = InstancePublicIp(id=ip.id, ip_address=ip.ip_address, purposes=ip.purposes)
        for instance_id in ip.instance_ids:  # either shape: `instances[]` or `instanceId`
            grouped.setdefault(instance_id, []).append(embedded)
    return grouped


async def _public_ips_or_none(compute: ComputeScope) -> list[PublicIp] | None:
    """The public IP column is a nicety: its failure must not hide the instances."""
    try:
        return await compute.list_public_ips()
    except CloudCAError:
        return None


_loads_since_collection = 0


def keep_long_lived() -> None:
    """Tell Python's cyclic garbage collector that what a load leaves is long-lived.

    Tens of thousands of instances are a few hundred thousand objects (models, their dicts
    and lists, the rows kept to compare, the caches keyed by them). Each time the collector
    looks at its oldest generation it walks all of them: measured at 8,000 instances, half of
    the CPU time of a filter keystroke, in pauses of a few hundred milliseconds. `gc.freeze()`
    moves everything alive now out of its sight (reference counting still frees them when
    they are dropped); only cycles that become garbage later wait for the full collection
    asked for every FULL_COLLECTION_EVERY loads (one pause every few minutes instead of
    several a second), done at the next quiet moment (see collector.py). Process-wide: call
    it when a load has been applied.
    """
    global _loads_since_collection
    _loads_since_collection += 1
    if _loads_since_collection >= FULL_COLLECTION_EVERY:
        _loads_since_collection = 0
        collector.collect_fully_when_quiet()
    gc.freeze()


# --- rows as they are kept ---------------------------------------------------------------------


def kept_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row as the loader keeps it: every string cut to its bound (`cap_fields`). A flat row
    (the usual one) is looked at in one loop; one with nested values or an over-long string
    goes through the general walk. Raises FieldTooLong as `cap_fields` does.

    The strings that many rows repeat (zone, template, offering, network and VPC names and
    ids, state, user name) are already one object for all of them: the reply's decoder
    shares them (`decode_json`)."""
    for value in row.values():
        if type(value) is str:
            if len(value) > FIELD_LIMIT:
                return cap_fields(row)  # type: ignore[no-any-return]
        elif (type(value) is list or type(value) is dict) and value:
            return cap_fields(row)  # type: ignore[no-any-return]
    return row


# --- pages as they arrive -------------------------------------------------------------------


@dataclass(slots=True)  # one per instance: no __dict__ of its own
class _Known:
    """An instance as last read, with the row it was read from: its keys (one tuple for all
    the rows of a shape) and its values, in order. Two tuples compare as exactly as the dict
    did (the same keys in the same order, each value ==) in less than half its memory."""

    shape: tuple[str, ...]
    values: tuple[Any, ...]
    parsed: Instance  # what it parsed to, without public IPs
    joined: Instance  # with its public IPs: the object the view holds


@dataclass
class InstanceLoader:
    """Loads one environment's instances, again and again, reusing what did not change.

    Its instances are `LocatedInstance`s of `environment` (keyed by environment and id)."""

    environment: EnvironmentRef
    _known: dict[str, _Known] = field(default_factory=dict)
    # The public IPs of the last load by instance (None: not known).
    _grouped: dict[str, list[InstancePublicIp]] | None = None

    # The complete list the last load handed out (what the next one is a revision of).
    _handed: Mapping[Hashable, Instance] | None = None

    def __post_init__(self) -> None:
        self._context = {"environment": self.environment}
        # What loads that did not complete read, since the last one that did.
        self._salvaged: dict[str, _Known] = {}
        self._shapes: dict[tuple[str, ...], tuple[str, ...]] = {}
        # Pydantic's set of the fields a row had, by the keys of the row it validated.
        self._fields_sets: dict[tuple[str, ...], set[str]] = {}
        self._distinct_fields_sets: dict[frozenset[str], set[str]] = {}
        # The rows read so far, by the digest of their text (see page_reuse.py): those of the
        # last complete load, and of loads that did not complete since.
        self._by_digest: dict[bytes, ReusedRow] = {}

    def _read_page(self, content: bytes, suspect: Suspect) -> dict[str, Any] | None:
        return read_page(content, self._by_digest.get, suspect)

    def _remember_texts(self, by_digest: dict[bytes, ReusedRow]) -> None:
        """The rows' texts read by a load that did not complete, with those known before: only
        the texts of rows still held (in the last list or salvaged). Rows whose text changed
        at every failed load were kept otherwise, each old one with its instance."""
        merged = {**self._by_digest, **by_digest}
        known, salvaged = self._known, self._salvaged
        self._by_digest = {
            digest: row
            for digest, row in merged.items()
            if salvaged.get(row.id) is row.known or known.get(row.id) is row.known
        }

    def _share_fields_set(self, parsed: Instance, keys: tuple[str, ...]) -> None:
        """Pydantic keeps, in every model, the set of the fields the row had: 2.2 KiB an
        instance, more than the model's own values. Rows of one server have the same few
        sets: each model holds the one shared set of its kind. The set follows from the keys
        of the row validated, so it is looked up by them (a tuple of strings already made).
        Safe: pydantic copies that set before changing it (`model_copy`), and nothing here
        changes it in place."""
        fields_set = parsed.__pydantic_fields_set__
        shared = self._fields_sets.get(keys)
        if shared is None:
            shared = self._distinct_fields_sets.setdefault(frozenset(fields_set), fields_set)
            self._fields_sets[keys] = shared
        if shared is not fields_set:
            object.__setattr__(parsed, "__pydantic_fields_set__", shared)

    def forget(self) -> None:
        """Parse everything again on the next load (benchmarks: the cost of a load from scratch)."""
        self._known = {}
        self._salvaged = {}
        self._by_digest = {}
        self._grouped = None
        self._handed = None

    async def stream(self, compute: ComputeScope) -> AsyncIterator[Batch]:
        """A Batch after each page, the last one `complete` (with the public IPs joined).

        Raises what the instance list raised; a failing public IP list only leaves that
        column empty. Rows that cannot be read are left out and counted in `unreadable`.
        """
        ips_task = asyncio.ensure_future(_public_ips_or_none(compute))
        try:
            known = self._known
            seen: dict[str, _Known] = {}
            arrivals = _Arrivals()
            unreadable: list[str] = []
            fresh: list[str] = []  # ids parsed in this load (new or changed rows)
            by_digest: dict[bytes, ReusedRow] = {}
            received = 0
            total: int | None = None
            try:
                # The rows of the last loads are known by their text (see page_reuse.py); a
                # first load decodes its pages whole (cutting them into rows costs it ~2 ms a
                # page), and the next one records the rows' texts as it reads them.
                reader = self._read_page if self._known or self._salvaged else None
                pages = compute.iter_raw_pages("instances", reader=reader)
                async with contextlib.aclosing(pages):
                    async for page in pages:
                        total = page.total
                        received += len(page.rows)
                        await self._read(page.rows, known, unreadable, fresh, seen, arrivals, by_digest)
                        if total is None or received < total:
                            yield Batch((arrivals, len(arrivals)), received, total, complete=False)
                            # What the pages made so far lives as long as the load: out of the
                            # cyclic collector's sight (see keep_long_lived), or its full passes
                            # over a growing heap stall the loop for hundreds of milliseconds.
                            gc.freeze()
            except BaseException:
                # A load that does not complete (a page failed, the worker was cancelled):
                # what it read is reused by the next one, which then parses only the rest
                # (at 100,000 rows, each retry read every page again).
                self._salvaged.update(seen)
                self._remember_texts(by_digest)
                raise
            public_ips = await ips_task
            instances = await self._join(seen, public_ips, fresh, arrivals.handed)
            self._known, self._handed, self._salvaged = seen, instances, {}
            self._by_digest = by_digest
            # What only this load needed (the rows by arrival, the last load's rows by id:
            # dicts of every row) is let go in a turn of its own: freed with the generator,
            # in the turn that ended the load, it held the loop ~13 ms at 100,000 rows, and
            # the showing came in the next turn.
            await pacing.next_slice(time.perf_counter())
            started = time.perf_counter()
            del arrivals, known
            pacing.spend(time.perf_counter() - started)
            await pacing.next_slice(time.perf_counter())
            reason = None
            if unreadable:
                reason = f"{len(unreadable)} row(s) could not be read, e.g. {unreadable[0]}"
            yield Batch(instances, received, total, complete=True, unreadable=reason)
        finally:
            ips_task.cancel()

    async def _read(
        self,
        rows: list[Any],
        known: dict[str, _Known],
        unreadable: list[str],
        fresh: list[str],
        seen: dict[str, _Known],
        arrivals: _Arrivals,
        by_digest: dict[bytes, ReusedRow],
    ) -> None:
        """Rows to instances, each entered in `seen` (by id) and `arrivals` as it is read: the
        known object when the row is the same, else parsed. In slices, whatever the path (a
        server that ignores the page size sends 20,000 rows in one page). A row the page's
        reader knew by its text (a ReusedRow) is its known object again, without a look at
        its values; one it decoded (a DecodedRow) is entered in `by_digest` once read."""
        validate = LocatedInstance.__pydantic_validator__.validate_python
        environment, salvaged = self.environment, self._salvaged
        # The rows of a page have the same keys, made one object each by the decoder: the
        # last row's keys, compared element by element (the same objects), save hashing them.
        last_shape: tuple[str, ...] | None = None
        last_fields_set: set[str] | None = None
        known_get = known.get
        await pacing.wait_turn()  # other loads' slices of this turn first (see pacing.py)
        started = time.perf_counter()
        for row in rows:
            if time.perf_counter() - started > SLICE:
                started = await pacing.next_slice(started)
            kind = type(row)
            if kind is ReusedRow:
                instance_id, before, digest = row
                seen[instance_id] = before
                by_digest[digest] = row
                arrivals.add(before.joined.key, before.joined)
                if known_get(instance_id) is not before:
                    fresh.append(instance_id)  # read by a load that did not complete
                continue
            digest = None
            if kind is DecodedRow:
                row, digest = row
            elif kind is not dict:
                self._refuse(row, unreadable)
                continue
            shape, values = tuple(row), tuple(row.values())
            instance_id = row.get("id")
            if type(instance_id) is str:
                before = _unchanged(known, instance_id, shape, values)
                if before is None and salvaged:
                    before = _unchanged(salvaged, instance_id, shape, values)
                if before is not None:
                    seen[instance_id] = before
                    arrivals.add(before.joined.key, before.joined)
                    if known_get(instance_id) is not before:
                        fresh.append(instance_id)  # read by a load that did not complete: new to the last list
                    if digest is not None and instance_id:
                        by_digest[digest] = ReusedRow(instance_id, before, digest)
                    continue
            try:
                # Kept as read, each value cut to its bound: one 50 MB name costs what a long
                # name costs (the comparison above then re-reads only that row each load).
                kept = kept_row(row)
                if kept is not row:
                    values = tuple(kept.values())
                # What the validator would make of it (see ROW_READY), without a copy.
                ready = kept if None not in values else {k: v for k, v in kept.items() if v is not None}
                ready["environment"] = environment
                parsed = validate(ready, context=ROW_READY)
            except ValidationError as exc:
                unreadable.append(_first_error(exc))
                continue
            except FieldTooLong as exc:
                unreadable.append(str(exc))
                continue
            if shape == last_shape:
                shape = last_shape
            else:
                shape = self._shapes.setdefault(shape, shape)
            if ready is kept and shape is last_shape:
                object.__setattr__(parsed, "__pydantic_fields_set__", last_fields_set)
            else:
                self._share_fields_set(parsed, shape if ready is kept else tuple(ready))
                if ready is kept:
                    last_shape, last_fields_set = shape, parsed.__pydantic_fields_set__
            entry = _Known(shape, values, parsed, parsed)
            seen[parsed.id] = entry
            if digest is not None and parsed.id and parsed.id == instance_id:  # (not cut to its bound)
                by_digest[digest] = ReusedRow(parsed.id, entry, digest)
            arrivals.add(parsed.key, parsed)
            prepare(parsed)  # its haystack and tie key, here in this slice, not in the showing
            fresh.append(parsed.id)
        pacing.spend(time.perf_counter() - started)

    def _refuse(self, row: Any, unreadable: list[str]) -> None:
        """A row that is no JSON object: counted with pydantic's words for it."""
        try:
            LocatedInstance.model_validate(row, context=self._context)
        except ValidationError as exc:
            unreadable.append(_first_error(exc))
        else:  # pragma: no cover - only a dict is a model's input from JSON
            unreadable.append("row: not an object")

    async def _join(
        self,
        entries: dict[str, _Known],
        public_ips: list[PublicIp] | None,
        fresh: list[str],
        shown: Mapping[Hashable, Instance] | None = None,
    ) -> dict[Hashable, Instance]:
        """Attach the public IPs; an instance whose row and addresses did not change keeps its
        object. Only the rows parsed in this load and the instances whose addresses changed
        are looked at (the addresses are compared by instance, a few hundred at most). When
        that is so, the list is a `Revised` of the last one: it says what changed."""
        grouped = public_ips_by_instance(public_ips) if public_ips is not None else None
        previous, self._grouped = self._grouped, grouped
        todo: Iterable[str]
        everything = grouped is None or previous is None
        if grouped is not None and previous is not None:
            changed_ips = {iid for iid in grouped.keys() | previous.keys() if grouped.get(iid) != previous.get(iid)}
            todo = changed_ips.union(fresh)
        else:
            todo = entries.keys()
        await pacing.wait_turn()
        started = time.perf_counter()
        for n, instance_id in enumerate(todo):
            if n % 256 == 0 and time.perf_counter() - started > SLICE:
                started = await pacing.next_slice(started)
            entry = entries.get(instance_id)
            if entry is None:
                continue
            ips = grouped.get(instance_id, []) if grouped is not None else None
            if not ips and not entry.parsed.public_ips:
                entry.joined = entry.parsed  # nothing to attach: no copy (most instances)
            elif ips is not None and (entry.joined is entry.parsed or entry.joined.public_ips != ips):
                entry.joined = entry.parsed.model_copy(update={"public_ips": ips})
                prepare(entry.joined)
                if time.perf_counter() - started > SLICE:
                    started = await pacing.next_slice(started)
            elif ips is None:
                entry.joined = entry.parsed
        pacing.spend(time.perf_counter() - started)
        last = self._handed
        if last is None or everything:
            return await self._revision_of(last if last is not None else shown, entries)
        changed: list[Hashable] = []
        for instance_id in todo:
            entry = entries.get(instance_id)
            if entry is not None and last.get(entry.joined.key) is not entry.joined:
                changed.append(entry.joined.key)
        departed = _departed(last, changed, entries)
        # The last list copied in C, then what changed: walking every entry to rebuild it
        # cost a refresh of 5,000 rows ~4 ms, whatever changed.
        revised: Revised[Hashable] = Revised(last, changed, departed)
        dict.update(revised, last)
        for key in departed:
            del revised[key]
        for instance_id in todo:
            entry = entries.get(instance_id)
            if entry is not None:
                revised[entry.joined.key] = entry.joined
        return revised

    async def _revision_of(
        self, last: Mapping[Hashable, Instance] | None, entries: dict[str, _Known]
    ) -> dict[Hashable, Instance]:
        """The whole list, built in slices; a `Revised` of `last` (what the screen shows: the
        last load's list, or the first load's pages so far) found by one walk, in slices too,
        so that applying it is not a walk through every instance in one piece."""
        result: dict[Hashable, Instance] = {} if last is None else Revised(last, [], [])
        changed = result.changed if isinstance(result, Revised) else []
        await pacing.wait_turn()
        started = time.perf_counter()
        for n, entry in enumerate(entries.values()):
            if n % 256 == 0 and time.perf_counter() - started > SLICE:
                started = await pacing.next_slice(started)
            joined = entry.joined
            result[joined.key] = joined
            if last is not None and last.get(joined.key) is not joined:
                changed.append(joined.key)
        pacing.spend(time.perf_counter() - started)
        if isinstance(result, Revised) and last is not None:
            result.departed.extend(_departed(last, changed, entries))
        return result


def _unchanged(
    entries: dict[str, _Known], instance_id: str, shape: tuple[str, ...], values: tuple[Any, ...]
) -> _Known | None:
    """The entry read for `instance_id` if its row was this one (the same keys and values)."""
    before = entries.get(instance_id)
    return before if before is not None and before.values == values and before.shape == shape else None


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    return f"{'.'.join(str(p) for p in first['loc']) or 'row'}: {first['msg']}"


def _departed(last: Mapping[Hashable, Instance], changed: list[Hashable], entries: dict[str, _Known]) -> list[Hashable]:
    """The keys of `last` no longer listed (none, most of the time: counted, not looked for)."""
    arrived = sum(1 for key in changed if key not in last)
    if len(last) + arrived == len(entries):
        return []
    return list(last.keys() - {entry.joined.key for entry in entries.values()})
