"""`c`: copy the instance's id, private IP, public IP or ssh command (OSC 52).

Each line shows the value exactly as it would be copied (escaped for the screen), or why it
cannot be. The choice is returned to the caller, which copies and says what was sent.
"""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from cca_tui.ui.copy_choices import CopyChoice
from cca_tui.ui.safe_text import printable
from cca_tui.ui.widgets.key_footer import KeyFooter


class CopyMenu(ModalScreen[CopyChoice | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    DEFAULT_CSS = """
    CopyMenu { align: center middle; }
    CopyMenu > Vertical { width: 90; max-width: 100%; height: auto; border: round $accent; padding: 0 1; background: $surface; }
    CopyMenu #copy-title { text-style: bold; }
    CopyMenu OptionList { height: auto; max-height: 12; }
    """

    def __init__(self, instance_name: str, choices: list[CopyChoice]) -> None:
        super().__init__()
        self.instance_name = instance_name
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"Copy from {printable(self.instance_name, limit=60)}"), id="copy-title")
            yield OptionList(
                *(
                    Option(
                        Text.assemble(
                            (f"{choice.key}  ", "bold"),
                            (f"{choice.label:<12} ", ""),
                            (choice.shown, "" if choice.value is not None else "italic dim"),
                        ),
                        id=choice.key,
                        disabled=choice.value is None,
                    )
                    for choice in self.choices
                ),
                id="copy-choices",
            )
        yield KeyFooter()

    def on_key(self, event: events.Key) -> None:
        for choice in self.choices:
            if event.key == choice.key and choice.value is not None:
                event.stop()
                self.dismiss(choice)
                return

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        chosen = next((c for c in self.choices if c.key == event.option.id), None)
        if chosen is not None and chosen.value is not None:
            self.dismiss(chosen)
