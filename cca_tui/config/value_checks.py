"""Checks for values that can come from the file, the environment or a flag.

They live apart from the file schema so an override such as ``CCA_API_URL``
or ``--refresh`` is held to exactly the same rules as the file.
Each raises ValueError whose message completes "KEY: ...". Messages quote a
value only with ``!r``, which shows control characters as escapes.
"""

import ipaddress
import math
import re
from urllib.parse import urlsplit

import httpx

MIN_REFRESH_INTERVAL = 1.0
MAX_REFRESH_INTERVAL = 86400.0  # a day; more is a typo, and timers misbehave near float max
MAX_URL_LENGTH = 2048

_ENV_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def has_unsafe_characters(text: str) -> bool:
    """True if ``text`` holds a control, format (bidi) or other non-printable character."""
    return not text.isprintable()


def escape_controls(text: str) -> str:
    """Show control and bidi characters as visible escapes, so quoting text cannot drive a terminal."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def is_loopback_host(host: str | None) -> bool:
    """``localhost`` or a loopback address (127.0.0.0/8, ::1): traffic never leaves the machine."""
    if not host:
        return False
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_api_url(value: str) -> str:
    """Accept an http(s) URL with a host and a valid port; return it without a trailing slash.

    Everything that would only fail at the first request (a space, a control character, a
    port out of range, a user name, a query) is refused here, while the operator is still
    looking at the config. Dropping the trailing slash lets the API client join paths with
    "/" without producing "//".
    """
    if not isinstance(value, str):
        raise ValueError(f"must be an http(s) URL given as a string, got {type(value).__name__}")
    if len(value) > MAX_URL_LENGTH:
        raise ValueError(f"must be an http(s) URL of at most {MAX_URL_LENGTH} characters, got {len(value)}")
    if any(ch.isspace() for ch in value) or has_unsafe_characters(value):
        raise ValueError(f"must be an http(s) URL without spaces or control characters, got {value!r}")
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed "[" of an IPv6 address
        raise ValueError(f"must be an http(s) URL such as 'https://api.cloud.ca/v1', got {value!r}") from None
    if parts.scheme not in ("http", "https") or not parts.netloc or not parts.hostname:
        raise ValueError(f'must be an http(s) URL such as "https://api.cloud.ca/v1", got {value!r}')
    try:
        port = parts.port
    except ValueError:  # not a number, or out of range
        port = 0
    if port == 0 or parts.netloc.rpartition("@")[2].endswith(":"):
        raise ValueError(f"has an invalid port (expected a number from 1 to 65535): {value!r}")
    if parts.username is not None or parts.password is not None:
        # Credentials in a URL end up in logs and on screen; the key goes in a header.
        raise ValueError("must not contain a user name or password (user@host); the API key is set separately")
    if parts.query or parts.fragment or value.endswith(("?", "#")):
        raise ValueError(f"must not have a query (?...) or fragment (#...), got {value!r}")
    try:
        httpx.URL(value)
    except (httpx.InvalidURL, ValueError):
        raise ValueError(f"is not a valid URL (check the host name), got {value!r}") from None
    return value.rstrip("/")


def check_transport(url: str, *, allow_insecure_http: bool) -> None:
    """Refuse plain http to a host that is not loopback unless the profile opted in.

    Over plain http the API key travels in clear to anyone on the path.
    """
    parts = urlsplit(url)
    if parts.scheme == "http" and not is_loopback_host(parts.hostname) and not allow_insecure_http:
        raise ValueError(
            f"{url!r} is plain http to {parts.hostname!r}, which would send the API key unencrypted. "
            "Use https://, or, for a network you trust, add allow_insecure_http = true to the profile"
        )


def transport_warning(url: str, *, verify_tls: bool) -> str | None:
    """A short warning for the status line when the connection is not protected by TLS."""
    parts = urlsplit(url)
    if parts.scheme == "http":
        # Loopback (the demo, the simulator) never crosses a network: nothing to warn about.
        return None if is_loopback_host(parts.hostname) else "plain http: the API key is sent unencrypted"
    if not verify_tls:
        return "TLS verification off: the server's identity is not checked"
    return None


def check_refresh_interval(value: float) -> float:
    """Accept a finite number of seconds from MIN_REFRESH_INTERVAL to MAX_REFRESH_INTERVAL."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"must be a number of seconds, got {value!r}")
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        number = math.inf
    if not math.isfinite(number) or number < MIN_REFRESH_INTERVAL:
        # Polling faster than once a second only loads the API for no gain.
        raise ValueError(f"must be a finite number of seconds >= {MIN_REFRESH_INTERVAL:g}, got {value!r}")
    if number > MAX_REFRESH_INTERVAL:
        raise ValueError(f"must be a number of seconds <= {MAX_REFRESH_INTERVAL:g} (a day), got {value!r}")
    return number


