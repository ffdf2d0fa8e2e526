"""Read the config file: find it, parse the TOML, validate it, check its mode."""

import os
import shlex
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from .errors import ConfigError
from .file_schema import ConfigFile
from .paths import default_config_path
from .validation_messages import describe_validation_error


@dataclass(frozen=True)
class LoadedConfig:
    """A validated config file, or the empty default when no file exists."""

    path: Path | None  # None when no file existed and none was asked for
    content: ConfigFile


# A real config file is a few kilobytes; this leaves room for comments, not for accidents.
MAX_CONFIG_BYTES = 1024 * 1024


def load_config_file(explicit_path: Path | None = None) -> LoadedConfig:
    """Load ``explicit_path`` (from ``--config``) or else the default path.

    A missing default file is normal (first run); a missing explicit file is
    an error, because the operator named it and probably mistyped it.
    """
    path = _expand(Path(explicit_path)) if explicit_path is not None else default_config_path()
    read = _read_regular_file(path, explicit=explicit_path is not None)
    if read is None:
        return LoadedConfig(path=None, content=ConfigFile())
    mode, raw = read
    content = _parse(path, raw)
    _refuse_exposed_inline_keys(path, mode, content)
    return LoadedConfig(path=path, content=content)


def _expand(path: Path) -> Path:
    """`~` and `~user` expanded; an unknown user (or no home) is the operator's typo to hear about."""
    try:
        return path.expanduser()
    except RuntimeError:  # pathlib: "Could not determine home directory."
        first = path.parts[0] if path.parts else str(path)
        raise ConfigError(
            f"Config file {path} (given with --config): cannot expand "
            f"{first}, no such user or no home directory. Give the full path."
        ) from None


def _read_regular_file(path: Path, *, explicit: bool) -> tuple[int, bytes] | None:
    """The file's mode and bytes; None if the default file does not exist.

    Only a regular file of sane size is read: ``/dev/zero`` would fill memory, a FIFO
    would block forever, a terminal would wait for typing. The type is checked before
    opening, and again on the open descriptor (opened non-blocking, so even a FIFO swapped
    in between cannot hang us).
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if not explicit:
            return None
        raise ConfigError(
            f"Config file {path} (given with --config) does not exist. "
            f"Check the path, or leave out --config to use {default_config_path()}."
        ) from None
    except OSError as e:
        raise ConfigError(f"Cannot read config file {path}: {e.strerror}.") from None
    except ValueError:  # a NUL byte or an unencodable character in the path
        raise ConfigError(f"Cannot read config file {path}: the path contains invalid characters.") from None
    _check_kind_and_size(path, info)

    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        raise ConfigError(f"Cannot read config file {path}: {e.strerror}.") from None
    try:
        info = os.fstat(fd)
        _check_kind_and_size(path, info)
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_CONFIG_BYTES:
            chunk = os.read(fd, MAX_CONFIG_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as e:
        raise ConfigError(f"Cannot read config file {path}: {e.strerror}.") from None
    finally:
        os.close(fd)
    if size > MAX_CONFIG_BYTES:  # a file that grew, or lied about its size (/proc)
        raise ConfigError(_too_big(path))
    return info.st_mode, b"".join(chunks)


def _check_kind_and_size(path: Path, info: os.stat_result) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"Config file {path} is a directory; --config needs a TOML file.")
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(
            f"Config file {path} is {_kind(info.st_mode)}, not a regular file; --config needs a TOML file."
        )
    if info.st_size > MAX_CONFIG_BYTES:
        raise ConfigError(_too_big(path))


def _kind(mode: int) -> str:
    kinds = [
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((name for test, name in kinds if test(mode)), "a special file")


def _too_big(path: Path) -> str:
    return (
        f"Config file {path} is larger than {MAX_CONFIG_BYTES // 1024} KiB; "
        "that is not a cca-tui config file (see config.example.toml)."
    )


def _parse(path: Path, raw: bytes) -> ConfigFile:
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise ConfigError(f"Config file {path} is not valid UTF-8 (byte {e.start}); save it as UTF-8.") from None
    except tomllib.TOMLDecodeError as e:
        # tomllib's message carries "(at line L, column C)"; it never quotes values.
        raise ConfigError(
            f"Config file {path} is not valid TOML: {e}. "
            f"Fix the syntax there (see config.example.toml for the expected layout)."
        ) from None
    except RecursionError:
        raise ConfigError(_too_deep(path)) from None
    try:
        content = ConfigFile.model_validate(data)
    except ValidationError as e:
        try:
            message = describe_validation_error(path, e)
        except RecursionError:
            message = _too_deep(path)
        raise ConfigError(message) from None
    except RecursionError:
        raise ConfigError(_too_deep(path)) from None
    _check_default_profile(path, content)
    return content


def _too_deep(path: Path) -> str:
    return (
        f"Config file {path} nests arrays or tables too deeply to be read; "
        "a cca-tui config has only [profiles.NAME] tables (see config.example.toml)."
    )


def _check_default_profile(path: Path, content: ConfigFile) -> None:
    # Checked even when --profile overrides it: it is still a broken file.
    name = content.default_profile
    if name is not None and content.profile(name) is None:
        raise ConfigError(
            f"Invalid config file {path}: default_profile: no profile named {name!r}. "
            f"Available profiles: {', '.join(content.profile_names())}. "
            f"Set default_profile to one of them, or add a [profiles.{name}] table."
        )


def _refuse_exposed_inline_keys(path: Path, mode: int, content: ConfigFile) -> None:
    """Refuse a file holding an inline key that others can read, as ssh does.

    The check covers every profile, not just the selected one: the exposure
    is a property of the file, whichever profile is used today.
    """
    if os.name != "posix":  # Windows has ACLs, not mode bits; st_mode says nothing there.
        return
    holders = [name for name, profile in content.profiles.items() if profile.api_key is not None]
    if holders and stat.S_IMODE(mode) & 0o077:
        raise ConfigError(
            f"Config file {path} contains an api_key (profile {', '.join(map(repr, holders))}) "
            f"but group or other users can access it (mode {stat.S_IMODE(mode):04o}). "
            f"Run `chmod 600 {shlex.quote(str(path))}`, or move the key out of the file "
            f"with api_key_command or api_key_env."
        )
