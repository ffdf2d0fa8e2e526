"""The instance table's columns, filter and sort: what a row shows and in which order.

A new column goes in COLUMNS (its label, the text of its cell, and how it sorts). Pure
functions, no Textual: the state computes the visible rows here, the table draws them.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Generator, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress
from operator import attrgetter, itemgetter
from socket import inet_aton as _inet_aton
from types import MappingProxyType
from typing import Any, Generic, NamedTuple, TypeGuard, TypeVar

from cca_tui.api.models import TRANSITIONAL_STATES, Instance
from cca_tui.fleet.identity import EnvironmentRef, environment_of, environment_text
from cca_tui.ui.filter_query import compile_query, is_plain
from cca_tui.ui.format import public_ips_text, size_text


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    text: Callable[[Instance], str]
    sort_key: Callable[[Instance], Any] | None = None
    # The instance's attribute a plain column shows as it is ("" for None): the table reads
    # those of a row in one C call (`operator.attrgetter`), not one `text` call a column.
    attribute: str | None = None
    # A plain column's sort key made from its attribute's value (None: the text, lowercased):
    # a first sort reads every row's value in C (see `keys_of`).
    value_key: Callable[[Any], Any] | None = None


def plain_column(key: str, label: str, attribute: str, value_key: Callable[[Any], Any] | None = None) -> Column:
    """A column that shows one attribute of the instance as it is ("" when it is None),
    sorted by `value_key(value)` or else by its text, lowercased."""
    read = attrgetter(attribute)
    sort_key = None if value_key is None else lambda i: value_key(read(i))
    return Column(key, label, lambda i: read(i) or "", sort_key, attribute, value_key)


def _ip_sort_key(address: str | None) -> str:
    """Addresses in numeric order (what the C library reads as an IPv4 address: "0" and its 32
    bits in hex), anything else after them in text order ("1" and the text). One string: made
    in C and compared by memcmp, where a tuple of four ints cost a first sort of 50,000 rows by
    this column ~90 ms of keys and ~40 ms of comparisons (now ~18 and ~18)."""
    try:
        return "0" + _inet_aton(address).hex()  # type: ignore[arg-type]  # (None: TypeError)
    except (OSError, TypeError, ValueError):
        return "1" + (address or "")


COLUMNS: tuple[Column, ...] = (
    plain_column("name", "Name", "name", str.lower),
    plain_column("state", "State", "state"),
    plain_column("ip", "Private IP", "ip_address", _ip_sort_key),
    Column("public", "Public IP", lambda i: public_ips_text(i.public_ips)),
    plain_column("offering", "Offering", "compute_offering_name"),
    Column("size", "vCPU/RAM", size_text, lambda i: (i.cpu_count or 0, i.memory_in_mb or 0)),
    plain_column("template", "Template", "template_name"),
    plain_column("zone", "Zone", "zone_name"),
    plain_column("network", "Network", "network_name"),
)
# Shown first in a view of several environments: where each row lives.
ENVIRONMENT_COLUMN = Column("env", "Environment", lambda i: environment_text(environment_of(i)))
COLUMN_KEYS = tuple(column.key for column in COLUMNS)
COLUMN_BY_KEY = {column.key: column for column in (*COLUMNS, ENVIRONMENT_COLUMN)}
FLEET_COLUMNS = (ENVIRONMENT_COLUMN, *COLUMNS)
FLEET_COLUMN_KEYS = tuple(column.key for column in FLEET_COLUMNS)
# Not a column (the detail pane shows it) but what a ticket or an alert names an instance by:
# `id:` finds it. Left out of the plain words' text, which every filter letter searches.
ID_FIELD = plain_column("id", "ID", "id")
# What `field:value` filter terms can name: every column, the environment and the id included.
FILTER_COLUMNS = (*COLUMNS, ENVIRONMENT_COLUMN, ID_FIELD)


def columns_for(fleet: bool) -> tuple[Column, ...]:
    """The table's columns: a view of several environments adds where each row lives."""
    return FLEET_COLUMNS if fleet else COLUMNS


def matches(instance: Instance, query: str) -> bool:
    """`/` filter: name, state, any IP, or the environment contains the query (case-insensitive);
    `field:value` and `-` terms as filter_query.py says (`env:` too)."""
    return not query or compile_query(query, FILTER_COLUMNS)(instance, haystack(instance))


def arrange(instances: Iterable[Instance], filter_text: str, sort_column: str, reverse: bool) -> list[Instance]:
    """The rows to show: those matching the filter, sorted by the column (name breaks ties)."""
    column = COLUMN_BY_KEY.get(sort_column, COLUMNS[0])
    key = column.sort_key or (lambda i: column.text(i).lower())
    visible = [i for i in instances if matches(i, filter_text)]
    visible.sort(key=tie_key)  # stable tie-break
    visible.sort(key=key, reverse=reverse)
    return visible


def haystack(instance: Instance) -> str:
    """What the `/` filter searches in one instance, lowercased once: the fields `matches`
    reads (and the environment a fleet's row lives in), joined by a character no one types."""
    environment = environment_of(instance)
    return "\x00".join(
        (
            instance.name,
            instance.state,
            instance.ip_address or "",
            public_ips_text(instance.public_ips),
            environment_text(environment) if environment is not None else "",
        )
    ).lower()


def tie_key(instance: Instance) -> str:
    """Rows equal in the sorted column are in name order (then environment and id: the order
    is total). One string rather than the tuple (name, environment, id): a merge bisects
    ~17 keys a row and a sort compares as many, and a tuple is two more objects to fetch for
    each comparison (at 100,000 rows, from main memory: a page's merge cost 45-98 ms). The
    parts are joined by two NULs, a NUL of their own written NUL + \x01, so the string sorts
    exactly as the tuple of parts would (see tests/property)."""
    environment = environment_of(instance)
    name, instance_id = instance.name.lower(), instance.id
    if "\x00" in name:
        name = _escaped(name)
    if "\x00" in instance_id:
        instance_id = _escaped(instance_id)
    if environment is None:
        return name + TIE_SEPARATOR + instance_id
    return name + TIE_SEPARATOR + _environment_tie(environment) + TIE_SEPARATOR + instance_id


TIE_SEPARATOR = "\x00\x00"


