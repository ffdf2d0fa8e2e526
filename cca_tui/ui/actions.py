"""The instance actions: one entry each, and everything else is derived from it.

An entry says the action's key, its short label (buttons) and long label (help, palette,
task log), the instance states it is allowed in, and what runs it: an operation sent at once
(optionally after a confirmation) or a form. The action bar, the key bindings, the help
screen, the command palette and the README's key table are all built from ACTIONS.

A new action is one more entry here (and a form in `cca_tui/ui/forms` when it needs one).

Gates: the seed (shared/seed/instances.md) states those of start, stop, reboot, destroy,
purge and recover. For the operations it does not gate we offer them on Running and Stopped
instances and let the server judge; its error is shown as it comes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from cca_tui.api.client import is_path_segment
from cca_tui.api.models import InstanceState

if TYPE_CHECKING:
    from cca_tui.ui.forms.base import FormContext, FormScreen
    from cca_tui.ui.state import EnvironmentView

    FormFactory = Callable[[FormContext], FormScreen]

RUNNING, STOPPED, ERROR, DESTROYED = (
    InstanceState.RUNNING,
    InstanceState.STOPPED,
    InstanceState.ERROR,
    InstanceState.DESTROYED,
)


class Action(StrEnum):
    """Values are the API's operation names (`?operation=NAME`); create/destroy/update are verbs."""

    CREATE = "create"
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
    def spec(self) -> ActionSpec:
        return SPEC_BY_ACTION[self]

    @property
    def label(self) -> str:
        return SPEC_BY_ACTION[self].long_label


class ForMarked(StrEnum):
    """What an action does when rows are marked (k9s habits: the marks are the selection)."""

    # (Values: the help's and the README's "with marks" column.)
    EACH = "each"  # every marked instance, each checked against the gate
    ONE_ENVIRONMENT = "each, one env"  # the same; its choice is an environment's
    ONE_AT_A_TIME = "one at a time"  # refused with marks (ActionSpec.one_at_a_time says why)


@dataclass(frozen=True)
class Operation:
    """POST instances/{id}?operation=NAME at once; `confirm` asks first (title, question, button)."""

    confirm: tuple[str, str, str] | None = None
    reveal_password: bool = False


@dataclass(frozen=True)
class OpenForm:
    """Open the form `build` makes from the action's context (its environment, instance or
    instances, the app's data layer); the form sends, the tracker follows."""

    build: FormFactory


# The forms' factories. Each imports its form when called: the forms pull in Textual, and
# this table must not (it is read by the README script, the config checks and the tests).


def create_form(context: FormContext) -> FormScreen:
    from cca_tui.ui.forms.create_instance import CreateInstanceForm

    return CreateInstanceForm(context)


def destroy_form(context: FormContext) -> FormScreen:
    from cca_tui.ui.forms.destroy import DestroyForm

    return DestroyForm(context)


def purge_form(context: FormContext) -> FormScreen:
    from cca_tui.ui.forms.purge import PurgeForm

    return PurgeForm(context)


def change_offering_form(context: FormContext) -> FormScreen:
    from cca_tui.ui.forms.change_offering import ChangeOfferingForm

    return ChangeOfferingForm(context)


def change_network_form(context: FormContext) -> FormScreen:
    from cca_tui.ui.forms.change_network import ChangeNetworkForm

    return ChangeNetworkForm(context)


def associate_key_form(context: FormContext) -> FormScreen:
    from cca_tui.ui.forms.associate_key import AssociateKeyForm

    return AssociateKeyForm(context)


def rename_form(context: FormContext) -> FormScreen:
    from cca_tui.ui.forms.rename import RenameForm

    return RenameForm(context)


@dataclass(frozen=True)
class ActionSpec:
    action: Action
    key: str
    label: str
    long_label: str
    # States the instance must be in; None: the action needs no instance (create).
    allowed: tuple[InstanceState, ...] | None
    run: Operation | OpenForm
    # What the help and the README say about it, beyond the label.
    note: str = ""
    # False where the seed states no gate and the server decides.
    seed_gated: bool = True
    # States that show the action took effect, when its task's outcome could not be read.
    leads_to: tuple[str, ...] = ()
    # With marks: every marked instance, or one at a time (and why, in the operator's words).
    for_marked: ForMarked = ForMarked.EACH
    one_at_a_time: str = ""

    @property
    def binding_id(self) -> str:
        """Its key binding's id, for the keymap of the config file: "stop", "associate_ssh_key"."""
        return self.long_label.lower().replace(" ", "_")

    def marks_text(self) -> str:
        """What it does with marked rows, for the help and the README ("" for create)."""
        return "" if self.allowed is None else self.for_marked.value

    def allowed_text(self) -> str:
        if self.allowed is None:
            return "any time"
        states = ", ".join(self.allowed)
        return states if self.seed_gated else f"{states} (server decides)"


