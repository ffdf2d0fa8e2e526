"""The request log: one line per HTTP exchange, in a private, rotated file of the log dir.

    2026-12-01 12:40:03,117 INFO GET /services/compute-on/production/instances?page=1 200 0.084s 51234B

Time, method, path (with the query), status, duration and reply size; with `--debug`, also
the names (never the values) of the fields a mutation sent. Never a header (the API key is
one) and never a body. Enough to diagnose a slow or failing run after the fact.
"""

from __future__ import annotations

import logging
import os
from logging.handlers import RotatingFileHandler
from pathlib import Path

import platformdirs

from cca_tui.config.private_files import ensure_private_dir

LOGGER = "cca_tui.requests"
MAX_BYTES = 2 * 1024 * 1024
BACKUPS = 3


def request_log_path() -> Path:
    return platformdirs.user_log_path("cca-tui") / "requests.log"


class PrivateRotatingFileHandler(RotatingFileHandler):
    """A RotatingFileHandler whose files (the first and every rotated one) are 0600."""

    def _open(self):  # type: ignore[no-untyped-def,unused-ignore]
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.chmod(self.baseFilename, 0o600)  # an older file may have been left wider
        return os.fdopen(fd, self.mode.replace("w", "a"), encoding=self.encoding, errors=self.errors)


def start_request_log(path: Path | None = None, *, debug: bool = False) -> Path | None:
    """Send the request logger to its file; the path, or None when it cannot be written."""
    path = path or request_log_path()
    logger = logging.getLogger(LOGGER)
    try:
        ensure_private_dir(path.parent)
        handler = PrivateRotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    except OSError:
        return None  # no log is better than no app
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.handlers = [handler]
    logger.propagate = False  # never onto the terminal under the TUI
    logger.setLevel(logging.DEBUG if debug else logging.INFO)
    return path