def _escaped(part: str) -> str:
    return part.replace("\x00", "\x00\x01")


@lru_cache(maxsize=1024)
def _environment_tie(environment: EnvironmentRef) -> str:
    return _escaped(environment.service_code) + TIE_SEPARATOR + _escaped(environment.name)


def sort_key(column: Column, instance: Instance) -> object:
    return column.sort_key(instance) if column.sort_key is not None else column.text(instance).lower()


def _key_maker(column: Column | None) -> Callable[[Instance], object]:
    """How to compute one instance's key for `column` (None: the tie-break key)."""
    if column is None:
        return tie_key
    if column.sort_key is not None:
        return column.sort_key
    text = column.text
    return lambda instance: text(instance).lower()


def keys_of(column: Column | None, instances: Sequence[Instance]) -> list[Any]:
    """Each instance's sort key for `column` (None: the tie-break key), in their order: what
    `_key_maker(column)` makes of each, a plain column's values read in C (a first sort by a
    column read 50,000 rows' keys a Python call each: 150-250 ms)."""
    if column is None or column.attribute is None:
        make = _key_maker(column)
        return [make(instance) for instance in instances]
    values = list(map(attrgetter(column.attribute), instances))
    if column.value_key is not None:
        return list(map(column.value_key, values))
    if None in values:
        values = ["" if value is None else value for value in values]
    # A plain column has few distinct values (states, zones, offerings): one lowercased
    # string each, shared by their rows, rather than one per row (50,000 for each column).
    lowered = {value: value.lower() for value in set(values)}
    return list(map(lowered.__getitem__, values))


# Haystacks and tie keys made ahead of a showing (see `prepare`), by instance key, with the
# instance they were made for.
_PREPARED: dict[Hashable, tuple[Instance, str, str]] = {}
# Made for instances never shown (a load that failed, a server that dropped them) are
# replaced by the next of their key; past this many, all are dropped (made again if shown).
PREPARED_AT_MOST = 500_000


def prepare(instance: Instance) -> None:
    """Make `instance`'s haystack and tie key now, for the row index that will add it.

    The loader calls it as it reads each new row, in its slices of the loop's time; a
    showing adds 2,000-5,000 rows in one step of the loop, and making them there was ~5 us
    a row of that step (a fleet's key waited behind it). The index that adds the instance
    takes them, if they were made for that very object."""
    if len(_PREPARED) >= PREPARED_AT_MOST:
        _PREPARED.clear()
    _PREPARED[instance.key] = (instance, haystack(instance), tie_key(instance))


def _made_for(instance: Instance) -> tuple[str, str]:
    """`instance`'s haystack and tie key: as prepared for it (taken), else made now."""
    made = _PREPARED.pop(instance.key, None)
    if made is not None and made[0] is instance:
        return made[1], made[2]
    return haystack(instance), tie_key(instance)


# (the instance the entry was computed from, the value): an entry is good while the instance
# in the list is that very object (an unchanged instance keeps its object across refreshes).
_Entry = tuple[Instance, object]


def _value(entries: Mapping[Hashable, _Entry], instance: Instance, make: Callable[[Instance], Any]) -> Any:
    """`make(instance)`, from `entries` if its entry was computed from this very instance.

    The tables of entries are shared along a chain of indexes (each new index brings them up
    to date with its own instances in place, rather than copying tens of thousands of
    entries): an older index may find a newer instance's entry there, or none, and then
    computes its own value."""
    entry = entries.get(instance.key)
    if entry is not None and entry[0] is instance:
        return entry[1]
    return make(instance)


# Above this share of changed instances, the name order is sorted again rather than patched
# (its patch is a merge by C-level bisection and slice copies: cheaper than a sort up to about
# half the list, e.g. a fleet's environment of 5,000 arriving among 5,000 others). Other
# orders are patched row by row, in Python: see _worth_patching.
PATCH_SHARE = 0.5
# Rows whose column keys `RowIndex.pack_keys_steps` packs in one step.
PACK_ROWS = 10_000
# Plain filters whose rows a RowIndex keeps (a longer filter searches those, a backspace
# finds its own): (lowercased filter, sort column, reversed, rows, their haystacks).
RECENT_FILTERS = 4
# A recent filter of at most this many rows is carried to the next index of a patch (see
# `_carried_filters`): sorting them costs less than searching every row again.
CARRY_FILTER_ROWS = 2000
_Filtered = tuple[str, str, bool, list[Instance], list[str]]

K = TypeVar("K", bound=Hashable)


def _worth_patching(moved: int, size: int) -> bool:
    """Whether to patch an order other than the name order (each moved row's keys made and
    found by C-level bisection, then placed: ~8 us; the rows' splice ~0.1 us a row) rather
    than sort it again from the name order (~0.6 us a row). Measured at 50,000 over ten by
    state, reversed: 1 % changed (1,000 rows moved) patched 12 ms, sorted 23; 5 %: 81 vs 29."""
    return moved * 8 + size * 0.1 < 0.6 * size


class _OrderKeys(NamedTuple):
    """The sort keys of an order other than the name order, for finding a row in it by
    C-level bisection (`bisect` over lists, not a Python loop reading keys by instance: a 1 %
    refresh of 50,000 sorted by state found its 1,000 moved rows in 60-150 ms that way).

    The order is by the column's key (descending if `reverse`), then the tie key (ascending):
    `keys` holds the column's keys ascending (an order reversed keeps them reversed), `ties`
    the tie keys in the order's own order. Rows of one key are a run in both."""

    keys: list[Any]
    ties: list[str]
    reverse: bool

    @classmethod
    def of(cls, keys_in_order: list[Any], ties: list[str], reverse: bool) -> _OrderKeys:
        if reverse:
            keys_in_order.reverse()
        return cls(keys_in_order, ties, reverse)

    def in_order(self) -> list[Any]:
        """The column's keys in the order's own order (a copy)."""
        return self.keys[::-1] if self.reverse else list(self.keys)

    def locate(self, key: Any, tie: str) -> int:
        """Where a row of these keys goes: the first position whose row sorts after or with it
        (an instance of the order is found at its own place)."""
        low = bisect_left(self.keys, key)
        high = bisect_right(self.keys, key, low)
        if self.reverse:
            size = len(self.keys)
            low, high = size - high, size - low
        return bisect_left(self.ties, tie, low, high)


