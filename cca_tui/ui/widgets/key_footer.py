"""The footer: the keys the focused widget and its screen answer to, on one line.

Textual's `Footer` shows the same keys as one widget per key, and composes them all again
whenever the bindings may have changed: at every change of focus. That was ~150 ms of a
key like `/` or Enter on the instance screen (the footer removed, thirty widgets mounted,
a layout pass of the whole screen), and the same at every screen switch. This footer is one
line drawn from the active bindings: a change of focus that changes them costs a repaint of
that line, one that does not costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual import events
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.screen import Screen


@dataclass(frozen=True)
class FooterEntry:
    """One key as the footer shows it."""

    key: str  # what pressing it sends (`App.simulate_key`)
    key_display: str
    description: str
    action: str
    enabled: bool


class KeyFooter(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {
        "key-footer--item",
        "key-footer--key",
        "key-footer--description",
        "key-footer--disabled",
        "key-footer--separator",
    }
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .key-footer--item { background: $footer-item-background; }
        & > .key-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .key-footer--disabled { text-style: dim; }
        & > .key-footer--separator { color: $foreground 20%; }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._entries: tuple[FooterEntry, ...] = ()
        # The palette's key, drawn at the right end (as Textual's footer docks it there).
        self._palette: FooterEntry | None = None
        # Where each entry was drawn (first cell, cell after the last), for the mouse.
        self._spans: list[tuple[int, int, FooterEntry]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    @property
    def entries(self) -> tuple[FooterEntry, ...]:
        """The keys shown, in order, the palette's last."""
        return (*self._entries, *((self._palette,) if self._palette is not None else ()))

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        entries, palette = self._read(screen)
        if (entries, palette) != (self._entries, self._palette):
            self._entries, self._palette = entries, palette
            self.refresh()

    def _read(self, screen: Screen[object]) -> tuple[tuple[FooterEntry, ...], FooterEntry | None]:
        """What Textual's footer shows: one key per action (the first bound), those marked
        `show`, the palette's key apart."""
        app = self.app
        active = screen.active_bindings
        palette_key = app.COMMAND_PALETTE_BINDING if app.ENABLE_COMMAND_PALETTE else None
        palette: FooterEntry | None = None
        entries: list[FooterEntry] = []
        actions: set[str] = set()
        for key, (_node, binding, enabled, _tooltip) in active.items():
            if key == palette_key:
                palette = FooterEntry(
                    binding.key, app.get_key_display(binding), binding.description, binding.action, enabled
                )
            if not binding.show or binding.action in actions:
                continue
            actions.add(binding.action)
            entries.append(
                FooterEntry(binding.key, app.get_key_display(binding), binding.description, binding.action, enabled)
            )
        if palette is not None:
            entries = [entry for entry in entries if entry.action != palette.action]
        return tuple(entries), palette

    def _entry_text(self, entry: FooterEntry, *, compact: bool = False) -> Text:
        """ " key description " as Textual's footer draws a key; compact (its palette key):
        "key description" with the padding on the right."""
        item = self.get_component_rich_style("key-footer--item", partial=True)
        key = self.get_component_rich_style("key-footer--key", partial=True)
        description = self.get_component_rich_style("key-footer--description", partial=True)
        if compact:
            parts = [(entry.key_display, key), (f" {entry.description}" if entry.description else "", description)]
            parts.append((" ", item))
        else:
            parts = [
                (f" {entry.key_display} ", key),
                (f"{entry.description} " if entry.description else "", description),
            ]
        text = Text.assemble(*parts)
        text.stylize_before(item)
        if not entry.enabled:
            text.stylize(self.get_component_rich_style("key-footer--disabled", partial=True))
        return text

    def render(self) -> Text:
        width = self.size.width
        palette = self._palette
        right = Text()
        if palette is not None:
            right = Text.assemble(("▏", self.get_component_rich_style("key-footer--separator")))
            right.append_text(self._entry_text(palette, compact=True))
        room = max(0, width - right.cell_len)
        line = Text(no_wrap=True, overflow="crop", end="")
        self._spans = []
        for entry in self._entries:
            start = line.cell_len
            text = self._entry_text(entry)
            if start + text.cell_len > room:
                break  # whole keys only: a key cut to "z" reads as another key
            line.append_text(text)
            self._spans.append((start, line.cell_len, entry))
        line.truncate(room, overflow="crop", pad=True)
        if palette is not None and width >= right.cell_len:
            self._spans.append((room + 1, width, palette))
            line.append_text(right)
        line.stylize_before(Style.null())
        return line

    def on_mouse_down(self, event: events.MouseDown) -> None:
        for start, end, entry in self._spans:
            if start <= event.x < end:
                if entry.enabled:
                    self.app.simulate_key(entry.key)
                else:
                    self.app.bell()
                return
