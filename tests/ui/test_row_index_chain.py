"""A chain of refreshes through row indexes that share their tables: every index of the chain,
the newest and the older ones its successors changed the tables under, still gives exactly
what `arrange` gives for its own instances, finds its own rows, and counts what is changing
by environment; watching told which rows changed finds the same news as a full walk."""

from __future__ import annotations

import random
from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime
from typing import Any

from cca_tui.api.models import TRANSITIONAL_STATES, Instance
from cca_tui.fleet.identity import EnvironmentRef, LocatedInstance, environment_of
from cca_tui.fleet.watching import changes_behind_our_back
from cca_tui.ui.rows import COLUMN_KEYS, FLEET_COLUMNS, Grown, Revised, RowIndex, _merged, arrange, keys_of
from cca_tui.ui.state import EnvironmentView
from tests.ui.app_harness import spy

ENVS = [EnvironmentRef("compute-on", "prod"), EnvironmentRef("compute-qc", "dev")]
STATES = ["Running", "Stopped", "Starting", "Error"]
LOADED_AT = datetime(2026, 12, 1, 12, 0)


def _instance(rng: random.Random, env: EnvironmentRef, n: int, suffix: str = "") -> Instance:
    row = {
        "id": f"i-{n:04d}",
        "name": f"{rng.choice(['web', 'db', 'Web'])}-{rng.randrange(30)}{suffix}",
        "state": rng.choice(STATES),
        "ipAddress": f"10.0.{rng.randrange(3)}.{rng.randrange(256)}",
        "cpuCount": rng.choice([1, 2, 4]),
    }
    return LocatedInstance.model_validate(row, context={"environment": env})


def _refreshed(rng: random.Random, last: Mapping[Hashable, Instance], round_: int) -> Revised[Hashable]:
    """`last` with a few rows changed, one gone and one new, saying so (as the loader does)."""
    keys = list(last)
    gone = rng.choice(keys)
    revised: Revised[Hashable] = Revised(last, [], [gone])
    revised.update((key, instance) for key, instance in last.items() if key != gone)
    for key in rng.sample([k for k in keys if k != gone], 4):
        old = last[key]
        env = environment_of(old)
        assert env is not None
        revised[key] = _instance(rng, env, int(old.id[2:]), suffix=f"~{round_}")
        revised.changed.append(key)
    new = _instance(rng, rng.choice(ENVS), 1000 + round_)
    revised[new.key] = new
    revised.changed.append(new.key)
    return revised


def _check(index: RowIndex, rng: random.Random) -> None:
    instances = index.instances
    for column in [*rng.sample(COLUMN_KEYS, 3), "name"]:
        for reverse in (False, True):
            for text in ("", "web"):
                rows = list(index.arrange(text, column, reverse))
                assert rows == arrange(instances.values(), text, column, reverse), (column, reverse, text)
                for instance in rng.sample(rows, min(3, len(rows))):
                    assert index.row_of(rows, instance.key, column, reverse) == rows.index(instance)
    for env in ENVS:
        changing = any(i.state in TRANSITIONAL_STATES for i in instances.values() if environment_of(i) == env)
        assert index.changing_in(env) == changing


def test_every_index_of_a_chain_of_refreshes_stays_right() -> None:
    rng = random.Random(7)
    current: Mapping[Hashable, Instance] = {
        i.key: i for env in ENVS for i in (_instance(rng, env, n) for n in range(120))
    }
    index = RowIndex(current)
    chain = [index]
    for round_ in range(12):
        # The operator sorts now and then: the order in use is patched, the others sorted anew.
        index.arrange("", rng.choice(COLUMN_KEYS), rng.random() < 0.5)
        current = _refreshed(rng, current, round_)
        index = RowIndex(current, previous=index)
        chain.append(index)
        _check(index, rng)
    # The older indexes, whose tables their successors brought up to date in place.
    for older in chain[::3]:
        _check(older, rng)
    # Two indexes built from one (a view refreshed twice from the same snapshot).
    again = RowIndex(_refreshed(rng, chain[-2].instances, 99), previous=chain[-2])
    _check(again, rng)
    _check(chain[-1], rng)


def test_watching_the_changed_rows_finds_what_a_full_walk_finds() -> None:
    rng = random.Random(3)
    before: Mapping[Hashable, Instance] = {i.key: i for i in (_instance(rng, ENVS[0], n) for n in range(200))}
    for round_ in range(20):
        after = _refreshed(rng, before, round_)
        walked = changes_behind_our_back(before, after, ours=set())
        told = changes_behind_our_back(before, after, ours=set(), candidates=[*after.changed, *after.departed])
        assert sorted(map(repr, told)) == sorted(map(repr, walked))
        before = after


