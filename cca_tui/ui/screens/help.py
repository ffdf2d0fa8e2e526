"""`?`: every key of the instance screen, derived from the action table and the screen's bindings."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from cca_tui.ui.actions import ACTIONS

# Keys that are not bindings of the screen but of the widgets or the app.
WIDGET_KEYS = (
    ("Tab", "Table <-> detail pane (Esc: back to the table)"),
    ("ctrl+p", "Command palette"),
    ("ctrl+q", "Quit"),
)
# How Textual names some keys, and how an operator reads them.
KEY_NAMES = {
    "slash": "/",
    "question_mark": "?",
    "less_than_sign": "<",
    "greater_than_sign": ">",
    "exclamation_mark": "!",
    "escape": "Esc",
}


def key_text(key: str) -> str:
    return ", ".join(KEY_NAMES.get(k.strip(), k.strip()) for k in key.split(","))


def screen_keys(screen_class: type[Screen]) -> list[tuple[str, str]]:
    """The screen's bindings other than the actions, as (key, description)."""
    action_keys = {spec.key for spec in ACTIONS}
    keys = []
    for binding in screen_class.BINDINGS:
        if isinstance(binding, Binding) and binding.key not in action_keys:
            keys.append((key_text(binding.key), binding.tooltip or binding.description))
    return keys


def help_table(screen_class: type[Screen]) -> Table:
    table = Table("Key", "Action", "Allowed when", box=None, padding=(0, 2), header_style="bold")
    for spec in ACTIONS:
        what = f"{spec.long_label} ({spec.note})" if spec.note else spec.long_label
        table.add_row(spec.key, what, spec.allowed_text())
    for key, text in [*screen_keys(screen_class), *WIDGET_KEYS]:
        table.add_row(key, text, "")
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 100; max-width: 100%; height: auto; max-height: 90%; border: round $accent; padding: 0 1; background: $surface; }
    HelpScreen Static { width: 100%; height: auto; }
    """

    def __init__(self, keys_of: type[Screen]) -> None:
        super().__init__()
        self.keys_of = keys_of

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = "Keys"
            yield Static(help_table(self.keys_of))


def markdown_key_table(screen_class: type[Screen]) -> str:
    """The README's key table, from the same sources as the help screen."""
    lines = ["| key | action | allowed when |", "|---|---|---|"]
    for spec in ACTIONS:
        what = f"{spec.long_label} ({spec.note})" if spec.note else spec.long_label
        lines.append(f"| `{spec.key}` | {what} | {spec.allowed_text()} |")
    for key, text in screen_keys(screen_class):
        lines.append(f"| `{key}` | {text} | |")
    for key, text in WIDGET_KEYS:
        lines.append(f"| `{key}` | {text} | |")
    return "\n".join(lines)
