"""A bad file gives one clear message naming the file, the key and the fix."""

from pathlib import Path

import pytest

from cca_tui.config import ConfigError, load_settings
from tests.config.conftest import WriteConfig


def load_error(write_config: WriteConfig, text: str) -> tuple[str, str]:
    path = write_config(text)
    with pytest.raises(ConfigError) as exc:
        load_settings(config_path=path, environ={})
    message = str(exc.value)
    assert str(path) in message
    assert "pydantic" not in message and "model_type" not in message
    return message, str(path)


def test_toml_syntax_error_shows_line_and_column(write_config: WriteConfig) -> None:
    message, _ = load_error(write_config, "[profiles.prod]\nrefresh_interval = = 5\n")
    assert "not valid TOML" in message and "line 2" in message and "column" in message


def test_unknown_top_level_key(write_config: WriteConfig) -> None:
    message, _ = load_error(write_config, 'default_profil = "prod"\n')
    assert "default_profil: unknown key" in message and "'default_profile'" in message


def test_profile_key_at_top_level_points_to_profiles_table(write_config: WriteConfig) -> None:
    message, _ = load_error(write_config, 'api_url = "https://x/v1"\n')
    assert "api_url: unknown key" in message and "[profiles.NAME]" in message


def test_unknown_key_in_profile_suggests_spelling(write_config: WriteConfig) -> None:
    message, _ = load_error(write_config, "[profiles.prod]\nrefersh_interval = 5\n")
    assert "profiles.prod.refersh_interval: unknown key" in message
    assert "Did you mean 'refresh_interval'?" in message


@pytest.mark.parametrize(
    "line, key, expected",
    [
        ('refresh_interval = "5"', "refresh_interval", "got a string"),
        ("read_only = 1", "read_only", "got an integer"),
        ('verify_tls = "yes"', "verify_tls", "true or false"),
        ("api_url = 5", "api_url", "got an integer"),
        ("org_id = 42", "org_id", "got an integer"),
        ("api_key_command = ['pass', 'x']", "api_key_command", "got an array"),
    ],
)
def test_wrong_type(write_config: WriteConfig, line: str, key: str, expected: str) -> None:
    message, _ = load_error(write_config, f"[profiles.prod]\n{line}\n")
    assert f"profiles.prod.{key}:" in message and expected in message


@pytest.mark.parametrize(
    "line, key, expected",
    [
        ("refresh_interval = 0.5", "refresh_interval", ">= 1"),
        ("refresh_interval = 0", "refresh_interval", ">= 1"),
        ("refresh_interval = inf", "refresh_interval", "finite"),
        ('api_url = "api.cloud.ca/v1"', "api_url", "http(s) URL"),
        ('default_environment = "compute-on"', "default_environment", "SERVICE_CODE/ENV_NAME"),
        ('api_key_env = "$PROD_KEY"', "api_key_env", "without the leading $"),
        ('org_id = ""', "org_id", "must not be empty"),
    ],
)
def test_bad_value(write_config: WriteConfig, line: str, key: str, expected: str) -> None:
    message, _ = load_error(write_config, f"[profiles.prod]\n{line}\n")
    assert f"profiles.prod.{key}:" in message and expected in message


def test_quoted_profile_names_are_spelled_as_in_toml(write_config: WriteConfig) -> None:
    message, _ = load_error(write_config, '[profiles."my prod"]\nrefresh_interval = 0\n')
    assert 'profiles."my prod".refresh_interval:' in message


def test_profile_that_is_not_a_table(write_config: WriteConfig) -> None:
    message, _ = load_error(write_config, '[profiles]\napi_url = "https://x/v1"\n')
    assert "profiles.api_url:" in message and "[profiles.api_url]" in message


def test_several_problems_in_one_message(write_config: WriteConfig) -> None:
    message, _ = load_error(write_config, "bogus = 1\n[profiles.prod]\nrefresh_interval = 0\n")
    assert "bogus: unknown key" in message and "profiles.prod.refresh_interval:" in message


def test_missing_explicit_config_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as exc:
        load_settings(config_path=missing, environ={})
    assert str(missing) in str(exc.value) and "--config" in str(exc.value)


def test_config_path_that_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="directory"):
        load_settings(config_path=tmp_path, environ={})


def test_file_that_is_not_utf8(write_config: WriteConfig) -> None:
    path = write_config("")
    path.write_bytes(b'[profiles.prod]\norg_id = "\xff"\n')
    with pytest.raises(ConfigError, match="UTF-8"):
        load_settings(config_path=path, environ={})
