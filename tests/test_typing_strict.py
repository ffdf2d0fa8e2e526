"""The app is type-checked as `mypy --strict` would check it (issue 16): pyproject.toml turns
`strict` on for the `cca_tui` package, which `make check` (and so CI) runs, and no module is
let off any of the flags `--strict` turns on."""

from __future__ import annotations

import tomllib
from pathlib import Path

from mypy.main import define_options

ROOT = Path(__file__).resolve().parent.parent


def test_the_whole_package_is_checked_strictly() -> None:
    mypy = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert mypy.get("strict") is True
    assert "cca_tui" in mypy["packages"]
    _, _, strict_flags = define_options()
    strict_names = {dest for dest, _ in strict_flags} | {f"no_{dest}" for dest, _ in strict_flags}
    for override in mypy.get("overrides", []):
        relaxed = [key for key in override if key in strict_names]
        assert relaxed == [], f"{override['module']} is let off {relaxed}"
