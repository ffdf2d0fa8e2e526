"""Python's cyclic garbage collector, out of the way while instances load.

A load makes millions of objects that live on (models, their dicts, the row index's tables
and lists). The collector looks at every new container again and again as they age: at
100,000 instances, 1,800 young collections (0.4 ms each, a new list of 100,000 rows is
walked whole) and 70 middle ones took ~1.1 s of a 12 s load, a quarter of the load's CPU with
the allocation bookkeeping. While a load runs the collector is paused; reference counting
still frees everything that is not a cycle, and the cycles made meanwhile (few: tasks,
tracebacks) are collected once it runs again. Loads of several environments overlap: it
runs again when the last one ends, whatever way it ends, and after LONGEST_PAUSE at most
(a load whose task were lost without being closed must not leave it off for good).

It is also paused while an operator's input is handled (`paused_for_input`, see pacing.py):
after a fleet's load, a new list of 50,000 rows made by a filter letter is walked whole by
each young collection while it is young, and a filter letter or a move ran into collections
of 2-20 ms (~4 ms a key on average, 10 of a first filter letter's 79 ms). They now come
after the key's frame.

What a load leaves is frozen out of the collector's sight (`loading.keep_long_lived`); the
cycles among it that die later are found by a full collection now and then, which looks at
every object in one piece: 100-300 ms at 50,000 instances. It waits for a quiet moment
(`collect_fully_when_quiet`): no load running and no input for QUIET_BEFORE_FULL.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Seconds the collector stays paused at most (a load's list has a 60 s deadline).
LONGEST_PAUSE = 120.0

_loads_running = 0
_was_enabled = False
_resume_at_the_latest: asyncio.TimerHandle | None = None
_input_handled: asyncio.TimerHandle | None = None  # the end of an input's pause

# A full collection waits for this long without input (seconds of the loop's clock), and for
# the loads to end; an operator who never stops typing gets it after FULL_WAITS_AT_MOST.
QUIET_BEFORE_FULL = 3.0
FULL_WAITS_AT_MOST = 600.0
# How often a due full collection looks again while loads run.
FULL_RETRY_EVERY = 1.0
_last_input = float("-inf")  # the loop's time of the last input
_full_due: asyncio.Handle | None = None  # the next look, while a full collection is due
_full_due_since = 0.0
_full_due_loop: asyncio.AbstractEventLoop | None = None  # the loop `_full_due` belongs to


def _paused() -> bool:
    return _loads_running > 0 or _input_handled is not None


def _pause() -> None:
    """Pause it, if nothing has yet (the first pause remembers whether it was on)."""
    global _was_enabled, _resume_at_the_latest
    if _paused():
        return
    _was_enabled = gc.isenabled()
    gc.disable()
    try:
        _resume_at_the_latest = asyncio.get_running_loop().call_later(LONGEST_PAUSE, _resume)
    except RuntimeError:  # no loop: nothing can outlive the block unclosed
        _resume_at_the_latest = None


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector paused for the duration (nested: until the outermost ends)."""
    global _loads_running
    _pause()
    _loads_running += 1
    try:
        yield
    finally:
        _loads_running = max(0, _loads_running - 1)
        if not _paused():
            _resume()


def paused_for_input(seconds: float) -> None:
    """The collector paused for `seconds` from now (again from now at each input), unless
    loads keep it paused longer. From the event loop's thread."""
    global _input_handled, _last_input
    _pause()
    if _input_handled is not None:
        _input_handled.cancel()
    loop = asyncio.get_running_loop()
    _last_input = loop.time()
    _input_handled = loop.call_later(seconds, _input_done)


def _input_done() -> None:
    global _input_handled
    _input_handled = None
    if not _paused():
        _resume()


def _resume() -> None:
    global _loads_running, _resume_at_the_latest, _input_handled
    for handle in (_resume_at_the_latest, _input_handled):
        if handle is not None:
            handle.cancel()
    _resume_at_the_latest = _input_handled = None
    _loads_running = 0
    if _was_enabled:
        gc.enable()


def collect_fully_when_quiet() -> None:
    """Unfreeze and collect everything, then freeze what lives on (see keep_long_lived), at
    the first quiet moment: no load running, no input for QUIET_BEFORE_FULL (or once it has
    waited FULL_WAITS_AT_MOST). Landing between two keys, its pause held the first of them
    for its whole length. From the event loop's thread; once while one is due."""
    global _full_due, _full_due_since, _full_due_loop
    loop = asyncio.get_running_loop()
    if _full_due is not None and _full_due_loop is loop:
        return  # (one due in a loop that has ended since, as in the tests, never comes)
    _full_due_since, _full_due_loop = loop.time(), loop
    _full_due = loop.call_soon(_collect_fully_if_quiet, loop)


def _collect_fully_if_quiet(loop: asyncio.AbstractEventLoop) -> None:
    global _full_due
    now = loop.time()
    quiet_in = _last_input + QUIET_BEFORE_FULL - now
    if now - _full_due_since < FULL_WAITS_AT_MOST and (_loads_running > 0 or quiet_in > 0):
        _full_due = loop.call_later(
            quiet_in if _loads_running == 0 else FULL_RETRY_EVERY, _collect_fully_if_quiet, loop
        )
        return
    _full_due = None
    gc.unfreeze()
    gc.collect()
    gc.freeze()