class _Unfinished(NamedTuple):
    """The lists that go with a patched order's rows (haystacks, keys), spliced after them:
    the rows are what a showing draws, the rest waits for a filter, a sort or the screen's
    `settle` after the repaint (at 100,000 rows each list spliced is ~10-15 ms here). The
    previous lists, the rows dropped, and the values each arrival brings to each list.

    Nothing here refers to the row index (no closure over it): a row index and what waits in
    it are no cycle, freed by reference counting alone (the cyclic collector is paused during
    loads and what lives on is frozen out of its sight: see loading.py)."""

    rows: list[Instance]
    lists: list[list[Any]]
    drops: list[int]
    # Made when the splicing begins (reading the arrivals' keys is work a showing spares too).
    arrivals: Callable[[], Sequence[tuple[int, Sequence[Any]]]]
    # The name order's: the columns whose keys are carried (its last list).
    carried: tuple[str, ...] = ()

    def steps(self) -> Generator[None, None, list[list[Any]]]:
        """One list spliced a step; returns them."""
        spliced = []
        arrivals = self.arrivals()
        for n, source in enumerate(self.lists):
            values = [(position, (row[n],)) for position, row in arrivals]
            spliced.append(_spliced([source], self.drops, values)[0])
            yield
        return spliced


# The base of a list that has a list built on it: matches no list (see `_follows`).
FORGOTTEN: Mapping[Any, Instance] = MappingProxyType({})


def _follows(base: Mapping[Any, Instance]) -> None:
    """A list is built on `base`: what `base` was built on is no longer anyone's business.
    Each `Revised` or `Grown` is read against its own base once, when the next row index, the
    table and the watcher take it (before the list after it is built); kept, every list a
    session ever had stayed alive through the chain of bases: ~27 MB a refresh of 50,000."""
    if isinstance(base, Revised | Grown):
        base.base = FORGOTTEN


class Revised(dict[K, Instance], Generic[K]):
    """A complete list that is `base` with the instances of `changed` (new objects: changed
    or arrived) and without those of `departed`; every other key holds `base`'s very object.
    Whoever made it knows this (the loader, from the rows it parsed): the next RowIndex
    then skips its walk through every instance to find what changed."""

    __slots__ = ("base", "changed", "departed")

    def __init__(self, base: Mapping[K, Instance], changed: list[K], departed: list[K]) -> None:
        super().__init__()
        _follows(base)
        self.base, self.changed, self.departed = base, changed, departed


class Grown(dict[K, Instance], Generic[K]):
    """A mapping that is `base` plus the instances of `added` (keys of instances not in
    `base`), in that order: what a load has after one more page. Built by whoever knows it
    (the loader), it lets the next RowIndex extend the previous one in the cost of the page
    rather than rebuild it in the cost of everything received so far."""

    __slots__ = ("added", "base")

    def __init__(self, base: Mapping[K, Instance], added: list[tuple[K, Instance]]) -> None:
        super().__init__(base)
        self.update(added)
        _follows(base)
        self.base = base
        self.added = [key for key, _instance in added]


def is_grown_from(after: Mapping[Any, Instance], before: Mapping[Any, Instance] | None) -> TypeGuard[Grown[Any]]:
    """Whether `after` is `before` plus rows (a `Grown` of it; a first page: a Grown of
    nothing). A Grown whose base was forgotten (see `_follows`) grows from nothing known."""
    if not isinstance(after, Grown):
        return False
    return after.base is before or (not after.base and after.base is not FORGOTTEN and not before)


