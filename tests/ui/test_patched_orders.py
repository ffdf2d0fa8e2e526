"""A refresh's changed rows patched into a sort other than by name: found by bisection in the
order's own keys, the order asked for patched in the showing and the name order after it
(rows.py `_OrderKeys`, `RowIndex._order`, the screen's `_settle_orders`)."""

from __future__ import annotations

import gc
import random
from collections.abc import Callable, Hashable, Iterator, Mapping
from pathlib import Path

import pytest

from cca_tui.api.models import Instance
from cca_tui.fleet.identity import EnvironmentRef, LocatedInstance
from cca_tui.sim.server import SimServer
from cca_tui.ui.rows import Revised, RowIndex, arrange
from tests.ui.app_harness import SIZE, env_instances, instance_screen, make_app, settle, wait_until

ENVS = [EnvironmentRef("compute-on", "prod"), EnvironmentRef("compute-qc", "dev")]
STATES = ["Running", "Stopped", "Error"]


def _instance(env: EnvironmentRef, n: int, state: str, name: str | None = None) -> Instance:
    row = {"id": f"i-{n:04d}", "name": name or f"web-{n % 40}", "state": state, "ipAddress": f"10.0.0.{n % 250}"}
    return LocatedInstance.model_validate(row, context={"environment": env})


def _fleet(rng: random.Random) -> dict[Hashable, Instance]:
    rows = (_instance(env, n, rng.choice(STATES)) for env in ENVS for n in range(150))
    return {instance.key: instance for instance in rows}


def _revised(last: Mapping[Hashable, Instance], changes: dict[Hashable, str], gone: Hashable) -> Revised[Hashable]:
    """`last` with the rows of `changes` in their new state and `gone` departed, saying so."""
    revised: Revised[Hashable] = Revised(last, [], [gone])
    revised.update((key, instance) for key, instance in last.items() if key != gone)
    for key, state in changes.items():
        old = last[key]
        revised[key] = _instance(old.environment, int(old.id[2:]), state, name=old.name)  # type: ignore[attr-defined]
        revised.changed.append(key)
    return revised


def _orders_right(index: RowIndex) -> None:
    for column in ("state", "name", "ip"):
        for reverse in (False, True):
            assert index.arrange("", column, reverse) == arrange(index.instances.values(), "", column, reverse)


def test_a_refresh_sorted_by_state_patches_that_order_and_leaves_the_name_order_for_later() -> None:
    rng = random.Random(4)
    shown = _fleet(rng)
    index = RowIndex(shown)
    index.arrange("", "state", True)
    keys = list(shown)
    # Rows move within their state, to other states, and to one no row had (before the
    # first state, between, after the last: where the order has no run of that key).
    changes = {key: rng.choice([*STATES, "Destroyed", "Migrating", "Starting"]) for key in rng.sample(keys[1:], 12)}
    after = RowIndex(_revised(shown, changes, keys[0]), previous=index)

    assert after.arrange("", "state", True) == arrange(after.instances.values(), "", "state", True)
    assert after.orders_left  # the name order waits for `settle`
    after.settle()
    assert not after.orders_left
    _orders_right(after)


def test_an_index_built_before_the_last_one_settled_settles_it_first() -> None:
    """Two refreshes shown before the screen settled the first: the second index patches the
    first one's name order before it changes the tables they share, and both stay right."""
    rng = random.Random(9)
    shown = _fleet(rng)
    index = RowIndex(shown)
    index.arrange("", "state", False)
    keys = list(shown)
    first = RowIndex(_revised(shown, {keys[5]: "Stopped", keys[6]: "Error"}, keys[1]), previous=index)
    first.arrange("", "state", False)
    assert first.orders_left
    second = RowIndex(_revised(first.instances, {keys[5]: "Running", keys[7]: "Error"}, keys[2]), previous=first)
    assert second.arrange("", "state", False) == arrange(second.instances.values(), "", "state", False)
    # Its name order patched before the second changed the tables, the rest of its state
    # order finished for the second's patch: nothing left, no chain of indexes.
    assert not first.orders_left
    _orders_right(second)
    _orders_right(first)


async def test_the_screen_settles_the_name_order_after_a_refresh_sorted_by_state(
    sim: SimServer, tmp_path: Path
) -> None:
    app = make_app(sim, tmp_path, environment="compute-on/production")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        await pilot.press("greater_than_sign", "exclamation_mark")  # by state, reversed
        await wait_until(pilot, lambda: (screen.view.sort_column, screen.view.sort_reverse) == ("state", True))
        renamed = env_instances(sim)[3]
        with sim.world.session():
            instance = sim.world.instance(renamed.id)
            assert instance is not None
            instance.name = "renamed-by-someone"
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: any(row.name == "renamed-by-someone" for row in screen.view.rows))
        index = screen.view.row_index
        assert index is not None
        # Patched after the repaint, with no key pressed.
        await wait_until(pilot, lambda: not index.orders_left)
        view = screen.view
        assert list(view.rows) == arrange(view.instances.values(), "", "state", True)
        await pilot.press("less_than_sign")  # back to the name order: the settled one
        await wait_until(pilot, lambda: screen.view.sort_column == "name")
        view = screen.view
        assert list(view.rows) == arrange(view.instances.values(), "", "name", False)


async def test_the_settling_after_a_refresh_starts_once_the_frame_showing_it_is_drawn(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its first step (3-7 ms at 50,000 rows) came before that frame, which waited for it."""
    app = make_app(sim, tmp_path, environment="compute-on/production")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        await pilot.press("greater_than_sign", "exclamation_mark")  # by state: the name order left for later
        await wait_until(pilot, lambda: (screen.view.sort_column, screen.view.sort_reverse) == ("state", True))
        await settle(app, pilot)
        renamed = env_instances(sim)[3]
        with sim.world.session():
            instance = sim.world.instance(renamed.id)
            assert instance is not None
            instance.name = "renamed-by-someone"
        events: list[tuple[str, bool]] = []

        def shown() -> bool:
            return any(row.name == "renamed-by-someone" for row in screen.view.rows)

        draw: Callable[[], None] = screen._compositor_refresh

        def frame() -> None:
            events.append(("frame", shown()))
            draw()

        steps = RowIndex.settle_steps

        def recorded_steps(index: RowIndex) -> Iterator[None]:
            for _step in steps(index):
                events.append(("step", shown()))
                yield

        monkeypatch.setattr(screen, "_compositor_refresh", frame)
        monkeypatch.setattr(RowIndex, "settle_steps", recorded_steps)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: ("step", True) in events)
        first_step = events.index(("step", True))
        assert ("frame", True) in events[:first_step], events


def test_indexes_dropped_with_work_left_leave_no_cycle_behind() -> None:
    """Was: what a showing left for later held a closure over its row index, a cycle that
    only the cyclic collector frees, and the app pauses it during loads and freezes what
    lives on out of its sight: a fleet of 50,000 refreshed sorted by state grew to 1 GB."""
    rng = random.Random(2)
    shown = _fleet(rng)
    keys = list(shown)
    lists = [shown]
    for round_ in range(4):
        changes = {key: rng.choice(STATES) for key in rng.sample(keys[5:], 6)}
        lists.append(_revised(lists[-1], changes, keys[round_]))
    gc.collect()
    gc.disable()
    try:
        index = RowIndex(lists[0])
        index.arrange("", "state", True)
        for listed in lists[1:]:
            index = RowIndex(listed, previous=index)
            index.arrange("", "state", True)  # never settled: work left in each
        assert index.orders_left
        del index
        unreachable = gc.collect()
    finally:
        gc.enable()
    assert unreachable == 0
