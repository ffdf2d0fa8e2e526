"""Where cca-tui keeps its files by default, per the platform's conventions."""

from pathlib import Path

import platformdirs

APP_NAME = "cca-tui"


def default_config_path() -> Path:
    """The config file read when ``--config`` is not given."""
    return platformdirs.user_config_path(APP_NAME) / "config.toml"


def default_state_path() -> Path:
    """The JSON file holding remembered state (last environment per profile)."""
    return platformdirs.user_state_path(APP_NAME) / "state.json"
