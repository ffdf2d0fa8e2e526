"""What a config file may contain: pydantic models mirroring the TOML layout.

The models are strict (TOML values are typed, so "5" is not a number and
"yes" is not a boolean) and forbid unknown keys, so a typo is reported
instead of silently ignored.

Each field's ``description`` is written as the "expected ..." part of an error
message (see validation_messages.py), which keeps the documentation of a key
and the error about it in one place.
"""

import shlex
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, field_validator

from .environment_ref import parse_environment_ref
from .value_checks import (
    check_api_url,
    check_confirm_actions,
    check_env_var_name,
    check_keymap,
    check_printable,
    check_protected_patterns,
    check_refresh_interval,
    check_token,
)

DEFAULT_API_URL = "https://api.cloud.ca/v1"
DEFAULT_REFRESH_INTERVAL = 5.0
DEFAULT_PROFILE_NAME = "default"
# The actions sent at once (no form) that ask first unless a profile's `confirm` says otherwise.
DEFAULT_CONFIRM = ("stop", "reboot", "resetPassword")


def _environment_ref(value: str) -> str:
    parse_environment_ref(value)
    return value


def _shell_command(value: str) -> str:
    if "\0" in value:  # the shell could not even be started with it
        raise ValueError("must not contain a NUL character (\\u0000)")
    return value


def _ssh_template(value: str) -> str:
    # The operator's own command line: split as a shell would, placeholders checked when used.
    check_printable(value)
    try:
        if not shlex.split(value):
            raise ValueError("is empty")
    except ValueError as exc:
        raise ValueError(f"cannot be split into words: {exc}") from None
    return value


class _FileModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class ProfileConfig(_FileModel):
    """One ``[profiles.NAME]`` table."""

    api_url: Annotated[str, AfterValidator(check_api_url)] = Field(
        DEFAULT_API_URL,
        description='an http(s) URL, e.g. api_url = "https://api.cloud.ca/v1"',
    )
    # SecretStr so the key never shows up in a repr, a log line or a traceback.
    api_key: SecretStr | None = Field(
        None,
        min_length=1,
        description="the API key as a string (better: use api_key_command or api_key_env)",
    )
    api_key_command: Annotated[str, AfterValidator(_shell_command)] | None = Field(
        None,
        min_length=1,
        description='a shell command printing the key, e.g. api_key_command = "pass show cloudca/prod"',
    )
    api_key_env: Annotated[str, AfterValidator(check_env_var_name)] | None = Field(
        None,
        description=('the name of an environment variable holding the key, e.g. api_key_env = "CLOUDCA_PROD_KEY"'),
    )
    default_environment: Annotated[str, AfterValidator(_environment_ref)] | None = Field(
        None,
        description='"SERVICE_CODE/ENV_NAME", e.g. default_environment = "compute-on/test_area"',
    )
    refresh_interval: Annotated[float, AfterValidator(check_refresh_interval)] = Field(
        DEFAULT_REFRESH_INTERVAL,
        description="a number of seconds, at least 1, e.g. refresh_interval = 5",
    )
    read_only: bool = Field(False, description="true or false, e.g. read_only = true")
    verify_tls: bool = Field(True, description="true or false, e.g. verify_tls = true")
    allow_insecure_http: bool = Field(
        False, description="true or false, e.g. allow_insecure_http = true (needed for plain http:// to a remote host)"
    )
    org_id: Annotated[str, AfterValidator(check_token)] | None = Field(
        None,
        min_length=1,
        description='the organization id as a string, e.g. org_id = "a1b2c3"',
    )
    ssh_command: Annotated[str, AfterValidator(_ssh_template)] | None = Field(
        None,
        description='an ssh command line with {user}, {ip} and {port}, e.g. ssh_command = "ssh -p {port} {user}@{ip}"',
    )
    ssh_jump_host: Annotated[str, AfterValidator(check_printable)] | None = Field(
        None,
        min_length=1,
        description='a jump host as ssh -J takes it, e.g. ssh_jump_host = "ops@bastion.example.com:22"',
    )
    watch: list[Literal["error", "gone", "left-running"]] = Field(
        ["error", "gone", "left-running"],
        description=(
            'which changes made outside cca-tui are announced: any of "error", "gone", "left-running", '
            'e.g. watch = ["error"] (watch = [] turns it off)'
        ),
    )
    confirm: Annotated[list[str], AfterValidator(check_confirm_actions)] = Field(
        default_factory=lambda: list(DEFAULT_CONFIRM),
        description=(
            'a list of the actions that ask first, among "start", "stop", "reboot", "recover" and '
            '"resetPassword", e.g. confirm = ["stop", "reboot"] (forms always show before they send)'
        ),
    )
    protected_environments: Annotated[list[str], AfterValidator(check_protected_patterns)] = Field(
        default_factory=list,
        description=(
            'a list of environment name patterns ("*" and "?" as in the shell), e.g. '
            'protected_environments = ["production*", "compute-on/prod-?"]'
        ),
    )
    bulk_concurrency: int = Field(
        4,
        ge=1,
        le=32,
        description="how many requests of one bulk action (marked rows) run at once, 1 to 32, e.g. bulk_concurrency = 4",
    )


class ConfigFile(_FileModel):
    """The whole file: a few top-level keys plus the ``[profiles.*]`` tables."""

    default_profile: Annotated[str, AfterValidator(check_printable)] | None = Field(
        None,
        min_length=1,
        description='the name of a [profiles.NAME] table, e.g. default_profile = "prod"',
    )
    profiles: dict[str, ProfileConfig] = Field(
        default_factory=dict,
        description="tables named like [profiles.prod], each holding one profile's keys",
    )
    keymap: Annotated[dict[str, str], AfterValidator(check_keymap)] = Field(
        default_factory=dict,
        description='a [keymap] table of binding id = "keys", e.g. stop = "X" or cursor_down = "down,j"',
    )

    @field_validator("profiles", mode="after")
    @classmethod
    def _printable_profile_names(cls, profiles: dict[str, ProfileConfig]) -> dict[str, ProfileConfig]:
        # A profile name is shown on screen and in messages: no control or bidi characters.
        for name in profiles:
            if not name or not name.isprintable():
                raise ValueError(f"profile names must be non-empty and without control characters, got {name!r}")
        return profiles

    def profile_names(self) -> list[str]:
        """Profiles an operator can choose; a file without any has an implicit "default"."""
        return sorted(self.profiles) or [DEFAULT_PROFILE_NAME]

    def profile(self, name: str) -> ProfileConfig | None:
        if not self.profiles and name == DEFAULT_PROFILE_NAME:
            return ProfileConfig()
        return self.profiles.get(name)
