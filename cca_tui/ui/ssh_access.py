"""How to reach an instance with ssh, and the command that does it. No Textual here.

Paths in, best first: an address with static NAT to the instance (every port maps, so 22),
a port forwarding rule to its port 22, then its private IP through the profile's jump host.
The command is the profile's `ssh_command` template filled in after `command_safety` checked
every value from the server; copy and run both go through `ssh_plan`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from cca_tui.api.client import ComputeScope
from cca_tui.api.errors import CloudCAError
from cca_tui.api.models import Instance, InstancePublicIp, PortForwardingRule
from cca_tui.ui.command_safety import SshTarget, UnsafeCommand, shell_line, ssh_argv
from cca_tui.ui.forms.fingerprint import local_public_keys, same_fingerprint
from cca_tui.ui.safe_text import printable

DEFAULT_USER = "root"


@dataclass(frozen=True)
class Route:
    host: str
    port: str
    via: str  # "static NAT", "port forwarding", "private IP through <jump>"


def public_routes(
    instance: Instance, rules: list[PortForwardingRule], public_ips: list[InstancePublicIp] | None = None
) -> list[Route]:
    """The public ways to the instance's port 22, static NAT first (raw server values)."""
    routes = []
    for ip in (instance.public_ips or []) if public_ips is None else public_ips:
        if "STATIC_NAT" in ip.purposes and ip.ip_address:
            routes.append(Route(ip.ip_address, "22", "static NAT"))
    for rule in rules:
        if rule.instance_id not in (None, instance.id):
            continue
        if rule.private_port_start != "22" or not rule.ip_address:
            continue
        routes.append(Route(rule.ip_address, rule.public_port_start or "22", "port forwarding"))
    return routes


@dataclass(frozen=True)
class SshPlan:
    """Either an argv to run (and its shell line to copy), or why there is none."""

    argv: list[str] | None = None
    route: Route | None = None
    refusal: str | None = None

    @property
    def line(self) -> str:
        return shell_line(self.argv) if self.argv else ""


def ssh_plan(
    instance: Instance,
    rules: list[PortForwardingRule],
    *,
    template: str | None = None,
    jump_host: str | None = None,
    identity: str | None = None,
    public_ips: list[InstancePublicIp] | None = None,
) -> SshPlan:
    """The ssh command for this instance, or a refusal in the operator's words."""
    name = printable(instance.name, limit=40)
    routes = public_routes(instance, rules, public_ips)
    jump = None
    if not routes:
        if not jump_host:
            return SshPlan(
                refusal=f"No way in to {name}: no static NAT, no port forwarding to 22, "
                "and no ssh_jump_host in the profile to reach its private IP"
            )
        if not instance.ip_address:
            return SshPlan(refusal=f"No way in to {name}: it has no private IP for the jump host to reach")
        routes = [Route(instance.ip_address, "22", f"private IP through {jump_host}")]
        jump = jump_host
    route = routes[0]
    target = SshTarget(instance.username or DEFAULT_USER, route.host, route.port, jump=jump, identity=identity)
    try:
        return SshPlan(argv=ssh_argv(target, template), route=route)
    except UnsafeCommand as exc:
        return SshPlan(route=route, refusal=f"Refused to build an ssh command for {name}: {exc}")


async def identity_for(compute: ComputeScope, instance: Instance, ssh_dir: Path) -> str | None:
    """The local private key whose public half is the instance's key, if the operator has it.

    Only an offer (`-i`): any failure to find one just leaves ssh to its own defaults.
    """
    if not instance.ssh_key_name:
        return None
    try:
        keys = await compute.list_ssh_keys()
    except CloudCAError:
        return None
    fingerprint = next((key.fingerprint for key in keys if key.name == instance.ssh_key_name), None)
    local = await asyncio.to_thread(local_public_keys, ssh_dir)
    for mine in local:
        if same_fingerprint(fingerprint, mine.fingerprint):
            private = mine.path.with_suffix("")
            if private.is_file():
                return str(private)
    return None


async def prepare_ssh(
    compute: ComputeScope,
    instance_id: str,
    *,
    template: str | None,
    jump_host: str | None,
    ssh_dir: Path,
) -> tuple[Instance, SshPlan]:
    """Fetch what ssh needs now (the instance, its rules, its key) and plan the command."""
    instance, rules = await asyncio.gather(
        compute.get_instance(instance_id), compute.list_port_forwarding_rules(instance_id=instance_id)
    )
    identity = await identity_for(compute, instance, ssh_dir)
    return instance, ssh_plan(instance, rules, template=template, jump_host=jump_host, identity=identity)
