"""The package's public surface, and its promise not to pull in the UI toolkit."""

import subprocess
import sys

import cca_tui.config as config


def test_public_interface() -> None:
    assert set(config.__all__) == {
        "ConfigError",
        "Settings",
        "StateStore",
        "default_config_path",
        "load_settings",
        "parse_environment_ref",
    }


def test_does_not_import_textual() -> None:
    # A fresh interpreter: this test process may already have textual loaded.
    code = "import sys, cca_tui.config; sys.exit('textual' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
