"""Choose which profile to use: --profile, then CCA_PROFILE, then the file."""

from .errors import ConfigError
from .file_loader import LoadedConfig
from .file_schema import DEFAULT_PROFILE_NAME, ProfileConfig
from .paths import default_config_path
from .value_checks import escape_controls


def select_profile(loaded: LoadedConfig, *, flag: str | None, env_value: str | None) -> tuple[str, ProfileConfig]:
    """Return the chosen profile's name and settings, or raise ConfigError.

    Without any choice the file's default_profile wins, then a profile named
    "default", then the only profile when there is just one. Several profiles
    and no choice is an error rather than a guess: using the wrong account's
    key against production is worse than asking.
    """
    content = loaded.content
    where = loaded.path if loaded.path is not None else default_config_path()

    for name, origin in ((flag, "--profile"), (env_value, "CCA_PROFILE")):
        if name:
            profile = content.profile(name)
            if profile is None:
                raise ConfigError(_unknown_profile_message(name, origin, loaded))
            return name, profile

    names = content.profile_names()
    # default_profile's existence was checked when the file was loaded.
    candidates = [content.default_profile, DEFAULT_PROFILE_NAME if DEFAULT_PROFILE_NAME in names else None]
    candidates.append(names[0] if len(names) == 1 else None)
    for name in candidates:
        if name is not None and (profile := content.profile(name)) is not None:
            return name, profile
    raise ConfigError(
        f"Config file {where} defines several profiles ({', '.join(names)}) and none is selected. "
        f'Add default_profile = "{names[0]}" at the top of the file, '
        f"or pass --profile NAME, or set CCA_PROFILE."
    )


def _unknown_profile_message(name: str, origin: str, loaded: LoadedConfig) -> str:
    # The name comes from a flag or the environment: show control characters as escapes.
    name = escape_controls(name)
    available = ", ".join(loaded.content.profile_names())
    if loaded.path is None:
        return (
            f"Profile {name!r} (from {origin}) does not exist: there is no config file at "
            f"{default_config_path()}, so the only profile is {DEFAULT_PROFILE_NAME!r}. "
            f"Create that file with a [profiles.{name}] table (see config.example.toml), "
            f"or pass --config PATH."
        )
    return (
        f"Profile {name!r} (from {origin}) is not defined in {loaded.path}. "
        f"Available profiles: {available}. "
        f"Use one of them, or add a [profiles.{name}] table to the file."
    )
