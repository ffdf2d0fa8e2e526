"""Bad input on the command line, in the environment or in the config file ends in one
line on stderr and exit status 2: never a traceback, never a hang, never a raw escape."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from cca_tui.cli import main

KEY_SHAPED = "Sim9Key4Abc7Def1Ghi8"


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str], timeout: float = 20) -> tuple[int, str]:
    """main(argv) in a daemon thread, so a hang fails the test instead of stalling it."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(main(argv))
        except SystemExit as e:  # argparse errors
            outcome.append(e.code)
        except BaseException as e:  # noqa: BLE001 - the test reports whatever came out
            outcome.append(e)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert outcome, f"cca-tui {argv} still running after {timeout} s"
    err = capsys.readouterr().err
    assert isinstance(outcome[0], int), outcome[0]
    return outcome[0], err


def assert_one_clean_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    assert all(ch.isprintable() for ch in lines[0]), lines[0]
    return lines[0]


def config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return str(path)


@pytest.mark.parametrize(
    "body, expected",
    [
        ('[profiles.p]\napi_url = "https://a\\u0000b/v1"\n', "control characters"),
        ('[profiles.p]\napi_url = "https://api.example:99999/v1"\n', "invalid port"),
        ('[profiles.p]\napi_url = "https://api example/v1"\n', "spaces"),
        ('[profiles.p]\napi_url = "http://api.example/v1"\n', "allow_insecure_http"),
        ("a = " + "[" * 3000 + "]" * 3000 + "\n", "too deeply"),
        ('[profiles.p]\ndefault_environment = "svc/e\\u001b[2J"\n', "default_environment"),
    ],
    ids=["nul-in-url", "bad-port", "space-in-url", "plain-http", "deep-toml", "control-in-env"],
)
def test_bad_config_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, expected: str) -> None:
    code, err = run_cli(["--config", config(tmp_path, body)], capsys)
    assert code == 2
    assert expected in assert_one_clean_line(err)


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/tty", "/dev/stdin"])
def test_config_that_is_a_device(capsys: pytest.CaptureFixture[str], path: str) -> None:
    if not os.path.exists(path):
        pytest.skip(f"{path} does not exist here")
    code, err = run_cli(["--config", path], capsys)
    assert code == 2 and "regular file" in assert_one_clean_line(err)


def test_config_that_is_a_fifo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    code, err = run_cli(["--config", str(fifo)], capsys)
    assert code == 2 and "named pipe" in assert_one_clean_line(err)


def test_config_path_with_escape_sequences_is_shown_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_cli(["--config", str(tmp_path / "x\x1b]0;pwned\x07.toml")], capsys)
    assert code == 2 and "\\x1b]0;pwned\\x07" in assert_one_clean_line(err)


@pytest.mark.parametrize("key", ["clé-non-ascii", "key with space", "k\x1b[2J"])
def test_key_that_cannot_be_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.setenv("CCA_API_KEY", key)
    code, err = run_cli(["--config", config(tmp_path, "[profiles.p]\n")], capsys)
    assert code == 2
    line = assert_one_clean_line(err)
    assert "CCA_API_KEY" in line and key not in line


@pytest.mark.parametrize(
    "argv, flag",
    [
        (["--env", "svc/env\x1b]0;pwned\x07"], "--env"),
        (["--env", "svc/\u202eenv"], "--env"),
        (["--env", ""], "--env"),
        (["--refresh", "inf"], "--refresh"),
        (["--refresh", "nan"], "--refresh"),
        (["--refresh", "1e300"], "--refresh"),
        # Settings the demo does not use: said, not ignored.
        (["--config", "cca.toml"], "--config"),
        (["--profile", "prod"], "--profile"),
        (["--api-url", "http://127.0.0.1:9/v1"], "--api-url"),
    ],
)
def test_bad_flags_in_demo_mode(capsys: pytest.CaptureFixture[str], argv: list[str], flag: str) -> None:
    code, err = run_cli(["--demo", *argv], capsys)
    assert code == 2 and assert_one_clean_line(err).startswith(f"cca-tui: {flag}")


@pytest.mark.parametrize("url", ["https://a\x00b/v1", "https://a:65536/v1", "https://a b/v1", "http://10.1.2.3/v1"])
def test_bad_api_url_flag_and_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    path = config(tmp_path, "[profiles.p]\n")
    code, err = run_cli(["--config", path, "--api-url", url], capsys)
    assert code == 2 and "--api-url" in assert_one_clean_line(err)
    if "\x00" in url:
        return  # an environment variable cannot hold a NUL byte
    monkeypatch.setenv("CCA_API_URL", url)
    code, err = run_cli(["--config", path], capsys)
    assert code == 2 and "CCA_API_URL" in assert_one_clean_line(err)


def test_profile_with_escape_sequences_from_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CCA_PROFILE", "x\x1b]0;pwned\x07")
    code, err = run_cli(["--config", config(tmp_path, "[profiles.p]\n")], capsys)
    assert code == 2 and "\\x1b" in assert_one_clean_line(err)


# --- cca-tui sim ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, flag",
    [
        (["--port", "99999"], "--port"),
        (["--port", "-1"], "--port"),
        (["--port", "http"], "--port"),
        (["--host", "0.0.0.0"], "--host"),
        (["--host", ""], "--host"),
        (["--host", "a\x00b"], "--host"),
        (["--latency", "inf"], "--latency"),
        (["--task-delay", "nan"], "--task-delay"),
        (["--error-rate", "nan"], "--error-rate"),
        (["--instances", "1000000000"], "--instances"),
        (["--seed", "x"], "--seed"),
    ],
)
def test_bad_sim_flags(capsys: pytest.CaptureFixture[str], argv: list[str], flag: str) -> None:
    code, err = run_cli(["sim", *argv], capsys)
    assert code == 2 and "Traceback" not in err
    assert flag in err.strip().splitlines()[-1]


@pytest.mark.parametrize("argv", [["--api-key", KEY_SHAPED], [f"--api-key={KEY_SHAPED}"], ["--api-k", KEY_SHAPED]])
def test_sim_refuses_a_key_on_the_command_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, err = run_cli(["sim", "--port", "0", *argv], capsys)
    assert code == 2 and "Traceback" not in err
    assert "CCA_SIM_API_KEY" in err.strip().splitlines()[-1] and KEY_SHAPED not in err


@pytest.mark.parametrize("key", ["clé", "two words", "k\x1b[2J"])
def test_sim_refuses_an_unusable_key_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.setenv("CCA_SIM_API_KEY", key)
    code, err = run_cli(["sim", "--port", "0"], capsys)
    assert code == 2 and "CCA_SIM_API_KEY" in assert_one_clean_line(err).replace("cca-tui sim: ", "")
    assert key not in err


def test_config_path_too_long_or_looping(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    loop = tmp_path / "loop.toml"
    loop.symlink_to(loop)
    for path in (str(tmp_path / ("x" * 5000)), str(loop)):
        code, err = run_cli(["--config", path], capsys)
        assert code == 2 and "Cannot read config file" in assert_one_clean_line(err)


def test_config_under_an_unknown_users_home(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_cli(["--config", "~nosuchuser-cca/x.toml"], capsys)
    assert code == 2 and "Traceback" not in err
    assert "~nosuchuser-cca" in assert_one_clean_line(err)


def test_sim_on_a_port_in_use_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, err = run_cli(["sim", "--host", "127.0.0.1", "--port", str(port)], capsys)
    assert code == 2 and "Traceback" not in err
    assert f"cannot listen on 127.0.0.1:{port}" in assert_one_clean_line(err)
