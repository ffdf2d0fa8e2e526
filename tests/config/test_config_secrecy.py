"""The API key never appears in a repr, a str, a dump or an error message."""

import pytest

from cca_tui.config import ConfigError, load_settings
from tests.config.conftest import WriteConfig
from tests.typed import not_none


def assert_hidden(fake_key: str, *texts: str) -> None:
    for text in texts:
        assert fake_key not in text


@pytest.mark.parametrize("source", ["env", "api_key_env", "command", "inline"])
def test_settings_repr_and_str_hide_the_key(
    write_config: WriteConfig, fake_key: str, shell_environ: dict[str, str], source: str
) -> None:
    body = {
        "env": "",
        "api_key_env": 'api_key_env = "K"\n',
        "command": f'api_key_command = "echo {fake_key}"\n',
        "inline": f'api_key = "{fake_key}"\n',
    }[source]
    environ = {**shell_environ, **({"CCA_API_KEY": fake_key} if source == "env" else {}), "K": fake_key}
    settings = load_settings(config_path=write_config("[profiles.p]\n" + body), environ=environ)
    assert not_none(settings.api_key).get_secret_value() == fake_key
    assert_hidden(
        fake_key,
        repr(settings),
        str(settings),
        f"{settings}",
        settings.model_dump_json(),
        repr(settings.model_dump()),
        str(settings.api_key_source),
    )


@pytest.mark.parametrize(
    "text",
    [
        '[profiles.p]\napi_key = "{k}"\n',  # mode 0644: permission refusal
        '[profiles.p]\napi_key = "{k}"\nbogus = 1\n',  # unknown key next to it
        '[profiles.p]\napi_key = "{k}"\nrefresh_interval = 0\n',  # bad value next to it
        '[profiles.p]\napi_key = "{k}\n',  # syntax error on the key's line
        '[profiles.p]\napi_key = ["{k}"]\n',  # wrong type holding the key
        '[profiles.p]\napi_key = "{k}"\n[profiles.p]\n',  # duplicate table
    ],
)
def test_config_errors_never_contain_the_key(write_config: WriteConfig, fake_key: str, text: str) -> None:
    path = write_config(text.format(k=fake_key), mode=0o644)
    with pytest.raises(ConfigError) as exc:
        load_settings(config_path=path, environ={})
    assert_hidden(fake_key, str(exc.value), repr(exc.value))
    # Chained exceptions would show up in a traceback; we raise "from None".
    error = exc.value
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)


def test_key_problem_never_contains_the_key(
    write_config: WriteConfig, fake_key: str, shell_environ: dict[str, str]
) -> None:
    path = write_config(f'[profiles.p]\napi_key_command = "echo {fake_key}; echo {fake_key} >&2; false"\n')
    settings = load_settings(config_path=path, environ=shell_environ)
    assert_hidden(fake_key, not_none(settings.api_key_problem), repr(settings))
