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
