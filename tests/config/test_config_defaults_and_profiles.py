"""No file, profile selection and its precedence."""

from pathlib import Path

import pytest

from cca_tui.config import ConfigError, Settings, default_config_path, load_settings
from tests.config.conftest import Overrides, WriteConfig
from tests.typed import not_none

TWO_PROFILES = """
default_profile = "prod"
[profiles.prod]
refresh_interval = 7
[profiles.staging]
refresh_interval = 3
"""


def test_no_file_gives_default_profile_with_defaults() -> None:
    settings = load_settings(environ={})
    assert settings == Settings(
        profile_name="default",
        config_path=None,
        api_url="https://api.cloud.ca/v1",
        api_key=None,
        api_key_problem=settings.api_key_problem,
        api_key_source=None,
        default_environment=None,
        refresh_interval=5.0,
        read_only=False,
        verify_tls=True,
        org_id=None,
    )
    assert "CCA_API_KEY" in not_none(settings.api_key_problem)
    assert str(default_config_path()) in not_none(settings.api_key_problem)


def test_default_config_path_is_read_when_present(
    write_config: WriteConfig, isolated_user_dirs: tuple[Path, Path]
) -> None:
    config_dir, _ = isolated_user_dirs
    path = write_config("[profiles.default]\nread_only = true\n", path=config_dir / "config.toml")
    assert default_config_path() == path
    settings = load_settings(environ={})
    assert settings.config_path == path
    assert settings.read_only is True


def test_file_without_profiles_has_implicit_default(write_config: WriteConfig) -> None:
    path = write_config('default_profile = "default"\n')
    settings = load_settings(config_path=path, environ={})
    assert settings.profile_name == "default"
    assert settings.config_path == path


def test_default_profile_key_selects_profile(write_config: WriteConfig) -> None:
    settings = load_settings(config_path=write_config(TWO_PROFILES), environ={})
    assert (settings.profile_name, settings.refresh_interval) == ("prod", 7.0)


def test_cca_profile_beats_default_profile(write_config: WriteConfig) -> None:
    settings = load_settings(config_path=write_config(TWO_PROFILES), environ={"CCA_PROFILE": "staging"})
    assert (settings.profile_name, settings.refresh_interval) == ("staging", 3.0)


def test_profile_flag_beats_cca_profile(write_config: WriteConfig) -> None:
    path = write_config(TWO_PROFILES)
    settings = load_settings(config_path=path, profile="prod", environ={"CCA_PROFILE": "staging"})
    assert settings.profile_name == "prod"


def test_empty_cca_profile_counts_as_unset(write_config: WriteConfig) -> None:
    settings = load_settings(config_path=write_config(TWO_PROFILES), environ={"CCA_PROFILE": ""})
    assert settings.profile_name == "prod"


def test_profile_named_default_is_used_without_default_profile(write_config: WriteConfig) -> None:
    path = write_config("[profiles.default]\nread_only = true\n[profiles.other]\n")
    assert load_settings(config_path=path, environ={}).profile_name == "default"


def test_single_profile_is_used_without_default_profile(write_config: WriteConfig) -> None:
    path = write_config("[profiles.only]\nread_only = true\n")
    assert load_settings(config_path=path, environ={}).profile_name == "only"


def test_several_profiles_and_no_choice_is_an_error(write_config: WriteConfig) -> None:
    path = write_config("[profiles.a]\n[profiles.b]\n")
    with pytest.raises(ConfigError) as exc:
        load_settings(config_path=path, environ={})
    message = str(exc.value)
    assert str(path) in message and "default_profile" in message and "a, b" in message


@pytest.mark.parametrize(
    "kwargs, environ, origin",
    [({"profile": "nope"}, {}, "--profile"), ({}, {"CCA_PROFILE": "nope"}, "CCA_PROFILE")],
)
def test_unknown_profile_lists_available_profiles(
    write_config: WriteConfig, kwargs: Overrides, environ: dict[str, str], origin: str
) -> None:
    path = write_config(TWO_PROFILES)
    with pytest.raises(ConfigError) as exc:
        load_settings(config_path=path, environ=environ, **kwargs)
    message = str(exc.value)
    assert "'nope'" in message and origin in message and str(path) in message
    assert "prod, staging" in message


def test_unknown_profile_without_file_says_there_is_no_file() -> None:
    with pytest.raises(ConfigError) as exc:
        load_settings(profile="prod", environ={})
    message = str(exc.value)
    assert str(default_config_path()) in message and "'default'" in message


def test_default_profile_naming_missing_profile_is_an_error(write_config: WriteConfig) -> None:
    path = write_config('default_profile = "prdo"\n[profiles.prod]\n')
    with pytest.raises(ConfigError) as exc:
        load_settings(config_path=path, profile="prod", environ={})
    message = str(exc.value)
    assert str(path) in message and "default_profile" in message and "prod" in message


def test_settings_is_frozen() -> None:
    settings = load_settings(environ={})
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="frozen"):
        settings.read_only = True  # type: ignore[misc]  # the point: mypy and pydantic both refuse it
