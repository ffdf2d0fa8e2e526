"""Checks for values that can come from the file, the environment or a flag.

They live apart from the file schema so an override such as ``CCA_API_URL``
or ``--refresh`` is held to exactly the same rules as the file.
Each raises ValueError whose message completes "KEY: ...".
"""

import math
import re
from urllib.parse import urlsplit

MIN_REFRESH_INTERVAL = 1.0

_ENV_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_api_url(value: str) -> str:
    """Accept an http(s) URL with a host; return it without a trailing slash.

    Dropping the trailing slash lets the API client join paths with "/"
    without producing "//".
    """
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f'must be an http(s) URL such as "https://api.cloud.ca/v1", got {value!r}')
    return value.rstrip("/")


def check_refresh_interval(value: float) -> float:
    """Accept a finite number of seconds, at least MIN_REFRESH_INTERVAL."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"must be a number of seconds, got {value!r}")
    if not math.isfinite(value) or value < MIN_REFRESH_INTERVAL:
        # Polling faster than once a second only loads the API for no gain.
        raise ValueError(f"must be a number of seconds >= {MIN_REFRESH_INTERVAL:g}, got {value!r}")
    return float(value)


def check_env_var_name(value: str) -> str:
    """Accept a plausible environment variable name (no "$", no spaces)."""
    if not _ENV_VAR_NAME.fullmatch(value):
        hint = " (write the name without the leading $)" if value.startswith("$") else ""
        raise ValueError(f"must be the name of an environment variable{hint}, got {value!r}")
    return value
