"""The instance actions the operator can take: key, label and gate, in one table."""

from __future__ import annotations

from dataclasses import dataclass

from cca_tui.api.gates import Action, refusal


@dataclass(frozen=True)
class ActionSpec:
    action: Action
    key: str
    label: str


INSTANCE_ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec(Action.START, "s", "Start"),
    ActionSpec(Action.STOP, "x", "Stop"),
    ActionSpec(Action.REBOOT, "r", "Reboot"),
    ActionSpec(Action.DESTROY, "d", "Destroy"),
    ActionSpec(Action.PURGE, "p", "Purge"),
    ActionSpec(Action.RECOVER, "v", "Recover"),
    ActionSpec(Action.CHANGE_OFFERING, "o", "Offering"),
    ActionSpec(Action.RESET_PASSWORD, "w", "Password"),
    ActionSpec(Action.CHANGE_NETWORK, "m", "Network"),
    ActionSpec(Action.ASSOCIATE_SSH_KEY, "k", "SSH key"),
    ActionSpec(Action.UPDATE, "e", "Rename"),
)
SPEC_BY_ACTION = {spec.action: spec for spec in INSTANCE_ACTIONS}


def why_not(action: Action, state: str | None, name: str | None, *, read_only: bool, profile: str) -> str | None:
    """Why this action can't be taken now (None when it can). Sends nothing, decides locally."""
    if read_only:
        return f"Profile '{profile}' is read-only: {action.label} is disabled"
    if state is None or name is None:
        return f"{action.label}: no instance selected"
    return refusal(action, state, name)
