"""Pure functions that turn API models into what the operator reads. No Textual here."""

from __future__ import annotations

from cca_tui.api.models import TRANSITIONAL_STATES, Instance, InstancePublicIp, PortForwardingRule

# One style per kind of state, so that a glance at the table tells what needs attention.
STATE_STYLES = {
    "Running": "bold green",
    "Stopped": "bright_black",
    "Destroyed": "red",
    "Expunging": "red",
    "Error": "bold white on red",
}
TRANSITIONAL_STYLE = "bold yellow"


def state_style(state: str) -> str:
    if state in STATE_STYLES:
        return STATE_STYLES[state]
    if state in TRANSITIONAL_STATES:
        return TRANSITIONAL_STYLE
    return "magenta"


def memory_text(memory_in_mb: int | None) -> str:
    if memory_in_mb is None:
        return "?"
    if memory_in_mb >= 1024 and memory_in_mb % 1024 == 0:
        return f"{memory_in_mb // 1024} GB"
    if memory_in_mb >= 1024:
        return f"{memory_in_mb / 1024:.1f} GB"
    return f"{memory_in_mb} MB"


def size_text(instance: Instance) -> str:
    """'2/4 GB': vCPUs and memory, short enough for a table column."""
    if instance.cpu_count is None and instance.memory_in_mb is None:
        return ""
    cpus = instance.cpu_count if instance.cpu_count is not None else "?"
    return f"{cpus}/{memory_text(instance.memory_in_mb)}"


def public_ips_text(public_ips: list[InstancePublicIp] | None) -> str:
    if not public_ips:
        return ""
    return ", ".join(ip.ip_address or "?" for ip in public_ips)


def ssh_commands(
    instance: Instance,
    rules: list[PortForwardingRule],
    public_ips: list[InstancePublicIp] | None = None,
) -> list[str]:
    """The ssh commands to show: `ssh USER@IP` for each static-NAT address of the instance
    (every port maps to the instance, so ssh is on 22), then one per rule forwarding to its
    port 22. `public_ips` defaults to the addresses a retrieved instance carries. Escaped by
    the caller; what is copied or run comes from `ssh_access.ssh_plan`. Shown, a command is
    selected and pasted into a shell all the same: so each value passes the rule of every
    command (command_safety), and a route whose user, address or port is not plainly one
    shows the reason instead ("no ssh command: the user name ... is not a plain user name")."""
    from cca_tui.ui.command_safety import UnsafeCommand, check_host, check_port, check_user
    from cca_tui.ui.ssh_access import public_routes

    lines = []
    for route in public_routes(instance, rules, public_ips):
        try:
            user, host, port = check_user(instance.username or "root"), check_host(route.host), check_port(route.port)
        except UnsafeCommand as exc:
            lines.append(f"no ssh command: {exc}")
            continue
        lines.append(f"ssh {user}@{host}" if route.via == "static NAT" else f"ssh {user}@{host} -p {port}")
    return lines