def check_env_var_name(value: str) -> str:
    """Accept a plausible environment variable name (no "$", no spaces)."""
    if not _ENV_VAR_NAME.fullmatch(value):
        hint = " (write the name without the leading $)" if value.startswith("$") else ""
        raise ValueError(f"must be the name of an environment variable{hint}, got {value!r}")
    return value


def check_printable(value: str) -> str:
    """Accept text without control or bidi characters (names shown on screen, a shell command)."""
    if has_unsafe_characters(value):
        raise ValueError(f"must not contain control characters, got {value!r}")
    return value


def check_token(value: str) -> str:
    """Accept an identifier such as an org id: printable, no spaces."""
    check_printable(value)
    if any(ch.isspace() for ch in value):
        raise ValueError(f"must not contain spaces, got {value!r}")
    return value


# Actions sent at once, without a form, which a profile's `confirm` may make ask or not
# (the API's operation names, as in the UI's action table).
CONFIRMABLE_ACTIONS = ("start", "stop", "reboot", "recover", "resetPassword")
MAX_PATTERN_LENGTH = 200
MAX_KEYMAP_ENTRIES = 200
_BINDING_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_KEY_NAME = re.compile(r"[A-Za-z0-9_+]+|[!-~]")


def check_confirm_actions(values: list[str]) -> list[str]:
    """Accept known action names, each once."""
    for value in values:
        if value not in CONFIRMABLE_ACTIONS:
            known = ", ".join(repr(a) for a in CONFIRMABLE_ACTIONS)
            raise ValueError(f"unknown action {escape_controls(value)!r}; the actions that can ask are {known}")
    if len(set(values)) != len(values):
        raise ValueError("lists an action twice")
    return values


def check_protected_patterns(values: list[str]) -> list[str]:
    """Accept shell-style patterns: non-empty, printable, of a sane length."""
    for value in values:
        if not value.strip():
            raise ValueError("an environment pattern must not be empty")
        if len(value) > MAX_PATTERN_LENGTH:
            raise ValueError(f"an environment pattern must be at most {MAX_PATTERN_LENGTH} characters")
        check_printable(value)
    return values


def check_keymap(keymap: dict[str, str]) -> dict[str, str]:
    """Accept `binding_id = "key[,key...]"` entries with Textual key names (`X`, `ctrl+s`,
    `down`, `j`). Whether an id exists is the app's to say (it knows its bindings)."""
    if len(keymap) > MAX_KEYMAP_ENTRIES:
        raise ValueError(f"must have at most {MAX_KEYMAP_ENTRIES} entries")
    for binding_id, keys in keymap.items():
        if not _BINDING_ID.fullmatch(binding_id):
            raise ValueError(f"binding ids are words like 'stop' or 'cursor_down', got {escape_controls(binding_id)!r}")
        names = [key.strip() for key in keys.split(",")]
        if not keys.strip() or any(not _KEY_NAME.fullmatch(name) for name in names):
            raise ValueError(
                f'{binding_id}: keys are Textual key names separated by commas, e.g. "X" or "ctrl+s,F5", '
                f"got {escape_controls(keys)!r}"
            )
    return keymap
