"""Configuration for cca-tui: the config file, profiles, API keys, remembered state.

This package must not import textual: the CLI loads settings (and reports
ConfigError) before any UI exists.
"""

from .environment_ref import parse_environment_ref
from .errors import ConfigError
from .paths import default_config_path
from .settings import Settings, load_settings
from .state import StateStore

__all__ = [
    "ConfigError",
    "Settings",
    "StateStore",
    "default_config_path",
    "load_settings",
    "parse_environment_ref",
]
