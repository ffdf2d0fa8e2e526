"""`cca-tui --web` serves only its own pages: a web page of another site, open in the
operator's browser, must not get a cca-tui (a WebSocket is not held to the same-origin rule:
without a check, `new WebSocket("ws://127.0.0.1:8000/ws")` from any site drove the app with
the operator's key), nor reach it under a host name of its own (DNS rebinding)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cca_tui.web import cross_site_refusal, served_hosts

UPGRADE = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13"}


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def web_port(tmp_path: Path) -> Iterator[int]:
    """`cca-tui --demo --web` on a loopback port of its own."""
    port = free_loopback_port()
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    server = subprocess.Popen(
        [sys.executable, "-m", "cca_tui", "--demo", "--web", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, "cca-tui --web exited before serving"
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert time.monotonic() < deadline, "nothing listened in time"
            time.sleep(0.1)  # polling a port that is not up yet; the condition is what is waited on
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def websocket_key() -> dict[str, str]:
    return {**UPGRADE, "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}


def test_a_page_of_another_site_gets_no_session(web_port: int) -> None:
    base = f"http://127.0.0.1:{web_port}"
    with httpx.Client(timeout=30) as http:
        own = http.get(f"{base}/")
        assert own.status_code == 200 and "cca-tui" in own.text
        for origin in (
            "http://evil.example",
            f"http://evil.example:{web_port}",
            "null",
            f"https://127.0.0.1:{web_port}",
        ):
            refused = http.get(f"{base}/ws", headers={**websocket_key(), "Origin": origin})
            assert refused.status_code == 403, origin
        # DNS rebinding: a name of the attacker's that resolves to 127.0.0.1.
        rebound = http.get(f"{base}/", headers={"Host": f"evil.example:{web_port}"})
        assert rebound.status_code == 403
        rebound_ws = http.get(
            f"{base}/ws",
            headers={
                **websocket_key(),
                "Host": f"evil.example:{web_port}",
                "Origin": f"http://evil.example:{web_port}",
            },
        )
        assert rebound_ws.status_code == 403


def test_the_served_origins() -> None:
    hosts = served_hosts("127.0.0.1", 8000)
    assert hosts == {"127.0.0.1:8000", "localhost:8000", "[::1]:8000"}
    assert cross_site_refusal({"Host": "127.0.0.1:8000", "Origin": "http://127.0.0.1:8000"}, hosts) is None
    assert cross_site_refusal({"Host": "localhost:8000", "Origin": "http://LOCALHOST:8000"}, hosts) is None
    assert cross_site_refusal({"Host": "127.0.0.1:8000"}, hosts) is None  # no Origin: not a browser page
    assert cross_site_refusal({"Host": "127.0.0.1:8000", "Origin": "http://127.0.0.1:8001"}, hosts) is not None
    assert cross_site_refusal({"Host": "127.0.0.1:8001"}, hosts) is not None
    assert cross_site_refusal({}, hosts) is not None
    assert served_hosts("192.0.2.7", 9000) == {"192.0.2.7:9000"}
    assert served_hosts("fd00::7", 9000) == {"[fd00::7]:9000"}