class RowIndex:
    """The instances of one list with what filtering and sorting them needs, for speed.

    `arrange` gives exactly what the function `arrange` gives, without redoing the work each
    time. Every instance's filter haystack and tie key are computed once per instance
    object, a column's sort keys once per sort by it (kept in the name order and patched with
    it); each sorted order of the whole list once per index, and a filter keystroke only walks
    that order. Built from the index of the previous list (`previous`), it finds the instances
    whose object changed (an unchanged instance keeps its object across refreshes) and patches
    the previous haystacks, keys and orders for those alone: a refresh where 1 % changed
    costs one C-speed copy of each list it keeps in the order shown, not a re-sort. The
    tables by instance are shared along the chain of indexes (see `_value`).

    `base`, `changed` and `departed` say what changed since `previous` (for the table's own
    caches): `changed` lists the ids whose object is new (arrivals included); None when the
    index was built from scratch. Immutable from outside.
    """

    __slots__ = (
        "_aligned",
        "_carried",
        "_haystacks",
        "_keys",
        "_keys_to_order",
        "_name_keys",
        "_order_keys",
        "_orders",
        "_pending",
        "_recent",
        "_unfinished",
        "base",
        "changed",
        "changing",
        "departed",
        "instances",
    )

    def __init__(self, instances: Mapping[Hashable, Instance], previous: RowIndex | None = None) -> None:
        self.instances = instances
        self._keys: dict[str, dict[Hashable, _Entry]] = {}
        # Per column, its keys in the name order they were last read in (that order, the keys):
        # sorting the column the other way reads them again only if that order changed.
        self._aligned: dict[str, tuple[list[Instance], list[Any]]] = {}
        # Several columns' keys in the name order, one tuple a row (that order, the columns,
        # the tuples): what a merge carries along, one list to patch rather than one a column.
        self._carried: tuple[list[Instance], tuple[str, ...], list[tuple[Any, ...]]] | None = None
        self._orders: dict[tuple[str, bool], tuple[list[Instance], list[str]]] = {}
        # Orders patched whose rows alone are spliced yet: the rows and what they wait for.
        self._unfinished: dict[tuple[str, bool], _Unfinished] = {}
        # Of each order in `_orders` other than the name order: its keys, for bisection; those
        # of an order sorted here are made when first needed, or by `settle` after the repaint
        # (the column's keys in the name order, the tie keys of that order, the sort's places).
        self._order_keys: dict[tuple[str, bool], _OrderKeys] = {}
        self._keys_to_order: dict[tuple[str, bool], tuple[list[Any], list[Any], list[int]]] = {}
        self.base: Mapping[Hashable, Instance] | None = None
        self.changed: list[Hashable] | None = None
        self.departed: list[Hashable] = []
        self._pending: tuple[RowIndex, list[Hashable], list[Hashable]] | None = None
        # The tie keys of the name order, in that order (for bisection), once needed.
        self._name_keys: list[Any] | None = None
        # The last few plain filters' results (see `arrange`).
        self._recent: list[_Filtered] = []
        if previous is not None and is_grown_from(instances, previous.instances):
            self._extend(previous, instances.added)
            return
        if previous is None:
            self._haystacks: dict[Hashable, tuple[Instance, str]] = {}
            self._keys[""] = {}
            self._add_rows(instances.keys())
            # How many instances are in a transitional state, by environment (the screen
            # refreshes that environment sooner).
            self.changing = _changing(instances.values())
            return
        if previous._pending is not None:
            # Its name order was left for later (see `_order`): patched now, before this index
            # changes the tables it would read, so that no chain of indexes builds up.
            previous.name_order()
        before = previous.instances
        if isinstance(instances, Revised) and instances.base is before:
            changed, departed = list(instances.changed), list(instances.departed)
        else:
            known = before.get
            changed = [iid for iid, instance in instances.items() if known(iid) is not instance]
            arrived = sum(1 for iid in changed if iid not in before)
            departed = [] if len(before) + arrived == len(instances) else list(before.keys() - instances.keys())
        self.base, self.changed, self.departed = before, changed, departed
        changing = Counter(previous.changing)
        changing.update(_changing(instances[iid] for iid in changed))
        changing.subtract(_changing(before[iid] for iid in changed if iid in before))
        changing.subtract(_changing(before[iid] for iid in departed))
        self.changing = changing
        # The previous index's tables, brought up to date in place (see `_value`): copying
        # them cost a refresh of 50,000 rows ~6 ms each, whatever changed.
        haystacks = previous._haystacks
        for iid in departed:
            haystacks.pop(iid, None)
        self._haystacks = haystacks
        for name, keys in previous._keys.items():
            for iid in departed:
                keys.pop(iid, None)
            self._keys[name] = keys
        self._add_rows(changed)
        if len(changed) + len(departed) <= PATCH_SHARE * max(1, len(instances)):
            # The previous orders are patched when asked for (usually only the one in use):
            # until then this index holds the previous one, and lets it go once its name order
            # is patched (see `_order`).
            gone = [iid for iid in changed if iid in before]
            gone.extend(departed)
            self._pending = (previous, gone, changed)
            self._recent = self._carried_filters(previous._recent, set(gone), changed)

    def _carried_filters(
        self, recent: list[_Filtered], gone: set[Hashable], changed: list[Hashable]
    ) -> list[_Filtered]:
        """The previous index's recent filters, brought up to date with what changed: their
        rows less those gone or changed, plus the changed rows that match, in the order's
        order (`arrange` of so few rows is the same order as the whole, a total order). A
        filter kept on while tasks end or refreshes come searched every row's haystack again
        for each new index (~18 ms at 50,000, each of a bulk action's task ends). Filters of
        more than CARRY_FILTER_ROWS rows are searched again when asked for."""
        carried: list[_Filtered] = []
        instances, haystacks = self.instances, self._haystacks
        for needle, sort_column, reverse, found, texts in recent:
            if len(found) > CARRY_FILTER_ROWS:
                continue
            text_of = {
                instance.key: text for instance, text in zip(found, texts, strict=True) if instance.key not in gone
            }
            for iid in changed:
                text = haystacks[iid][1]
                if needle in text:
                    text_of[iid] = text
            rows = arrange((instances[iid] for iid in text_of), "", sort_column, reverse)
            carried.append((needle, sort_column, reverse, rows, [text_of[instance.key] for instance in rows]))
        return carried

    @property
    def transitional(self) -> int:
        """How many instances are in a transitional state (the screen refreshes sooner)."""
        return sum(count for count in self.changing.values() if count > 0)

    def changing_in(self, environment: Hashable | None) -> bool:
        """Whether an instance of `environment` (None: of a list of plain instances) is in a
        transitional state: kept up to date with the changes alone, no walk."""
        return self.changing.get(environment, 0) > 0

    def _add_rows(self, ids: Iterable[Hashable]) -> None:
        """Bring the tables of haystacks and keys up to date for these instances (arrived or
        changed): the haystack and tie key as `prepare` made them, or made now; the keys of
        the other columns kept (those a sort has read) made now."""
        instances, haystacks = self.instances, self._haystacks
        ties = self._keys.setdefault("", {})
        others = [(keys, _key_maker(COLUMN_BY_KEY.get(name))) for name, keys in self._keys.items() if name]
        for iid in ids:
            instance = instances[iid]
            text, tie = _made_for(instance)
            haystacks[iid] = (instance, text)
            ties[iid] = (instance, tie)
            for keys, make in others:
                keys[iid] = (instance, make(instance))

    def _extend(self, previous: RowIndex, added: list[Any]) -> None:
        """`instances` is `previous.instances` plus `added`: take over the previous index's
        haystacks and keys (entries are only ever added to them, and every lookup is by the
        ids of one's own instances, so the previous index stays right) and merge the added
        instances into the name order, the one a first load shows, in one pass of C-level
        slice copies. Other orders are sorted again when asked for."""
        instances = self.instances
        self.base, self.changed, self.departed = previous.instances, list(added), []
        self.changing = previous.changing + _changing(instances[iid] for iid in added)
        self._haystacks = previous._haystacks
        self._keys.update(previous._keys)
        self._add_rows(added)
        name_order = (COLUMNS[0].key, False)
        if previous._pending is not None or name_order in previous._unfinished:
            previous.name_order()  # left for later by its showing (see `_order`): patched now
        earlier = previous._orders.get(name_order)
        if earlier is None:
            return
        self._merge_name_order(previous, earlier, [], added, defer=False)

    def _merge_name_order(
        self,
        previous: RowIndex,
        earlier: tuple[list[Instance], list[str]],
        drops: list[int],
        added: list[Hashable],
        *,
        defer: bool,
    ) -> list[Instance]:
        """The previous name order without the rows at `drops` and with the instances of
        `added`, with its keys; the column keys the previous index had in that order (for a
        sort) come along, patched in the same pass: sorting by a column again after a refresh
        reads only the changed rows' keys, not every row's. Kept as this index's name order;
        `defer`: its rows alone spliced now, the rest when needed (`_Unfinished`)."""
        old_order, old_texts = earlier
        keys_before = previous._name_key_list(old_order)
        names, packed = previous._packed_keys(old_order)
        ties, instances, haystacks = self._column_keys(None), self.instances, self._haystacks
        arrivals: list[tuple[Any, Sequence[Any]]] = []
        for iid in added:
            # Their haystacks and tie keys were made for these very instances when this index
            # was built (`_extend`, `__init__`), unless a newer index took their entries (this
            # index's name order was patched after the next one was built): then made again.
            instance = instances[iid]
            tie = _value(ties, instance, tie_key)
            arrivals.append((tie, (instance, _value(haystacks, instance, haystack), tie)))
        arrivals.sort(key=itemgetter(0))

        def with_carried(places: list[tuple[Any, Sequence[Any]]]) -> list[tuple[Any, Sequence[Any]]]:
            """The carried columns' keys of the arrivals added, read a column at a time (in C
            for a plain column: see `keys_of`), one tuple a row."""
            if not names:
                return places
            rows = [row[0] for _place, row in places]
            read = list(zip(*(keys_of(COLUMN_BY_KEY[name], rows) for name in names), strict=True))
            return [(place, (*row, keys)) for (place, row), keys in zip(places, read, strict=True)]

        lists: list[list[Any]] = [old_order, old_texts, keys_before]
        if names:
            lists.append(packed)
        if not defer:
            order, *rest_lists = _merged(keys_before, lists, drops, with_carried(arrivals))
            self._store_name_order(order, rest_lists, names)
            return order
        places = _places(keys_before, arrivals)
        rows = _spliced([old_order], drops, [(position, (row[0],)) for position, row in places])[0]

        def rest() -> list[tuple[int, Sequence[Any]]]:
            return [(position, row[1:]) for position, row in with_carried(places)]

        self._defer((COLUMNS[0].key, False), _Unfinished(rows, lists[1:], drops, rest, names))
        return rows

    def _keys_of_order(self, wanted: tuple[str, bool]) -> _OrderKeys | None:
        """The keys of the order `wanted` (not the name order) for bisection, made now if its
        sort left them for later."""
        recipe = self._keys_to_order.pop(wanted, None)
        if recipe is not None:
            values, name_keys, places = recipe
            self._order_keys[wanted] = _OrderKeys.of(_picked(values, places), _picked(name_keys, places), wanted[1])
        return self._order_keys.get(wanted)

    def _store_name_order(self, order: list[Instance], lists: list[list[Any]], names: tuple[str, ...]) -> None:
        """The name order complete: its rows, haystacks, tie keys (and carried keys)."""
        texts, keys, *carried = lists
        self._orders[(COLUMNS[0].key, False)] = (order, texts)
        self._name_keys = keys
        if names:
            self._carried = (order, names, carried[0])

    def _defer(self, wanted: tuple[str, bool], unfinished: _Unfinished) -> None:
        """The order `wanted` has its rows; its other lists are spliced later (`_Unfinished`)."""
        self._unfinished[wanted] = unfinished

    def _finish_steps(self, wanted: tuple[str, bool]) -> Iterator[None]:
        """The order `wanted` completed, a list a step, if its rows alone were spliced."""
        unfinished = self._unfinished.get(wanted)
        if unfinished is None:
            return
        spliced = yield from unfinished.steps()
        if self._unfinished.get(wanted) is not unfinished:
            return  # finished meanwhile by another caller
        del self._unfinished[wanted]
        if wanted == (COLUMNS[0].key, False):
            self._store_name_order(unfinished.rows, spliced, unfinished.carried)
        else:
            texts, keys, ties = spliced
            self._orders[wanted] = (unfinished.rows, texts)
            self._order_keys[wanted] = _OrderKeys.of(keys, ties, wanted[1])

    def _finish(self, wanted: tuple[str, bool]) -> None:
        """The order `wanted` complete, if its rows alone were spliced (see `_Unfinished`)."""
        for _step in self._finish_steps(wanted):
            pass

    def _packed_keys(self, base: list[Instance]) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """The columns whose keys were read in the name order `base` (by a sort, ahead, or
        carried), with those keys one tuple a row (packed anew only when a column was read
        since the last packing)."""
        names, extra = self._to_pack(base)
        if not extra:
            carried = self._carried
            return names, carried[2] if carried is not None and names else []
        columns = [self._aligned_values(name, base) for name in (*names, *extra)]
        return (*names, *extra), list(zip(*columns, strict=True))

    def _to_pack(self, base: list[Instance]) -> tuple[tuple[str, ...], list[str]]:
        """The columns whose keys are carried packed in the name order `base`, and those whose
        keys were read in it since (by a sort, or ahead)."""
        carried = self._carried
        names = carried[1] if carried is not None and carried[0] is base else ()
        extra = [name for name, (read_in, _values) in self._aligned.items() if read_in is base and name not in names]
        return names, extra

    def pack_keys_steps(self, rows_a_step: int = PACK_ROWS) -> Iterator[None]:
        """Pack the column keys read in the name order (see `_carried`): the next refresh's
        merge then finds them packed. `rows_a_step` rows a step (the screen spreads the steps
        over the loop's turns: packing 100,000 rows' keys of nine columns in one was ~30 ms).
        Kept only if the name order is still the one packed and no column was read since."""
        yield from self._finish_steps((COLUMNS[0].key, False))
        found = self._orders.get((COLUMNS[0].key, False))
        if found is None:
            return
        base, carried = found[0], self._carried
        names, extra = self._to_pack(base)
        if not extra:
            return
        names = (*names, *extra)
        columns = [self._aligned_values(name, base) for name in names]
        packed: list[tuple[Any, ...]] = []
        for start in range(0, len(base), rows_a_step):
            packed.extend(zip(*(column[start : start + rows_a_step] for column in columns), strict=True))
            yield
        now = self._orders.get((COLUMNS[0].key, False))
        if now is None or now[0] is not base or self._carried is not carried:
            return
        if any(name not in names for name in self._to_pack(base)[1]):
            return  # a column read meanwhile: packed again next time
        self._carried = (base, names, packed)
        for name in names:
            self._aligned.pop(name, None)  # kept packed only

    def _aligned_values(self, name: str, base: list[Instance]) -> list[Any]:
        """The keys of the column `name` read in the name order `base`, in that order: as read,
        or unpacked from the carried ones. KeyError: not read in that order."""
        aligned = self._aligned.get(name)
        if aligned is not None and aligned[0] is base:
            return aligned[1]
        carried = self._carried
        if carried is None or carried[0] is not base or name not in carried[1]:
            raise KeyError(name)
        values = list(map(itemgetter(carried[1].index(name)), carried[2]))
        self._aligned[name] = (base, values)
        return values

    def _read_in(self, name: str, base: list[Instance]) -> bool:
        """Whether the keys of the column `name` were read in the name order `base`."""
        aligned = self._aligned.get(name)
        carried = self._carried
        return (aligned is not None and aligned[0] is base) or (
            carried is not None and carried[0] is base and name in carried[1]
        )

    def _name_key_list(self, order: list[Instance]) -> list[Any]:
        """The tie keys of the name order `order`, in its order."""
        if self._name_keys is None or len(self._name_keys) != len(order):
            ties = self._column_keys(None)
            self._name_keys = [_value(ties, instance, tie_key) for instance in order]
        return self._name_keys

    def _column_keys(self, column: Column | None) -> dict[Hashable, _Entry]:
        """Each instance's sort key for `column` (None: the tie-break key)."""
        name = column.key if column is not None else ""
        keys = self._keys.get(name)
        if keys is None:
            instances = list(self.instances.values())
            keys = dict(zip(self.instances, zip(instances, keys_of(column, instances), strict=True), strict=True))
            self._keys[name] = keys
        return keys

    def _locate(self, order: Sequence[Instance], instance: Instance, name: str, reverse: bool) -> int:
        """Where `instance` goes in `order` (sorted by this index's keys for `name`, `reverse`),
        by bisection: the first position whose instance sorts after or with it. An order is by
        the column's key (descending if reversed) then the tie key (always ascending), a total
        order: an instance of the order is found at its own place."""
        ties = self._column_keys(None)
        tie = _value(ties, instance, tie_key)
        by_name = name == COLUMNS[0].key and not reverse
        column = None if by_name else COLUMN_BY_KEY[name]
        keys = ties if column is None else self._keys.get(column.key)
        make = _key_maker(column)
        key_of: Callable[[Instance], Any] = make if keys is None else lambda other: _value(keys, other, make)
        key = key_of(instance)
        low, high = 0, len(order)
        while low < high:
            middle = (low + high) // 2
            other = order[middle]
            other_key = key_of(other)
            if by_name or other_key == key:
                before = _value(ties, other, tie_key) < tie
            elif reverse:
                before = other_key > key
            else:
                before = other_key < key
            if before:
                low = middle + 1
            else:
                high = middle
        return low

    def _patched(
        self, previous: RowIndex, wanted: tuple[str, bool], gone: list[Hashable], changed: list[Hashable]
    ) -> list[Instance] | None:
        """The previous order `wanted` (other than the name order) without the changed and
        departed rows, the changed put back in place: each found by C-level bisection in the
        previous order's keys (`_OrderKeys`), the rows rebuilt in one pass of slice copies, the
        other lists later (`_defer`). None: the previous order's keys are not known (sort it
        anew)."""
        previous._finish(wanted)
        earlier, found = previous._orders.get(wanted), previous._keys_of_order(wanted)
        if earlier is None or found is None:
            return None
        order, texts = earlier
        name, reverse = wanted
        make = _key_maker(COLUMN_BY_KEY[name])
        before_ties = previous._column_keys(None)
        drops = []
        for iid in gone:
            old = previous.instances[iid]
            position = found.locate(make(old), _value(before_ties, old, tie_key))
            if position >= len(order) or order[position] is not old:
                # Not where its keys say (cannot happen with a total order): look it up.
                position = next(n for n, instance in enumerate(order) if instance is old)
            drops.append(position)
        drops.sort()
        ties, haystacks, instances = self._column_keys(None), self._haystacks, self.instances
        arrivals: list[tuple[int, tuple[Instance, str, Any, str]]] = []
        for iid in changed:
            instance = instances[iid]
            key, tie = make(instance), _value(ties, instance, tie_key)
            arrivals.append((found.locate(key, tie), (instance, _value(haystacks, instance, haystack), key, tie)))
        # By place among the previous rows; rows going to one place in the order's own order
        # (by key, then tie): stable sorts, the last one first.
        arrivals.sort(key=lambda arrival: arrival[1][3])
        arrivals.sort(key=lambda arrival: arrival[1][2], reverse=reverse)
        arrivals.sort(key=itemgetter(0))
        rows = _spliced([order], drops, [(position, (row[0],)) for position, row in arrivals])[0]
        rest = [(position, row[1:]) for position, row in arrivals]
        self._defer(wanted, _Unfinished(rows, [texts, found.in_order(), found.ties], drops, lambda: rest))
        return rows

    def _patched_name_order(
        self,
        previous: RowIndex,
        earlier: tuple[list[Instance], list[str]],
        gone: list[Hashable],
        changed: list[Hashable],
    ) -> list[Instance] | None:
        """The name order patched as `_patched` does, found by C-level bisection in the list
        of its keys and rebuilt in one pass of slice copies: a 1 % refresh of 100,000 is one
        copy of each list in C, not a thousand Python bisections and list moves. None: not
        patched (sort it anew)."""
        old_order = earlier[0]
        keys_before = previous._name_key_list(old_order)
        before_ties = previous._column_keys(None)
        old = [previous.instances[iid] for iid in gone]
        old_ties = sorted((_value(before_ties, instance, tie_key), n) for n, instance in enumerate(old))
        drops = [bisect_left(keys_before, tie) for tie, _n in old_ties]
        if any(p >= len(old_order) or old_order[p] is not old[n] for p, (_tie, n) in zip(drops, old_ties, strict=True)):
            return None  # not where its key says (cannot happen with unique tie keys): sort anew
        return self._merge_name_order(previous, earlier, drops, changed, defer=True)

    def _order(self, column: Column, reverse: bool) -> tuple[list[Instance], list[str]]:
        """Every instance in this column's order (name breaks ties), with their haystacks."""
        wanted = (column.key, reverse)
        found = self._orders.get(wanted)
        if found is not None:
            return found
        self._order_rows(column, reverse)
        self._finish(wanted)
        return self._orders[wanted]

    def _order_rows(self, column: Column, reverse: bool) -> list[Instance]:
        """Every instance in this column's order: the rows alone, what a showing without a
        filter draws (a patched order's other lists may wait: `_Unfinished`)."""
        wanted = (column.key, reverse)
        found = self._orders.get(wanted)
        if found is not None:
            return found[0]
        unfinished = self._unfinished.get(wanted)
        if unfinished is not None:
            return unfinished.rows
        if self._pending is not None:
            # Patched from the previous index's order: the order asked for alone (a showing
            # sorted by state patches that order; the name order, where every other sort starts,
            # is patched when asked for, e.g. by the screen after the repaint: one splice of
            # the fleet's lists each, not two in the showing's step), and once the name order
            # is, the previous index is let go (orders not patched by then are sorted anew).
            previous, gone, changed = self._pending
            patched = None
            if wanted == (COLUMNS[0].key, False):
                self._pending = None
                previous._finish(wanted)
                earlier = previous._orders.get(wanted)
                if earlier is not None:
                    patched = self._patched_name_order(previous, earlier, gone, changed)
            elif _worth_patching(len(gone) + len(changed), len(self.instances)):
                patched = self._patched(previous, wanted, gone, changed)
            if patched is not None:
                return patched
        return self._sorted(column, reverse)[0]

    def _sorted(self, column: Column, reverse: bool) -> tuple[list[Instance], list[str]]:
        """The order sorted anew (the name order from the instances, others from it)."""
        if column is COLUMNS[0] and not reverse:
            # Sorted as (tie key, id) pairs: the tie keys are unique, and the list of them in
            # this order is what the next patch bisects in (`_name_key_list`), made here in
            # the same pass rather than by looking every instance up again (~50 ms at 50,000).
            ties = self._column_keys(None)
            instances = self.instances
            pairs = sorted((_value(ties, instance, tie_key), iid) for iid, instance in instances.items())
            haystacks = self._haystacks
            found = (
                [instances[iid] for _tie, iid in pairs],
                [_value(haystacks, instances[iid], haystack) for _tie, iid in pairs],
            )
            self._name_keys = [tie for tie, _iid in pairs]
        else:
            # From the name order: a stable sort by the column keeps it for equal keys.
            base, base_texts = self._order(COLUMNS[0], False)
            if self._read_in(column.key, base):  # sorted by it before, read ahead, or carried
                values = self._aligned_values(column.key, base)
            elif (keys := self._keys.get(column.key)) is None:
                # Computed in the order needed, and not kept by instance: a table of them cost
                # a first sort at 50,000 rows ~80 ms more (a walk to read every row's key and
                # 50,000 entries), and finding a row in this order needs only the few keys
                # its bisection reads (`_locate`).
                values = keys_of(column, base)
            else:
                make = _key_maker(column)
                values = [_value(keys, instance, make) for instance in base]
            self._aligned[column.key] = (base, values)
            places = sorted(range(len(base)), key=values.__getitem__, reverse=reverse)
            found = (_picked(base, places), _picked(base_texts, places))
            # Its keys in its order, for a refresh's patch to find rows by bisection: made later
            # (`_keys_of_order`), two more passes over every row that a sort's key spares.
            self._keys_to_order[(column.key, reverse)] = (values, self._name_key_list(base), places)
        self._orders[(column.key, reverse)] = found
        return found

    def keys_to_read(self, columns: Sequence[Column]) -> tuple[list[Instance], list[Column]] | None:
        """The name order, and those of `columns` whose sort keys were not read in it yet:
        what a first sort by each would read for every row (a first sort of 50,000 rows by a
        column read its keys for 40-85 ms, most of the key's time). The screen reads them
        ahead, in slices, while the operator looks (`take_keys`). None: no name order yet."""
        name_order = (COLUMNS[0].key, False)
        if self._pending is None and name_order not in self._orders and name_order not in self._unfinished:
            return None
        base = self.name_order()  # finished now if a showing left it (see `_order`)
        unread = []
        for column in columns:
            if column.key not in self._keys and not self._read_in(column.key, base):
                unread.append(column)
        return base, unread

    def take_keys(self, column: Column, base: list[Instance], values: list[Any]) -> bool:
        """Sort keys of `column` read ahead (`keys_of(column, base)`), for the name order
        `base`: kept, and carried along by the merges and patches of the indexes built from
        this one, if `base` is still the name order (False: it changed meanwhile)."""
        found = self._orders.get((COLUMNS[0].key, False))
        if found is None or found[0] is not base or len(values) != len(base):
            return False
        self._aligned[column.key] = (base, values)
        return True

    @property
    def orders_left(self) -> bool:
        """Whether a showing left work for later: the name order to patch from the previous
        index (see `_order`), lists of a patched order to splice (`_Unfinished`), or a sort's
        keys for bisection (`_keys_of_order`)."""
        return self._pending is not None or bool(self._unfinished) or bool(self._keys_to_order)

    def settle(self) -> None:
        """What a showing left for later, done: see `settle_steps`."""
        for _step in self.settle_steps():
            pass

    def settle_steps(self) -> Iterator[None]:
        """What a showing left for later, done a list at a time (the screen spreads the steps
        over the loop's turns after the repaint): the name order patched (its rows), which
        lets the previous index go, then the lists that wait (`_Unfinished`)."""
        if self._pending is not None:
            self._order_rows(COLUMNS[0], False)
            yield
        while self._unfinished:
            yield from self._finish_steps(next(iter(self._unfinished)))
        while self._keys_to_order:
            self._keys_of_order(next(iter(self._keys_to_order)))
            yield

    def name_order(self) -> list[Instance]:
        """Every instance in name order (environment and id break ties): the order every
        sort starts from, so already made (the palette lists its "Go to" entries in it)."""
        return self._order(COLUMNS[0], False)[0]

    def row_of(self, rows: Sequence[Instance], key: Hashable, sort_column: str, reverse: bool) -> int | None:
        """Where an instance is in `rows` (what `arrange` gave for this sort), None if not
        there: found by bisection, not by a walk through the rows."""
        instance = self.instances.get(key)
        if instance is None:
            return None
        position = self._locate(rows, instance, COLUMN_BY_KEY.get(sort_column, COLUMNS[0]).key, reverse)
        return position if position < len(rows) and rows[position] is instance else None

    def arrange(self, filter_text: str, sort_column: str, reverse: bool) -> list[Instance]:
        """Same as `arrange(instances, filter_text, sort_column, reverse)`. The list is this
        index's own when there is no filter (not a copy: a pass over every row, 10-30 ms at
        100,000 here, for each showing): never change it."""
        column = COLUMN_BY_KEY.get(sort_column, COLUMNS[0])
        if not filter_text:
            return self._order_rows(column, reverse)
        if is_plain(filter_text):
            known = self._recently_filtered(filter_text.lower(), sort_column, reverse)
            if known is not None:
                return known
        ordered, haystacks = self._order(column, reverse)
        if not is_plain(filter_text):  # field:value or several terms (filter_query.py)
            holds = compile_query(filter_text, FILTER_COLUMNS)
            return [instance for instance, text in zip(ordered, haystacks, strict=True) if holds(instance, text)]
        return self._filtered(filter_text.lower(), sort_column, reverse, ordered, haystacks)

    def _recently_filtered(self, needle: str, sort_column: str, reverse: bool) -> list[Instance] | None:
        """The rows of this very filter and sort, if among the recent ones (carried along a
        patch): no order needed for them."""
        for query, column, backwards, found, _texts in reversed(self._recent):
            if query == needle and column == sort_column and backwards == reverse:
                return list(found)
        return None

    def _filtered(
        self, needle: str, sort_column: str, reverse: bool, ordered: list[Instance], haystacks: list[str]
    ) -> list[Instance]:
        """The rows whose haystack contains `needle`, searched among the fewest rows that can
        hold them: a row matching "web-1" matches "web" too, so a letter typed at the end of
        the filter searches the rows of the filter before it, not every row (a letter at
        100,000 rows cost ~40 ms of a loaded machine's CPU). The very filter, among the recent
        ones (a backspace, a patch's carried filters), is `_recently_filtered`'s, asked first.
        Same rows, same order as searching every row."""
        rows, texts = ordered, haystacks
        for query, column, backwards, found, found_texts in reversed(self._recent):
            if column != sort_column or backwards != reverse or query not in needle:
                continue
            if len(found) < len(rows):
                rows, texts = found, found_texts
        hits = [needle in text for text in texts]
        found, found_texts = list(compress(rows, hits)), list(compress(texts, hits))
        self._recent = [*self._recent[-(RECENT_FILTERS - 1) :], (needle, sort_column, reverse, found, found_texts)]
        return list(found)


