"""Registering and deleting SSH keys."""

from __future__ import annotations

import subprocess
from pathlib import Path

from cca_tui.sim import errors
from cca_tui.sim.sshkeys import SEED_PUBLIC_KEYS
from tests.sim.simhelp import PROD, Api, the_error

NEW_KEY = SEED_PUBLIC_KEYS["legacy"]


def test_register_answers_a_task_whose_result_is_the_key(api: Api) -> None:
    result = api.succeed(api.post(f"{PROD}/sshkeys", {"name": "laptop", "publicKey": NEW_KEY}))
    assert result["name"] == "laptop"
    assert api.data(f"{PROD}/sshkeys/laptop") == result


def test_fingerprint_matches_ssh_keygen(api: Api, tmp_path: Path) -> None:
    result = api.succeed(api.post(f"{PROD}/sshkeys", {"name": "laptop", "publicKey": NEW_KEY}))
    key_file = tmp_path / "key.pub"
    key_file.write_text(NEW_KEY + "\n")
    try:
        out = subprocess.run(
            ["ssh-keygen", "-l", "-E", "md5", "-f", str(key_file)], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return  # no ssh-keygen here; test_listing checks the MD5 arithmetic directly
    assert f"MD5:{result['fingerprint']}" in out


def test_register_refusals(api: Api) -> None:
    existing = api.data(f"{PROD}/sshkeys")[0]["name"]
    the_error(api.post(f"{PROD}/sshkeys", {"name": existing, "publicKey": NEW_KEY}), 400, errors.DUPLICATE_NAME)
    error = the_error(api.post(f"{PROD}/sshkeys", {"name": "x", "publicKey": "not a key"}), 400, errors.INVALID_FIELD)
    assert error["context"] == {"field": "publicKey"}
    error = the_error(api.post(f"{PROD}/sshkeys", {"publicKey": NEW_KEY}), 400, errors.MISSING_FIELD)
    assert error["context"] == {"field": "name"}
    the_error(api.post(f"{PROD}/sshkeys", {"name": "x"}), 400, errors.MISSING_FIELD)


def test_delete_by_name_or_id(api: Api) -> None:
    first, second = api.data(f"{PROD}/sshkeys")[:2]
    api.succeed(api.delete(f"{PROD}/sshkeys/{first['name']}"))
    api.succeed(api.delete(f"{PROD}/sshkeys/{second['id']}"))
    names = {k["name"] for k in api.data(f"{PROD}/sshkeys")}
    assert first["name"] not in names and second["name"] not in names
    the_error(api.get(f"{PROD}/sshkeys/{first['name']}"), 404, errors.ENTITY_NOT_FOUND)
