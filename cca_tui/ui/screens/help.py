"""`?`: every key, and which states each action needs."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from cca_tui.api.gates import ALLOWED_STATES
from cca_tui.ui.actions import INSTANCE_ACTIONS

OTHER_KEYS = (
    ("n", "New instance"),
    ("/", "Filter by name, state or IP (Esc clears)"),
    ("Tab", "Table <-> detail pane (Esc: back to the table)"),
    ("< >", "Sort by the previous / next column"),
    ("!", "Reverse the sort order (or click a column header)"),
    ("c", "Copy the ssh command of the selected instance"),
    ("ctrl+r", "Refresh now"),
    ("ctrl+e", "Switch environment"),
    ("t", "Show / hide the task log"),
    ("z", "Show / hide the detail pane"),
    ("ctrl+p", "Command palette"),
    ("?", "This help"),
    ("q", "Quit"),
)


def help_table() -> Table:
    table = Table("Key", "Action", "Allowed when", box=None, padding=(0, 2), header_style="bold")
    for spec in INSTANCE_ACTIONS:
        table.add_row(spec.key, spec.action.label, ", ".join(ALLOWED_STATES[spec.action]))
    for key, text in OTHER_KEYS:
        table.add_row(key, text, "")
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 92; max-width: 100%; height: auto; max-height: 90%; border: round $accent; padding: 0 1; background: $surface; }
    HelpScreen Static { width: 100%; height: auto; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = "Keys"
            yield Static(help_table())
