"""Every operation refused outside its states, with the API's exact 2012 shape."""

from __future__ import annotations

import pytest

from cca_tui.sim import errors
from tests.sim.simhelp import PROD, Api, the_error

# (operation, a seeded instance in a refused state, its state, the states the gate expects)
REFUSALS = [
    ("start", "web-1", "Running", ["Stopped"]),
    ("start", "old-reports", "Destroyed", ["Stopped"]),
    ("stop", "web-3", "Stopped", ["Running"]),
    ("stop", "win-build", "Error", ["Running"]),
    ("reboot", "old-reports", "Destroyed", ["Running", "Stopped"]),
    ("reboot", "win-build", "Error", ["Running", "Stopped"]),
    ("purge", "web-1", "Running", ["Destroyed"]),
    ("recover", "web-3", "Stopped", ["Destroyed"]),
    ("changeComputeOffering", "old-reports", "Destroyed", ["Running", "Stopped"]),
    ("resetPassword", "win-build", "Error", ["Running", "Stopped"]),
    ("changeNetwork", "old-reports", "Destroyed", ["Running", "Stopped"]),
    ("associateSSHKey", "win-build", "Error", ["Running", "Stopped"]),
]


@pytest.mark.parametrize(("operation", "name", "state", "expected"), REFUSALS)
def test_operation_refused_in_wrong_state(api: Api, operation: str, name: str, state: str, expected: list[str]) -> None:
    instance = api.instance(name)
    assert instance["state"] == state
    error = the_error(api.operate(instance["id"], operation, {}), 400, errors.WRONG_STATE)
    assert error["context"] == {
        "id": instance["id"],
        "currentState": state,
        "expectedStates": expected,
        "type": "instances",
    }
    assert api.instance(name)["state"] == state


def test_destroy_refused_when_destroyed(api: Api) -> None:
    instance = api.instance("old-reports")
    error = the_error(api.delete(f"{PROD}/instances/{instance['id']}"), 400, errors.WRONG_STATE)
    assert error["context"]["expectedStates"] == ["Running", "Stopped", "Error"]


def test_update_refused_outside_running_and_stopped(api: Api) -> None:
    instance = api.instance("win-build")
    error = the_error(api.put(f"{PROD}/instances/{instance['id']}", {"name": "x"}), 400, errors.WRONG_STATE)
    assert error["context"]["expectedStates"] == ["Running", "Stopped"]


def test_unknown_operation_is_400_naming_it(api: Api) -> None:
    instance = api.instance("web-1")
    error = the_error(api.operate(instance["id"], "teleport"), 400, errors.UNKNOWN_OPERATION)
    assert "teleport" in error["message"]


def test_reset_password_refused_without_password(api: Api) -> None:
    keyonly = next(
        i for i in api.data(f"{PROD}/instances") if not i["isPasswordEnabled"] and i["state"] in ("Running", "Stopped")
    )
    the_error(api.operate(keyonly["id"], "resetPassword"), 400, errors.PASSWORD_NOT_ENABLED)
