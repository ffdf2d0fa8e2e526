"""Which environment? Asked before a create in a view of several environments.

The list starts on the environment of the selected row; Enter chooses, Escape cancels.
Environment names are server text: shown with `safe`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from cca_tui.fleet.identity import EnvironmentRef
from cca_tui.ui.safe_text import safe
from cca_tui.ui.widgets.key_footer import KeyFooter

from .dialog import DialogScreen


class ChooseEnvironment(DialogScreen["EnvironmentRef | None"]):
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("enter", "choose", "Choose", show=True)]
    AUTO_FOCUS = "#environments"

    def __init__(
        self,
        environments: Sequence[EnvironmentRef],
        start: EnvironmentRef,
        *,
        title: str = "Create in",
        is_protected: Callable[[EnvironmentRef], bool] = lambda _env: False,
    ) -> None:
        super().__init__()
        self.environments = tuple(environments)
        self.start = start
        self._title = title
        self._is_protected = is_protected

    def _label(self, env: EnvironmentRef) -> str:
        """As the picker and the palette say it: a protected environment is marked."""
        return f"⚠ {env} (protected)" if self._is_protected(env) else str(env)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self._title, id="title", classes="title")
            yield OptionList(
                *(Option(safe(self._label(env), limit=120), id=str(n)) for n, env in enumerate(self.environments)),
                id="environments",
            )
        yield KeyFooter()

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.start in self.environments:
            options.highlighted = self.environments.index(self.start)

    def action_choose(self) -> None:
        highlighted = self.query_one(OptionList).highlighted
        self.dismiss(self.environments[highlighted] if highlighted is not None else None)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.environments[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)
