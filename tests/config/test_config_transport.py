"""Plain http to a remote host is refused unless the profile opts in; Settings says when the
connection is not protected, so the UI can keep a warning on screen.

No request is made here: the refusal happens while loading, before any client exists.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cca_tui.config import ConfigError, Settings, load_settings
from tests.config.conftest import Overrides, WriteConfig

REMOTE_HTTP = "http://cloudca.office.example.com/api/v1"


def test_plain_http_to_a_remote_host_is_refused(write_config: WriteConfig) -> None:
    path = write_config(f'[profiles.p]\napi_url = "{REMOTE_HTTP}"\n')
    with pytest.raises(ConfigError) as exc:
        load_settings(config_path=path, environ={"CCA_API_KEY": "k"})
    message = str(exc.value)
    assert "plain http" in message and "allow_insecure_http = true" in message
    assert "'p'" in message and str(path) in message


@pytest.mark.parametrize("origin", ["--api-url", "CCA_API_URL"])
def test_plain_http_override_is_refused_too(write_config: WriteConfig, origin: str) -> None:
    path = write_config("[profiles.p]\n")
    kwargs: Overrides = {"api_url": REMOTE_HTTP} if origin == "--api-url" else {}
    environ = {"CCA_API_KEY": "k", **({"CCA_API_URL": REMOTE_HTTP} if origin == "CCA_API_URL" else {})}
    with pytest.raises(ConfigError, match=origin):
        load_settings(config_path=path, environ=environ, **kwargs)


def test_key_command_does_not_run_when_the_url_is_refused(
    write_config: WriteConfig, shell_environ: dict[str, str], tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    path = write_config(f'[profiles.p]\napi_url = "{REMOTE_HTTP}"\napi_key_command = "touch {marker}; echo k"\n')
    with pytest.raises(ConfigError):
        load_settings(config_path=path, environ=shell_environ)
    assert not marker.exists()


def test_opt_in_allows_plain_http_and_warns(write_config: WriteConfig) -> None:
    path = write_config(f'[profiles.p]\napi_url = "{REMOTE_HTTP}"\nallow_insecure_http = true\n')
    settings = load_settings(config_path=path, environ={"CCA_API_KEY": "k"})
    assert settings.api_url == REMOTE_HTTP and settings.allow_insecure_http is True
    assert settings.transport_warning is not None and "plain http" in settings.transport_warning


def test_opt_in_covers_an_override_of_the_same_profile(write_config: WriteConfig) -> None:
    path = write_config("[profiles.p]\nallow_insecure_http = true\n")
    settings = load_settings(config_path=path, api_url=REMOTE_HTTP, environ={"CCA_API_KEY": "k"})
    assert settings.api_url == REMOTE_HTTP


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/v1", "http://127.3.4.5/v1", "http://localhost:9000/v1", "http://[::1]:8080/v1"]
)
def test_plain_http_to_loopback_needs_no_opt_in_and_no_warning(write_config: WriteConfig, url: str) -> None:
    settings = load_settings(config_path=write_config(f'[profiles.p]\napi_url = "{url}"\n'), environ={})
    assert settings.api_url == url and settings.transport_warning is None


@pytest.mark.parametrize(
    "url", ["http://10.0.0.1/v1", "http://localhost.example.com/v1", "http://128.0.0.1/v1", "http://[::2]/v1"]
)
def test_near_misses_of_loopback_are_remote(write_config: WriteConfig, url: str) -> None:
    with pytest.raises(ConfigError, match="plain http"):
        load_settings(config_path=write_config(f'[profiles.p]\napi_url = "{url}"\n'), environ={})


def test_verified_https_has_no_warning(write_config: WriteConfig) -> None:
    settings = load_settings(config_path=write_config("[profiles.p]\n"), environ={})
    assert settings.transport_warning is None


def test_tls_verification_off_warns(write_config: WriteConfig) -> None:
    settings = load_settings(config_path=write_config("[profiles.p]\nverify_tls = false\n"), environ={})
    assert settings.transport_warning is not None and "TLS verification off" in settings.transport_warning


@pytest.mark.parametrize(
    "url, verify, expected",
    [
        ("https://api.cloud.ca/v1", True, None),
        ("https://api.cloud.ca/v1", False, "TLS verification off"),
        ("http://api.example/v1", True, "plain http"),
        ("http://api.example/v1", False, "plain http"),
        ("http://127.0.0.1:1/v1", True, None),
        ("HTTP://API.EXAMPLE/v1", True, "plain http"),
    ],
)
def test_transport_warning_property(url: str, verify: bool, expected: str | None) -> None:
    warning = Settings(api_url=url, verify_tls=verify).transport_warning
    assert (warning is None) if expected is None else (warning is not None and expected in warning)


def test_transport_warning_is_not_part_of_the_dump() -> None:
    # A property, not a field: it cannot be set, and model dumps stay as they were.
    settings = Settings(api_url="http://api.example/v1")
    assert "transport_warning" not in settings.model_dump()
