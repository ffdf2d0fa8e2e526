"""Rewrite the README's key tables: the instance screen's (from the action table and its
bindings) and the environment picker's (from its bindings).

    .venv/bin/python scripts/readme_keys.py      # after adding or changing a key

tests/ui/test_help.py fails when the README's table and the code disagree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from cca_tui.ui.screens.help import markdown_key_table, markdown_picker_table
from cca_tui.ui.screens.instances import InstanceScreen
from cca_tui.ui.screens.picker import PickerScreen

README = Path(__file__).resolve().parent.parent / "README.md"
# (start marker, end marker) of each table, and the table.
TABLES: dict[tuple[str, str], Callable[[], str]] = {
    ("<!-- keys:start -->", "<!-- keys:end -->"): lambda: markdown_key_table(InstanceScreen),
    ("<!-- picker-keys:start -->", "<!-- picker-keys:end -->"): lambda: markdown_picker_table(PickerScreen),
}


def as_it_is(replacement: str) -> Callable[[re.Match[str]], str]:
    """A replacement for re.sub taken literally (a table may hold backslashes)."""
    return lambda _match: replacement


def main() -> None:
    text = README.read_text()
    for (start, end), table in TABLES.items():
        pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
        if not pattern.search(text):
            raise SystemExit(f"README.md lost its markers {start} {end}")
        text = pattern.sub(as_it_is(f"{start}\n{table()}\n{end}"), text)
    README.write_text(text)


if __name__ == "__main__":
    main()
