"""Registering and removing SSH keys. Keys are addressed by name; both changes are
answered as tasks, as the official Go client expects."""

from __future__ import annotations

from typing import Any

from . import validation as v
from .entities import SshKey
from .environment import Environment
from .errors import DUPLICATE_NAME, SimError, invalid_field
from .sshkeys import key_blob, md5_fingerprint
from .tasks import Task
from .views import ssh_key_view
from .world import World


def register(world: World, env: Environment, body: dict[str, Any]) -> Task:
    name = v.text(v.required(body, "name"), "name")
    if not v.NAME_PATTERN.match(name):
        raise invalid_field("name", "use 1 to 63 letters, digits, '-' or '_', starting with a letter or a digit")
    public_key = v.text(v.required(body, "publicKey"), "publicKey")
    fingerprint = md5_fingerprint(key_blob(public_key))
    if name in env.ssh_keys:
        raise SimError(
            400, DUPLICATE_NAME, f"An SSH key named '{name}' already exists.", {"field": "name", "name": name}
        )
    # The key exists at once so a second registration under the same name is refused
    # even while the first task is pending.
    key = SshKey(world.ids.uuid(), name, public_key.strip(), fingerprint)
    env.ssh_keys[name] = key

    def revert() -> None:
        env.ssh_keys.pop(name, None)

    task = world.start_task("registerSSHKey", lambda: ssh_key_view(env, key), revert=revert)
    return task


def delete(world: World, env: Environment, key: SshKey) -> Task:
    def finish() -> Any:
        env.ssh_keys.pop(key.name, None)
        return {"id": key.id, "name": key.name}

    return world.start_task("deleteSSHKey", finish)
