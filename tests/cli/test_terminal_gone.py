"""The terminal goes away (tty closed, SIGHUP): the app ends promptly instead of spinning.

Seen: `make demo` in tmux, then `tmux kill-server`: the app kept running at 100 % CPU. Here
the real `cca-tui --demo` runs under a pseudo-terminal, which the test then closes.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

STARTED_WITHIN = 60.0  # a busy 2-core machine: starting Python, Textual and the simulator
ENDS_WITHIN = 5.0


def start_under_pty(tmp_path: Path) -> tuple[subprocess.Popen[bytes], int]:
    master, slave = pty.openpty()
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "COLUMNS": "100",
        "LINES": "30",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "cca_tui", "--demo"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,  # its own session: the pty is its controlling terminal
        close_fds=True,
    )
    os.close(slave)
    return process, master


def wait_for_screen(master: int, text: bytes) -> None:
    """Read the pty until the app has drawn `text` (its first screen is up)."""
    seen = b""
    deadline = time.monotonic() + STARTED_WITHIN
    while text not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"the app did not draw {text!r}: {seen[-300:]!r}"
        ready, _, _ = select.select([master], [], [], left)
        if ready:
            seen += os.read(master, 65536)


def ended_within(process: subprocess.Popen[bytes], seconds: float) -> bool:
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        return False
    return True


@pytest.mark.parametrize("how", ["close", "sighup"])
def test_the_app_ends_when_its_terminal_goes(tmp_path: Path, how: str) -> None:
    process, master = start_under_pty(tmp_path)
    try:
        wait_for_screen(master, b"production")
        if how == "close":
            os.close(master)  # the terminal emulator went away
        else:
            process.send_signal(signal.SIGHUP)  # the ssh session or tmux dropped
        started = time.monotonic()
        ended = ended_within(process, ENDS_WITHIN)
        print(f"{how}: ended={ended} in {time.monotonic() - started:.2f}s rc={process.returncode}")
        cpu = None if ended else _cpu_seconds(process.pid)
        assert ended, f"cca-tui still running {ENDS_WITHIN}s after the terminal went ({how}); cpu {cpu}"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if how != "close":
            os.close(master)


def _cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
