"""The one exception the configuration layer raises."""


class ConfigError(Exception):
    """A configuration problem the operator has to fix.

    ``str(error)`` is the complete, human-readable message (which file, which
    key, what to do), so the CLI can print it as is and exit with status 2.
    Messages are built so they never contain an API key.
    """
