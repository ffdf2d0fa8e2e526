"""Files and directories that only the operator may read: logs, crash reports, state.

A crash report can hold parts of requests; a log can hold server replies. They are
created 0600 in 0700 directories, and a file or directory that already existed with a
wider mode (from an older version, or a umask of 022) is narrowed, not trusted.
"""

import contextlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600

_POSIX = os.name == "posix"


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) as 0700; narrow ``path`` itself to 0700 if wider.

    Existing parents are left alone (``~/.local/state`` is not ours); parents this call
    creates are 0700 too. Raises OSError when the directory cannot be made.
    """
    path = Path(path)
    missing = []
    for candidate in (path, *path.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made in the meantime by another process
            directory.mkdir(mode=PRIVATE_DIR_MODE)
    if not path.is_dir():
        raise NotADirectoryError(f"{path} is not a directory")
    if _POSIX:
        info = os.stat(path)
        if stat.S_IMODE(info.st_mode) & 0o077:
            os.chmod(path, stat.S_IMODE(info.st_mode) & ~0o077)
        if missing:  # mkdir's mode is filtered by the umask: make sure it is 0700
            for directory in missing:
                os.chmod(directory, PRIVATE_DIR_MODE)
    return path


def _open_private(path: Path, flags: int) -> int:
    """Open ``path`` for writing with mode 0600, narrowing an existing file's mode.

    O_NOFOLLOW: a symlink planted at the log's place is refused, not followed.
    O_NONBLOCK: a FIFO there fails at once instead of blocking until someone reads it.
    """
    for name in ("O_NOFOLLOW", "O_CLOEXEC", "O_NONBLOCK", "O_NOCTTY"):
        flags |= getattr(os, name, 0)
    flags |= os.O_WRONLY | os.O_CREAT
    fd = os.open(path, flags, PRIVATE_FILE_MODE)
    try:
        if _POSIX:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise OSError(f"{path} is not a regular file")
            if stat.S_IMODE(info.st_mode) != PRIVATE_FILE_MODE:
                os.fchmod(fd, PRIVATE_FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def write_private_text(path: Path, text: str) -> None:
    """Replace ``path``'s content with ``text`` (UTF-8); the file ends up 0600."""
    fd = _open_private(Path(path), os.O_TRUNC)
    with open(fd, "w", encoding="utf-8", errors="backslashreplace") as f:
        f.write(text)


def prepare_private_file(path: Path) -> Path:
    """Create ``path`` empty if missing, and make it 0600, keeping its content (a log to append to)."""
    os.close(_open_private(Path(path), os.O_APPEND))
    return Path(path)


def replace_private_json(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` all at once: a temporary file (0600) beside it, then
    renamed over it, so a crash mid-write leaves the old content or the new, never half.
    Raises OSError; the temporary file is removed on failure."""
    path = Path(path)
    ensure_private_dir(path.parent)
    tmp_name = None
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp", delete=False
        ) as tmp:
            tmp_name = tmp.name
            json.dump(data, tmp, indent=1, sort_keys=True)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except OSError:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
        raise
