"""`?`: every key of the instance screen, derived from the action table and the screen's bindings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.cells import cell_len
from rich.console import Group
from rich.table import Column, Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from cca_tui.ui.actions import ACTIONS, INSTANCE_ACTIONS, ForMarked
from cca_tui.ui.keys import bound_keys, key_text

# Moving in a table, besides the arrows (the table's own bindings; remappable too).
TABLE_KEYS = (
    ("j, k", "Down, up (vim)"),
    ("g, G", "First, last row"),
    ("left, right", "A column left / right (the columns that do not fit)"),
)
# Keys that are not bindings of the screen but of the widgets or the app.
WIDGET_KEYS = (
    ("Tab", "Table <-> detail pane (Esc: back to the table)"),
    ("ctrl+p", "Command palette"),
    ("ctrl+q", "Quit"),
)


def screen_keys(screen_class: type[Screen[Any]], keymap: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """The screen's bindings other than the actions, as (key, description), keymap applied."""
    action_ids = {spec.binding_id for spec in ACTIONS}
    keys = []
    for binding in screen_class.BINDINGS:
        if isinstance(binding, Binding) and binding.id not in action_ids:
            key = bound_keys(binding.id, binding.key, keymap or {}) if binding.id else binding.key
            keys.append((key_text(key), binding.tooltip or binding.description))
    return keys


def help_table(
    screen_class: type[Screen[Any]], keymap: Mapping[str, str] | None = None, *, with_marks: bool = True
) -> Group:
    """The keys; `with_marks` adds what each action does with marked rows (a narrow
    terminal gets `marks_note` under the table instead).

    Two tables, one under the other with their key columns of one width: the actions, with
    when each is allowed; then, after a blank line, the other keys, whose descriptions take
    the width of the columns they do not have (in one table, "/" and "E" wrapped onto a
    second line next to two empty cells)."""
    actions = [
        (
            key_text(bound_keys(spec.binding_id, spec.key, keymap or {})),
            f"{spec.long_label} ({spec.note})" if spec.note else spec.long_label,
            spec.allowed_text(),
            *([spec.marks_text()] if with_marks else []),
        )
        for spec in ACTIONS
    ]
    others = [*screen_keys(screen_class, keymap), *TABLE_KEYS, *WIDGET_KEYS]
    key_width = max(cell_len(row[0]) for row in [*actions, *others])
    columns = ["Action", "Allowed when", *(["With marks"] if with_marks else [])]
    first = Table(Column("Key", width=key_width), *columns, box=None, padding=(0, 1), header_style="bold")
    for row in actions:
        first.add_row(*row)
    rest = Table(Column("Key", width=key_width), "Action", box=None, padding=(0, 1), show_header=False)
    for key, text in others:
        rest.add_row(key, text)
    return Group(first, Text(), rest)


def marks_note() -> str:
    """The "with marks" column in one sentence, for a terminal too narrow for it."""
    by_mode: dict[ForMarked, list[str]] = {}
    for spec in INSTANCE_ACTIONS:
        by_mode.setdefault(spec.for_marked, []).append(spec.long_label)
    parts = [f"{', '.join(labels)}: {mode.value}" for mode, labels in by_mode.items()]
    return "With marks: " + "; ".join(parts) + "."


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 118; max-width: 100%; height: auto; max-height: 90%; border: round $accent; padding: 0 1; background: $surface; }
    HelpScreen Static { width: 100%; height: auto; }
    """

    def __init__(self, keys_of: type[Screen[Any]], *, keymap: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.keys_of = keys_of
        self.keymap = keymap or {}

    def compose(self) -> ComposeResult:
        # Under 110 columns the "with marks" column would wrap every row: a sentence instead.
        wide = self.app.size.width >= 110
        with VerticalScroll() as box:
            box.border_title = "Keys"
            yield Static(help_table(self.keys_of, self.keymap, with_marks=wide))
            if not wide:
                yield Static(marks_note())


def markdown_key_table(screen_class: type[Screen[Any]]) -> str:
    """The README's key table, from the same sources as the help screen."""
    lines = ["| key | action | allowed when | with marks |", "|---|---|---|---|"]
    for spec in ACTIONS:
        what = f"{spec.long_label} ({spec.note})" if spec.note else spec.long_label
        lines.append(f"| `{spec.key}` | {what} | {spec.allowed_text()} | {spec.marks_text()} |")
    for key, text in screen_keys(screen_class):
        lines.append(f"| `{key}` | {text} | | |")
    for key, text in [*TABLE_KEYS, *WIDGET_KEYS]:
        lines.append(f"| `{key}` | {text} | | |")
    return "\n".join(lines)


def markdown_picker_table(screen_class: type[Screen[Any]]) -> str:
    """The README's table of the environment picker's keys, with the id a keymap remaps."""
    lines = ["| key | what | keymap id |", "|---|---|---|"]
    for binding in screen_class.BINDINGS:
        if isinstance(binding, Binding):
            lines.append(f"| `{key_text(binding.key)}` | {binding.tooltip or binding.description} | `{binding.id}` |")
    return "\n".join(lines)
