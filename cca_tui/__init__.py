"""cca-tui: a terminal UI for operators of the cloud.ca compute API."""

__version__ = "0.1.0"
