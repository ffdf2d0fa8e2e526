"""config.example.toml is valid and documents every key the schema knows."""

import shutil
import tomllib
from pathlib import Path

import pytest

from cca_tui.config import ConfigError, load_settings
from cca_tui.config.file_schema import ConfigFile, ProfileConfig

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


@pytest.fixture
def private_copy(tmp_path: Path) -> Path:
    # The example has an inline api_key, so it only loads from a 0600 file.
    copy = tmp_path / "config.toml"
    shutil.copyfile(EXAMPLE, copy)
    copy.chmod(0o600)
    return copy


def test_example_uses_every_key() -> None:
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert set(data) == set(ConfigFile.model_fields)
    used_in_profiles = {key for table in data["profiles"].values() for key in table}
    assert used_in_profiles == set(ProfileConfig.model_fields)


def test_example_has_the_documented_profiles() -> None:
    profiles = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))["profiles"]
    assert any(p.get("api_key_command", "").startswith("pass show") for p in profiles.values())
    assert any("api_key_env" in p for p in profiles.values())
    assert any(p.get("read_only") is True for p in profiles.values())


def test_every_key_has_a_comment() -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    for key in set(ConfigFile.model_fields) | set(ProfileConfig.model_fields):
        first_use = next(i for i, line in enumerate(lines) if line.startswith((f"{key} =", f"[{key}.")))
        previous = next(line for line in reversed(lines[:first_use]) if line.strip())
        assert previous.startswith("#"), f"{key} is not documented by a comment"


def test_example_loads_for_every_profile(private_copy: Path) -> None:
    names = tomllib.loads(private_copy.read_text(encoding="utf-8"))["profiles"]
    for name in names:
        # CCA_API_KEY set so the example's `pass show` command is never run.
        settings = load_settings(config_path=private_copy, profile=name, environ={"CCA_API_KEY": "x"})
        assert settings.profile_name == name
    default = load_settings(config_path=private_copy, environ={"CCA_API_KEY": "x"})
    assert default.profile_name == "prod" and default.org_id and default.default_environment


def test_example_inline_key_profile(private_copy: Path) -> None:
    settings = load_settings(config_path=private_copy, profile="audit", environ={})
    assert settings.read_only is True and settings.api_key_source == "inline api_key"


def test_example_is_refused_when_not_private(private_copy: Path) -> None:
    private_copy.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_settings(config_path=private_copy, environ={"CCA_API_KEY": "x"})
