"""How each environment of a view stands: loaded, loading, stale, or never loaded. No Textual.

An environment that failed on its first page has no rows to mark STALE: the table cannot
show it, so the status line names it and `E` lists every environment of the view with its
state, its row count, when it was last loaded and why it is not (a reload is one Enter away).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cca_tui.fleet.identity import EnvironmentRef
from cca_tui.ui.state import EnvironmentView, LoadProgress

LOADED, LOADING, STALE, NOT_LOADED = "loaded", "loading", "STALE", "NOT LOADED"


@dataclass(frozen=True)
class EnvironmentHealth:
    environment: EnvironmentRef
    state: str
    rows: int
    refreshed: datetime | None = None
    reason: str | None = None
    progress: LoadProgress | None = None
    # Rows of its last list that could not be read (not shown): the status line may have
    # had no room for it.
    unreadable: str | None = None

    @property
    def in_trouble(self) -> bool:
        return self.state in (STALE, NOT_LOADED)

    def describe(self) -> str:
        """One line: its state, its rows and when, and why not (the server's words)."""
        rows = f"{self.rows} row" + ("" if self.rows == 1 else "s")
        parts = [self.state, rows]
        if self.refreshed is not None:
            parts.append(f"loaded {self.refreshed:%H:%M:%S}")
        if self.progress is not None:
            total = f"/{self.progress.total}" if self.progress.total else ""
            parts.append(f"loading {self.progress.received}{total}…")
        if self.reason:
            parts.append(self.reason)
        if self.unreadable:
            parts.append(self.unreadable)
        return " · ".join(parts)


def environment_health(view: EnvironmentView) -> list[EnvironmentHealth]:
    """Every environment of the view, in the view's order, with how it stands."""
    found = []
    for env in view.environments:
        refreshed = view.refreshed.get(env)
        reason = view.stale.get(env)
        if reason is not None:
            state = STALE if refreshed is not None else NOT_LOADED
        elif refreshed is not None:
            state = LOADED
        else:
            state = LOADING
        rows = len(view.by_environment.get(env, {}))
        found.append(
            EnvironmentHealth(
                env, state, rows, refreshed, reason, view.progress.get(env), view.unreadable_rows.get(env)
            )
        )
    return found


def never_loaded(view: EnvironmentView) -> list[EnvironmentRef]:
    """Environments whose every load so far failed: no rows of theirs can say so."""
    return [env for env in view.environments if env in view.stale and env not in view.refreshed]
