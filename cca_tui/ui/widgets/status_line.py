"""The status line, one row at every width: profile, environment, counts, sort, marks,
freshness, and what is wrong; on a narrow terminal the least useful give way first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.cells import cell_len
from textual.reactive import reactive
from textual.widgets import Static

from cca_tui.ui.safe_text import printable, safe
from cca_tui.ui.state import EnvironmentView
from cca_tui.ui.status_fit import Segment, fit, segment

# Data older than this many refresh intervals is marked stale even while a load is under way.
STALE_AFTER_INTERVALS = 3

# When the terminal is narrow, the order in which the segments give way (status_fit): the
# lower, the sooner. What the operator must see to act safely goes last or never (the
# protected banner, the profile, READ-ONLY, the marks, a stale environment's name, loading
# progress); what is shown elsewhere goes first (the sort: the column header; the clock and
# the interval: `E` says when each environment was loaded).
RANK_INTERVAL = 10
RANK_REFRESHED_SHORT = 20  # "refreshed 07:46:49" -> "07:46:49"
RANK_SORT = 30
RANK_ENVIRONMENTS_LOADED_SHORT = 32  # "2 of 3 environments loaded" -> "2/3 loaded"
RANK_STALE_SHORT = 33  # the same in fewer words
RANK_COUNT_SHORT = 35  # "6000 instances" -> "6000"
RANK_REFRESHED = 40
RANK_TITLE_SHORT = 45  # "3 environments" -> "3 envs"
RANK_WARNING_SHORT = 55
RANK_COUNT = 60  # the unfiltered count goes; a filter's "120/6000" stays
RANK_TITLE = 62  # "3 envs" goes (the Environment column and `E` say which); one environment's name stays
RANK_STALE_SHORTER = 65  # "STALE 1 of 3 (E): dev: ..." -> "1 STALE (E): dev: ..."
RANK_PROTECTED_SHORT = 80  # "⚠ PROTECTED: compute-qc/dev" -> "⚠ PROTECTED"


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; background: $primary; color: $text; padding: 0 1; }
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
        self._shortest_interval: float | None = None
        # What is drawn now, and at which width: an unchanged line is not drawn again (the
        # line is redrawn every second for the age of the data).
        self._drawn: tuple[str, bool, int] | None = None

    def on_mount(self) -> None:
        # Once a second: the age of the data, so slow loads turn the line red by themselves.
        self.set_interval(1.0, self._redraw)

    def watch_view(self) -> None:
        self._redraw()

    def set_refresh_interval(self, seconds: float, shortest: float | None = None) -> None:
        """The longest refresh interval of the environments shown (what "stale" is judged
        by) and, in a fleet whose environments adapt apart, the shortest: "every 56-161 s"
        (the longest alone read as the fleet's, while rows refreshed sooner)."""
        self.refresh_interval = seconds
        self._shortest_interval = shortest
        self._redraw()

    def _age_reason(self, view: EnvironmentView, now: datetime) -> str | None:
        if view.last_refresh is None or self.refresh_interval is None or view.loading is None:
            return None
        age = (now - view.last_refresh).total_seconds()
        if age > STALE_AFTER_INTERVALS * max(self.refresh_interval, 1.0):
            return f"data {age:.0f} s old, still loading"
        return None

    def on_resize(self) -> None:
        # Another width: the line is fitted to it again.
        self._redraw()

    def _stale_segment(self, view: EnvironmentView, age: str | None) -> Segment | None:
        """What is wrong with the data: the full sentence, then the same in fewer words; the
        last may lose the end of the server's reason (`E` shows all of it), never the name
        of the first environment in trouble."""
        problems = [p for p in (view.stale_reason, age) if p]
        if not problems:
            return None
        full = safe("STALE: " + "; ".join(problems))
        if view.is_fleet and view.stale:
            env, reason = next(iter(view.stale.items()))
            name = printable(str(env), limit=40)
            not_loaded = "" if env in view.refreshed else ": not loaded"
            said = f"{not_loaded}: " + "; ".join([reason, *([age] if age else [])])
            count, total = len(view.stale), len(view.environments)
            shorter = f"{count} STALE (E): {name}"
            return segment(
                full,
                safe(f"STALE {count} of {total} (E): {name}{said}"),
                safe(shorter + said),
                ranks=[RANK_STALE_SHORT, RANK_STALE_SHORTER],
                keep=cell_len(shorter),  # down to the environment's name
            )
        # One environment: the status line names it already.
        return segment(full, safe("STALE (E): " + "; ".join(problems)), ranks=[RANK_STALE_SHORT], keep=23)

    def _segments(self, view: EnvironmentView, now: datetime) -> tuple[list[Segment], bool]:
        """The line's segments in the order read, each with how it gives way when the
        terminal is narrow (status_fit); and whether the data is stale."""
        total = len(view.instances)
        segments = []
        if self.protected:
            # First, so a narrow terminal still shows it: every action here asks.
            forms = list(dict.fromkeys([self.protected_label, "⚠ PROTECTED"]))
            segments.append(segment(*forms, ranks=[RANK_PROTECTED_SHORT] * (len(forms) - 1)))
        # The profile stays (which key acts here is shown nowhere else); a long name is cut.
        segments.append(segment(safe(self.profile), keep=12))
        if view.is_fleet:
            count = len(view.environments)
            segments.append(segment(view.title, f"{count} envs", "", ranks=[RANK_TITLE_SHORT, RANK_TITLE]))
        else:
            segments.append(segment(safe(view.title), keep=16))
        if view.is_filtered:
            shown = f"{len(view.rows)}/{total}"
            segments.append(segment(f"{shown} instances", shown, ranks=[RANK_COUNT_SHORT]))
        else:
            segments.append(segment(f"{total} instances", str(total), "", ranks=[RANK_COUNT_SHORT, RANK_COUNT]))
        segments.append(segment(f"{view.sort_column}{'▼' if view.sort_reverse else '▲'}", "", ranks=[RANK_SORT]))
        if view.marked:
            # The next action applies to every marked row: say how many, and how many the filter hides.
            hidden = view.marked_hidden_count
            segments.append(segment(f"✓ {len(view.marked)} marked" + (f" ({hidden} hidden)" if hidden else "")))
        if self.read_only:
            segments.append(segment("READ-ONLY"))
        if view.is_fleet:
            # The fleet's first load: the count and "refreshed" are those of the environments
            # in so far, so say how many are still to come.
            waiting = sum(1 for env in view.environments if env not in view.refreshed and env not in view.stale)
            if waiting:
                loaded, count = len(view.environments) - waiting, len(view.environments)
                segments.append(
                    segment(
                        f"{loaded} of {count} environments loaded",
                        f"{loaded}/{count} loaded",
                        ranks=[RANK_ENVIRONMENTS_LOADED_SHORT],
                    )
                )
        if view.loading is not None and view.loading.total:
            # Only a load that knows its size says how far it is; a quick refresh says nothing
            # unless the operator asked for it.
            segments.append(segment(f"loading {view.loading.received}/{view.loading.total}…"))
        elif view.loading is not None and view.loading.asked:
            segments.append(segment("refreshing…"))
        if view.last_refresh is not None:
            at = f"{view.last_refresh:%H:%M:%S}"
            segments.append(segment(f"refreshed {at}", at, "", ranks=[RANK_REFRESHED_SHORT, RANK_REFRESHED]))
        elif view.loading is None and not view.stale_reason:
            segments.append(segment("loading…"))
        if self.refresh_interval is not None:
            shortest = self._shortest_interval
            spread = "" if shortest is None or shortest >= self.refresh_interval else f"{shortest:g}-"
            segments.append(segment(f"every {spread}{self.refresh_interval:g} s", "", ranks=[RANK_INTERVAL]))
        age = self._age_reason(view, now)
        stale = self._stale_segment(view, age)
        if stale is not None:
            segments.append(stale)
        if view.unreadable:
            # Cut down to "N row(s) could not be read" at least; `E` shows the rest.
            segments.append(segment(safe(view.unreadable), keep=26))
        if self.warning:
            # "plain http: the API key is sent unencrypted" -> "plain http" (the picker says all).
            segments.append(segment(f"⚠ {self.warning}", f"⚠ {self.warning.split(':')[0]}", ranks=[RANK_WARNING_SHORT]))
        return segments, stale is not None

    def _redraw(self) -> None:
        view = self.view
        if view is None:
            return
        now = self.app.clock() if hasattr(self.app, "clock") else datetime.now()
        segments, stale = self._segments(view, now)
        # Before the first layout the line has no width yet: the terminal's is a good guess
        # (a resize fits it again).
        width = self.content_region.width or self.app.size.width - 2
        line = fit(segments, width)
        if self._drawn == (line.plain, stale, width):
            return
        # One row whatever its text: an update never lays the screen out again.
        self.update(line, layout=False)
        self.set_class(stale, "stale")
        self._drawn = (line.plain, stale, width)
