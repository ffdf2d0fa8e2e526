"""Environment variables beat the file; flags beat both."""

import pytest

from cca_tui.config import ConfigError, load_settings
from tests.config.conftest import Overrides, WriteConfig
from tests.typed import not_none

FILE = """
[profiles.default]
api_url = "https://file.example/v1"
refresh_interval = 9
"""


def test_file_values_apply_without_overrides(write_config: WriteConfig) -> None:
    settings = load_settings(config_path=write_config(FILE), environ={})
    assert settings.api_url == "https://file.example/v1"
    assert settings.refresh_interval == 9.0


def test_cca_api_url_beats_file(write_config: WriteConfig) -> None:
    environ = {"CCA_API_URL": "https://env.example/v1/"}
    settings = load_settings(config_path=write_config(FILE), environ=environ)
    assert settings.api_url == "https://env.example/v1"  # trailing slash dropped


def test_api_url_flag_beats_env_and_file(write_config: WriteConfig) -> None:
    settings = load_settings(
        config_path=write_config(FILE),
        api_url="http://localhost:8080/v1",
        environ={"CCA_API_URL": "https://env.example/v1"},
    )
    assert settings.api_url == "http://localhost:8080/v1"


def test_refresh_interval_flag_beats_file(write_config: WriteConfig) -> None:
    settings = load_settings(config_path=write_config(FILE), refresh_interval=2, environ={})
    assert settings.refresh_interval == 2.0


def test_cca_api_key_beats_every_file_source(
    write_config: WriteConfig, fake_key: str, shell_environ: dict[str, str]
) -> None:
    path = write_config(
        '[profiles.default]\napi_key = "inline"\napi_key_env = "MY_KEY"\napi_key_command = "echo from-command"\n'
    )
    settings = load_settings(config_path=path, environ={**shell_environ, "CCA_API_KEY": fake_key, "MY_KEY": "from-env"})
    assert not_none(settings.api_key).get_secret_value() == fake_key
    assert settings.api_key_source == "CCA_API_KEY"


@pytest.mark.parametrize(
    "kwargs, environ, named",
    [
        ({"refresh_interval": 0.5}, {}, "--refresh"),
        ({"refresh_interval": float("nan")}, {}, "--refresh"),
        ({"api_url": "api.cloud.ca"}, {}, "--api-url"),
        ({}, {"CCA_API_URL": "ftp://x"}, "CCA_API_URL"),
    ],
)
def test_bad_override_values_are_config_errors(kwargs: Overrides, environ: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as exc:
        load_settings(environ=environ, **kwargs)
    assert str(exc.value).startswith(named)
