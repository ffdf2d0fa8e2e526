"""Watching: changes nobody here made are news.

Between two complete loads of one environment, an instance that entered Error, disappeared,
or left Running is news, unless a task of ours may have done it (the caller says which rows
our tasks touched since the earlier load began). Pure: the screen calls it after each load
and notifies; the profile's `watch` setting says which kinds to report (none: off).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass

from cca_tui.api.models import Instance, InstanceState

ENTERED_ERROR = "error"
DISAPPEARED = "gone"
LEFT_RUNNING = "left-running"
WATCH_KINDS = (ENTERED_ERROR, DISAPPEARED, LEFT_RUNNING)


@dataclass(frozen=True)
class Change:
    """One instance's change behind our back, in the operator's words."""

    key: Hashable
    name: str
    kind: str
    what: str


def changes_behind_our_back(
    before: Mapping[Hashable, Instance] | None,
    after: Mapping[Hashable, Instance],
    *,
    ours: Collection[Hashable],
    kinds: Collection[str] = WATCH_KINDS,
    candidates: Iterable[Hashable] | None = None,
) -> list[Change]:
    """What changed between two complete lists of one environment that we did not do.

    `before` None (the first load) has nothing to compare with: no news. `candidates`: the
    keys whose instance may differ between the two (None: every key of `before`); a loader
    that knows what changed saves a walk through every instance of the environment.
    """
    if before is None or not kinds:
        return []
    changes = []
    keys = before.keys() if candidates is None else candidates
    for key in keys:
        old = before.get(key)
        if old is None or key in ours:
            continue
        new = after.get(key)
        if new is None:
            if DISAPPEARED in kinds:
                changes.append(Change(key, old.name, DISAPPEARED, "disappeared"))
        elif new is old:
            continue  # unchanged rows keep their object (see cca_tui/ui/loading.py)
        elif new.state == InstanceState.ERROR and old.state != InstanceState.ERROR:
            if ENTERED_ERROR in kinds:
                changes.append(Change(key, new.name, ENTERED_ERROR, f"entered Error (was {old.state})"))
        elif old.state == InstanceState.RUNNING and new.state != InstanceState.RUNNING and LEFT_RUNNING in kinds:
            changes.append(Change(key, new.name, LEFT_RUNNING, f"left Running (now {new.state})"))
    return changes
