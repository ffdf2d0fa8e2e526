"""RowIndex: the same rows as `arrange`, however the list, filter and sort change."""

from __future__ import annotations

import random
from collections.abc import Hashable, Mapping
from datetime import datetime
from typing import cast

from cca_tui.api.models import Instance, InstancePublicIp
from cca_tui.ui.rows import COLUMN_KEYS, RowIndex, arrange
from cca_tui.ui.state import EnvironmentRef, EnvironmentView

# When a list arrived, for views built by hand (no time is shown by what is tested here).
LOADED_AT = datetime(2026, 12, 1, 12, 0)

STATES = ["Running", "Stopped", "Starting", "Error"]
NAMES = ["web", "Web", "db", "app", "cache", "ÉCOLE", "[/]", "a\x1bb"]


def make(rng: random.Random, n: int) -> Instance:
    ips = [InstancePublicIp(id=f"p{n}", ip_address=f"8.8.{n % 5}.{n % 7}")] if rng.random() < 0.2 else None
    return Instance(
        id=f"id-{n:05d}",
        name=f"{rng.choice(NAMES)}-{rng.randrange(50)}",
        state=rng.choice(STATES),
        ip_address=f"10.0.{rng.randrange(3)}.{rng.randrange(256)}" if rng.random() < 0.9 else None,
        compute_offering_name=rng.choice(["small", "large", None]),
        cpu_count=rng.choice([1, 2, None]),
        memory_in_mb=rng.choice([512, 2048, None]),
        public_ips=ips,
    )


def as_view_rows(instances: Mapping[str, Instance]) -> Mapping[Hashable, Instance]:
    """The same mapping (not a copy: the index keeps it), typed as a view's rows: RowIndex
    takes any hashable key, and these are the instances' ids."""
    return cast("Mapping[Hashable, Instance]", instances)


def test_row_index_matches_arrange_across_refreshes_filters_and_sorts() -> None:
    rng = random.Random(7)
    instances = {i.id: i for i in (make(rng, n) for n in range(400))}
    index = None
    for round_ in range(12):
        # Change, add and drop a few instances, keeping the others' objects (as a refresh does).
        instances = dict(instances)
        for victim in rng.sample(sorted(instances), 8):
            del instances[victim]
        for n in rng.sample(range(600), 10):
            fresh = make(rng, n)
            instances[fresh.id] = fresh
        index = RowIndex(as_view_rows(instances), previous=index)
        assert index.transitional == sum(i.state == "Starting" for i in instances.values())
        for text in ("", "web", "run", "10.0.1", "8.8", "É", "[/", "zzz"):
            for column in rng.sample(COLUMN_KEYS, 3):
                reverse = rng.random() < 0.5
                expected = arrange(instances.values(), text, column, reverse)
                rows = index.arrange(text, column, reverse)
                assert rows == expected, (round_, text, column, reverse)
                where = {instance.id: n for n, instance in enumerate(rows)}
                for instance_id in rng.sample(sorted(instances), 40):
                    assert index.row_of(rows, instance_id, column, reverse) == where.get(instance_id)


def test_view_keeps_its_index_while_only_filter_or_sort_change() -> None:
    rng = random.Random(3)
    view = EnvironmentView.of(EnvironmentRef("c", "e")).with_instances(
        [make(rng, n) for n in range(50)], when=LOADED_AT
    )
    index = view.row_index
    assert index is not None
    assert view.with_filter("web").with_sort("state").row_index is index
    again = view.with_instances(list(view.instances.values()), when=LOADED_AT)
    assert again.row_index is not index
    assert again.rows == view.rows


def test_an_index_grown_page_by_page_matches_arrange_and_is_extended_not_rebuilt() -> None:
    """A first load: each page's index extends the previous one (the page's cost), and gives
    the rows `arrange` gives, in every sort, filtered or not; a refresh after it still diffs."""
    from cca_tui.ui.rows import Grown

    rng = random.Random(11)
    everything = [make(rng, n) for n in range(900)]
    rng.shuffle(everything)
    index = None
    shown: dict[str, Instance] = {}
    for start in range(0, len(everything), 100):
        page = [(i.id, i) for i in everything[start : start + 100]]
        grown = Grown(shown, page)
        previous, index = index, RowIndex(as_view_rows(grown), previous=index)
        if previous is not None:
            assert index.base is shown and index.changed == [iid for iid, _ in page] and index.departed == []
            assert index._haystacks is previous._haystacks  # taken over, not copied
        shown = grown
        rows = index.arrange("", "name", False)
        assert rows == arrange(shown.values(), "", "name", False)
        assert index.transitional == sum(i.state == "Starting" for i in shown.values())
        for text in ("", "web", "10.0.1"):
            column = rng.choice(COLUMN_KEYS)
            reverse = rng.random() < 0.5
            assert index.arrange(text, column, reverse) == arrange(shown.values(), text, column, reverse)
            assert index.arrange(text, "name", False) == arrange(shown.values(), text, "name", False)
    # A refresh (a new dict, a few changed objects) after the load: the usual diff.
    refreshed = dict(shown)
    for victim in rng.sample(sorted(refreshed), 5):
        refreshed[victim] = make(rng, int(victim[3:]))
    after = RowIndex(as_view_rows(refreshed), previous=index)
    assert after.changed is not None and len(after.changed) == 5
    for column in COLUMN_KEYS:
        assert after.arrange("", column, False) == arrange(refreshed.values(), "", column, False)
    # The older indexes still answer for their own instances.
    assert index is not None
    assert index.arrange("", "state", True) == arrange(shown.values(), "", "state", True)
