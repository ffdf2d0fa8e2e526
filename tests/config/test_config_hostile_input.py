"""Hostile or broken input to the config loader ends in one ConfigError, never anything else.

Each case here used to end in a traceback (RecursionError, MemoryError, a hang) or was
accepted and failed later, at the first request (a NUL, a space or a bad port in the URL,
a non-ASCII key).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Unpack

import pytest

from cca_tui.config import ConfigError, load_settings
from cca_tui.config.file_loader import MAX_CONFIG_BYTES
from tests.config.conftest import Overrides, WriteConfig


def load_error(path: Path, environ: dict[str, str] | None = None, **overrides: Unpack[Overrides]) -> str:
    with pytest.raises(ConfigError) as exc:
        load_settings(config_path=path, environ=environ or {}, **overrides)
    error = exc.value
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)
    return str(error)


def load_within(seconds: float, path: Path) -> BaseException | object:
    """Load in a daemon thread; what it raised or returned, or a TimeoutError if it hangs."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(load_settings(config_path=path, environ={}))
        except BaseException as e:  # noqa: BLE001 - the test inspects whatever came out
            outcome.append(e)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    return outcome[0] if outcome else TimeoutError(f"loading {path} still running after {seconds} s")


# --- the URL ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://api\\u0000.example/v1", "control characters"),
        ("https://api.example\\u001b[2J/v1", "control characters"),
        ("https://api.example\\u202e/v1", "control characters"),
        ("https://api example/v1", "spaces"),
        ("https://api.example/v1 ", "spaces"),
        ("https://api.example:99999/v1", "invalid port"),
        ("https://api.example:0/v1", "invalid port"),
        ("https://api.example:/v1", "invalid port"),
        ("https://api.example:https/v1", "invalid port"),
        ("https://[::1/v1", "http(s) URL"),
        ("https://user:pw@api.example/v1", "user name or password"),
        ("https://api.example/v1?org=1", "query"),
        ("https://api.example/v1#top", "fragment"),
        ("https:///v1", "http(s) URL"),
    ],
)
def test_bad_url_in_file_is_refused_at_load(write_config: WriteConfig, url: str, expected: str) -> None:
    message = load_error(write_config(f'[profiles.p]\napi_url = "{url}"\n'))
    assert "profiles.p.api_url:" in message and expected in message
    assert "\x00" not in message and "\x1b" not in message and "\u202e" not in message


@pytest.mark.parametrize("url", ["https://a\x00b/v1", "https://a:70000/v1", "https://a b/v1", "ftp://a/v1"])
def test_bad_url_from_flag_or_environment_is_refused(write_config: WriteConfig, url: str) -> None:
    path = write_config("[profiles.p]\n")
    assert "--api-url" in load_error(path, api_url=url)
    assert "CCA_API_URL" in load_error(path, environ={"CCA_API_URL": url})


def test_ordinary_urls_still_load(write_config: WriteConfig) -> None:
    for url in ("https://api.cloud.ca/v1", "https://api.cloud.ca:8443/v1/", "http://127.0.0.1:8080/v1"):
        settings = load_settings(config_path=write_config(f'[profiles.p]\napi_url = "{url}"\n'), environ={})
        assert settings.api_url == url.rstrip("/")


# --- the file itself -------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "a = " + "[" * 5000 + "]" * 5000 + "\n",
        "a = " + "{b = " * 5000 + "1" + "}" * 5000 + "\n",
        "[profiles.p]\norg_id = " + "[" * 5000 + "]" * 5000 + "\n",
    ],
    ids=["arrays", "inline-tables", "in-a-profile"],
)
def test_deeply_nested_toml(write_config: WriteConfig, body: str) -> None:
    assert "nests arrays or tables too deeply" in load_error(write_config(body))


def test_dev_zero_is_refused_without_reading_it() -> None:
    outcome = load_within(10, Path("/dev/zero"))
    assert isinstance(outcome, ConfigError), outcome
    assert "character device" in str(outcome) and "not a regular file" in str(outcome)


def test_symlink_to_a_device_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "config.toml"
    link.symlink_to("/dev/zero")
    outcome = load_within(10, link)
    assert isinstance(outcome, ConfigError) and "not a regular file" in str(outcome), outcome


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    outcome = load_within(10, fifo)
    assert isinstance(outcome, ConfigError), outcome
    assert "named pipe" in str(outcome)


