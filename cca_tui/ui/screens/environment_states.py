"""`E`: every environment of the view, how it stands and why; Enter reloads the one chosen.

The table cannot show an environment that never loaded (403, 5xx, timeout on its first
page): it has no rows to mark. Here it has a line like every other environment: NOT LOADED
and the server's reason, next to the loaded ones with their row counts. Names and reasons
are server text: shown with `safe`, never as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from cca_tui.fleet.identity import EnvironmentRef
from cca_tui.ui.environment_health import LOADED, LOADING, NOT_LOADED, STALE, EnvironmentHealth
from cca_tui.ui.safe_text import safe
from cca_tui.ui.widgets.key_footer import KeyFooter

STATE_STYLES = {LOADED: "green", LOADING: "yellow", STALE: "bold red", NOT_LOADED: "bold red"}
# Seconds between two looks at how the environments stand, while the screen is open.
FOLLOW_EVERY = 1.0


class EnvironmentStates(ModalScreen[EnvironmentRef | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Close"), Binding("enter", "reload", "Reload it", show=True)]
    AUTO_FOCUS = "#environment-states"
    DEFAULT_CSS = """
    EnvironmentStates { align: center middle; }
    EnvironmentStates > Vertical { width: 110; max-width: 100%; height: auto; border: round $accent; padding: 0 1; background: $surface; }
    EnvironmentStates #environment-states-title { text-style: bold; }
    EnvironmentStates OptionList { height: auto; max-height: 20; }
    """

    def __init__(
        self, health: Sequence[EnvironmentHealth], follow: Callable[[], Sequence[EnvironmentHealth]] | None = None
    ) -> None:
        """`follow`, if given, says how they stand now: the lines follow it while open (a
        refresh that ends, an environment that fails)."""
        super().__init__()
        self.health = list(health)
        self._follow = follow

    def _title(self) -> Text:
        troubled = sum(1 for h in self.health if h.in_trouble)
        return Text(f"{len(self.health)} environments" + (f", {troubled} not up to date" if troubled else ""))

    def _lines(self) -> list[Text]:
        # Names padded to the longest (up to 50 cells), so the states line up.
        width = min(50, max((len(str(h.environment)) for h in self.health), default=0))
        return [
            Text.assemble(
                safe(str(h.environment), limit=50),
                " " * max(2, width - len(str(h.environment)) + 2),
                safe(h.state, STATE_STYLES.get(h.state, "")),
                "  ",
                safe(h.describe().removeprefix(h.state).removeprefix(" · "), limit=300),
            )
            for h in self.health
        ]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._title(), id="environment-states-title")
            yield OptionList(
                *(Option(line, id=str(index)) for index, line in enumerate(self._lines())),
                id="environment-states",
            )
        yield KeyFooter()

    def on_mount(self) -> None:
        # Start on the first environment in trouble: that is what the operator came to see.
        first = next((index for index, h in enumerate(self.health) if h.in_trouble), 0)
        self.query_one(OptionList).highlighted = first
        if self._follow is not None:
            self.set_interval(FOLLOW_EVERY, self._follow_states)

    def _follow_states(self) -> None:
        assert self._follow is not None
        now = list(self._follow())
        if [h.environment for h in now] != [h.environment for h in self.health]:
            return  # (the screen's environments do not change while it lives)
        if [h.describe() for h in now] == [h.describe() for h in self.health]:
            return
        self.health = now
        self.query_one("#environment-states-title", Static).update(self._title())
        options = self.query_one(OptionList)
        for index, line in enumerate(self._lines()):
            options.replace_option_prompt_at_index(index, line)

    def action_reload(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.dismiss(self.health[options.highlighted].environment)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.health[event.option_index].environment)
