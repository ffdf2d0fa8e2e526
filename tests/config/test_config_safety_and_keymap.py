"""The profile's `confirm` and `protected_environments`, and the file's `[keymap]`."""

import pytest

from cca_tui.config import ConfigError, load_settings
from cca_tui.config.value_checks import CONFIRMABLE_ACTIONS
from tests.config.conftest import WriteConfig


def test_defaults_ask_for_stop_reboot_and_password_and_protect_nothing() -> None:
    settings = load_settings(environ={})
    assert settings.confirm == ("stop", "reboot", "resetPassword")
    assert settings.protected_environments == ()
    assert settings.keymap == {}


def test_profile_relaxes_tightens_and_protects(write_config: WriteConfig) -> None:
    path = write_config(
        """
[profiles.default]
confirm = ["start", "stop", "reboot", "recover"]
protected_environments = ["production*", "compute-qc/dr-?ite"]
[keymap]
stop = "X"
cursor_down = "down,j"
"""
    )
    settings = load_settings(config_path=path, environ={})
    assert settings.confirm == ("start", "stop", "reboot", "recover")
    assert settings.protected_environments == ("production*", "compute-qc/dr-?ite")
    assert settings.keymap == {"stop": "X", "cursor_down": "down,j"}
    relaxed = write_config("[profiles.default]\nconfirm = []\n")
    assert load_settings(config_path=relaxed, environ={}).confirm == ()


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('confirm = ["halt"]', "unknown action 'halt'"),
        ('confirm = ["stop", "stop"]', "twice"),
        ('confirm = "stop"', "confirm"),
        ('protected_environments = [""]', "must not be empty"),
        ('protected_environments = ["prod\\u001b[2J"]', "control characters"),
        ('protected_environments = "production"', "protected_environments"),
    ],
)
def test_bad_safety_values_are_refused_with_the_reason(write_config: WriteConfig, text: str, said: str) -> None:
    path = write_config(f"[profiles.default]\n{text}\n")
    with pytest.raises(ConfigError) as error:
        load_settings(config_path=path, environ={})
    assert said in str(error.value)
    assert "\x1b" not in str(error.value)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('"bad id!" = "x"', "binding ids"),
        ('stop = ""', "key names"),
        ('stop = "ctrl+\\u001b"', "key names"),
        ("stop = 5", "keymap"),
    ],
)
def test_bad_keymap_entries_are_refused(write_config: WriteConfig, text: str, said: str) -> None:
    path = write_config(f"[keymap]\n{text}\n")
    with pytest.raises(ConfigError) as error:
        load_settings(config_path=path, environ={})
    assert said in str(error.value)
    assert "\x1b" not in str(error.value)


def test_confirmable_actions_are_the_operations_sent_without_a_form() -> None:
    from cca_tui.ui.actions import ACTIONS, Operation

    assert set(CONFIRMABLE_ACTIONS) == {spec.action.value for spec in ACTIONS if isinstance(spec.run, Operation)}
