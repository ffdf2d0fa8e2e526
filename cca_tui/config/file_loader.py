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


def load_config_file(explicit_path: Path | None = None) -> LoadedConfig:
    """Load ``explicit_path`` (from ``--config``) or else the default path.

    A missing default file is normal (first run); a missing explicit file is
    an error, because the operator named it and probably mistyped it.
    """
    path = Path(explicit_path).expanduser() if explicit_path is not None else default_config_path()
    try:
        with open(path, "rb") as f:
            mode = os.fstat(f.fileno()).st_mode
            raw = f.read()
    except FileNotFoundError:
        if explicit_path is None:
            return LoadedConfig(path=None, content=ConfigFile())
        raise ConfigError(
            f"Config file {path} (given with --config) does not exist. "
            f"Check the path, or leave out --config to use {default_config_path()}."
        ) from None
    except IsADirectoryError:
        raise ConfigError(f"Config file {path} is a directory; --config needs a TOML file.") from None
    except OSError as e:
        raise ConfigError(f"Cannot read config file {path}: {e.strerror}.") from None

    content = _parse(path, raw)
    _refuse_exposed_inline_keys(path, mode, content)
    return LoadedConfig(path=path, content=content)


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
    try:
        content = ConfigFile.model_validate(data)
    except ValidationError as e:
        raise ConfigError(describe_validation_error(path, e)) from None
    _check_default_profile(path, content)
    return content


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
