"""Which instance operations the reference allows in which states.

The seed (shared/seed/instances.md) states the gates of start, stop, reboot, destroy, purge
and recover. For the operations it does not gate, we offer them on Running and Stopped
instances and let the server judge; its error is shown as it comes.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    START = "start"
    STOP = "stop"
    REBOOT = "reboot"
    DESTROY = "destroy"
    PURGE = "purge"
    RECOVER = "recover"
    CHANGE_OFFERING = "changeComputeOffering"
    RESET_PASSWORD = "resetPassword"
    CHANGE_NETWORK = "changeNetwork"
    ASSOCIATE_SSH_KEY = "associateSSHKey"
    UPDATE = "update"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.START: "Start",
    Action.STOP: "Stop",
    Action.REBOOT: "Reboot",
    Action.DESTROY: "Destroy",
    Action.PURGE: "Purge",
    Action.RECOVER: "Recover",
    Action.CHANGE_OFFERING: "Change offering",
    Action.RESET_PASSWORD: "Reset password",
    Action.CHANGE_NETWORK: "Change network",
    Action.ASSOCIATE_SSH_KEY: "Associate SSH key",
    Action.UPDATE: "Rename",
}

_UNGATED = ("Running", "Stopped")

ALLOWED_STATES: dict[Action, tuple[str, ...]] = {
    Action.START: ("Stopped",),
    Action.STOP: ("Running",),
    Action.REBOOT: ("Running", "Stopped"),
    Action.DESTROY: ("Running", "Stopped", "Error"),
    Action.PURGE: ("Destroyed",),
    Action.RECOVER: ("Destroyed",),
    Action.CHANGE_OFFERING: _UNGATED,
    Action.RESET_PASSWORD: _UNGATED,
    Action.CHANGE_NETWORK: _UNGATED,
    Action.ASSOCIATE_SSH_KEY: _UNGATED,
    Action.UPDATE: _UNGATED,
}

# States an instance passes through while work is in flight: the UI refreshes faster then.
TRANSITIONAL_STATES = frozenset({"Starting", "Stopping", "Expunging", "Migrating", "Destroying", "Creating"})


def is_allowed(action: Action, state: str) -> bool:
    return state in ALLOWED_STATES[action]


def refusal(action: Action, state: str, instance_name: str) -> str | None:
    """Why `action` cannot run now, in the operator's words; None when it can."""
    allowed = ALLOWED_STATES[action]
    if state in allowed:
        return None
    needs = " or ".join(allowed)
    return f"{action.label} needs {needs}; {instance_name} is {state}"