def test_pages_and_big_refreshes_merged_into_the_orders_stay_right() -> None:
    """Pages of hundreds of rows, and a refresh changing a third of the rows, merged into the
    name order and the column keys kept in it."""
    rng = random.Random(11)
    shown: Mapping[Hashable, Instance] = {}
    index = RowIndex(shown)
    index.arrange("", "name", False)
    for page in range(4):
        rows = [_instance(rng, rng.choice(ENVS), page * 300 + n) for n in range(300)]
        shown = Grown(shown, [(i.key, i) for i in rows])
        index = RowIndex(shown, previous=index)
        index.arrange("", "state", page % 2 == 0)  # a column's keys kept in the name order
        _check(index, rng)
    keys = list(shown)
    revised: Revised[Hashable] = Revised(shown, [], keys[:50])
    revised.update((key, instance) for key, instance in shown.items() if key not in keys[:50])
    for key in rng.sample(keys[50:], 350):
        old = shown[key]
        env = environment_of(old)
        assert env is not None
        revised[key] = _instance(rng, env, int(old.id[2:]), suffix="~big")
        revised.changed.append(key)
    index = RowIndex(revised, previous=index)
    _check(index, rng)


def test_a_view_refreshed_many_times_keeps_no_older_list_alive() -> None:
    """Was: each list kept the one it was built on (its `base`), which kept its own: every
    list of the session stayed alive, ~27 MB a refresh of a fleet of 50,000 (RSS 228 MB after
    the load, 785 MB after 20 refreshes). Only the last list's base is ever read."""
    rng = random.Random(5)
    view = EnvironmentView.of(*ENVS)
    lists: dict[EnvironmentRef, Mapping[Hashable, Instance]] = {}
    for env in ENVS:
        page = [_instance(rng, env, n) for n in range(50)]
        lists[env] = Grown({}, [(i.key, i) for i in page])
        view = view.with_instances(lists[env], when=LOADED_AT, environment=env)
    for round_ in range(10):
        for env in ENVS:
            lists[env] = _refreshed_in(rng, lists[env], env, round_)
            view = view.with_instances(lists[env], when=LOADED_AT, environment=env)

    def lists_behind(mapping: Mapping[Hashable, Instance]) -> int:
        behind = 0
        while isinstance(mapping, Revised | Grown) and isinstance(mapping.base, Revised | Grown):
            mapping, behind = mapping.base, behind + 1
        return behind

    assert lists_behind(view.instances) <= 1
    for env in ENVS:
        assert lists_behind(view.by_environment[env]) <= 1
    assert set(view.instances) == {key for env in ENVS for key in lists[env]}


def _refreshed_in(
    rng: random.Random, last: Mapping[Hashable, Instance], env: EnvironmentRef, round_: int
) -> Revised[Hashable]:
    """One environment's list with one row changed, as its loader says it."""
    key = rng.choice(list(last))
    revised: Revised[Hashable] = Revised(last, [key], [])
    dict.update(revised, last)
    revised[key] = _instance(rng, env, int(last[key].id[2:]), suffix=f"~{round_}")
    return revised


def test_a_page_merged_into_three_lists_is_what_the_general_merge_makes() -> None:
    """The usual merge (rows, haystacks, keys, nothing dropped) is written out for three
    lists: the same lists as the general one, which carries any number."""
    rng = random.Random(9)
    for _ in range(50):
        keys = sorted(rng.sample(range(1000), rng.randrange(0, 40)))
        new = sorted(rng.sample([n for n in range(1000) if n not in keys], rng.randrange(0, 15)))
        lists: list[list[Any]] = [[f"row{k}" for k in keys], [f"text{k}" for k in keys], list(keys)]
        arrivals: list[tuple[Any, Sequence[Any]]] = [(k, (f"row{k}", f"text{k}", k)) for k in new]
        written_out = _merged(keys, lists, [], arrivals)
        general = _merged(keys, [*lists, list(keys)], [], [(k, (*row, k)) for k, row in arrivals])
        assert written_out == general[:3]
        assert written_out[2] == sorted(keys + new)