def _changing(instances: Iterable[Instance]) -> Counter[Hashable]:
    """The instances in a transitional state, counted by environment (None: plain instances)."""
    return Counter(environment_of(instance) for instance in instances if instance.state in TRANSITIONAL_STATES)


def _picked(items: list[Any], places: list[int]) -> list[Any]:
    """`[items[n] for n in places]`, gathered in C."""
    if len(places) < 2:
        return [items[n] for n in places]
    return list(itemgetter(*places)(items))


def _merged(
    keys: list[Any], lists: Sequence[list[Any]], drops: list[int], arrivals: list[tuple[Any, Sequence[Any]]]
) -> list[list[Any]]:
    """`lists` (the rows of an order, their haystacks, keys and other values, each list
    aligned with `keys`, the order's sort keys) without the rows at the positions `drops`
    (ascending) and with the rows of `arrivals` ((key, a value for each list), sorted by key)
    put in place: each found by bisection in C, every list rebuilt in one pass of slice copies
    (each row of the fleet is touched once, not once per pass)."""
    if not drops and len(lists) == 3:
        return _merged_three(keys, lists, arrivals)
    return _spliced(lists, drops, _places(keys, arrivals))


def _places(keys: list[Any], arrivals: list[tuple[Any, Sequence[Any]]]) -> list[tuple[int, Sequence[Any]]]:
    """Where each arrival ((key, values), sorted by key) goes among `keys`, by bisection in C."""
    places = []
    position = 0
    for key, row in arrivals:
        position = bisect_left(keys, key, position)
        places.append((position, row))
    return places


