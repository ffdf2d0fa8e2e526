"""Each API key source, its precedence, and the inline-key permission check."""

import pytest

from cca_tui.config import ConfigError, key_command, load_settings
from tests.config.conftest import WriteConfig
from tests.typed import not_none


def profile(body: str) -> str:
    return "[profiles.prod]\n" + body


def test_api_key_env_names_the_variable(write_config: WriteConfig, fake_key: str) -> None:
    path = write_config(profile('api_key_env = "PROD_KEY"\n'))
    settings = load_settings(config_path=path, environ={"PROD_KEY": f"  {fake_key}\n"})
    assert not_none(settings.api_key).get_secret_value() == fake_key
    assert settings.api_key_source == "api_key_env (PROD_KEY)"
    assert settings.api_key_problem is None


def test_api_key_env_beats_command_and_inline(write_config: WriteConfig, shell_environ: dict[str, str]) -> None:
    path = write_config(profile('api_key_env = "PROD_KEY"\napi_key_command = "echo cmd"\napi_key = "inline"\n'))
    settings = load_settings(config_path=path, environ={**shell_environ, "PROD_KEY": "env"})
    assert not_none(settings.api_key).get_secret_value() == "env"


def test_unset_api_key_env_falls_through_to_command(write_config: WriteConfig, shell_environ: dict[str, str]) -> None:
    path = write_config(profile('api_key_env = "PROD_KEY"\napi_key_command = "echo cmd"\n'))
    settings = load_settings(config_path=path, environ=shell_environ)
    assert not_none(settings.api_key).get_secret_value() == "cmd"
    assert settings.api_key_source == "api_key_command"


def test_api_key_command_output_is_stripped(
    write_config: WriteConfig, fake_key: str, shell_environ: dict[str, str]
) -> None:
    path = write_config(profile(f"api_key_command = \"printf '  {fake_key}\\\\n\\\\n'\"\n"))
    settings = load_settings(config_path=path, environ=shell_environ)
    assert not_none(settings.api_key).get_secret_value() == fake_key


def test_api_key_command_sees_the_given_environ(write_config: WriteConfig, shell_environ: dict[str, str]) -> None:
    path = write_config(profile('api_key_command = "echo $SECRET_STORE_ITEM"\n'))
    settings = load_settings(config_path=path, environ={**shell_environ, "SECRET_STORE_ITEM": "abc"})
    assert not_none(settings.api_key).get_secret_value() == "abc"


def test_api_key_command_beats_inline(write_config: WriteConfig, shell_environ: dict[str, str]) -> None:
    path = write_config(profile('api_key_command = "echo cmd"\napi_key = "inline"\n'))
    assert not_none(load_settings(config_path=path, environ=shell_environ).api_key).get_secret_value() == "cmd"


def test_failing_command_reports_exit_code_and_first_stderr_line(
    write_config: WriteConfig, fake_key: str, shell_environ: dict[str, str]
) -> None:
    command = f"echo {fake_key}; echo; echo 'gpg: decryption failed' >&2; echo more >&2; exit 2"
    path = write_config(profile(f'api_key_command = "{command}"\napi_key = "inline"\n'))
    settings = load_settings(config_path=path, environ=shell_environ)
    # A configured command that fails is reported, not papered over with the inline key.
    assert settings.api_key is None and settings.api_key_source is None
    problem = not_none(settings.api_key_problem)
    assert "exit code 2" in problem and "gpg: decryption failed" in problem
    assert "more" not in problem and "'prod'" in problem and str(path) in problem
    assert fake_key not in problem


def test_command_echoing_key_on_stderr_is_scrubbed(
    write_config: WriteConfig, fake_key: str, shell_environ: dict[str, str]
) -> None:
    command = f"echo {fake_key}; echo got {fake_key} >&2; exit 1"
    path = write_config(profile(f'api_key_command = "{command}"\n'))
    problem = not_none(load_settings(config_path=path, environ=shell_environ).api_key_problem)
    assert "exit code 1" in problem and fake_key not in problem


