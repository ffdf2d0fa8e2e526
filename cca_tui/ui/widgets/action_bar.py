"""A row of buttons, one per action of the action table, enabled only where it is allowed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.app import ComposeResult
from textual.containers import HorizontalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button

from cca_tui.ui.actions import ACTIONS, Action, Availability, availability
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
    /* With marks the buttons carry counts ("Stop 12"): two rows, as on a narrow terminal. */
    ActionBar.-marked { layout: grid; grid-size: 6; grid-gutter: 0; height: 2; }
    """

    # repaint=False: each button redraws itself when its own state changes; a repaint of
    # the bar on every new view (every key) would draw it for nothing.
    view: reactive[EnvironmentView | None] = reactive(None, init=False, repaint=False)

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
        # Each button's label without a count ("x Stop"), and what the buttons were last set from.
        self._labels = {
            spec.action: f"{first_key_text(spec.binding_id, spec.key, self.keymap)} {spec.label}" for spec in ACTIONS
        }
        self._answered_for: tuple[tuple[object, ...], object] | None = None
        self._shown: dict[Action, Availability] | None = None  # the availability the buttons show

    def compose(self) -> ComposeResult:
        for spec in ACTIONS:
            # Out of the Tab order: each has its key, and Tab should go table <-> detail pane.
            # The key as the user's keymap has it: the button says what to press.
            button = Button(
                self._labels[spec.action],
                id=f"action-{spec.action.value}",
                compact=True,
                variant="success" if spec.action is Action.CREATE else "default",
            )
            button.can_focus = False
            yield button

    def watch_view(self, view: EnvironmentView | None) -> None:
        if view is None:
            return
        self.set_class(bool(view.marked), "-marked")
        # The answer depends on these alone (with marks, not on the cursor): a selection
        # move over 10,000 marked rows does not count them again.
        # (Compared by identity: a view's mappings are replaced, never changed in place.)
        inputs = (view.marked, view.busy, view.instances)
        selected = None if view.marked else view.selected_key
        last = self._answered_for
        if (
            last is not None
            and all(new is old for new, old in zip(inputs, last[0], strict=True))
            and selected == last[1]
        ):
            return
        self._answered_for = (inputs, selected)
        available = availability(view, read_only=self.read_only, profile=self.profile)
        if available == self._shown:
            return  # a task elsewhere, a page loaded: the selection's actions are the same
        self._shown = available
        for action, answer in available.items():
            button = self.query_one(f"#action-{action.value}", Button)
            button.disabled = answer.refusal is not None
            button.tooltip = safe(answer.refusal) if answer.refusal else None
            # "Stop 3": what the marked rows allow, at a glance.
            label = self._labels[action] + (f" {answer.marked}" if answer.marked else "")
            old = str(button.label)
            if old != label:
                button.label = label
                if len(old) != len(label):
                    # A label is only repainted, in the width it had: lay it out again, but
                    # only when its length changed (the first mark, 9 -> 10), not per count.
                    button.refresh(layout=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Chosen(Action((event.button.id or "").removeprefix("action-"))))
