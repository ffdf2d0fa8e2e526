"""The app and its tests are type-checked as `mypy --strict` would check them (issue 16):
pyproject.toml turns `strict` on for `cca_tui`, `tests`, `scripts` and `benchmarks`, which
`make check` (and so CI) runs, no module is let off any of the flags `--strict` turns on, and
every test module has a name of its own (two `conftest` modules once clashed and kept the
tests out of mypy)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from mypy.main import define_options, process_options

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ("cca_tui", "tests", "scripts", "benchmarks")


def mypy_config() -> dict[str, Any]:
    config: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    return config


def test_the_app_and_its_tests_are_checked_strictly() -> None:
    mypy = mypy_config()
    assert mypy.get("strict") is True
    assert set(CHECKED) <= set(mypy.get("files", [])), mypy.get("files")
    assert "exclude" not in mypy, "nothing of the checked folders is left out"
    _, _, strict_flags = define_options()
    strict_names = {dest for dest, _ in strict_flags} | {f"no_{dest}" for dest, _ in strict_flags}
    for override in mypy.get("overrides", []):
        relaxed = [key for key in override if key in strict_names or key == "ignore_errors"]
        assert relaxed == [], f"{override['module']} is let off {relaxed}"


def test_every_test_module_has_a_name_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """mypy names each file it checks as the project's config finds it: every test file is
    among them, under `tests.` (each folder a package), and no name is given twice."""
    monkeypatch.chdir(ROOT)
    sources, _ = process_options(["--config-file", "pyproject.toml"])
    named = {Path(source.path).resolve(): source.module for source in sources if source.path}
    assert len(set(named.values())) == len(named), "two files share a module name"
    test_files = [path for path in (ROOT / "tests").rglob("*.py") if "__snapshots__" not in path.parts]
    assert len(test_files) > 100
    for path in test_files:
        expected = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        assert named.get(path) == expected, f"{path.relative_to(ROOT)} is checked as {named.get(path)}"


def test_the_tests_pass_mypy_strict() -> None:
    """What `make check` runs, here too, so that pytest alone sees a test that is not typed.
    (It reuses mypy's cache: after `make check`, a few seconds.)"""
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "pyproject.toml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "Success: no issues found" in done.stdout
