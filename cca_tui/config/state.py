"""Remembered state between runs: the last environment used per profile.

State is a convenience, so it must never stop the app: a missing, corrupt
or unreadable file reads as empty, and a failed write is logged and dropped.
Writes go to a temporary file that replaces the old one, so a crash mid-write
leaves either the old state or the new, never half of each.
"""

import json
import logging
import os
import stat
from pathlib import Path
from typing import Any

from cca_tui.fleet.scope import ALL

from .environment_ref import parse_environment_ref
from .paths import default_state_path
from .private_files import replace_private_json

log = logging.getLogger(__name__)

_LAST_ENVIRONMENT = "last_environment"  # {"last_environment": {"prod": "compute-on/test_area"}}


MAX_STATE_BYTES = 1024 * 1024


def _read_small_regular_file(path: Path) -> bytes:
    """The file's bytes; OSError for anything but a regular file of at most MAX_STATE_BYTES.

    Opened non-blocking and checked on the descriptor: a FIFO or a device planted at the
    state path must not hang or flood the app at startup.
    """
    flags = os.O_RDONLY
    for name in ("O_NONBLOCK", "O_NOCTTY", "O_CLOEXEC"):
        flags |= getattr(os, name, 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{path} is not a regular file")
        data = os.read(fd, MAX_STATE_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_STATE_BYTES:
        raise OSError(f"{path} is larger than {MAX_STATE_BYTES} bytes")
    return data


class StateStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_state_path()

    def last_environment(self, profile: str) -> str | None:
        """The environment last used with ``profile``, if one was remembered and still parses
        (ALL: the fleet of every environment)."""
        value = self._read().get(_LAST_ENVIRONMENT, {}).get(profile)
        if not isinstance(value, str):
            return None
        if value == ALL:
            return ALL
        try:
            parse_environment_ref(value)
        except ValueError:
            return None
        return value

    def remember_environment(self, profile: str, environment: str) -> None:
        """Remember ``environment`` ("SERVICE_CODE/ENV_NAME", or ALL) for ``profile``.

        A name that cannot be written as a reference (a space, a "/", a control
        character: server names can hold anything) is not remembered, and that is
        all: remembering is a convenience, never a reason to stop the app.
        """
        try:
            if environment != ALL:
                parse_environment_ref(environment)
        except ValueError:
            log.info("not remembering environment %r: it cannot be written as SERVICE_CODE/ENV_NAME", environment)
            return
        state = self._read()
        state.setdefault(_LAST_ENVIRONMENT, {})[profile] = environment
        self._write(state)

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(_read_small_regular_file(self.path).decode("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, RecursionError) as e:  # ValueError covers bad JSON and bad UTF-8
            log.warning("ignoring unreadable state file %s: %s", self.path, e)
            return {}
        # Only keep the shape we understand; anything else is treated as no state.
        if not isinstance(data, dict) or not isinstance(data.get(_LAST_ENVIRONMENT, {}), dict):
            log.warning("ignoring state file %s with unexpected content", self.path)
            return {}
        return data

    def _write(self, state: dict[str, Any]) -> None:
        try:
            replace_private_json(self.path, state)
        except OSError as e:
            log.warning("could not save state to %s: %s", self.path, e)
