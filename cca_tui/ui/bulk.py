"""Bulk actions: one action on every marked row, each row checked against the action's gate.

Pure functions of the view, the action and the settings (no Textual): what will run, what is
skipped and why, grouped by environment, and the words of the confirmation and the summary.
The screen asks the question and hands the runnable rows to the tracker, one task each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cca_tui.api.models import Instance
from cca_tui.fleet.identity import EnvironmentRef
from cca_tui.ui.actions import Action, ActionSpec, refusal
from cca_tui.ui.safe_text import printable
from cca_tui.ui.state import EnvironmentView
from cca_tui.ui.tasks.records import TaskStatus, TrackedTask

# How many names the confirmation lists per environment before "and N more", and how many
# environments (the dialog must keep its buttons on a 24-line terminal).
NAMES_SHOWN = 12
ENVIRONMENTS_SHOWN = 6


@dataclass(frozen=True)
class Skip:
    instance: Instance
    environment: EnvironmentRef
    reason: str  # "web-3 is Stopped"


@dataclass(frozen=True)
class BulkPlan:
    spec: ActionSpec
    runnable: tuple[tuple[EnvironmentRef, Instance], ...]
    skipped: tuple[Skip, ...]

    def environments(self) -> list[EnvironmentRef]:
        """The environments the runnable rows live in, in the order they first appear."""
        return list(dict.fromkeys(env for env, _ in self.runnable))


def plan(
    spec: ActionSpec,
    view: EnvironmentView,
    where: Callable[[Instance], EnvironmentRef],
    *,
    read_only: bool,
    profile: str,
) -> BulkPlan:
    """Split the marked rows into those the action's gate lets through and those it skips."""
    runnable: list[tuple[EnvironmentRef, Instance]] = []
    skipped: list[Skip] = []
    for instance in view.marked_instances:
        busy_with = view.busy.get(instance.key)
        reason = refusal(spec, instance.state, instance.name, read_only=read_only, profile=profile, busy_with=busy_with)
        env = where(instance)
        if reason is None:
            runnable.append((env, instance))
            continue
        if busy_with is None and not read_only:
            reason = f"{instance.name} is {instance.state}"  # the gate's own words repeat the action
        skipped.append(Skip(instance, env, reason))
    return BulkPlan(spec, tuple(runnable), tuple(skipped))


def phrase(spec: ActionSpec, count: int) -> str:
    """ "Stop 3 instances", "Associate an SSH key with 3 instances", "Reset the password of 3 instances"."""
    what = f"{count} instance{'s' if count != 1 else ''}"
    if spec.action == Action.ASSOCIATE_SSH_KEY:
        return f"Associate an SSH key with {what}"
    if spec.action == Action.RESET_PASSWORD:
        return f"Reset the password of {what}"
    if spec.action == Action.CHANGE_OFFERING:
        return f"Change the compute offering of {what}"
    return f"{spec.long_label} {what}"


def _names(names: list[str]) -> str:
    shown = ", ".join(printable(name, limit=40) for name in names[:NAMES_SHOWN])
    return shown + (f" and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else "")


def question(bulk: BulkPlan, is_protected: Callable[[EnvironmentRef], bool]) -> str:
    """The confirmation: how many will run, where, and every skip with its reason, grouped
    by environment."""
    lines = [f"{phrase(bulk.spec, len(bulk.runnable))}:"]
    environments = _protected_first(bulk.environments(), is_protected)
    for env in environments[:ENVIRONMENTS_SHOWN]:
        names = [instance.name for e, instance in bulk.runnable if e == env]
        mark = " (protected)" if is_protected(env) else ""
        lines.append(f"  {printable(str(env), limit=60)}{mark}: {_names(names)}")
    lines.extend(_more(environments, [env for env, _ in bulk.runnable], is_protected))
    if bulk.skipped:
        lines.append(f"Skipped {len(bulk.skipped)}:")
        skipped_in = list(dict.fromkeys(skip.environment for skip in bulk.skipped))
        for env in skipped_in[:ENVIRONMENTS_SHOWN]:
            reasons = [printable(skip.reason, limit=80) for skip in bulk.skipped if skip.environment == env]
            shown = "; ".join(reasons[:NAMES_SHOWN])
            more = f"; and {len(reasons) - NAMES_SHOWN} more" if len(reasons) > NAMES_SHOWN else ""
            lines.append(f"  {printable(str(env), limit=60)}: {shown}{more}")
        lines.extend(_more(skipped_in, [skip.environment for skip in bulk.skipped], lambda _env: False))
    return "\n".join(lines)


def _protected_first(
    environments: list[EnvironmentRef], is_protected: Callable[[EnvironmentRef], bool]
) -> list[EnvironmentRef]:
    """The protected environments first (the question names them before any list is cut),
    each group in its own order."""
    return sorted(environments, key=lambda env: not is_protected(env))


def _more(
    environments: list[EnvironmentRef], rows: list[EnvironmentRef], is_protected: Callable[[EnvironmentRef], bool]
) -> list[str]:
    """The line for the environments past ENVIRONMENTS_SHOWN: how many, how many rows, protected or not."""
    rest = environments[ENVIRONMENTS_SHOWN:]
    if not rest:
        return []
    count = sum(1 for env in rows if env in set(rest))
    protected = sum(1 for env in rest if is_protected(env))
    mark = f", {protected} of them protected" if protected else ""
    return [f"  and {len(rest)} more environments ({count} instances{mark})"]


def skip_reasons(bulk: BulkPlan, *, fleet: bool) -> list[str]:
    """Each skip's reason; in a fleet with where it is (a web-3 is in every environment)."""
    return [f"{skip.reason} in {skip.environment}" if fleet else skip.reason for skip in bulk.skipped]


def reasons_line(reasons: list[str]) -> str:
    """The first NAMES_SHOWN reasons, then how many more: one notification, not a screenful."""
    shown = "; ".join(printable(reason, limit=80) for reason in reasons[:NAMES_SHOWN])
    return shown + (f"; and {len(reasons) - NAMES_SHOWN} more" if len(reasons) > NAMES_SHOWN else "")


def summary(label: str, records: Iterable[TrackedTask], skipped: Iterable[str]) -> str:
    """One line for the end of a batch: how many succeeded, failed, were not done, are unknown."""
    counts = {"succeeded": 0, "failed": 0, "not done": 0, "unknown": 0}
    for record in records:
        if record.status == TaskStatus.SUCCESS:
            counts["succeeded"] += 1
        elif record.status in (TaskStatus.FAILED, TaskStatus.REFUSED):
            counts["failed"] += 1
        elif record.status == TaskStatus.NOT_DONE:
            counts["not done"] += 1
        else:
            counts["unknown"] += 1
    text = f"{label}: " + ", ".join(f"{n} {what}" for what, n in counts.items())
    skips = list(skipped)
    if skips:
        text += f"; {len(skips)} skipped ({reasons_line(skips)})"
    if counts["failed"] or counts["unknown"]:
        text += ". Each one's outcome is in the task log (t)"
    if counts["not done"]:
        text += ". R retries the not-done ones"
    return text
