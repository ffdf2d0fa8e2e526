"""The detail pane: every attribute of the selected instance, its public IPs, NICs and rules.

It follows the environment's view (bound with data_bind): what the list knows is shown at
once, and the full retrieve with the NICs and port forwarding rules is fetched when the
cursor has rested on an instance for DETAIL_DEBOUNCE seconds, or when its state changes.
Every server value goes through `safe`: shown literally, control characters escaped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Static

from cca_tui.api.client import ComputeScope
from cca_tui.api.errors import CloudCAError
from cca_tui.api.models import Instance, InstancePublicIp, Nic, PortForwardingRule
from cca_tui.fleet.identity import EnvironmentRef, environment_of, located
from cca_tui.ui.errors import describe_error
from cca_tui.ui.format import memory_text, ssh_commands, state_style
from cca_tui.ui.safe_text import safe
from cca_tui.ui.state import EnvironmentView

# The pane waits this long after the cursor stops before it asks the server.
DETAIL_DEBOUNCE = 0.25


@dataclass
class InstanceDetail:
    """What the pane shows; `complete` once the full retrieve and the side lists are in."""

    instance: Instance
    nics: list[Nic] = field(default_factory=list)
    rules: list[PortForwardingRule] = field(default_factory=list)
    complete: bool = False
    error: str | None = None

    @property
    def key(self) -> Hashable:
        """The row shown (environment and id)."""
        return self.instance.key


def _attributes(instance: Instance) -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(overflow="fold")
    rows: list[tuple[str, RenderableType | str | None]] = [
        ("Name", instance.name),
        ("State", safe(instance.state, state_style(instance.state))),
        ("ID", instance.id),
        ("Hostname", instance.hostname),
        ("Username", instance.username),
        ("Private IP", instance.ip_address),
        ("MAC", instance.mac_address),
        ("Offering", instance.compute_offering_name),
        (
            "vCPU / RAM",
            f"{instance.cpu_count if instance.cpu_count is not None else '?'} / {memory_text(instance.memory_in_mb)}",
        ),
        ("Template", instance.template_name),
        ("Zone", instance.zone_name),
        ("Network", instance.network_name),
        ("VPC", instance.vpc_name),
        ("Password", {True: "enabled", False: "disabled", None: None}[instance.is_password_enabled]),
        ("SSH key", instance.ssh_key_name),
        ("Affinity", ", ".join(instance.affinity_group_ids) or "none"),
    ]
    for label, value in rows:
        if value is not None and value != "":
            table.add_row(label, value if isinstance(value, Text) else safe(value))
    if instance.user_data:
        table.add_row("User data", safe(instance.user_data, "dim", limit=200, keep_newlines=True))
    return table


def _identifiers(instance: Instance) -> Table:
    """The ids an operator pastes into scripts: last, they are long and rarely read."""
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(overflow="fold")
    for label, value in (
        ("Template", instance.template_id),
        ("Offering", instance.compute_offering_id),
        ("Network", instance.network_id),
        ("VPC", instance.vpc_id),
        ("Zone", instance.zone_id),
    ):
        if value:
            table.add_row(label, safe(value))
    return table


def _section(title: str) -> Text:
    return Text(f"\n{title}", style="bold underline")


def _listing(
    title: str, rows: list | None, *, known: bool, error: str | None, table: Callable[[list], list[RenderableType]]
) -> list[RenderableType]:
    """A titled section: 'loading…' until known, 'none' when empty, else its table."""
    parts: list[RenderableType] = [_section(title)]
    if not known:
        parts.append(Text("unknown" if error else "loading…", style="dim"))
    elif not rows:
        parts.append(Text("none", style="dim"))
    else:
        parts.extend(table(rows))
    return parts


def _public_ips_table(public_ips: list[InstancePublicIp]) -> list[RenderableType]:
    ips = Table("IP", "Purposes", "Ports", box=None, padding=(0, 1), header_style="bold")
    for ip in public_ips:
        ips.add_row(safe(ip.ip_address or "?"), safe(", ".join(ip.purposes) or "-"), safe(", ".join(ip.ports) or "-"))
    return [ips]


def _nics_table(nics: list[Nic]) -> list[RenderableType]:
    table = Table("", "IP", "Network", "Secondary IPs", box=None, padding=(0, 1), header_style="bold")
    for nic in nics:
        secondary = ", ".join(s.ip_address or "?" for s in nic.secondary_ips) or "-"
        table.add_row(
            "*" if nic.is_default else "",
            safe(nic.ip_address or "?"),
            safe(nic.network_name or nic.network_id or "?"),
            safe(secondary),
        )
    return [table, Text("* default NIC", style="dim")]


def _rules_table(instance: Instance) -> Callable[[list[PortForwardingRule]], list[RenderableType]]:
    def build(rules: list[PortForwardingRule]) -> list[RenderableType]:
        table = Table("Public", "", "Private", "Proto", box=None, padding=(0, 1), header_style="bold")
        for rule in rules:
            public = f"{rule.ip_address}:{_ports(rule.public_port_start, rule.public_port_end)}"
            private = f"{rule.private_ip or instance.ip_address or '?'}:{_ports(rule.private_port_start, rule.private_port_end)}"
            table.add_row(safe(public), "→", safe(private), safe((rule.protocol or "").upper()))
        return [table]

    return build


def render_detail(detail: InstanceDetail) -> RenderableType:
    instance = detail.instance
    parts: list[RenderableType] = [_attributes(instance)]
    commands = ssh_commands(instance, detail.rules)
    if commands:
        parts.append(_section("SSH"))
        parts.extend(safe(command, "bold green") for command in commands)
    parts += _listing(
        "Public IPs",
        instance.public_ips,
        known=instance.public_ips is not None,
        error=detail.error,
        table=_public_ips_table,
    )
    parts += _listing(
        "NICs", detail.nics, known=detail.complete or bool(detail.nics), error=detail.error, table=_nics_table
    )
    parts += _listing(
        "Port forwarding",
        detail.rules,
        known=detail.complete or bool(detail.rules),
        error=detail.error,
        table=_rules_table(instance),
    )
    parts.append(_section("IDs"))
    parts.append(_identifiers(instance))
    if detail.error:
        parts.append(Text("\n") + safe(detail.error, "bold red"))
    return Group(*parts)


def _ports(start: str | None, end: str | None) -> str:
    if start and end and start != end:
        return f"{start}-{end}"
    return start or end or "?"


class DetailPane(VerticalScroll):
    DEFAULT_CSS = """
    DetailPane { border: round $primary-darken-1; border-title-color: $text; padding: 0 1; }
    DetailPane > #detail-body { width: 1fr; }
    """

    view: reactive[EnvironmentView | None] = reactive(None, init=False)

    def __init__(self, compute_for: Callable[[EnvironmentRef], ComputeScope], **kwargs) -> None:
        super().__init__(**kwargs)
        # The app's data layer: the compute scope of the environment a row lives in.
        self.compute_for = compute_for
        self.border_title = "Details"
        self.detail: InstanceDetail | None = None
        self._debounce: Timer | None = None
        # The (row key, state) last fetched or being fetched: one request per change.
        self._fetched: tuple[Hashable, str] | None = None

    def compose(self):
        yield Static(Text("No instance selected", style="dim"), id="detail-body")

    def watch_view(self, view: EnvironmentView | None) -> None:
        selected = view.selected if view is not None else None
        if selected is None:
            self._cancel_pending()
            self._fetched = None
            self.show(None)
            return
        shown = self.detail
        if shown is None or shown.key != selected.key:
            self.show(InstanceDetail(instance=selected))  # what the list knows, at once
        if self._fetched != (selected.key, selected.state):
            self._fetch_soon(selected)

    def reload(self) -> None:
        """Fetch the selected instance again (a task on it ended: renamed, re-keyed...)."""
        view = self.view
        selected = view.selected if view is not None else None
        if selected is not None:
            self._fetch_soon(selected)

    def _cancel_pending(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None

    def _fetch_soon(self, instance: Instance) -> None:
        self._cancel_pending()
        self._fetched = (instance.key, instance.state)
        self._debounce = self.set_timer(DETAIL_DEBOUNCE, lambda: self._load(instance))

    @property
    def fetch_pending(self) -> bool:
        """A fetch is due (debounce running) or under way: tests wait for it to end."""
        return self._debounce is not None

    @work(exclusive=True, group="detail", exit_on_error=False)
    async def _load(self, row: Instance) -> None:
        self._debounce = None
        environment = environment_of(row)
        if environment is None:
            return  # a row no loader placed (cannot happen in the app): nowhere to ask
        compute = self.compute_for(environment)
        instance_id = row.id
        try:
            fetched, nics, rules = await asyncio.gather(
                compute.get_instance(instance_id),
                compute.list_nics(instance_id=instance_id),
                compute.list_port_forwarding_rules(instance_id=instance_id),
            )
        except CloudCAError as exc:
            if self._still_selected(row.key):
                current = self.detail.instance if self.detail else None
                if current is not None and current.key == row.key:
                    self.show(InstanceDetail(instance=current, error=describe_error(exc)))
            return
        if self._still_selected(row.key):
            instance = located(fetched, environment)
            self.show(InstanceDetail(instance=instance, nics=nics, rules=rules, complete=True))

    def _still_selected(self, key: Hashable) -> bool:
        view = self.view
        return view is not None and view.selected_key == key

    def show(self, detail: InstanceDetail | None) -> None:
        self.detail = detail
        body = self.query_one("#detail-body", Static)
        if detail is None:
            body.update(Text("No instance selected", style="dim"))
            self.border_title = "Details"
            return
        self.border_title = safe(detail.instance.name, limit=50)
        body.update(render_detail(detail))

    def on_unmount(self) -> None:
        self._cancel_pending()
