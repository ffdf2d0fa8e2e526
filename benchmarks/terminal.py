"""Keys timed as a terminal sees them: the real app in a pseudo-terminal, from the key's bytes
to the end of the frame that shows its result.

The pilot (scale.py) times keys inside the app's process; it does not see what a real
terminal sees: a layout pass on a selection change, the driver's parsing of the key's bytes,
the frame written to the tty. Here the app runs as an operator runs it (`python -m cca_tui`
with its real Linux driver) on the slave side of a pty sized like a terminal window; this
module plays the terminal on the master side:

- it answers the driver's question about synchronized output (DECRQM 2026) as a modern
  terminal does, so that each frame arrives between the begin and end markers, and keeps the
  frames with the time their end marker was read;
- it writes a key's bytes (Down is ESC [ B, ctrl+r is 0x12) and waits for the first frame
  whose text (escape sequences removed) contains what that key must show: the newly
  selected instance's name in the detail pane's title, the filter's count in the status
  line, a renamed instance's new name after a refresh.

A key's time is from the write of its bytes to the end marker of that frame. Keys are sent
at an operator's pace (the frames of one key have settled, plus a pause) so that each
measures one key, not a queue.
"""

from __future__ import annotations

import fcntl
import os
import re
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path

SYNC_QUERY = b"\x1b[?2026$p"
SYNC_SUPPORTED = b"\x1b[?2026;2$y"  # DECRPM: mode 2026 known, currently reset
SYNC_END = b"\x1b[?2026l"
# CSI, OSC, and two-byte escapes: what is left is the text drawn.
_ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|\x1b.")

KEYS = {
    "down": b"\x1b[B",
    "up": b"\x1b[A",
    "enter": b"\r",
    "escape": b"\x1b",
    "ctrl+r": b"\x12",
    "ctrl+u": b"\x15",
    "ctrl+l": b"\x0c",
    "slash": b"/",
}


class Terminal:
    """A pty running one command, with the frames it drew: (time the frame ended, its text)."""

    def __init__(self, argv: list[str], env: dict[str, str], size: tuple[int, int]) -> None:
        self.master, slave = os.openpty()
        columns, lines = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self.process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True, close_fds=True
        )
        os.close(slave)
        self.frames: list[tuple[float, str]] = []
        self.raw_bytes = 0
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        pending = b""
        while True:
            try:
                chunk = os.read(self.master, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            now = time.perf_counter()
            if SYNC_QUERY in chunk:
                os.write(self.master, SYNC_SUPPORTED)
            pending += chunk
            self.raw_bytes += len(chunk)
            *complete, pending = pending.split(SYNC_END)
            if complete:
                with self._changed:
                    for frame in complete:
                        text = _ESCAPES.sub(b"", frame).decode("utf-8", "replace")
                        self.frames.append((now, text))
                    self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def send(self, key: str) -> float:
        """Write one key's bytes; returns when they were written."""
        data = KEYS.get(key, key.encode())
        started = time.perf_counter()
        os.write(self.master, data)
        return started

    def wait_frame(self, shows: Callable[[str], bool], since: float, timeout: float = 60.0) -> float | None:
        """The end time of the first frame ended after `since` whose text passes `shows`."""
        deadline = time.perf_counter() + timeout
        checked = 0
        with self._changed:
            while True:
                frames = self.frames
                for n in range(checked, len(frames)):
                    when, text = frames[n]
                    if when >= since and shows(text):
                        return when
                checked = len(frames)
                remaining = deadline - time.perf_counter()
                if remaining <= 0 or self.process.poll() is not None:
                    return None
                self._changed.wait(min(remaining, 0.05))

    def settle(self, quiet: float = 0.15, timeout: float = 30.0) -> None:
        """Until no frame has come for `quiet` seconds."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            with self._lock:
                last = self.frames[-1][0] if self.frames else 0.0
            if time.perf_counter() - last >= quiet:
                return
            time.sleep(quiet / 3)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        os.close(self.master)


def app_terminal(url: str, api_key: str, environment: str, state_dir: Path, size: tuple[int, int]) -> Terminal:
    """The app as an operator starts it, straight into one environment (or `all`)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(state_dir),
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
        "LANG": "C.UTF-8",
        "XDG_STATE_HOME": str(state_dir / "state"),
        "XDG_CONFIG_HOME": str(state_dir / "config"),
        "CCA_API_KEY": api_key,
    }
    if "PYTHONPATH" in os.environ:  # measuring another tree's code
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    argv = [sys.executable, "-m", "cca_tui", "--api-url", url, "--env", environment]
    return Terminal(argv, env, size)


def title_shows(name: str) -> Callable[[str], bool]:
    """The detail pane's border title shows `name` (the table's cell of it does not count)."""
    marker = f"─ {name} ─"
    return lambda text: marker in text


def filter_shows(count: int, total: int, previous: int, typed: str) -> Callable[[str], bool]:
    """What a filter letter must show: the status line's new count of rows ("12/10000
    instances"); a letter that leaves the count as it was (every row shown still matches)
    changes no count or row, so its result is the filter box showing the text typed."""
    if count != previous:
        marker = f"{count}/{total} instances"
        return lambda text: marker in text
    return lambda text: typed in text