def test_oversized_file_is_refused(write_config: WriteConfig) -> None:
    path = write_config("# padding\n" * (MAX_CONFIG_BYTES // 10 + 1))
    assert os.path.getsize(path) > MAX_CONFIG_BYTES
    assert "larger than" in load_error(path)


def test_file_of_the_maximum_size_loads(write_config: WriteConfig) -> None:
    path = write_config("#" * (MAX_CONFIG_BYTES - 1) + "\n")
    assert load_settings(config_path=path, environ={}).profile_name == "default"


def test_path_with_a_nul_byte() -> None:
    assert "invalid characters" in load_error(Path("conf\x00ig.toml"))


def test_path_through_a_file(write_config: WriteConfig) -> None:
    path = write_config("")
    assert "Cannot read" in load_error(path / "config.toml")


# --- other keys of the same kind ---------------------------------------------------------


@pytest.mark.parametrize(
    "body, key",
    [
        ('[profiles.p]\ndefault_environment = "svc/env\\u001b]0;x\\u0007"\n', "profiles.p.default_environment"),
        ('[profiles.p]\ndefault_environment = "svc/env\\u202e"\n', "profiles.p.default_environment"),
        ('[profiles.p]\norg_id = "org\\u0000"\n', "profiles.p.org_id"),
        ('[profiles.p]\norg_id = "two words"\n', "profiles.p.org_id"),
        ('[profiles.p]\napi_key_command = "pass show x\\u0000"\n', "profiles.p.api_key_command"),
        ('[profiles."p\\u001b[2J"]\n', "profiles:"),
        ('default_profile = "p\\u0007"\n[profiles.p]\n', "default_profile:"),
        ("[profiles.p]\nrefresh_interval = 1e999\n", "profiles.p.refresh_interval"),
        ("[profiles.p]\nrefresh_interval = 99999999999999\n", "profiles.p.refresh_interval"),
        ("[profiles.p]\nrefresh_interval = 1979-05-27\n", "profiles.p.refresh_interval"),
    ],
)
def test_control_characters_and_absurd_values_in_other_keys(write_config: WriteConfig, body: str, key: str) -> None:
    message = load_error(write_config(body))
    assert key in message
    for character in "\x00\x07\x1b\u202e":
        assert character not in message


@pytest.mark.parametrize("variable", ["CCA_PROFILE", "CCA_API_URL"], ids=["profile-from-env", "url-from-env"])
def test_control_characters_from_the_environment_are_never_echoed_raw(write_config: WriteConfig, variable: str) -> None:
    message = load_error(write_config("[profiles.p]\n"), environ={variable: "x\x1b]0;pwned\x07"})
    assert "\x1b" not in message and "\x07" not in message


# --- the key ---------------------------------------------------------------------------

NON_ASCII_KEY = "clé-ü-€-key"


@pytest.mark.parametrize("source", ["env", "api_key_env", "command", "inline"])
@pytest.mark.parametrize("bad", [NON_ASCII_KEY, "key\u00a0nbsp", "key\u200bzero-width"])
def test_key_that_cannot_go_into_a_header_is_refused_at_load(
    write_config: WriteConfig, shell_environ: dict[str, str], source: str, bad: str
) -> None:
    """httpx would raise UnicodeEncodeError at the first request; refuse at load, never quoting it."""
    body = {
        "env": "",
        "api_key_env": 'api_key_env = "K"\n',
        "command": 'api_key_command = "printf \'%s\\\\n\' \\"$K\\""\n',
        "inline": f'api_key = "{bad}"\n',
    }[source]
    environ = {**shell_environ, "K": bad, **({"CCA_API_KEY": bad} if source == "env" else {})}
    message = load_error(write_config("[profiles.p]\n" + body), environ=environ)
    assert "API key" in message and "'p'" in message
    assert bad not in message and "non-ASCII" in message


def test_blank_inline_key_is_refused(write_config: WriteConfig) -> None:
    assert "blank" in load_error(write_config('[profiles.p]\napi_key = "   "\n'))


def test_unknown_key_in_a_profile_with_control_characters_in_its_name(write_config: WriteConfig) -> None:
    message = load_error(write_config('[profiles."p\\u001b]0;x\\u0007"]\nbogus = 1\n'))
    assert "bogus" in message and "\x1b" not in message and "\x07" not in message
