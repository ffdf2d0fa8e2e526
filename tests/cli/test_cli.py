"""The command line: clear messages and exit code 2 for bad input, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from cca_tui.cli import main


def test_bad_config_file_exits_2_with_one_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[profiles.prod]\nrefresh_interval = "fast"\n')
    assert main(["--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert str(config) in err and "profiles.prod.refresh_interval" in err
    assert "Traceback" not in err


def test_unknown_key_in_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[profiles.prod]\napi_ur = "https://example.invalid"\n')
    assert main(["--config", str(config)]) == 2
    assert "api_ur" in capsys.readouterr().err


def test_missing_config_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(tmp_path / "nope.toml")]) == 2
    assert "nope.toml" in capsys.readouterr().err


def test_bad_env_reference(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--demo", "--env", "no-slash"]) == 2
    assert "--env" in capsys.readouterr().err


def test_refresh_below_one_second(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--demo", "--refresh", "0.2"]) == 2
    assert "--refresh" in capsys.readouterr().err


def test_inline_key_in_world_readable_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[profiles.p]\napi_key = "super-secret-value-42"\n')
    os.chmod(config, 0o644)
    assert main(["--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "chmod 600" in err and "super-secret-value-42" not in err


def test_sim_command_serves_and_prints_url_and_key(tmp_path: Path) -> None:
    """`cca-tui sim` runs standalone on loopback and says where and with which key."""
    process = subprocess.Popen(
        [sys.executable, "-m", "cca_tui", "sim", "--port", "0", "--task-delay", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 20
        url = key = None
        assert process.stdout is not None
        while time.monotonic() < deadline and not (url and key):
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            for word in line.split():
                if word.startswith("http://127.0.0.1:"):
                    url = word.rstrip(".,")
                if word.startswith("demo-"):
                    key = word.rstrip(".,")
        assert url and key, lines
        reply = httpx.get(f"{url}/environments", headers={"MC-Api-Key": key}, timeout=5)
        assert reply.status_code == 200 and len(reply.json()["data"]) == 4
    finally:
        process.terminate()
        try:
            _, err = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
    assert "Traceback" not in err
