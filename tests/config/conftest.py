"""Fixtures for the config tests: isolated user dirs and config-file writers."""

import os
from pathlib import Path
from typing import Protocol, TypedDict

import platformdirs
import pytest

# Distinctive so that "not in message" assertions cannot pass by accident.
FAKE_KEY = "FAKE-KEY-zq8Xv3-must-never-leak"


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """Point platformdirs at tmp_path so no test reads the developer's real config."""
    config_root = tmp_path / "user-config"
    state_root = tmp_path / "user-state"
    monkeypatch.setattr(platformdirs, "user_config_path", lambda app, *_a, **_k: config_root / app)
    monkeypatch.setattr(platformdirs, "user_state_path", lambda app, *_a, **_k: state_root / app)
    return config_root / "cca-tui", state_root / "cca-tui"


@pytest.fixture
def fake_key() -> str:
    return FAKE_KEY


class WriteConfig(Protocol):
    """What the `write_config` fixture is: write a config file, return its path."""

    def __call__(self, text: str, *, mode: int = 0o600, path: Path | None = None) -> Path: ...


@pytest.fixture
def write_config(tmp_path: Path) -> WriteConfig:
    """write_config(text, mode=0o600, path=None) -> Path of the written file."""

    def write(text: str, *, mode: int = 0o600, path: Path | None = None) -> Path:
        path = path or tmp_path / "config.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        os.chmod(path, mode)
        return path

    return write


class Overrides(TypedDict, total=False):
    """The flags load_settings takes besides the file and the environment (for parametrized tests)."""

    profile: str
    api_url: str
    refresh_interval: float


@pytest.fixture
def shell_environ() -> dict[str, str]:
    """A minimal environment in which api_key_command can find ordinary tools."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