_UNGATED = (RUNNING, STOPPED)

ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec(Action.CREATE, "n", "New", "Create", None, OpenForm(create_form), "a new instance"),
    ActionSpec(Action.START, "s", "Start", "Start", (STOPPED,), Operation(), leads_to=("Starting", "Running")),
    ActionSpec(Action.STOP, "x", "Stop", "Stop", (RUNNING,), Operation(), leads_to=("Stopping", "Stopped")),
    ActionSpec(
        Action.REBOOT, "r", "Reboot", "Reboot", (RUNNING, STOPPED), Operation(), "the simulator brings a Stopped one up"
    ),
    ActionSpec(
        Action.DESTROY,
        "d",
        "Destroy",
        "Destroy",
        (RUNNING, STOPPED, ERROR),
        OpenForm(destroy_form),
        "purge, snapshots, public IPs, volumes",
        leads_to=("Destroyed", "Expunging"),
    ),
    ActionSpec(
        Action.PURGE,
        "p",
        "Purge",
        "Purge",
        (DESTROYED,),
        OpenForm(purge_form),
        "type the name to confirm",
        leads_to=("Expunging",),
    ),
    ActionSpec(Action.RECOVER, "v", "Recover", "Recover", (DESTROYED,), Operation(), leads_to=("Stopped",)),
    ActionSpec(
        Action.CHANGE_OFFERING,
        "o",
        "Offering",
        "Change offering",
        _UNGATED,
        OpenForm(change_offering_form),
        "reboots the instance",
        seed_gated=False,
        # The offerings are an environment's: one choice for all needs one environment.
        for_marked=ForMarked.ONE_ENVIRONMENT,
    ),
    ActionSpec(
        Action.RESET_PASSWORD,
        "w",
        "Password",
        "Reset password",
        _UNGATED,
        Operation(
            confirm=(
                "Reset password",
                "Reset the password of {user} on {name}?\nThe new password is shown once.",
                "Reset password",
            ),
            reveal_password=True,
        ),
        "the new password is shown once",
        seed_gated=False,
    ),
    ActionSpec(
        Action.CHANGE_NETWORK,
        "m",
        "Network",
        "Change network",
        _UNGATED,
        OpenForm(change_network_form),
        "drops port forwarding; reboots",
        seed_gated=False,
        for_marked=ForMarked.ONE_AT_A_TIME,
        one_at_a_time="the networks an instance can join depend on its own VPC and zone",
    ),
    ActionSpec(
        Action.ASSOCIATE_SSH_KEY,
        # Not `k`: that moves up (vim), and a key on the home row must not open a form that sends.
        "K",
        "SSH key",
        "Associate SSH key",
        _UNGATED,
        OpenForm(associate_key_form),
        seed_gated=False,
    ),
    ActionSpec(
        Action.UPDATE,
        "e",
        "Rename",
        "Rename",
        _UNGATED,
        OpenForm(rename_form),
        "a hostname change reboots",
        seed_gated=False,
        for_marked=ForMarked.ONE_AT_A_TIME,
        one_at_a_time="a name is one instance's",
    ),
)
SPEC_BY_ACTION = {spec.action: spec for spec in ACTIONS}
# The actions on the selected instance (all but create).
INSTANCE_ACTIONS = tuple(spec for spec in ACTIONS if spec.allowed is not None)


def refusal(
    spec: ActionSpec,
    instance_state: str | None,
    instance_name: str | None,
    *,
    read_only: bool,
    profile: str,
    busy_with: str | None = None,
    instance_id: str | None = None,
) -> str | None:
    """Why this action can't be taken now, in the operator's words; None when it can.

    Decided locally and sends nothing. `busy_with` is the action of ours already in flight on
    the instance, if any. `instance_id` is checked to be usable in a URL: an empty id (or
    `.`, `..`) would address the collection, so every action on it is refused.
    """
    if read_only:
        return f"Profile '{profile}' is read-only: {spec.long_label} is disabled"
    if spec.allowed is None:
        return None
    if instance_state is None or instance_name is None:
        return f"{spec.long_label}: no instance selected"
    if instance_id is not None and not is_path_segment(instance_id):
        return f"{spec.long_label}: {instance_name} has no usable id ({instance_id!r}); nothing is sent"
    if busy_with is not None:
        return f"{instance_name} is busy: {busy_with} in progress"
    if instance_state in spec.allowed:
        return None
    return f"{spec.long_label} needs {' or '.join(spec.allowed)}; {instance_name} is {instance_state}"


