"""A first load's pages reach the view as each showing's mapping plus the rows since (a
`Grown`), so that the row index extends the last one, and a showing's row index can be made
in a turn before the one that applies it (`EnvironmentView.prepare_lists`)."""

from __future__ import annotations

import random
from collections.abc import Hashable, Iterator, Mapping

from cca_tui.api.models import Instance
from cca_tui.fleet.identity import EnvironmentRef
from cca_tui.ui.loading import _Arrivals
from cca_tui.ui.rows import Grown, arrange, is_grown_from
from cca_tui.ui.state import EnvironmentView, ListArrived, LoadProgress
from tests.ui.test_row_index_chain import LOADED_AT, _instance, _refreshed

PROD = EnvironmentRef("compute-on", "prod")


def _received(arrivals: _Arrivals, instances: list[Instance]) -> None:
    for instance in instances:
        arrivals.add(instance.key, instance)


def test_a_batch_asked_for_after_more_rows_came_is_still_the_last_mapping_grown() -> None:
    """The screen asks for a batch's rows when it shows them; the load may have read more
    pages by then. The mapping is still the last one plus the rows of that batch (the later
    ones wait for the next), not a copy of its own that the row index must walk."""
    rng = random.Random(3)
    rows = [_instance(rng, PROD, n) for n in range(12)]
    arrivals = _Arrivals()
    _received(arrivals, rows[:3])
    first = arrivals.mapping(3)
    _received(arrivals, rows[3:10])  # a batch of 6 was made, then 4 more rows came
    late = arrivals.mapping(6)
    assert is_grown_from(late, first) and list(late.values()) == rows[:6]
    _received(arrivals, rows[10:])
    last = arrivals.mapping(12)
    assert is_grown_from(last, late) and list(last.values()) == rows
    assert arrivals.mapping(12) is last  # nothing new: the same mapping


def test_a_row_that_came_twice_is_shown_as_it_came_last() -> None:
    rng = random.Random(4)
    rows = [_instance(rng, PROD, n) for n in range(4)]
    arrivals = _Arrivals()
    _received(arrivals, rows[:3])
    first = arrivals.mapping(3)
    again = _instance(rng, PROD, 1, suffix="-again")
    _received(arrivals, [again, rows[3]])
    late = arrivals.mapping(3)  # asked late, with a row replaced: a copy of its own
    assert not is_grown_from(late, first) and late[again.key] is again and len(late) == 3
    after = arrivals.mapping(4)
    assert list(after.values()) == [rows[0], again, rows[2], rows[3]]


def _pages(rng: random.Random, count: int, size: int) -> Iterator[Mapping[Hashable, Instance]]:
    """A load's mappings, each made when asked for (as the loader does: making one forgets
    what the one before was built on)."""
    shown: Mapping[Hashable, Instance] = {}
    for page in range(count):
        shown = Grown(shown, [(i.key, i) for i in (_instance(rng, PROD, page * size + n) for n in range(size))])
        yield shown


def test_a_showing_prepared_ahead_is_what_applying_the_lists_at_once_makes() -> None:
    """A first load's pages, then refreshes that change, add and drop rows, with a sort by
    another column: the view applied from what was prepared is the view applied at once."""
    rng = random.Random(5)
    view = EnvironmentView.of(PROD).with_sort("state")
    lists: list[ListArrived] = []
    for shown in _pages(rng, 4, 50):
        lists.append(ListArrived(PROD, shown, complete=False))
    lists[-1] = ListArrived(PROD, lists[-1].instances, complete=True)
    last = lists[-1].instances
    for round_ in range(3):
        last = _refreshed(rng, last, round_)
        lists.append(ListArrived(PROD, last))
    for arrived in lists:
        prepared = view.prepare_lists([arrived])
        prepared.arrange_for(view)
        at_once = view.with_lists([arrived], when=LOADED_AT)
        view = view.with_lists([arrived], when=LOADED_AT, prepared=prepared)
        assert view.row_index is prepared.row_index
        expected = arrange(arrived.instances.values(), "", "state", False)
        assert list(view.rows) == list(at_once.rows) == expected
        assert view.with_sort("name").rows == arrange(arrived.instances.values(), "", "name", False)


def test_a_prepared_showing_holds_across_a_key_and_not_across_other_rows() -> None:
    """Between the turn that prepares a showing and the one that applies it, a key may move
    the selection or filter (the rows are the same: the index made ahead is used), or a
    task's result may change a row (then the showing is worked out again on those rows)."""
    rng = random.Random(6)
    first, second = _pages(rng, 2, 40)
    view = EnvironmentView.of(PROD).with_lists([ListArrived(PROD, first, complete=False)], when=LOADED_AT)
    view = view.with_loading(LoadProgress(40), PROD)
    lists = [ListArrived(PROD, second, complete=False)]
    prepared = view.prepare_lists(lists)

    filtered = view.with_filter("web").with_selection(view.rows[3].key)
    shown = filtered.with_lists(lists, when=LOADED_AT, prepared=prepared)
    assert shown.row_index is prepared.row_index
    assert list(shown.rows) == arrange(second.values(), "web", "name", False)

    changed = _instance(rng, PROD, 0, suffix="-renamed")
    patched = view.with_task_results([changed])
    assert not prepared.holds_for(patched)
    shown = patched.with_lists(lists, when=LOADED_AT, prepared=prepared)
    assert shown.row_index is not prepared.row_index
    assert shown.instances[changed.key] is changed  # held: the task's result, not the page's row
    assert list(shown.rows) == arrange(shown.instances.values(), "", "name", False)
