"""`cca-tui --web`: the app served by textual-serve on loopback, loaded in headless Chromium.

Debian's `chromium` driven by Playwright through `executable_path` (Playwright's own browser
downloads are never used). The terminal is drawn on a canvas, so the test reads what the
app sent to the page over its websocket: the picker's table must arrive, and a key pressed
in the page (Enter) must open the instance screen.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[A-Za-z~]|\x1b\][^\x07]*\x07|\x1b[()][A-Z0-9]|\x1b.")

try:
    from playwright.sync_api import WebSocket, sync_playwright

    HAVE_PLAYWRIGHT = True
except ImportError:  # pragma: no cover - the test extra installs it
    HAVE_PLAYWRIGHT = False

pytestmark = [
    pytest.mark.skipif(not HAVE_PLAYWRIGHT, reason="the playwright package is not installed"),
    pytest.mark.skipif(
        not os.access(CHROMIUM, os.X_OK),
        reason="no Chromium at /usr/bin/chromium (Debian: apt-get install chromium; .ci/run does it as root)",
    ),
]


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "cca-tui --web exited before serving"
        with socket.socket() as probe:
            probe.settimeout(1.0)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)  # polling a port that is not up yet; the condition is what is waited on
    raise AssertionError(f"nothing listened on 127.0.0.1:{port} within {timeout}s")


def listening_addresses(port: int) -> set[str]:
    """The local addresses the server listens on at `port` (from /proc/net/tcp*)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:
                found.add(address)
    return found


def test_the_table_renders_in_a_browser_and_a_key_works(tmp_path: Path) -> None:
    port = free_loopback_port()
    env = {
        **os.environ,
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "cca_tui", "--demo", "--web", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port, server)
        # Loopback only: 127.0.0.1 (0100007F in /proc), never 0.0.0.0.
        assert listening_addresses(port) == {"0100007F"}
        received: list[str] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 720})

                def on_socket(ws: WebSocket) -> None:
                    ws.on(
                        "framereceived",
                        lambda frame: received.append(
                            frame.decode("utf-8", "replace") if isinstance(frame, bytes) else str(frame)
                        ),
                    )

                page.on("websocket", on_socket)
                page.goto(f"http://127.0.0.1:{port}/")

                def shown() -> str:
                    return ANSI.sub("", "".join(received))

                def wait_for_text(text: str, timeout_ms: int = 60_000) -> None:
                    deadline = time.monotonic() + timeout_ms / 1000
                    while text not in shown():
                        assert time.monotonic() < deadline, f"{text!r} never reached the page: …{shown()[-400:]!r}"
                        page.wait_for_timeout(100)  # lets Playwright deliver the frames

                wait_for_text("choose an environment")
                for name in ("production", "test_area", "dev", "dr-site"):
                    wait_for_text(name)
                assert "Tasks" not in shown()
                page.locator(".textual-terminal").click()
                page.keyboard.press("Enter")  # opens the highlighted environment
                wait_for_text("Tasks")  # the instance screen's footer
            finally:
                browser.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