def test_missing_command_reports_127(write_config: WriteConfig, shell_environ: dict[str, str]) -> None:
    path = write_config(profile('api_key_command = "no-such-password-manager show x"\n'))
    problem = not_none(load_settings(config_path=path, environ=shell_environ).api_key_problem)
    assert "exit code 127" in problem and "not found" in problem


def test_command_printing_nothing_is_a_problem(write_config: WriteConfig, shell_environ: dict[str, str]) -> None:
    path = write_config(profile('api_key_command = "true"\n'))
    assert "printed nothing" in not_none(load_settings(config_path=path, environ=shell_environ).api_key_problem)


def test_command_timeout(
    write_config: WriteConfig, shell_environ: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(key_command, "KEY_COMMAND_TIMEOUT_SECONDS", 0.3)
    path = write_config(profile('api_key_command = "sleep 5; echo late"\n'))
    settings = load_settings(config_path=path, environ=shell_environ)
    assert settings.api_key is None
    assert "timed out after 0.3 s" in not_none(settings.api_key_problem)


def test_default_timeout_is_ten_seconds() -> None:
    assert key_command.KEY_COMMAND_TIMEOUT_SECONDS == 10


def test_inline_key_accepted_at_0600(write_config: WriteConfig, fake_key: str) -> None:
    path = write_config(profile(f'api_key = "{fake_key}"\n'), mode=0o600)
    settings = load_settings(config_path=path, environ={})
    assert not_none(settings.api_key).get_secret_value() == fake_key
    assert settings.api_key_source == "inline api_key"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620])
def test_inline_key_refused_when_others_can_access_file(write_config: WriteConfig, fake_key: str, mode: int) -> None:
    path = write_config(profile(f'api_key = "{fake_key}"\n'), mode=mode)
    with pytest.raises(ConfigError) as exc:
        load_settings(config_path=path, environ={})
    message = str(exc.value)
    assert f"chmod 600 {path}" in message and "api_key" in message
    assert fake_key not in message


def test_inline_key_in_another_profile_still_refused(write_config: WriteConfig) -> None:
    # The exposure is the file's, whichever profile is selected today.
    path = write_config('[profiles.a]\n[profiles.b]\napi_key = "k"\n', mode=0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_settings(config_path=path, profile="a", environ={"CCA_API_KEY": "x"})


def test_world_readable_file_without_inline_key_is_fine(write_config: WriteConfig) -> None:
    path = write_config(profile('api_key_env = "K"\n'), mode=0o644)
    assert load_settings(config_path=path, environ={"K": "v"}).api_key_source == "api_key_env (K)"


def test_no_key_problem_says_what_was_tried_and_how_to_fix(write_config: WriteConfig) -> None:
    path = write_config(profile('api_key_env = "PROD_KEY"\n'))
    settings = load_settings(config_path=path, environ={})
    problem = not_none(settings.api_key_problem)
    assert settings.api_key is None
    assert "CCA_API_KEY" in problem and "PROD_KEY" in problem
    assert "api_key_command" in problem and "'prod'" in problem and str(path) in problem


def test_api_key_command_key_is_its_first_line(
    write_config: WriteConfig, fake_key: str, shell_environ: dict[str, str]
) -> None:
    """`pass show` prints the secret, then metadata lines: only the first line is the key."""
    path = write_config(profile(f"api_key_command = \"printf '{fake_key}\\\\nurl: example.com\\\\n'\"\n"))
    settings = load_settings(config_path=path, environ=shell_environ)
    assert not_none(settings.api_key).get_secret_value() == fake_key


@pytest.mark.parametrize("bad", ["two words", "tab\there", "bell\x07"])
def test_key_with_inner_whitespace_or_control_is_refused_without_quoting_it(bad: str) -> None:
    with pytest.raises(ConfigError) as exc:
        load_settings(environ={"CCA_API_KEY": bad})
    assert "CCA_API_KEY" in str(exc.value)
    assert bad not in str(exc.value)
