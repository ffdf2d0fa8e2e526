"""The cyclic collector is paused while loads run: never for good, even if a load's task were
lost without being closed (its `finally` would never run)."""

from __future__ import annotations

import asyncio
import gc

import pytest

from cca_tui.ui import collector


async def test_the_collector_runs_again_after_the_longest_pause_if_a_load_never_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(collector, "LONGEST_PAUSE", 0.05)
    assert gc.isenabled()
    lost = collector.collector_paused()
    lost.__enter__()  # a load whose task is lost: never exited
    try:
        assert not gc.isenabled()
        for _ in range(200):  # a bound, not a time: the pause's end is a timer of the loop
            if gc.isenabled():
                break
            await asyncio.sleep(0.01)
        assert gc.isenabled()
        with collector.collector_paused():  # later loads pause it again, and end it
            assert not gc.isenabled()
        assert gc.isenabled()
    finally:
        lost.__exit__(None, None, None)
        gc.enable()


async def test_overlapping_loads_resume_it_when_the_last_ends() -> None:
    first, second = collector.collector_paused(), collector.collector_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()


async def wait_for_collector(enabled: bool) -> None:
    for _ in range(500):  # a bound, not a time: the pause's end is a timer of the loop
        if gc.isenabled() == enabled:
            return
        await asyncio.sleep(0.01)


async def test_input_pauses_it_until_the_input_has_been_handled() -> None:
    """Its collections come after a key's frame (see pacing.py), then it runs again."""
    assert gc.isenabled()
    try:
        collector.paused_for_input(0.05)
        assert not gc.isenabled()
        collector.paused_for_input(0.05)  # the next key: still paused, and from now
        await wait_for_collector(enabled=True)
        assert gc.isenabled()
    finally:
        gc.enable()


async def test_input_during_a_load_leaves_it_paused_until_both_are_over() -> None:
    try:
        load = collector.collector_paused()
        load.__enter__()
        collector.paused_for_input(0.02)
        await asyncio.sleep(0.1)  # the input's pause has ended by now (a lower bound only)
        assert not gc.isenabled()  # the load still runs
        load.__exit__(None, None, None)
        assert gc.isenabled()
        # And the other way round: a load that ends while input is handled.
        collector.paused_for_input(0.05)
        with collector.collector_paused():
            pass
        assert not gc.isenabled()
        await wait_for_collector(enabled=True)
        assert gc.isenabled()
    finally:
        gc.enable()


async def test_a_full_collection_waits_for_the_loads_to_end_and_the_input_to_go_quiet(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The full collection every FULL_COLLECTION_EVERY loads walks every object in one piece
    (100-300 ms at 50,000 instances): it comes once no load runs and no key came for a while."""
    monkeypatch.setattr(collector, "QUIET_BEFORE_FULL", 0.2)
    monkeypatch.setattr(collector, "FULL_RETRY_EVERY", 0.01)
    loop = asyncio.get_running_loop()
    full: list[float] = []  # when each full collection of ours began (it unfreezes first)

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2 and gc.get_freeze_count() == 0:
            full.append(loop.time())

    gc.freeze()  # what a load leaves, out of the collector's sight
    gc.callbacks.append(seen)
    load = collector.collector_paused()
    try:
        load.__enter__()
        collector.paused_for_input(0.01)  # a key
        typed = loop.time()
        collector.collect_fully_when_quiet()
        collector.collect_fully_when_quiet()  # asked again while due: still one
        await asyncio.sleep(0.3)  # the input is quiet by now (a lower bound only); the load runs
        assert full == []
        load.__exit__(None, None, None)
        for _ in range(500):  # a bound, not a time: the collection comes from a timer
            if full:
                break
            await asyncio.sleep(0.01)
        assert len(full) == 1
        assert full[0] - typed >= 0.2
        assert gc.get_freeze_count() > 0  # what lives on is frozen again
        # Due again, with a key just pressed: it waits for the quiet time from that key.
        collector.paused_for_input(0.01)
        typed = loop.time()
        collector.collect_fully_when_quiet()
        for _ in range(500):
            if len(full) == 2:
                break
            await asyncio.sleep(0.01)
        assert len(full) == 2
        assert full[1] - typed >= 0.2
    finally:
        load.__exit__(None, None, None)
        gc.callbacks.remove(seen)
        if collector._full_due is not None:
            collector._full_due.cancel()
            collector._full_due = None
        gc.unfreeze()
        gc.enable()


async def test_a_full_collection_due_in_a_loop_that_ended_does_not_stop_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One process runs many event loops (the tests): a collection left due in one that
    ended never comes, and must not make every later request wait for it."""
    monkeypatch.setattr(collector, "QUIET_BEFORE_FULL", 0.0)
    ended = asyncio.new_event_loop()
    monkeypatch.setattr(collector, "_full_due", ended.call_soon(lambda: None))
    monkeypatch.setattr(collector, "_full_due_loop", ended)
    ended.close()
    full: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2 and gc.get_freeze_count() == 0:
            full.append(1)

    gc.freeze()
    gc.callbacks.append(seen)
    try:
        collector.collect_fully_when_quiet()
        for _ in range(500):  # a bound, not a time: the collection comes from the loop
            if full:
                break
            await asyncio.sleep(0.01)
        assert full == [1]
    finally:
        gc.callbacks.remove(seen)
        gc.unfreeze()
