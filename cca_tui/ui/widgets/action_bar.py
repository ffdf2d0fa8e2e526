"""A row of buttons, one per action of the action table, enabled only where it is allowed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.app import ComposeResult
from textual.containers import HorizontalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button

from cca_tui.ui.actions import ACTIONS, Action, availability
from cca_tui.ui.keys import first_key_text
from cca_tui.ui.safe_text import safe
from cca_tui.ui.state import EnvironmentView


class ActionBar(HorizontalScroll):
    DEFAULT_CSS = """
    ActionBar { height: 1; background: $panel; scrollbar-size-horizontal: 0; }
    ActionBar Button { margin: 0 0 0 0; min-width: 0; }
    /* More than a shade: under 16 colours or NO_COLOR a disabled action is struck through
       and not bold (Textual's own difference is bold bright white vs bold white). */
    ActionBar Button:disabled { text-style: strike; }
    """

    view: reactive[EnvironmentView | None] = reactive(None, init=False)

    class Chosen(Message):
        def __init__(self, action: Action) -> None:
            self.action = action
            super().__init__()

    def __init__(
        self, *, profile: str, read_only: bool, keymap: Mapping[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.keymap: Mapping[str, str] = keymap or {}
        self.profile = profile
        self.read_only = read_only
        self._shown: dict[Action, str | None] | None = None  # the availability the buttons show

    def compose(self) -> ComposeResult:
        for spec in ACTIONS:
            # Out of the Tab order: each has its key, and Tab should go table <-> detail pane.
            # The key as the user's keymap has it: the button says what to press.
            button = Button(
                f"{first_key_text(spec.binding_id, spec.key, self.keymap)} {spec.label}",
                id=f"action-{spec.action.value}",
                compact=True,
                variant="success" if spec.action is Action.CREATE else "default",
            )
            button.can_focus = False
            yield button

    def watch_view(self, view: EnvironmentView | None) -> None:
        if view is None:
            return
        available = availability(view, read_only=self.read_only, profile=self.profile)
        if available == self._shown:
            return  # a task elsewhere, a page loaded: the selection's actions are the same
        self._shown = available
        for action, reason in available.items():
            button = self.query_one(f"#action-{action.value}", Button)
            button.disabled = reason is not None
            button.tooltip = safe(reason) if reason else None

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Chosen(Action((event.button.id or "").removeprefix("action-"))))
