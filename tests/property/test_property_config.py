"""Arbitrary text and bytes to the config loader: Settings or ConfigError, never anything else.

api_key_command is replaced by a fake here: generated config must never run a shell command.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cca_tui.config import ConfigError, Settings, StateStore, load_settings, parse_environment_ref
from cca_tui.config import api_key as api_key_module
from cca_tui.config.file_schema import ConfigFile, ProfileConfig
from cca_tui.config.key_command import KeyCommandError
from cca_tui.config.value_checks import check_api_url

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("property-config")


@pytest.fixture(autouse=True)
def no_shell(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The key command's output is its own text: exercise the checks, run nothing."""

    def fake(command: str, *, environ: Any, timeout: float | None = None) -> str:
        if command.startswith("fail"):
            raise KeyCommandError(f"failed with exit code 1: {command[:20]}")
        return command.strip().splitlines()[0] if command.strip() else ""

    monkeypatch.setattr(api_key_module, "run_key_command", fake)
    yield


def assert_settings_or_config_error(path: Path, **kwargs: Any) -> None:
    try:
        result = load_settings(config_path=path, **kwargs)
    except ConfigError as error:
        message = str(error)
        assert message
        assert "\x1b" not in message and "\x00" not in message and "\x9b" not in message
        return
    assert isinstance(result, Settings)
    result.transport_warning  # noqa: B018 - must not raise either
    if result.api_key is not None:
        key = result.api_key.get_secret_value()
        assert key and all(" " < ch <= "~" for ch in key)  # sendable as an HTTP header


def write(path: Path, data: bytes, mode: int = 0o600) -> Path:
    path.write_bytes(data)
    os.chmod(path, mode)
    return path


# --- raw text and bytes ------------------------------------------------------------------

TOML_ISH = st.text(
    alphabet=st.sampled_from([*"[]{}=\"'\\.,#\n\t :-+_0123456789abcdefinprstuxyz", "\x00", "\x1b", "é"]),
    max_size=80,
)


@PROPERTY_SETTINGS
@given(text=st.text(max_size=200) | TOML_ISH)
def test_arbitrary_text(workdir: Path, text: str) -> None:
    assert_settings_or_config_error(write(workdir / "text.toml", text.encode("utf-8", "surrogatepass")), environ={})


@PROPERTY_SETTINGS
@given(data=st.binary(max_size=200), mode=st.sampled_from([0o600, 0o644]))
def test_arbitrary_bytes(workdir: Path, data: bytes, mode: int) -> None:
    assert_settings_or_config_error(write(workdir / "bytes.toml", data, mode), environ={})


# --- well-formed TOML with arbitrary values ------------------------------------------------


def toml_value(value: Any) -> str:
    """A TOML literal for value (strings via JSON escaping, which TOML basic strings share)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=True)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


STRINGS = st.text(max_size=30) | st.sampled_from(
    [
        "https://api.cloud.ca/v1",
        "http://127.0.0.1:8080/v1",
        "http://api.example/v1",
        "https://a:99999/v1",
        "svc/env",
        "svc/two words",
        "KEY_VAR",
        "$KEY",
        "fail now",
        "echo k",
        "clé",
        "k\x1b[2J",
        "   ",
        "",
    ]
)
VALUES = st.recursive(
    st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.floats() | STRINGS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=2),
    max_leaves=5,
)
# Per key, values of about the right type (so some files load) or anything at all.
PROFILE_VALUES = {
    key: (
        st.booleans()
        if info.annotation is bool
        else st.floats() | st.integers()
        if key == "refresh_interval"
        else STRINGS
    )
    | VALUES
    for key, info in ProfileConfig.model_fields.items()
}
PROFILE_TABLE = st.fixed_dictionaries({}, optional=PROFILE_VALUES) | st.dictionaries(
    st.sampled_from([*PROFILE_VALUES, "bogus"]), VALUES, max_size=4
)
PROFILES = st.dictionaries(
    st.sampled_from(["p", "prod", "my prod", "", "x\x1b", "default"]) | st.text(max_size=6), PROFILE_TABLE, max_size=3
)


def toml_document(top: dict[str, Any], profiles: dict[str, dict[str, Any]]) -> str:
    lines = [f"{key} = {toml_value(value)}" for key, value in top.items()]
    for name, table in profiles.items():
        lines.append(f"[profiles.{json.dumps(name)}]")
        lines += [f"{key} = {toml_value(value)}" for key, value in table.items()]
    return "\n".join(lines) + "\n"


@PROPERTY_SETTINGS
@given(
    top=st.dictionaries(st.sampled_from([*ConfigFile.model_fields, "api_url"]), VALUES, max_size=2).filter(
        lambda top: "profiles" not in top
    ),
    profiles=PROFILES,
    flag_profile=st.none() | st.sampled_from(["p", "prod", "nope"]) | st.text(max_size=5),
    flag_url=st.none() | STRINGS,
    flag_refresh=st.none() | st.floats() | st.integers(min_value=-5, max_value=10**6),
    environ=st.dictionaries(
        st.sampled_from(["CCA_API_KEY", "CCA_PROFILE", "CCA_API_URL", "KEY_VAR"]),
        STRINGS.filter(lambda text: "\x00" not in text),
        max_size=3,
    ),
    mode=st.sampled_from([0o600, 0o644]),
)
def test_structured_config_with_arbitrary_values(
    workdir: Path,
    top: dict[str, Any],
    profiles: dict[str, dict[str, Any]],
    flag_profile: str | None,
    flag_url: str | None,
    flag_refresh: float | None,
    environ: dict[str, str],
    mode: int,
) -> None:
    text = toml_document(top, profiles)
    path = write(workdir / "structured.toml", text.encode("utf-8", "surrogatepass"), mode)
    assert_settings_or_config_error(
        path, profile=flag_profile, api_url=flag_url, refresh_interval=flag_refresh, environ=environ
    )


# --- the other entry points of the config package ------------------------------------


@PROPERTY_SETTINGS
@given(text=STRINGS | st.text())
def test_parse_environment_ref(text: str) -> None:
    try:
        service, name = parse_environment_ref(text)
    except ValueError:
        return
    assert f"{service}/{name}" == text and text.isprintable()


@PROPERTY_SETTINGS
@given(text=STRINGS | st.text() | st.builds(lambda host, rest: f"https://{host}{rest}", st.text(), st.text()))
def test_check_api_url(text: str) -> None:
    try:
        url = check_api_url(text)
    except ValueError as error:
        assert str(error)
        return
    assert url.lower().startswith(("http://", "https://")) and url.isprintable() and " " not in url


@PROPERTY_SETTINGS
@given(data=st.binary(max_size=100) | st.text(max_size=100).map(str.encode), profile=st.text(max_size=8))
def test_state_file_with_arbitrary_content(workdir: Path, data: bytes, profile: str) -> None:
    path = workdir / "state.json"
    path.write_bytes(data)
    store = StateStore(path)
    remembered = store.last_environment(profile)
    assert remembered is None or parse_environment_ref(remembered)
    store.remember_environment(profile, "svc/env")
    assert StateStore(path).last_environment(profile) == "svc/env"
