"""The key stays out of `ps`, out of the terminal and out of files others can read."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import platformdirs
import pytest
from pydantic import SecretStr

from cca_tui.cli import _send_simulator_logs_to_file
from cca_tui.config import Settings
from cca_tui.sim.options import DEMO_API_KEY

CUSTOM_KEY = "Custom7Sim3Key9Abc2Xyz5"


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_sim_takes_its_key_from_the_environment_and_never_shows_it() -> None:
    env = {**os.environ, "CCA_SIM_API_KEY": CUSTOM_KEY}
    process = subprocess.Popen(
        [sys.executable, "-m", "cca_tui", "sim", "--port", "0", "--task-delay", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 30
        assert process.stdout is not None
        while time.monotonic() < deadline and not any(line.startswith("API key") for line in lines):
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
        url = next(word for line in lines for word in line.split() if word.startswith("http://127.0.0.1:"))
        assert any("CCA_SIM_API_KEY" in line for line in lines if line.startswith("API key")), lines
        assert CUSTOM_KEY not in "".join(lines)
        # What `ps` shows: the command line holds no key.
        cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode()
        assert CUSTOM_KEY not in cmdline and DEMO_API_KEY not in cmdline
        assert httpx.get(f"{url}/environments", headers={"MC-Api-Key": CUSTOM_KEY}, timeout=10).status_code == 200
        refused = httpx.get(f"{url}/environments", headers={"MC-Api-Key": DEMO_API_KEY}, timeout=10)
        assert refused.status_code in (401, 403)
    finally:
        process.terminate()
        try:
            _, err = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
    assert "Traceback" not in err and CUSTOM_KEY not in err


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def restore_sim_loggers() -> Iterator[None]:
    names = ("uvicorn", "uvicorn.error", "uvicorn.access", "cca_tui.sim")
    saved = {name: (logging.getLogger(name).handlers[:], logging.getLogger(name).propagate) for name in names}
    yield
    for name, (handlers, propagate) in saved.items():
        logger = logging.getLogger(name)
        for handler in logger.handlers:
            if handler not in handlers:
                handler.close()
        logger.handlers, logger.propagate = handlers, propagate


def test_demo_simulator_log_is_private_even_if_it_existed(open_umask: None, restore_sim_loggers: None) -> None:
    log_dir = platformdirs.user_log_path("cca-tui")
    log_dir.mkdir(parents=True)
    os.chmod(log_dir, 0o755)
    log_file = log_dir / "demo-simulator.log"
    log_file.write_text("older run\n")
    os.chmod(log_file, 0o644)
    _send_simulator_logs_to_file()
    logging.getLogger("cca_tui.sim").warning("a line")
    assert mode(log_dir) == 0o700 and mode(log_file) == 0o600
    assert log_file.read_text().startswith("older run\n") and "a line" in log_file.read_text()


async def test_crash_log_is_private_even_if_it_existed(open_umask: None, capsys: pytest.CaptureFixture[str]) -> None:
    from cca_tui.ui.app import CcaApp, crash_log_path

    path = crash_log_path()
    path.parent.mkdir(parents=True)
    os.chmod(path.parent, 0o755)
    path.write_text("an older crash\n")
    os.chmod(path, 0o644)
    key = "Crash5Key8Never2Shown"
    app = CcaApp(Settings(api_url="http://127.0.0.1:9/v1", api_key=SecretStr(key)))

    def explode() -> None:
        raise RuntimeError(f"boom {key}")

    with pytest.raises(RuntimeError):
        async with app.run_test() as pilot:
            app.call_later(explode)
            for _ in range(200):  # until the crash is handled (bounded)
                if app._exception is not None:
                    break
                await pilot.pause(0.05)
    assert mode(path.parent) == 0o700 and mode(path) == 0o600
    logged = path.read_text()
    assert "boom" in logged and key not in logged and "an older crash" not in logged
    assert key not in capsys.readouterr().err
