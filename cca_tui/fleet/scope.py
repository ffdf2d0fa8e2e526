"""Which environments one table shows: `--env all`, a glob, or one environment.

`--env compute-on/prod*` opens every environment whose `SERVICE_CODE/NAME` matches the glob
(fnmatch rules, case-sensitive); `--env all` opens every environment the key can see.
"""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase

from cca_tui.fleet.identity import EnvironmentRef

ALL = "all"
_GLOB_CHARACTERS = frozenset("*?[")


def is_pattern(text: str) -> bool:
    """`all` or a glob: environments to find on the server, not one to open by name."""
    return text == ALL or any(character in _GLOB_CHARACTERS for character in text)


def matching_environments(environments: Iterable[EnvironmentRef], pattern: str) -> list[EnvironmentRef]:
    """The environments `pattern` names, in their order (duplicates once)."""
    chosen = [env for env in environments if pattern == ALL or fnmatchcase(str(env), pattern)]
    return list(dict.fromkeys(chosen))
