"""The request log: every exchange with time, method, path, status and duration; never the
key, never a body; rotated, private; `--debug` adds the names of the fields sent."""

from __future__ import annotations

import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from cca_tui import requestlog
from cca_tui.api.client import CloudCAClient
from cca_tui.sim.server import SimServer


@pytest.fixture
def restore_logger() -> Iterator[None]:
    logger = logging.getLogger(requestlog.LOGGER)
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield
    for handler in logger.handlers:
        handler.close()
    logger.handlers, logger.level, logger.propagate = saved[0], saved[1], saved[2]


async def exercise(sim: SimServer, key_name: str = "logged-key") -> None:
    async with CloudCAClient(sim.url, sim.api_key, task_poll_interval=0.01) as client:
        compute = client.compute("compute-on", "test_area")
        instances = await compute.list_instances()
        await compute.stop_instance(next(i.id for i in instances if i.state == "Running"))
        await compute.register_ssh_key(key_name, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLEKEYVALUE x@y")


async def test_each_exchange_is_one_line_without_the_key_or_bodies(
    sim: SimServer, tmp_path: Path, restore_logger: None
) -> None:
    path = requestlog.start_request_log(tmp_path / "log" / "requests.log")
    assert path is not None
    await exercise(sim)
    text = path.read_text()
    lines = text.splitlines()
    assert any(" INFO GET /services/compute-on/test_area/instances?" in line and " 200 " in line for line in lines), (
        text
    )
    stop = next(line for line in lines if " POST " in line and "operation=stop" in line)
    assert stop.split()[-2].endswith("s") and stop.split()[-1].endswith("B")  # duration, size
    assert sim.api_key not in text
    assert "AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLEKEYVALUE" not in text and "logged-key" not in text
    assert "sent fields" not in text  # only with --debug
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


async def test_debug_names_the_fields_sent_never_their_values(
    sim: SimServer, tmp_path: Path, restore_logger: None
) -> None:
    path = requestlog.start_request_log(tmp_path / "requests.log", debug=True)
    assert path is not None
    await exercise(sim)
    text = path.read_text()
    assert "sent fields: name, publicKey" in text
    assert "AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLEKEYVALUE" not in text and sim.api_key not in text


async def test_the_log_rotates_and_every_file_is_private(
    sim: SimServer, tmp_path: Path, restore_logger: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(requestlog, "MAX_BYTES", 400)
    path = requestlog.start_request_log(tmp_path / "requests.log")
    assert path is not None
    for round_ in range(6):
        await exercise(sim, key_name=f"logged-key-{round_}")
    rotated = sorted(tmp_path.glob("requests.log*"))
    assert len(rotated) == 1 + requestlog.BACKUPS
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in rotated)
