"""The actions of the action table as one bar, each enabled only where it is allowed.

It was a row of twelve Buttons: mounting them, styling them and laying them out was the
largest part of the instance screen's first paint (~30 ms of a 90 ms stall of the loop
at 10,000 rows), and each change of availability restyled the buttons it touched. This
is one widget drawn from the answer of `availability`: it looks as the compact buttons
did (" x Stop " on the surface colour, New on the success colour, a refused action struck
through and faded), a click chooses the action under the mouse, and hovering a refused
one says why in a tooltip.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from cca_tui.ui.actions import ACTIONS, Action, Availability, availability
from cca_tui.ui.keys import first_key_text
from cca_tui.ui.safe_text import safe
from cca_tui.ui.state import EnvironmentView

# On two lines (a narrow terminal, or marks whose counts lengthen the labels), the actions
# sit in a grid of this many columns of equal width.
GRID_COLUMNS = 6


@dataclass(frozen=True)
class ActionEntry:
    """One action as the bar shows it."""

    action: Action
    key: str  # its key as the user's keymap has it ("x")
    name: str  # "Stop"
    refusal: str | None  # why it is not allowed now (None: enabled)
    count: int = 0  # with marks: how many of the marked rows it applies to

    @property
    def enabled(self) -> bool:
        return self.refusal is None

    @property
    def label(self) -> str:
        """ "x Stop", with the marked rows' count when there is one ("x Stop 2")."""
        return f"{self.key} {self.name}" + (f" {self.count}" if self.count else "")

    def fitted(self, width: int) -> str:
        """The label between a space each side, in `width` cells at most: when it does not
        fit, the name is cut (with an ellipsis), never the key or the count (a count cut
        would say another number)."""
        tail = f" {self.count}" if self.count else ""
        for text in (f" {self.label} ", f" {self.label}"):
            if len(text) <= width:
                return text
        room = width - len(f" {self.key} …{tail}")
        if room >= 1:
            return f" {self.key} {self.name[:room]}…{tail}"
        for text in (f" {self.key}{tail}", f"{self.key}{tail}"):
            if len(text) <= width:
                return text
        return ""  # not even the key and its count: nothing rather than a wrong number