def marks_refusal(spec: ActionSpec, environments: int) -> str | None:
    """Why an action does not take marked rows at all (whatever their states); None when it
    does. `environments`: how many environments the marked rows are in."""
    if spec.for_marked is ForMarked.ONE_AT_A_TIME:
        return f"{spec.long_label} is one instance at a time ({spec.one_at_a_time}): clear the marks (u) first"
    if spec.for_marked is ForMarked.ONE_ENVIRONMENT and environments > 1:
        return (
            f"{spec.long_label} on marked rows needs them in one environment (one choice for all); "
            f"they are in {environments}"
        )
    return None


@dataclass(frozen=True)
class Availability:
    """An action now: why not (None: allowed), and with marks how many of them it would take."""

    refusal: str | None
    marked: int | None = None  # None: no marks, the action is for the selected row


@dataclass(frozen=True)
class _MarkedSummary:
    """The marked rows, counted once for every action: by state (those free to act on), how
    many are busy or have no usable id, and how many environments they are in."""

    total: int
    free_by_state: dict[str, int]
    busy: int
    environments: int

    @classmethod
    def of(cls, view: EnvironmentView) -> _MarkedSummary:
        free: dict[str, int] = {}
        total = busy = 0
        environments = set()
        for key in view.marked:
            instance = view.instances.get(key)
            if instance is None:
                continue
            total += 1
            environments.add(getattr(key, "environment", None))
            if key in view.busy:
                busy += 1
            elif is_path_segment(instance.id):  # else refused whatever the action (no usable id)
                free[instance.state] = free.get(instance.state, 0) + 1
        return cls(total, free, busy, len(environments))


def marked_availability(spec: ActionSpec, view: EnvironmentView, *, read_only: bool, profile: str) -> Availability:
    """The action on the marked rows: how many it would take, or why it takes none."""
    return _marked(spec, _MarkedSummary.of(view), read_only=read_only, profile=profile)


def _marked(spec: ActionSpec, marked: _MarkedSummary, *, read_only: bool, profile: str) -> Availability:
    if read_only:
        return Availability(f"Profile '{profile}' is read-only: {spec.long_label} is disabled", 0)
    why = marks_refusal(spec, marked.environments)
    if why is not None:
        return Availability(why, 0)
    assert spec.allowed is not None
    count = sum(marked.free_by_state.get(state, 0) for state in spec.allowed)
    if count:
        return Availability(None, count)
    states = " or ".join(spec.allowed)
    if marked.busy == marked.total:
        return Availability(f"{spec.long_label}: every marked instance is busy with an action of ours", 0)
    return Availability(f"{spec.long_label} needs {states}; none of the {marked.total} marked is", 0)


def selection_refusal(spec: ActionSpec, view: EnvironmentView, *, read_only: bool, profile: str) -> str | None:
    """Why this action can't be taken on the view's selection now; None when it can. With
    marks, the selection is the marked rows: allowed when the action takes at least one.

    The one place availability is decided: the key bindings, the action bar, the command
    palette and the app all ask here (or `availability`, for every action at once).
    """
    if view.marked and spec.allowed is not None:
        return marked_availability(spec, view, read_only=read_only, profile=profile).refusal
    instance = view.selected
    return refusal(
        spec,
        instance.state if instance else None,
        instance.name if instance else None,
        read_only=read_only,
        profile=profile,
        busy_with=view.busy.get(instance.key) if instance else None,
        instance_id=instance.id if instance else None,
    )


def availability(view: EnvironmentView, *, read_only: bool, profile: str) -> dict[Action, Availability]:
    """Every action for the view's selection, or for its marked rows (counted once for all)."""
    marked = _MarkedSummary.of(view) if view.marked else None
    result: dict[Action, Availability] = {}
    for spec in ACTIONS:
        if marked is not None and spec.allowed is not None:
            result[spec.action] = _marked(spec, marked, read_only=read_only, profile=profile)
        else:
            result[spec.action] = Availability(selection_refusal(spec, view, read_only=read_only, profile=profile))
    return result
