"""The status line: profile, environment, counts, sort, freshness, and what is wrong."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from textual.reactive import reactive
from textual.widgets import Static

from cca_tui.ui.safe_text import safe
from cca_tui.ui.state import EnvironmentView

# Data older than this many refresh intervals is marked stale even while a load is under way.
STALE_AFTER_INTERVALS = 3


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: auto; max-height: 3; background: $primary; color: $text; padding: 0 1; }
    StatusLine.stale { background: $error; }
    StatusLine.protected { background: $warning-darken-2; text-style: bold; }
    StatusLine.protected.stale { background: $error; }
    """

    # repaint=False: `_redraw` updates the line only when its text changes.
    view: reactive[EnvironmentView | None] = reactive(None, init=False, repaint=False)

    def __init__(
        self,
        *,
        profile: str,
        read_only: bool,
        warning: str | None,
        protected: bool = False,
        protected_label: str = "⚠ PROTECTED",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.protected = protected
        # Which of the environments shown are protected, in a fleet ("⚠ PROTECTED: …").
        self.protected_label = protected_label
        self.set_class(protected, "protected")
        self.profile = profile
        self.read_only = read_only
        self.warning = warning
        self.refresh_interval: float | None = None
        # What is drawn now: an unchanged line is not drawn again (the line is redrawn every
        # second for the age of the data), and one that keeps its height needs no layout.
        self._drawn: tuple[str, bool] | None = None
        self._drawn_height: int | None = None

    def on_mount(self) -> None:
        # Once a second: the age of the data, so slow loads turn the line red by themselves.
        self.set_interval(1.0, self._redraw)

    def watch_view(self) -> None:
        self._redraw()

    def set_refresh_interval(self, seconds: float) -> None:
        self.refresh_interval = seconds
        self._redraw()

    def _age_reason(self, view: EnvironmentView, now: datetime) -> str | None:
        if view.last_refresh is None or self.refresh_interval is None or view.loading is None:
            return None
        age = (now - view.last_refresh).total_seconds()
        if age > STALE_AFTER_INTERVALS * max(self.refresh_interval, 1.0):
            return f"data {age:.0f} s old, still loading"
        return None

    def _redraw(self) -> None:
        view = self.view
        if view is None:
            return
        now = self.app.clock() if hasattr(self.app, "clock") else datetime.now()
        total = len(view.instances)
        parts = [
            # First, so a narrow terminal still shows it: every action here asks.
            *([self.protected_label] if self.protected else []),
            self.profile,
            view.title,
            f"{len(view.rows)}/{total} instances" if view.is_filtered else f"{total} instances",
            f"{view.sort_column}{'▼' if view.sort_reverse else '▲'}",
        ]
        if view.marked:
            # The next action applies to every marked row: say how many, and how many the filter hides.
            hidden = view.marked_hidden_count
            parts.append(f"✓ {len(view.marked)} marked" + (f" ({hidden} hidden)" if hidden else ""))
        if self.read_only:
            parts.append("READ-ONLY")
        if view.is_fleet:
            # The fleet's first load: the count and "refreshed" are those of the environments
            # in so far, so say how many are still to come.
            waiting = sum(1 for env in view.environments if env not in view.refreshed and env not in view.stale)
            if waiting:
                parts.append(f"{len(view.environments) - waiting} of {len(view.environments)} environments loaded")
        if view.loading is not None and view.loading.total:
            # Only a load that knows its size says how far it is; a quick refresh says nothing.
            parts.append(f"loading {view.loading.received}/{view.loading.total}…")
        if view.last_refresh is not None:
            parts.append(f"refreshed {view.last_refresh:%H:%M:%S}")
        elif view.loading is None and not view.stale_reason:
            parts.append("loading…")
        if self.refresh_interval is not None:
            parts.append(f"every {self.refresh_interval:g} s")
        problems = [p for p in (view.stale_reason, self._age_reason(view, now)) if p]
        text = " │ ".join(parts)
        if problems:
            text += " │ STALE: " + "; ".join(problems)
        if view.unreadable:
            text += f" │ {view.unreadable}"
        if self.warning:
            text += f" │ ⚠ {self.warning}"
        stale = bool(problems)
        if self._drawn == (text, stale):
            return
        # A layout pass (the whole screen laid out and redrawn) only when the line's height
        # changes: a fleet's first load on a terminal where the line takes two rows changed
        # its text (the count, "loading 2000/5000…") at every showing, each a layout pass.
        # While rows are loading the line does not shrink either: its text grows and shrinks
        # by a few characters at each showing, and the table moved down and up with it.
        content = safe(text, keep_newlines=False)
        self.update(content, layout=False)
        width = self.content_region.width
        height = self.get_content_height(self.container_size, self.app.size, width) if width > 0 else None
        kept = self._drawn_height
        if height is not None and kept is not None and height < kept and view.loading is not None:
            content.append("\n" * (kept - height))
            self.update(content, layout=False)
            height = kept
        if height is None or height != self._drawn_height:
            self.refresh(layout=True)
        self.set_class(stale, "stale")
        self._drawn, self._drawn_height = (text, stale), height