class ActionBar(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {
        "action-bar--action",
        "action-bar--action-refused",
        "action-bar--action-hover",
        "action-bar--create",
        "action-bar--create-refused",
        "action-bar--create-hover",
    }
    # The colours and text styles of Textual's compact Button (default and success variants,
    # disabled: 60 % text opacity), struck through when refused: under 16 colours or NO_COLOR
    # more than a shade tells a refused action apart.
    DEFAULT_CSS = """
    ActionBar {
        height: auto;
        background: $panel;
        & > .action-bar--action { color: $button-foreground; background: $surface; text-style: bold; }
        & > .action-bar--action-refused {
            color: $button-foreground; background: $surface; text-opacity: 60%; text-style: strike;
        }
        & > .action-bar--create { color: $button-color-foreground; background: $success; text-style: bold; }
        & > .action-bar--create-refused {
            color: $button-color-foreground; background: $success; text-opacity: 60%; text-style: strike;
        }
        & > .action-bar--action-hover { background: $surface-darken-1; }
        & > .action-bar--create-hover { background: $success-darken-2; }
    }
    """

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
        # Each action's key and name, and what the entries were last set from.
        self._names = {
            spec.action: (first_key_text(spec.binding_id, spec.key, self.keymap), spec.label) for spec in ACTIONS
        }
        self._answered_for: tuple[tuple[object, ...], object] | None = None
        self._shown: dict[Action, Availability] | None = None
        self._entries: tuple[ActionEntry, ...] = tuple(
            ActionEntry(spec.action, *self._names[spec.action], None) for spec in ACTIONS
        )
        # With marks the labels carry counts: two lines, whatever the width.
        self._marked = False
        # Where each entry was last drawn (line, first cell, cell after the last), for the mouse.
        self._spans: list[tuple[int, int, int, ActionEntry]] = []
        self._hovered: Action | None = None
        self._pressed: Action | None = None  # where the mouse button went down

    @property
    def entries(self) -> tuple[ActionEntry, ...]:
        """The actions shown, in the action table's order."""
        return self._entries

    def entry(self, action: Action) -> ActionEntry:
        return next(entry for entry in self._entries if entry.action is action)

    def region_of(self, action: Action) -> Region:
        """Where `action` was last drawn, relative to the bar (tests click there)."""
        for y, start, end, entry in self._spans:
            if entry.action is action:
                return Region(start, y, end - start, 1)
        raise LookupError(f"{action} is not drawn")

    def watch_view(self, view: EnvironmentView | None) -> None:
        if view is None:
            return
        if bool(view.marked) is not self._marked:
            self._marked = bool(view.marked)
            self.refresh(layout=True)  # one line or two (see get_content_height)
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
        entries = tuple(
            # "Stop 3": what the marked rows allow, at a glance.
            ActionEntry(action, *self._names[action], answer.refusal, answer.marked or 0)
            for action, answer in available.items()
        )
        if entries != self._entries:
            self._entries = entries
            self._update_tooltip()
            self.refresh()

    # --- drawing ----------------------------------------------------------------------

    def _style_of(self, entry: ActionEntry) -> Style:
        kind = "create" if entry.action is Action.CREATE else "action"
        if not entry.enabled:
            return self.get_component_rich_style(f"action-bar--{kind}-refused")
        style = self.get_component_rich_style(f"action-bar--{kind}")
        if entry.action is self._hovered:
            style += self.get_component_rich_style(f"action-bar--{kind}-hover", partial=True)
        return style

    def _one_line_width(self) -> int:
        """The cells the actions take side by side (the last one's trailing space may go)."""
        return sum(len(entry.label) + 2 for entry in self._entries) - 1

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """One line when every action fits side by side, else two lines of GRID_COLUMNS;
        always two with marks (their counts lengthen the labels as marks come and go)."""
        return 2 if self._marked or self._one_line_width() > width else 1

    def on_resize(self) -> None:
        self._hover(None)  # what was under the mouse may have moved

    def render(self) -> Text:
        width, lines = self.size.width, max(1, self.size.height)
        self._spans = []
        rows: list[Text] = []
        if lines == 1:
            line = Text(no_wrap=True, overflow="crop", end="")
            for entry in self._entries:
                start = line.cell_len
                if start >= width:
                    break
                line.append(f" {entry.label} ", self._style_of(entry))
                self._spans.append((0, start, min(line.cell_len, width), entry))
            rows.append(line)
        else:
            # As Textual's grid placed buttons: column i starts at floor(i * width / columns),
            # each action at the start of its cell, fitted to it.
            starts = [column * width // GRID_COLUMNS for column in range(GRID_COLUMNS + 1)]
            for y in range(lines):
                line = Text(no_wrap=True, overflow="crop", end="")
                for column, entry in enumerate(self._entries[y * GRID_COLUMNS : (y + 1) * GRID_COLUMNS]):
                    start, end = starts[column], starts[column + 1]
                    line.pad_right(start - line.cell_len)
                    text = entry.fitted(end - start)
                    line.append(text, self._style_of(entry))
                    if text:
                        self._spans.append((y, start, start + len(text), entry))
                rows.append(line)
        for line in rows:
            line.truncate(width, overflow="crop", pad=True)
        bar = Text("\n", no_wrap=True, overflow="crop", end="").join(rows)
        bar.stylize_before(Style.null())
        return bar

    # --- the mouse ----------------------------------------------------------------------

    def _entry_at(self, x: int, y: int) -> ActionEntry | None:
        for line, start, end, entry in self._spans:
            if line == y and start <= x < end:
                return entry
        return None

    def _update_tooltip(self) -> None:
        hovered = next((entry for entry in self._entries if entry.action is self._hovered), None)
        # Why a refused action is refused, in the server's words where they are part of it:
        # literal text, never markup.
        self.tooltip = safe(hovered.refusal) if hovered is not None and hovered.refusal else None

    def _hover(self, entry: ActionEntry | None) -> None:
        action = entry.action if entry is not None else None
        if action is not self._hovered:
            self._hovered = action
            self._update_tooltip()
            self.refresh()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._hover(self._entry_at(event.x, event.y))

    def on_leave(self, _event: events.Leave) -> None:
        self._hover(None)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        entry = self._entry_at(event.x, event.y)
        self._pressed = entry.action if entry is not None else None

    def on_click(self, event: events.Click) -> None:
        entry = self._entry_at(event.x, event.y)
        pressed, self._pressed = self._pressed, None
        # Released where it was pressed: a drag from one action to another chooses neither.
        if entry is not None and entry.action is pressed:
            event.stop()
            # A refused action too: the screen says why, as its key would.
            self.post_message(self.Chosen(entry.action))
