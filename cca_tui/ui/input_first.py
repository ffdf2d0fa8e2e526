"""An operator's input goes ahead of background work (see pacing.py).

Background slices wait while input is handled (`pacing.hold_for_input`). Two places say that
input arrived: the terminal driver's input thread, the moment it reads a key (before the key
has waited behind a few slices to reach the app: 20-25 ms of a 50 ms move key while a fleet's
sort keys were read), and the app's event handler, for input that comes another way (the
test pilot sends keys straight to the app).
"""

from __future__ import annotations

import asyncio
import functools
import sys

from textual import events
from textual.driver import Driver
from textual.message import Message

from cca_tui import pacing

# What an operator does that waits for its frame. A pointer's moves are not among them:
# they come all the while it moves.
INPUT_EVENTS = (
    events.Key,
    events.Paste,
    events.MouseDown,
    events.MouseUp,
    events.MouseScrollDown,
    events.MouseScrollUp,
)


class _HoldsForInput(Driver):
    """Placed before a platform driver: its input thread holds background work at each input."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._holds_loop = asyncio.get_running_loop()  # the app's loop: the driver is made in it

    def process_message(self, message: Message) -> None:
        # Runs in the driver's input thread.
        if isinstance(message, INPUT_EVENTS):
            pacing.hold_for_input(self._holds_loop)
        super().process_message(message)


@functools.cache
def holding_for_input(driver_class: type[Driver]) -> type[Driver]:
    """`driver_class` whose input holds background work (one class per platform driver)."""
    return type(f"HoldsForInput{driver_class.__name__}", (_HoldsForInput, driver_class), {})


# The input thread takes the GIL a few times to read and parse a key; while the app's thread
# works (a load), each time it waits up to the switch interval, 5 ms by default: 2-23 ms from
# a key's bytes to the app during a fleet's load, 1-5 ms at 1 ms. Only a thread that asks for
# the GIL makes the interpreter switch: the app's own work goes on as before.
SWITCH_INTERVAL = 0.001


def take_input_promptly() -> None:
    """Let the terminal driver's input thread in sooner (process-wide: call it when running the app)."""
    sys.setswitchinterval(SWITCH_INTERVAL)
