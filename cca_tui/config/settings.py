"""The resolved settings for one run, and how they are assembled.

Precedence, highest first: command-line flags (the keyword arguments of
load_settings), environment variables (CCA_PROFILE, CCA_API_URL,
CCA_API_KEY), the selected profile of the config file, built-in defaults.
"""

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from .api_key import resolve_api_key
from .errors import ConfigError
from .file_loader import load_config_file
from .file_schema import DEFAULT_API_URL, DEFAULT_CONFIRM, DEFAULT_PROFILE_NAME, DEFAULT_REFRESH_INTERVAL
from .profile_selection import select_profile
from .value_checks import check_api_url, check_refresh_interval, check_transport, transport_warning

ENV_PROFILE = "CCA_PROFILE"
ENV_API_URL = "CCA_API_URL"

T = TypeVar("T")


class Settings(BaseModel):
    """Everything the app needs to know about the chosen profile.

    Frozen so no screen can change settings behind another's back. The
    defaults let tests and the demo build one with just the fields they need.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    profile_name: str = DEFAULT_PROFILE_NAME
    config_path: Path | None = None  # the file read; None when none existed
    api_url: str = DEFAULT_API_URL
    api_key: SecretStr | None = None  # SecretStr: repr/str show '**********'
    api_key_problem: str | None = None  # why api_key is None, for the UI to show
    api_key_source: str | None = None  # e.g. "CCA_API_KEY"; never the key itself
    default_environment: str | None = None
    refresh_interval: float = DEFAULT_REFRESH_INTERVAL
    read_only: bool = False
    verify_tls: bool = True
    allow_insecure_http: bool = False  # the profile opted in to plain http to a remote host
    org_id: str | None = None
    ssh_command: str | None = None  # template for ssh-in and copy (cca_tui/ui/command_safety.py)
    ssh_jump_host: str | None = None  # reaches private IPs when there is no public path
    # Changes made outside cca-tui that are announced (cca_tui/fleet/watching.py); () is off.
    watch: tuple[str, ...] = ("error", "gone", "left-running")
    # Actions sent without a form that ask first (operation names); see config.example.toml.
    confirm: tuple[str, ...] = DEFAULT_CONFIRM
    # Environment name patterns where every mutation asks and destroy/purge need the name.
    protected_environments: tuple[str, ...] = ()
    # How many requests of one bulk action (marked rows) are in flight at once.
    bulk_concurrency: int = 4
    # The user's key bindings by binding id (Textual's keymap), from the file's [keymap].
    keymap: dict[str, str] = Field(default_factory=dict)

    @property
    def transport_warning(self) -> str | None:
        """A warning to keep on screen while the key is not protected by verified TLS.

        "plain http: ..." for http:// to a host that is not loopback, "TLS verification
        off: ..." for https:// with verify_tls = false; None when the connection is safe
        (verified https, or any http to loopback such as the demo).
        """
        return transport_warning(self.api_url, verify_tls=self.verify_tls)


def load_settings(
    *,
    config_path: Path | None = None,
    profile: str | None = None,
    api_url: str | None = None,
    refresh_interval: float | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Read the config file and environment, apply the flags, return Settings.

    Raises ConfigError for anything the operator must fix before starting.
    A missing API key is not one of those: see Settings.api_key_problem.
    """
    env = os.environ if environ is None else environ
    loaded = load_config_file(config_path)
    name, chosen = select_profile(loaded, flag=profile, env_value=_env(env, ENV_PROFILE))

    url_candidates = ((api_url, "--api-url"), (_env(env, ENV_API_URL), ENV_API_URL))
    final_url = _override(chosen.api_url, *url_candidates, check=check_api_url)
    try:
        # Checked before the key is looked up: a key command should not even run for a
        # URL that would send its output in clear.
        check_transport(final_url, allow_insecure_http=chosen.allow_insecure_http)
    except ValueError as e:
        origin = next((origin for value, origin in url_candidates if value is not None), None)
        where = f"from {origin}" if origin else f"api_url of profile {name!r} in {loaded.path or 'the defaults'}"
        raise ConfigError(f"API URL ({where}): {e} (in profile {name!r}).") from None

    key = resolve_api_key(profile_name=name, profile=chosen, config_path=loaded.path, environ=env)
    return Settings(
        profile_name=name,
        config_path=loaded.path,
        api_url=final_url,
        api_key=key.key,
        api_key_problem=key.problem,
        api_key_source=key.source,
        default_environment=chosen.default_environment,
        refresh_interval=_override(
            chosen.refresh_interval,
            (refresh_interval, "--refresh"),
            check=check_refresh_interval,
        ),
        read_only=chosen.read_only,
        verify_tls=chosen.verify_tls,
        allow_insecure_http=chosen.allow_insecure_http,
        org_id=chosen.org_id,
        ssh_command=chosen.ssh_command,
        ssh_jump_host=chosen.ssh_jump_host,
        watch=tuple(dict.fromkeys(chosen.watch)),
        confirm=tuple(chosen.confirm),
        protected_environments=tuple(chosen.protected_environments),
        bulk_concurrency=chosen.bulk_concurrency,
        keymap=dict(loaded.content.keymap),
    )


def _env(environ: Mapping[str, str], name: str) -> str | None:
    # An empty variable counts as unset: `CCA_PROFILE= cca-tui` should mean "no override".
    return environ.get(name, "").strip() or None


def _override(file_value: T, *candidates: tuple[T | None, str], check: Callable[[T], T]) -> T:
    """The first candidate that is set, checked like the file's value; else the file's."""
    for value, origin in candidates:
        if value is not None:
            try:
                return check(value)
            except ValueError as e:
                raise ConfigError(f"{origin}: {e}.") from None
    return file_value
