"""Turn pydantic's ValidationError into a message an operator can act on.

Pydantic's own dump talks about "dictionary" and "model_type" and echoes
input values; operators need the file, the dotted key as they would write it
in TOML, what is wrong and how to fix it. Input values are only echoed by
our own value checks, which never see the API key.
"""

import difflib
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .file_schema import ConfigFile, ProfileConfig
from .value_checks import escape_controls

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def describe_validation_error(path: Path, error: ValidationError) -> str:
    """One message naming the file and, for each problem, the key and the fix."""
    lines = [_describe(e) for e in error.errors(include_url=False)]
    if len(lines) == 1:
        return f"Invalid config file {path}: {lines[0]}"
    return f"Invalid config file {path}:\n" + "\n".join(f"  - {line}" for line in lines)


def dotted_key(loc: tuple[Any, ...]) -> str:
    """("profiles", "my prod", "api_url") -> 'profiles."my prod".api_url', as TOML spells it."""
    return ".".join(
        str(part) if _BARE_KEY.fullmatch(str(part)) else '"' + escape_controls(str(part)).replace('"', '\\"') + '"'
        for part in loc
    )


def _describe(error: ErrorDetails) -> str:
    loc = tuple(error["loc"])
    kind = error["type"]
    key = dotted_key(loc)
    model, field = _locate(loc)

    if kind == "extra_forbidden" and model is not None:
        return f"{key}: unknown key.{_unknown_key_fix(model, field)}"
    if len(loc) == 2 and loc[0] == "profiles":
        return (
            f"{key}: expected a table of profile keys, got {_toml_type(error['input'])}. "
            f"Write profile keys under a header such as [profiles.{dotted_key(loc[1:])}]."
        )

    info = model.model_fields.get(field) if model is not None else None
    expected = f"expected {info.description}" if info is not None and info.description else ""
    if kind == "value_error":
        # Our own checks already phrase the problem and the expected form.
        return f"{key}: {error['ctx']['error']}."
    if kind.endswith("_type"):
        return f"{key}: got {_toml_type(error['input'])}; {expected}."
    if kind in ("string_too_short", "too_short"):
        return f"{key}: must not be empty; {expected}, or remove the line."
    if kind == "finite_number":
        return f"{key}: must be a finite number; {expected}."
    return f"{key}: {error['msg']}; {expected}." if expected else f"{key}: {error['msg']}."


def _locate(loc: tuple[Any, ...]) -> tuple[type[BaseModel] | None, str]:
    """The model whose field (or unknown key) ``loc`` points at, and that key."""
    if len(loc) == 1:
        return ConfigFile, str(loc[0])
    if len(loc) == 3 and loc[0] == "profiles":
        return ProfileConfig, str(loc[2])
    return None, str(loc[-1])


def _unknown_key_fix(model: type[BaseModel], key: str) -> str:
    if model is ConfigFile and key in ProfileConfig.model_fields:
        return f" {key} is a profile setting: move it under a [profiles.NAME] header, e.g. [profiles.default]."
    known = list(model.model_fields)
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else " Remove it or fix its spelling."
    return f"{hint} Valid keys here: {', '.join(known)}."


def _toml_type(value: Any) -> str:
    """Name a parsed TOML value's type the way the TOML spec does."""
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string", list: "an array", dict: "a table"}
    for python_type, name in names.items():
        if type(value) is python_type:
            return name
    return "a date/time" if hasattr(value, "isoformat") else type(value).__name__
