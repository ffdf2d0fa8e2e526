"""What a task's result says about its instance: the row it makes, or nothing.

On SUCCESS, the server's task result is the operation's result: for most operations on an
instance (start, stop, reboot, recover, a destroy without purge, an update, a change of
offering, network or key) and for a create, the instance as it is now; for a password reset
an object with the password; for a purge (or a destroy with purge) only the id. When the
result is the task's own instance, the screen patches that row at once instead of reloading
its environment's whole list.

The result is untrusted server data: it is read as the instance loader reads a listed row
(each string cut to its bound, an over-long id refused, nulls taken as absent, validated by
the same model, placed in the task's environment), and anything else (not an object, another
instance's id, no state, a value of the wrong type) is no row at all: the caller reloads the
list, as it always did. No Textual here.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from cca_tui.api.field_caps import FieldTooLong
from cca_tui.fleet.identity import EnvironmentRef, LocatedInstance
from cca_tui.ui.loading import kept_row

# Fields of a retrieved instance that a listed row does not have (the seed: list items lack
# userData, publicIps and nics), and the Go client's secrets: a row made from a result holds
# what a row made from the list would. The public IPs a row shows come from the environment's
# public IP list, joined by the loader: the screen keeps the row's own.
NOT_IN_A_ROW = frozenset(
    {
        "userData",
        "user_data",
        "publicIps",
        "publicIPs",
        "public_ips",
        "nics",
        "password",
        "publicKey",
        "public_key",
    }
)


def instance_in_result(result: Any, environment: EnvironmentRef, instance_id: str | None) -> LocatedInstance | None:
    """The row of `instance_id` in `environment` as the task's `result` gives it, or None when
    the result is not that instance (or cannot be read as a listed row would be)."""
    if instance_id is None or not isinstance(result, dict):
        return None
    # Its own instance, with a state: a result about another instance, or one that does not
    # say the state, does not say what became of this row.
    if result.get("id") != instance_id or not isinstance(result.get("state"), str):
        return None
    row = {key: value for key, value in result.items() if key not in NOT_IN_A_ROW}
    try:
        kept = kept_row(row)
        return LocatedInstance.model_validate(kept, context={"environment": environment})
    except (ValidationError, FieldTooLong):
        return None
