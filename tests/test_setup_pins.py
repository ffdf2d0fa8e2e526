"""The setup a fresh clone runs (issue 16): `make demo` installs the app's pins only,
`make test` the same app pins plus the test tools, and every dependency is pinned."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)


def pins(name: str) -> dict[str, str]:
    text = (ROOT / "requirements" / name).read_text()
    return {_normal(package): version for package, version in PIN.findall(text)}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(extra: str | None = None) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return {_normal(re.split(r"[\s<>=!~;\[]", spec, maxsplit=1)[0]) for spec in specs}


def test_every_dependency_is_pinned_with_hashes() -> None:
    app, test = pins("app.txt"), pins("test.txt")
    assert declared() <= app.keys()
    assert declared() | declared("test") <= test.keys()
    for name in ("app.txt", "test.txt", "build.txt"):
        blocks = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / "requirements" / name).read_text())
        pinned = [block for block in blocks if PIN.match(block)]
        assert pinned and all("--hash=sha256:" in block for block in pinned), name


def test_the_demo_installs_no_test_tool_and_the_tests_run_the_demos_versions() -> None:
    app, test = pins("app.txt"), pins("test.txt")
    assert not declared("test") & app.keys()  # pytest, mypy, ruff...: not for the demo
    assert {name: test[name] for name in app} == app


def recipe(makefile: str, target: str) -> tuple[str, str]:
    """(prerequisites, commands) of a Makefile rule."""
    found = re.search(rf"^{re.escape(target)}:(.*?)\n((?:\t.*\n)*)", makefile, re.MULTILINE)
    assert found is not None, target
    return found.group(1), found.group(2)


def test_make_demo_installs_from_the_app_pins_and_make_test_from_the_test_pins() -> None:
    makefile = (ROOT / "Makefile").read_text()
    stamp = recipe(makefile, "demo")[0].split()[0]
    commands = recipe(makefile, stamp)[1]
    assert "requirements/app.txt" in commands and "requirements/test.txt" not in commands
    assert "$(VENV)/.installed" in recipe(makefile, "check")[0].split()
    assert "requirements/test.txt" in recipe(makefile, "$(VENV)/.installed")[1]
