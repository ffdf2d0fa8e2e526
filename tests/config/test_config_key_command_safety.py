"""A failing api_key_command never shows the key, nor anything key-like, and cannot flood us.

The quoted stderr line is shown on screen: whatever the command printed on stdout (the
key, wherever it is) and any token that does not read as words, numbers or a path (long or
short, dotted, letters only) are replaced by ***, and control characters are shown as escapes.
"""

from __future__ import annotations

import time

import pytest

from cca_tui.config import key_command, load_settings
from cca_tui.config.key_command import scrub_key_like
from tests.config.conftest import WriteConfig
from tests.typed import not_none

OTHER_KEY = "Zx81Qm07Lp22Rt96Yv45Nb13Kc"  # no relation to stdout: only "key-like"


def problem_for(write_config: WriteConfig, shell_environ: dict[str, str], command: str) -> str:
    path = write_config("[profiles.p]\napi_key_command = " + _toml_string(command) + "\n")
    settings = load_settings(config_path=path, environ=shell_environ)
    assert settings.api_key is None
    return not_none(settings.api_key_problem)


def _toml_string(text: str) -> str:
    return "'''" + text + "'''"


def test_key_on_a_later_stdout_line_echoed_on_stderr(
    write_config: WriteConfig, shell_environ: dict[str, str], fake_key: str
) -> None:
    problem = problem_for(
        write_config, shell_environ, f"echo header; echo {fake_key}; echo 'gpg: bad {fake_key} here' >&2; exit 2"
    )
    assert "exit code 2" in problem and "gpg: bad" in problem and fake_key not in problem


def test_part_of_a_stdout_line_echoed_on_stderr(write_config: WriteConfig, shell_environ: dict[str, str]) -> None:
    problem = problem_for(
        write_config, shell_environ, "echo 'token: s3cr3tpass'; echo 'rejected s3cr3tpass' >&2; exit 1"
    )
    assert "s3cr3tpass" not in problem and "rejected ***" in problem


def test_key_like_token_on_stderr_without_stdout(write_config: WriteConfig, shell_environ: dict[str, str]) -> None:
    problem = problem_for(write_config, shell_environ, f"echo 'error: key {OTHER_KEY} expired' >&2; exit 3")
    assert OTHER_KEY not in problem and "error: key *** expired" in problem


def test_ordinary_error_text_is_kept(write_config: WriteConfig, shell_environ: dict[str, str]) -> None:
    line = "gpg: decryption failed: No secret key (/home/op/.password-store/cloudca/prod.gpg)"
    problem = problem_for(write_config, shell_environ, f"echo '{line}' >&2; exit 2")
    assert line in problem


def test_control_characters_on_stderr_are_escaped(write_config: WriteConfig, shell_environ: dict[str, str]) -> None:
    problem = problem_for(write_config, shell_environ, r"printf 'oops \033]0;pwned\007 \033[2J\n' >&2; exit 1")
    assert "\x1b" not in problem and "\x07" not in problem
    assert "\\x1b]0;pwned\\x07" in problem


@pytest.mark.parametrize("stream", ["", ">&2"])
def test_endless_output_is_stopped_quickly(
    write_config: WriteConfig, shell_environ: dict[str, str], monkeypatch: pytest.MonkeyPatch, stream: str
) -> None:
    """`yes` would fill memory until the timeout; the cap stops it at once."""
    monkeypatch.setattr(key_command, "KEY_COMMAND_TIMEOUT_SECONDS", 60)
    started = time.monotonic()
    problem = problem_for(write_config, shell_environ, f"yes {stream}")
    assert "printed more than" in problem
    assert time.monotonic() - started < 30


@pytest.mark.parametrize(
    "text, expected",
    [
        ("plain words only", "plain words only"),
        ("uuid 3f2c1e9a-7b4d-4c8e-9a1f-0d2b6e5c4a7f ok", "uuid *** ok"),
        ("base dGhpc2lzYXNlY3JldGtleTEyMw== end", "base *** end"),
        ("a long-word-without-any-digits-at-all stays", "a long-word-without-any-digits-at-all stays"),
        ("short ab12 is masked", "short *** is masked"),
        ("dotted sk.live.abcdefghijk masked", "dotted *** masked"),
        ("letters QwErTyUiOp masked", "letters *** masked"),
        ("letters abcdefghijklmnopqrstuvwxyz masked", "letters *** masked"),
        ("password: hunter and token=abc", "password: *** and token=***"),
        ("sh: 1: nosuchcmd: not found", "sh: 1: nosuchcmd: not found"),
    ],
)
def test_scrub_key_like(text: str, expected: str) -> None:
    assert scrub_key_like(text) == expected


@pytest.mark.parametrize(
    "secret",
    ["sk.live.abcdefghijklmnop", "QwErTyUiOpAsDfGh", "zq9x", "abcdefghijklmnopqrstuvwxyz"],
    ids=["dotted", "letters-mixed-case", "short", "letters-long"],
)
def test_a_failing_key_command_shows_no_secret_of_any_shape(
    write_config: WriteConfig, shell_environ: dict[str, str], secret: str
) -> None:
    """Only the first stderr line, with whatever looks like a secret masked, even when stdout
    printed nothing to compare it with."""
    command = f"echo 'vault: denied for {secret} (retry)' >&2; echo 'second line {secret}' >&2; exit 4"
    problem = problem_for(write_config, shell_environ, command)
    assert secret not in problem and "second line" not in problem
    assert "exit code 4" in problem and "vault: denied for *** (retry)" in problem
