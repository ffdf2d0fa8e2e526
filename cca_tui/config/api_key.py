"""Find the API key for a profile, trying each source in precedence order.

Order: CCA_API_KEY, the variable named by api_key_env, api_key_command,
inline api_key. Keys are never accepted on the command line, where they
would land in shell history and in ``ps`` output.

Finding no key is not an error here: the UI explains how to set one, so the
result carries a ``problem`` sentence instead of raising. A key that is found
but can never be sent (blank, spaces, control or non-ASCII characters) is a
ConfigError: the CLI says so and exits 2.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from .errors import ConfigError
from .file_schema import ProfileConfig
from .key_command import KeyCommandError, run_key_command
from .paths import default_config_path

ENV_API_KEY = "CCA_API_KEY"


@dataclass(frozen=True)
class ApiKeyResult:
    key: SecretStr | None
    source: str | None  # where the key came from; never the key itself
    problem: str | None  # why key is None


def resolve_api_key(
    *,
    profile_name: str,
    profile: ProfileConfig,
    config_path: Path | None,
    environ: Mapping[str, str],
) -> ApiKeyResult:
    tried = [f"{ENV_API_KEY} is not set"]
    where = f"profile {profile_name!r}" + (f" of {config_path}" if config_path is not None else "")

    def _found(value: str, source: str) -> ApiKeyResult:
        return _checked(value, source, where)

    if value := environ.get(ENV_API_KEY, "").strip():
        return _found(value, ENV_API_KEY)

    if profile.api_key_env is not None:
        if value := environ.get(profile.api_key_env, "").strip():
            return _found(value, f"api_key_env ({profile.api_key_env})")
        tried.append(f"{profile.api_key_env} (named by api_key_env) is not set")

    if profile.api_key_command is not None:
        try:
            return _found(run_key_command(profile.api_key_command, environ=environ), "api_key_command")
        except KeyCommandError as e:
            # Stop here rather than fall back to an inline key: a failing
            # command (locked password store...) is what the operator must
            # see, and quietly using another credential would hide it.
            return ApiKeyResult(
                key=None,
                source=None,
                problem=(
                    f"The api_key_command of profile {profile_name!r} in {config_path} {e}. "
                    f"Run it in a shell to see what is wrong, or set {ENV_API_KEY}."
                ),
            )

    if profile.api_key is not None:
        return _found(profile.api_key.get_secret_value().strip(), "inline api_key")

    return ApiKeyResult(key=None, source=None, problem=_no_key_message(profile_name, config_path, tried))


def _checked(value: str, source: str, where: str) -> ApiKeyResult:
    """The key, or ConfigError when it can never work (exit 2 before any screen).

    An HTTP header takes visible ASCII only: a space, a line break, a control character or
    a non-ASCII letter would make the HTTP library fail at the first request, with the key
    in its complaint. Refuse it here, naming only its source.
    """
    if not value:
        raise ConfigError(
            f"The API key from {source} ({where}) is blank. Put the key itself there (without pasting it anywhere), "
            f"or remove it and set {ENV_API_KEY}."
        )
    if not all(" " < character <= "~" for character in value):
        raise ConfigError(
            f"The API key from {source} ({where}) contains spaces, line breaks, control characters or "
            "non-ASCII characters, so it cannot be sent. Check what it holds (without pasting it anywhere)."
        )
    return ApiKeyResult(key=SecretStr(value), source=source, problem=None)


def _no_key_message(profile_name: str, config_path: Path | None, tried: list[str]) -> str:
    if config_path is None:
        where = (
            f"or create {default_config_path()} with a [profiles.{profile_name}] table "
            f"holding api_key_command, api_key_env or api_key (see config.example.toml)"
        )
    else:
        where = f"or add api_key_command, api_key_env or api_key to profile {profile_name!r} of {config_path}"
    return f"No API key for profile {profile_name!r} ({'; '.join(tried)}). Set {ENV_API_KEY}, {where}."
