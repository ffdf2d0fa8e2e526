"""What each instance operation does: its state gate, its transitional states, and
the change it makes when its task completes.

Each operation checks and validates everything first (refusals come back at once
as a 400, as on the real API), then shows its transitional state and starts a task.
Lasting changes happen in task steps, so a failed task (World.fail_next_task)
leaves the instance as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import validation as v
from .entities import Instance, Volume
from .environment import Environment
from .errors import (
    MISSING_FIELD,
    PASSWORD_NOT_ENABLED,
    TASK_IN_PROGRESS,
    UNKNOWN_OPERATION,
    SimError,
    invalid_field,
    wrong_state,
)
from .provisioning import acquire_public_ip, forward_port, now_iso, provision_instance
from .tasks import Task
from .views import instance_detail
from .world import World

RUNNING, STOPPED, STARTING, STOPPING = "Running", "Stopped", "Starting", "Stopping"
DESTROYED, EXPUNGING, ERROR = "Destroyed", "Expunging", "Error"
HALFWAY = 0.5  # share of the task delay at which a reboot turns from Stopping to Starting

# Gates from the seed; where it states none, the server allows Running and Stopped.
GATES: dict[str, list[str]] = {
    "start": [STOPPED],
    "stop": [RUNNING],
    "reboot": [RUNNING, STOPPED],
    "destroy": [RUNNING, STOPPED, ERROR],
    "purge": [DESTROYED],
    "recover": [DESTROYED],
    "changeComputeOffering": [RUNNING, STOPPED],
    "resetPassword": [RUNNING, STOPPED],
    "changeNetwork": [RUNNING, STOPPED],
    "associateSSHKey": [RUNNING, STOPPED],
    "update": [RUNNING, STOPPED],
}


def admit(world: World, instance: Instance, operation: str) -> None:
    """Refuse an operation on a busy instance or one in the wrong state."""
    if instance.busy_task_id:
        task = world.tasks.tasks.get(instance.busy_task_id)
        if task is not None and task.status == "PENDING":
            raise SimError(
                400,
                TASK_IN_PROGRESS,
                f"The instance is busy with '{task.operation}' (task {task.id}); try again when it finishes.",
                {"id": instance.id, "type": "instances", "taskId": task.id, "operation": task.operation},
            )
    expected = GATES[operation]
    if instance.state not in expected:
        raise wrong_state(instance.id, instance.state, expected)


def _setter(instance: Instance, state: str) -> Callable[[], None]:
    def apply() -> None:
        instance.state = state

    return apply


def _transition(
    world: World,
    env: Environment,
    instance: Instance,
    operation: str,
    *,
    reboot_if_running: bool,
    change: Callable[[], None] = lambda: None,
    result: Callable[[], Any] | None = None,
) -> Task:
    """Apply `change` to an instance, passing through Stopping/Starting when it must reboot.

    A Running instance that must reboot: Stopping now, `change` and Starting halfway,
    Running at the end. Otherwise the state stays and `change` lands at the end.
    """
    prior = instance.state
    steps: list[tuple[float, Callable[[], None]]] = []
    if reboot_if_running and prior == RUNNING:
        instance.state = STOPPING

        def restart() -> None:
            change()
            instance.state = STARTING

        steps.append((HALFWAY, restart))

        def finish() -> Any:
            instance.state = RUNNING
            return result() if result else instance_detail(env, instance)

    else:

        def finish() -> Any:
            change()
            return result() if result else instance_detail(env, instance)

    return world.start_task(operation, finish, steps, instance, _setter(instance, prior))


# -- create -------------------------------------------------------------------------------


def create(world: World, env: Environment, body: dict[str, Any]) -> Task:
    request = v.create_request(env, body)
    instance = provision_instance(
        env,
        world.ids,
        name=request.name,
        state=STARTING,
        template=request.template,
        offering=request.offering,
        network=request.network,
        cpu_count=request.cpu_count,
        memory_in_mb=request.memory_in_mb,
        root_size_gb=request.root_size_gb,
        ssh_key_name=request.ssh_key_name,
        public_key=request.public_key,
        user_data=request.user_data,
        affinity_group_ids=request.affinity_group_ids,
    )
    if request.disk_offering is not None:
        disk = Volume(
            id=world.ids.uuid(),
            name=f"DATA-{request.name}",
            type="DATA",
            size_gb=request.disk_size_gb or 0,
            zone_id=request.network.zone_id,
            created=now_iso(),
            instance_id=instance.id,
            disk_offering_id=request.disk_offering.id,
            iops=request.disk_iops,
        )
        env.add_volume(disk)
    if request.volume_to_attach:
        env.volumes[request.volume_to_attach].instance_id = instance.id
    if request.ports:
        vpc_id = request.network.vpc_id
        ip = env.free_public_ip(vpc_id) or acquire_public_ip(env, world.ids, vpc_id)
        for port in request.ports:
            forward_port(env, world.ids, ip, instance, port, port)

    def finish() -> Any:
        instance.state = RUNNING
        return instance_detail(env, instance)

    # A deployment that fails leaves the instance in Error, as CloudStack does.
    return world.start_task("create", finish, [], instance, _setter(instance, ERROR))


# -- update (PUT) --------------------------------------------------------------------------


def update(world: World, env: Environment, instance: Instance, body: dict[str, Any]) -> Task:
    admit(world, instance, "update")
    if not v.present(body, "name") and not v.present(body, "hostname"):
        raise SimError(400, MISSING_FIELD, "Give a new 'name' or 'hostname' (or both).", {"field": "name"})
    name = v.instance_name(body["name"]) if v.present(body, "name") else None
    hostname = v.instance_name(body["hostname"], "hostname") if v.present(body, "hostname") else None
    if name is not None:
        v.unique_name(env, name, except_id=instance.id)

    def change() -> None:
        if name is not None:
            instance.name = name
        if hostname is not None:
            instance.hostname = hostname

    hostname_changes = hostname is not None and hostname != instance.hostname
    return _transition(world, env, instance, "update", reboot_if_running=hostname_changes, change=change)


# -- destroy (DELETE), purge, recover --------------------------------------------------------------


def destroy(world: World, env: Environment, instance: Instance, body: dict[str, Any]) -> Task:
    admit(world, instance, "destroy")
    purge = v.boolean(body["purgeImmediately"], "purgeImmediately") if v.present(body, "purgeImmediately") else False
    if v.present(body, "deleteSnapshots"):
        v.boolean(body["deleteSnapshots"], "deleteSnapshots")  # snapshots are not modelled; just validate
    ip_ids = v.string_list(body.get("publicIpIdsToRelease") or [], "publicIpIdsToRelease")
    volume_ids = v.string_list(body.get("volumeIdsToDelete") or [], "volumeIdsToDelete")
    for ip_id in ip_ids:
        ip = env.public_ips.get(ip_id)
        users = set(env.ip_instance_ids(ip)) if ip else set()
        if ip is None or ip.is_source_nat or instance.id not in users:
            raise invalid_field("publicIpIdsToRelease", f"public IP '{ip_id}' is not one of this instance's")
        if users - {instance.id}:
            raise invalid_field("publicIpIdsToRelease", f"public IP '{ip_id}' is also used by another instance")
    for volume_id in volume_ids:
        volume = env.volumes.get(volume_id)
        if volume is None or volume.type != "DATA" or volume.instance_id != instance.id:
            raise invalid_field("volumeIdsToDelete", f"volume '{volume_id}' is not a data volume of this instance")

    prior = instance.state
    steps: list[tuple[float, Callable[[], None]]] = []
    if prior == RUNNING:
        instance.state = STOPPING
        if purge:
            steps.append((HALFWAY, _setter(instance, EXPUNGING)))
    elif purge:
        instance.state = EXPUNGING

    def finish() -> Any:
        for ip_id in ip_ids:
            _release_public_ip(env, ip_id)
        for volume_id in volume_ids:
            env.volumes.pop(volume_id, None)
        for volume in env.volumes_of_instance(instance.id):
            if volume.type == "DATA":
                volume.instance_id = None
        if purge:
            _expunge(env, instance)
            return {"id": instance.id}
        instance.state = DESTROYED
        return instance_detail(env, instance)

    return world.start_task("destroy", finish, steps, instance, _setter(instance, prior))


def purge(world: World, env: Environment, instance: Instance) -> Task:
    admit(world, instance, "purge")
    instance.state = EXPUNGING

    def finish() -> Any:
        _expunge(env, instance)
        return {"id": instance.id}

    return world.start_task("purge", finish, [], instance, _setter(instance, DESTROYED))


def recover(world: World, env: Environment, instance: Instance) -> Task:
    admit(world, instance, "recover")
    return _transition(world, env, instance, "recover", reboot_if_running=False, change=_setter(instance, STOPPED))


def _leave_public_ips(env: Environment, instance_id: str, *, static_nat: bool) -> None:
    """Take the instance out of load balancing rules (and off static NAT if asked)."""
    for ip in env.public_ips.values():
        if instance_id in ip.lb_instance_ids:
            ip.lb_instance_ids.remove(instance_id)
            if not ip.lb_instance_ids:
                ip.lb_ports = []
        if static_nat and ip.static_nat_instance_id == instance_id:
            ip.static_nat_instance_id = None
            ip.network_id = None


def _release_public_ip(env: Environment, ip_id: str) -> None:
    for rule in env.rules_of_ip(ip_id):
        del env.pf_rules[rule.id]
    env.public_ips.pop(ip_id, None)


def _expunge(env: Environment, instance: Instance) -> None:
    """Remove every trace of the instance: it leaves every list and answers 404."""
    for rule in env.rules_of_instance(instance.id):
        del env.pf_rules[rule.id]
    _leave_public_ips(env, instance.id, static_nat=True)
    for nic in env.nics_of_instance(instance.id):
        env.release_private_ip(nic.network_id, nic.ip_address)
        env.remove_nic(nic)
    for volume in env.volumes_of_instance(instance.id):
        if volume.type == "OS":
            del env.volumes[volume.id]
        else:
            volume.instance_id = None
    env.instances.pop(instance.id, None)


# -- start, stop, reboot ------------------------------------------------------------------------


def start(world: World, env: Environment, instance: Instance) -> Task:
    admit(world, instance, "start")
    instance.state = STARTING
    return world.start_task("start", _finisher(env, instance, RUNNING), [], instance, _setter(instance, STOPPED))


def stop(world: World, env: Environment, instance: Instance) -> Task:
    admit(world, instance, "stop")
    instance.state = STOPPING
    return world.start_task("stop", _finisher(env, instance, STOPPED), [], instance, _setter(instance, RUNNING))


def reboot(world: World, env: Environment, instance: Instance) -> Task:
    admit(world, instance, "reboot")
    prior = instance.state
    steps = []
    if prior == RUNNING:
        instance.state = STOPPING
        steps.append((HALFWAY, _setter(instance, STARTING)))
    else:
        instance.state = STARTING
    return world.start_task("reboot", _finisher(env, instance, RUNNING), steps, instance, _setter(instance, prior))


def _finisher(env: Environment, instance: Instance, state: str) -> Callable[[], Any]:
    def finish() -> Any:
        instance.state = state
        return instance_detail(env, instance)

    return finish


# -- changes that may reboot --------------------------------------------------------------------


def change_compute_offering(world: World, env: Environment, instance: Instance, body: dict[str, Any]) -> Task:
    admit(world, instance, "changeComputeOffering")
    offering, cpu, memory = v.compute_offering(env, body)

    def change() -> None:
        instance.compute_offering_id, instance.cpu_count, instance.memory_in_mb = offering.id, cpu, memory

    return _transition(world, env, instance, "changeComputeOffering", reboot_if_running=True, change=change)


def change_network(world: World, env: Environment, instance: Instance, body: dict[str, Any]) -> Task:
    admit(world, instance, "changeNetwork")
    network = v.other_network(env, instance, body)

    def change() -> None:
        for rule in env.rules_of_instance(instance.id):
            del env.pf_rules[rule.id]
        _leave_public_ips(env, instance.id, static_nat=False)
        for ip in env.public_ips.values():
            if ip.network_id == instance.network_id and not env.ip_instance_ids(ip):
                ip.network_id = None
        nic = next(n for n in env.nics_of_instance(instance.id) if n.is_default)
        env.release_private_ip(nic.network_id, nic.ip_address)
        nic.network_id = instance.network_id = network.id
        nic.ip_address = instance.ip_address = env.allocate_private_ip(network)

    return _transition(world, env, instance, "changeNetwork", reboot_if_running=True, change=change)


def reset_password(world: World, env: Environment, instance: Instance) -> Task:
    admit(world, instance, "resetPassword")
    if not instance.is_password_enabled:
        raise SimError(
            400,
            PASSWORD_NOT_ENABLED,
            "This instance does not use a password (its template is key-only).",
            {"id": instance.id, "type": "instances"},
        )
    return _transition(
        world,
        env,
        instance,
        "resetPassword",
        reboot_if_running=False,
        result=lambda: {"password": world.ids.password()},
    )


def associate_ssh_key(world: World, env: Environment, instance: Instance, body: dict[str, Any]) -> Task:
    admit(world, instance, "associateSSHKey")
    name = v.text(v.required(body, "sshKeyName"), "sshKeyName")
    if name not in env.ssh_keys:
        raise invalid_field("sshKeyName", f"no SSH key named '{name}'")

    def change() -> None:
        instance.ssh_key_name = name

    return _transition(world, env, instance, "associateSSHKey", reboot_if_running=False, change=change)


# -- the ?operation= dispatcher ----------------------------------------------------------------

OPERATIONS: dict[str, Callable[[World, Environment, Instance, dict[str, Any]], Task]] = {
    "start": lambda w, e, i, b: start(w, e, i),
    "stop": lambda w, e, i, b: stop(w, e, i),
    "reboot": lambda w, e, i, b: reboot(w, e, i),
    "purge": lambda w, e, i, b: purge(w, e, i),
    "recover": lambda w, e, i, b: recover(w, e, i),
    "changeComputeOffering": change_compute_offering,
    "resetPassword": lambda w, e, i, b: reset_password(w, e, i),
    "changeNetwork": change_network,
    "associateSSHKey": associate_ssh_key,
}


def operate(world: World, env: Environment, instance: Instance, operation: str, body: dict[str, Any]) -> Task:
    handler = OPERATIONS.get(operation)
    if handler is None:
        raise SimError(
            400,
            UNKNOWN_OPERATION,
            f"Unknown operation '{operation}' on instances; known: {', '.join(OPERATIONS)}.",
            {"operation": operation, "type": "instances"},
        )
    return handler(world, env, instance, body)