def _spliced(
    lists: Sequence[list[Any]], drops: list[int], arrivals: Sequence[tuple[int, Sequence[Any]]]
) -> list[list[Any]]:
    """`lists` (aligned) without the rows at the positions `drops` (ascending) and with the
    rows of `arrivals` ((position, a value for each list), by position; several at one
    position in their order) put before the rows at those positions: one pass of slice
    copies."""
    merged: list[list[Any]] = [[] for _ in lists]
    start = 0
    pending = iter(drops)
    drop = next(pending, None)

    def copy_to(end: int) -> None:
        nonlocal start
        for out, source in zip(merged, lists, strict=True):
            out.extend(source[start:end])
        start = end

    for position, row in arrivals:
        while drop is not None and drop < position:
            copy_to(drop)
            start = drop + 1
            drop = next(pending, None)
        copy_to(position)
        for out, value in zip(merged, row, strict=True):
            out.append(value)
    while drop is not None:
        copy_to(drop)
        start = drop + 1
        drop = next(pending, None)
    copy_to(len(lists[0]))
    return merged


def _merged_three(
    keys: list[Any], lists: Sequence[list[Any]], arrivals: list[tuple[Any, Sequence[Any]]]
) -> list[list[Any]]:
    """`_merged` of the usual three lists (rows, haystacks, keys) with nothing dropped (a
    first load's page): the same, written out for three. Each arrival of a page spread over
    the whole order is a segment of its own, and a function call and two loops over the lists
    per segment were ~40 % of merging a page into 100,000 rows."""
    rows, texts, ties = lists
    merged_rows: list[Any] = []
    merged_texts: list[Any] = []
    merged_ties: list[Any] = []
    start = 0
    for key, (row, text, tie) in arrivals:
        position = bisect_left(keys, key, start)
        if position > start:
            merged_rows += rows[start:position]
            merged_texts += texts[start:position]
            merged_ties += ties[start:position]
            start = position
        merged_rows.append(row)
        merged_texts.append(text)
        merged_ties.append(tie)
    merged_rows += rows[start:]
    merged_texts += texts[start:]
    merged_ties += ties[start:]
    return [merged_rows, merged_texts, merged_ties]
