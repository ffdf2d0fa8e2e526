"""The client, the simulator and the configuration are type-checked as `mypy --strict` would
check them (issue 16): every flag `--strict` turns on is on for their modules in pyproject.toml,
which `make check` (and so CI) runs."""

from __future__ import annotations

import tomllib
from pathlib import Path

from mypy.main import define_options

ROOT = Path(__file__).resolve().parent.parent
STRICT_PACKAGES = ("cca_tui.api", "cca_tui.sim", "cca_tui.config")


def test_every_strict_flag_is_on_for_the_api_the_simulator_and_the_config() -> None:
    mypy = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    _, _, strict_flags = define_options()
    for package in STRICT_PACKAGES:
        settings = {key: value for key, value in mypy.items() if key != "overrides"}
        for override in mypy.get("overrides", []):
            modules = override["module"] if isinstance(override["module"], list) else [override["module"]]
            if f"{package}.*" in modules or package in modules:
                settings.update(override)
        # A flag that turns something off may be written as its `no_` form (no_implicit_reexport).
        missing = [
            dest
            for dest, value in strict_flags
            if settings.get(dest) != value and settings.get(f"no_{dest}") != (not value)
        ]
        assert missing == [], f"{package}: {missing}"
    assert "cca_tui" in mypy["packages"]  # and `make check` type-checks the package
