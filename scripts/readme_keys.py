"""Rewrite the README's key table from the action table and the instance screen's bindings.

    .venv/bin/python scripts/readme_keys.py      # after adding or changing a key

tests/ui/test_help.py fails when the README's table and the code disagree.
"""

from __future__ import annotations

import re
from pathlib import Path

from cca_tui.ui.screens.help import markdown_key_table
from cca_tui.ui.screens.instances import InstanceScreen

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- keys:start -->", "<!-- keys:end -->"


def main() -> None:
    text = README.read_text()
    table = markdown_key_table(InstanceScreen)
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    README.write_text(pattern.sub(lambda _m: f"{START}\n{table}\n{END}", text))


if __name__ == "__main__":
    main()
