"""StateStore: the last environment per profile, tolerant reads, atomic writes."""

import json
import os
from pathlib import Path
from typing import Never

import pytest

from cca_tui.config import StateStore


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "state.json"
    store = StateStore(path)
    assert store.last_environment("prod") is None
    store.remember_environment("prod", "compute-on/production")
    store.remember_environment("lab", "compute-lab/test_area")
    store.remember_environment("prod", "compute-on/test_area")
    fresh = StateStore(path)
    assert fresh.last_environment("prod") == "compute-on/test_area"
    assert fresh.last_environment("lab") == "compute-lab/test_area"
    assert fresh.last_environment("other") is None


def test_default_path_is_user_state_dir(isolated_user_dirs: tuple[Path, Path]) -> None:
    _, state_dir = isolated_user_dirs
    store = StateStore()
    store.remember_environment("p", "a/b")
    assert store.path == state_dir / "state.json" and store.path.exists()


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe\x00",
        b"[1, 2]",
        b'{"last_environment": "x"}',
        b'{"last_environment": {"prod": 42}}',
        b'{"last_environment": {"prod": "no-slash"}}',
        b"",
    ],
)
def test_corrupt_state_is_ignored_and_overwritten(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    store = StateStore(path)
    assert store.last_environment("prod") is None
    store.remember_environment("prod", "a/b")
    assert store.last_environment("prod") == "a/b"


def test_unreadable_state_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.mkdir()  # reading a directory fails on every platform, even as root
    assert StateStore(path).last_environment("prod") is None


def test_failed_write_does_not_raise_or_leave_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.mkdir()  # os.replace onto a directory fails
    StateStore(path).remember_environment("prod", "a/b")
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.json"
    store = StateStore(path)
    store.remember_environment("prod", "a/b")
    before = path.read_text()

    replaced = []
    real_replace = os.replace

    def spying_replace(src: str, dst: str) -> None:
        replaced.append((src, dst))
        # At the moment of the swap the old file is intact and the new one complete.
        assert path.read_text() == before
        assert json.loads(Path(src).read_text())["last_environment"]["prod"] == "c/d"
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spying_replace)  # the os module the store calls
    store.remember_environment("prod", "c/d")
    assert len(replaced) == 1 and os.path.dirname(replaced[0][0]) == str(tmp_path)
    assert StateStore(path).last_environment("prod") == "c/d"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_crash_before_replace_keeps_old_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.json"
    store = StateStore(path)
    store.remember_environment("prod", "a/b")

    def failing_replace(src: str, dst: str) -> Never:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    store.remember_environment("prod", "c/d")
    assert StateStore(path).last_environment("prod") == "a/b"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


@pytest.mark.parametrize("name", ["not an env", "svc/two words", "svc/a/b", "svc/", "svc/esc\x1b[2J"])
def test_remember_skips_unrepresentable_environment_without_raising(tmp_path: Path, name: str) -> None:
    """Server names can hold anything; opening such an environment must not crash the app."""
    store = StateStore(tmp_path / "s.json")
    store.remember_environment("prod", "svc/ok")
    store.remember_environment("prod", name)
    assert store.last_environment("prod") == "svc/ok"
