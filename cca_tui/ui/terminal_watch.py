"""End the app when its terminal goes away (the tty hung up, SIGHUP, SIGTERM).

Textual's input thread treats end-of-file on the terminal as "stdin is a pipe" and keeps
polling it: when the terminal emulator, tmux or the ssh session that held the pty goes away,
the app would spin at full CPU forever. A hung-up tty reports POLLHUP without any input being
read, so a cheap check twice a second notices it; the signals are caught as well. Either way
the app exits normally: tasks in flight stay in the journal for the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import signal
import sys
import threading
from collections.abc import Callable

CHECK_EVERY = 0.5  # seconds
# If a normal exit cannot finish (the dead terminal blocks the last writes), leave anyway.
FORCE_AFTER = 3.0


def terminal_fd() -> int | None:
    """The terminal the app reads, when it is one."""
    stream = sys.__stdin__
    try:
        fd = stream.fileno() if stream is not None else -1
    except (OSError, ValueError):
        return None
    return fd if fd >= 0 and os.isatty(fd) else None


def hung_up(fd: int) -> bool:
    """Has the other side of this tty gone? Reads nothing: only asks poll()."""
    poller = select.poll()
    poller.register(fd, select.POLLHUP | select.POLLERR | select.POLLNVAL)
    try:
        events = poller.poll(0)
    except OSError:
        return True
    return any(mask & (select.POLLHUP | select.POLLERR | select.POLLNVAL) for _fd, mask in events)


def watch_terminal(set_interval: Callable[[float, Callable[[], None]], object], gone: Callable[[str], None]) -> None:
    """Call `gone(reason)` once when the terminal hangs up or SIGHUP/SIGTERM arrive."""
    fired = False

    def once(reason: str) -> None:
        nonlocal fired
        if not fired:
            fired = True
            gone(reason)
            _force_exit_later()

    loop = asyncio.get_running_loop()
    for number, reason in ((signal.SIGHUP, "SIGHUP"), (signal.SIGTERM, "SIGTERM")):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(number, once, reason)
    fd = terminal_fd()
    if fd is not None:
        set_interval(CHECK_EVERY, lambda: once("the terminal hung up") if hung_up(fd) else None)


def _force_exit_later() -> None:
    def force() -> None:
        os._exit(129)

    timer = threading.Timer(FORCE_AFTER, force)
    timer.daemon = True
    timer.start()