def test_rows_prepared_while_read_are_shown_as_made_and_not_made_again(monkeypatch: Any) -> None:
    # The loader prepares each new row's haystack and tie key as it reads it (in its slices);
    # the index that adds the row takes them. A row prepared for another object of its key (a
    # page read again, a load that failed) is made anew. Every index stays what `arrange` says.
    import cca_tui.ui.rows as rows

    rng = random.Random(11)
    made: list[Instance] = []
    haystack, tie_key = rows.haystack, rows.tie_key

    def counted_haystack(instance: Instance) -> str:
        made.append(instance)
        return haystack(instance)

    monkeypatch.setattr(rows, "haystack", counted_haystack)
    shown: Mapping[Hashable, Instance] = {}
    index = RowIndex(shown)
    index.arrange("", "name", False)
    for page in range(6):
        arrived = [_instance(rng, ENVS[page % 2], page * 50 + n) for n in range(50)]
        for instance in arrived[:40]:
            rows.prepare(instance)
        for instance in arrived[40:45]:  # prepared for an object that is not the one shown
            rows.prepare(_instance(rng, ENVS[page % 2], int(instance.id[2:]), suffix="~old"))
        made.clear()
        shown = Grown(shown, [(instance.key, instance) for instance in arrived])
        index = RowIndex(shown, previous=index)
        index.arrange("", "name", False)
        # Only the rows not prepared for their very object were made while showing.
        assert {i.key for i in made} == {i.key for i in arrived[40:]}
        _check(index, rng)
    assert tie_key is rows.tie_key


def test_sort_keys_read_ahead_are_used_carried_along_the_chain_and_stay_right(monkeypatch: Any) -> None:
    """Keys read ahead (`keys_to_read`, `take_keys`) make a first sort by a column read none;
    the indexes built from that one, by pages and refreshes, carry them and stay right."""
    from cca_tui.ui import rows

    rng = random.Random(5)
    current: Mapping[Hashable, Instance] = {
        i.key: i for env in ENVS for i in (_instance(rng, env, n) for n in range(150))
    }
    index = RowIndex(current)
    assert index.keys_to_read(FLEET_COLUMNS) is None  # no name order yet: nothing to read for
    index.arrange("", "name", False)
    wanted = index.keys_to_read(FLEET_COLUMNS)
    assert wanted is not None
    base, columns = wanted
    assert [column.key for column in columns] == [column.key for column in FLEET_COLUMNS]
    for column in columns:
        # As the screen reads them: in slices of the name order.
        assert index.take_keys(column, base, [*keys_of(column, base[:100]), *keys_of(column, base[100:])])
    assert index.keys_to_read(FLEET_COLUMNS) == (base, [])
    assert not index.take_keys(columns[0], list(base), keys_of(columns[0], base))  # another list
    read: list[str] = []
    spy(monkeypatch, rows, "keys_of", lambda column, _instances: read.append(column.key))
    for column in FLEET_COLUMNS:
        for reverse in (False, True):
            assert index.arrange("", column.key, reverse) == arrange(current.values(), "", column.key, reverse)
    assert read == []  # every first sort only sorted
    for round_ in range(6):
        index.arrange("", "name", False)  # the view in name order, as after a load
        current = _refreshed(rng, current, round_)
        index = RowIndex(current, previous=index)
        _check(index, rng)
        index.arrange("", "name", False)
        assert index.keys_to_read(FLEET_COLUMNS) == (index.arrange("", "name", False), [])


def test_keys_packed_in_steps_are_kept_unless_a_column_is_read_meanwhile() -> None:
    """The screen packs the keys read ahead a few thousand rows a turn: the packing is kept
    (the columns then read from it) when nothing was read between its steps, and given up
    (the columns' keys kept as read) when a column was."""
    rng = random.Random(8)
    current = {i.key: i for env in ENVS for i in (_instance(rng, env, n) for n in range(150))}
    for read_meanwhile in (False, True):
        index = RowIndex(current)
        base = index.arrange("", "name", False)
        first, second, *_rest = FLEET_COLUMNS
        assert index.take_keys(first, base, keys_of(first, base))
        steps = index.pack_keys_steps(rows_a_step=100)
        next(steps)  # the first 100 rows
        if read_meanwhile:
            assert index.take_keys(second, base, keys_of(second, base))
        assert len(list(steps)) == 2  # 200 rows more, then kept or given up
        carried = index._carried
        assert (carried is not None and carried[1] == (first.key,)) is not read_meanwhile
        read = [first, second] if read_meanwhile else [first]
        assert index.keys_to_read(read) == (base, [])  # every column read stays read
        for column in read:
            for reverse in (False, True):
                assert index.arrange("", column.key, reverse) == arrange(current.values(), "", column.key, reverse)
