"""What the copy menu offers for one instance, each value checked first. No Textual here.

Everything copied lands in the operator's clipboard and, sooner or later, in a shell: a
value from the server is copied only when it is plainly what it says (an id of letters,
digits and dashes, an IP address, an ssh command built by `ssh_access.ssh_plan`); anything
else is offered greyed out with the reason, never quoted or cleaned up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cca_tui.api.models import Instance, PortForwardingRule
from cca_tui.ui.command_safety import UnsafeCommand, check_host
from cca_tui.ui.safe_text import printable
from cca_tui.ui.ssh_access import SshPlan, public_routes

# Ids of cloud.ca are UUIDs; accept any plain token of that alphabet.
_PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")


@dataclass(frozen=True)
class CopyChoice:
    key: str  # the key that picks it in the menu
    label: str
    value: str | None  # what goes to the clipboard; None when refused
    reason: str = ""  # why nothing can be copied

    @property
    def shown(self) -> str:
        return printable(self.value, limit=80) if self.value is not None else self.reason


def _checked_id(value: str) -> tuple[str | None, str]:
    if _PLAIN_ID.fullmatch(value):
        return value, ""
    return None, f"the id {printable(value, limit=40)!r} is not a plain id"


def _checked_ip(value: str | None, missing: str) -> tuple[str | None, str]:
    if not value:
        return None, missing
    try:
        return check_host(value), ""
    except UnsafeCommand as exc:
        return None, str(exc)


def copy_choices(instance: Instance, rules: list[PortForwardingRule] | None, plan: SshPlan | None) -> list[CopyChoice]:
    """The menu for `instance`: id, private IP, public IP, ssh command.

    `rules` and `plan` are None while the instance's details are still loading.
    """
    choices = [CopyChoice("i", "Instance id", *_checked_id(instance.id))]
    choices.append(CopyChoice("p", "Private IP", *_checked_ip(instance.ip_address, "it has no private IP")))
    if rules is None:
        choices.append(CopyChoice("u", "Public IP", None, "its details are still loading"))
    else:
        routes = public_routes(instance, rules)
        public = routes[0].host if routes else None
        choices.append(CopyChoice("u", "Public IP", *_checked_ip(public, "no static NAT or port forwarding to 22")))
    if plan is None:
        choices.append(CopyChoice("s", "ssh command", None, "its details are still loading"))
    elif plan.argv is None:
        choices.append(CopyChoice("s", "ssh command", None, plan.refusal or "no ssh command"))
    else:
        choices.append(CopyChoice("s", "ssh command", plan.line))
    return choices
