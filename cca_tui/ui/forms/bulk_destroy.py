"""Destroy many marked instances at once, with the destroy form's options for all of them.

Always a typed yes (the count): many instances go at once, perhaps for good. Purge and
delete snapshots apply to each. Public IPs and data volumes are each instance's own: they
are listed per environment (one listing each, not one per instance), and the dialog lists,
per instance, the addresses it would release and the data volumes it would delete, so that
ticking "release" or "delete" never acts on something the operator has not seen. An address
that also serves another instance is kept (the API refuses to release it) and said so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Static

from cca_tui.api.models import Instance, PublicIp, Volume
from cca_tui.fleet.data import FleetData
from cca_tui.fleet.identity import EnvironmentRef
from cca_tui.ui.errors import describe_error
from cca_tui.ui.safe_text import printable, safe
from cca_tui.ui.widgets.tick_box import TickBox

from .confirm import TypedConfirmModal

# Instances listed by name in the dialog before "and N more with ..." (it must keep its
# buttons on a 24-line terminal; the list scrolls).
LISTED = 40


@dataclass(frozen=True)
class Attached:
    """One instance's own public IPs and data volumes, as its environment listed them."""

    releasable: tuple[PublicIp, ...] = ()  # serve this instance alone
    shared: tuple[PublicIp, ...] = ()  # serve others too: kept
    data_volumes: tuple[Volume, ...] = ()


async def attached_in(
    data: FleetData, environment: EnvironmentRef, instances: Sequence[Instance]
) -> dict[Hashable, Attached]:
    """What each of these instances (of one environment) has attached: one listing of the
    environment's public IPs and one of its volumes, read for all of them."""
    listed_ips, volumes = await asyncio.gather(
        data.public_ips(environment),
        # Not filtered by type on the server: the docs write `data`, the Go client `DATA`.
        data.volumes(environment),
    )
    found: dict[Hashable, Attached] = {}
    for instance in instances:
        # Only addresses that say which instances they serve can be told to be this one's.
        ips = [ip for ip in listed_ips if instance.id in ip.instance_ids]
        releasable = tuple(ip for ip in ips if ip.instance_ids == {instance.id} and "SOURCE_NAT" not in ip.purposes)
        shared = tuple(ip for ip in ips if ip not in releasable)
        own = tuple(v for v in volumes if v.instance_id == instance.id and (v.type or "").upper() == "DATA")
        found[instance.key] = Attached(releasable, shared, own)
    return found


@dataclass(frozen=True)
class DestroyOptions:
    purge: bool = False
    delete_snapshots: bool = False
    # Per instance (by row key): the public IPs to release and the data volumes to delete.
    release: Mapping[Hashable, tuple[str, ...]] = field(default_factory=dict)
    delete: Mapping[Hashable, tuple[str, ...]] = field(default_factory=dict)

    def for_instance(self, key: Hashable) -> tuple[list[str], list[str]]:
        return list(self.release.get(key, ())), list(self.delete.get(key, ()))


class BulkDestroyModal(TypedConfirmModal):
    # The question, the options, the list and the typed count must keep the buttons in view
    # on a 24-line terminal: compact options, and shorter (scrolling) lists when short.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    DEFAULT_CSS = """
    BulkDestroyModal .options { height: auto; }
    BulkDestroyModal .options Checkbox { margin: 0 2 0 0; }
    BulkDestroyModal #message-box { max-height: 9; }
    BulkDestroyModal #attached-box { height: auto; max-height: 7; padding: 1 0; }
    BulkDestroyModal.-short #message-box { max-height: 5; }
    BulkDestroyModal.-short #attached-box { max-height: 5; }
    """

    def __init__(
        self,
        title: str,
        message: str,
        confirm_label: str,
        *,
        expected: str,
        instances: Sequence[tuple[EnvironmentRef, Instance]],
        load: Callable[[], Awaitable[Mapping[Hashable, Attached]]],
    ) -> None:
        super().__init__(title, message, confirm_label, expected=expected)
        self.options = DestroyOptions()
        self._instances = list(instances)
        self._load = load
        self.attached: Mapping[Hashable, Attached] | None = None

    def compose_answer(self) -> ComposeResult:
        # Side by side: the question keeps its buttons on a 24-line terminal.
        with Horizontal(classes="options"):
            yield TickBox("Purge immediately (no recovery)", id="purgeImmediately", compact=True)
            yield TickBox("Delete snapshots", id="deleteSnapshots", compact=True)
        with Horizontal(classes="options"):
            yield TickBox("Release their public IPs", id="releaseIps", disabled=True, compact=True)
            yield TickBox("Delete their data volumes", id="deleteVolumes", disabled=True, compact=True)
        with VerticalScroll(id="attached-box", can_focus=False):
            yield Static("Listing their public IPs and data volumes…", id="attached")
        yield from super().compose_answer()

    def on_mount(self) -> None:
        super().on_mount()
        self._fetch()

    @work(exclusive=True, group="bulk-destroy-attached", exit_on_error=False)
    async def _fetch(self) -> None:
        try:
            attached = await self._load()
        except Exception as exc:  # noqa: BLE001 - said; destroying without them is still possible
            self.query_one("#attached", Static).update(
                safe(f"Could not list their public IPs and data volumes ({describe_error(exc)}): they are kept.")
            )
            return
        self.attached = attached
        self.query_one("#releaseIps", Checkbox).disabled = not any(a.releasable for a in attached.values())
        self.query_one("#deleteVolumes", Checkbox).disabled = not any(a.data_volumes for a in attached.values())
        self._show()

    def _show(self) -> None:
        """Per instance, what goes with it (as ticked now) and what stays."""
        attached = self.attached
        if attached is None:
            return
        release = self.query_one("#releaseIps", Checkbox).value
        delete = self.query_one("#deleteVolumes", Checkbox).value
        fleet = len({env for env, _ in self._instances}) > 1
        lines: list[str] = []
        bare = 0
        for env, instance in self._instances:
            parts = describe(attached.get(instance.key, Attached()), release=release, delete=delete)
            if not parts:
                bare += 1
                continue
            name = printable(instance.name, limit=40) + (f" ({printable(str(env), limit=40)})" if fleet else "")
            lines.append(f"  {name}: {' · '.join(parts)}")
        shown = lines[:LISTED]
        if len(lines) > LISTED:
            shown.append(f"  and {len(lines) - LISTED} more with public IPs or data volumes")
        if not lines:
            text = "None of them has a public IP or a data volume of its own."
        else:
            text = "\n".join(["Public IPs and data volumes of their own:", *shown])
            if bare:
                text += f"\n  ({bare} more with none)"
        self.query_one("#attached", Static).update(safe(text, keep_newlines=True))

    @on(Checkbox.Changed)
    def _option_changed(self) -> None:
        purge = self.query_one("#purgeImmediately", Checkbox).value
        release = self.query_one("#releaseIps", Checkbox).value
        delete = self.query_one("#deleteVolumes", Checkbox).value
        attached = self.attached or {}
        self.options = DestroyOptions(
            purge=purge,
            delete_snapshots=self.query_one("#deleteSnapshots", Checkbox).value,
            release={key: tuple(ip.id for ip in a.releasable) for key, a in attached.items()} if release else {},
            delete={key: tuple(v.id for v in a.data_volumes) for key, a in attached.items()} if delete else {},
        )
        label = f"Destroy and purge {self.expected}" if purge else self._confirm_label
        self.query_one("#confirm", Button).label = label
        self._show()


def describe(attached: Attached, *, release: bool, delete: bool) -> list[str]:
    """ "releases 203.0.113.5", "keeps 203.0.113.9 (serves 2 instances)", "deletes data-1 (100 GB)"."""
    parts = []
    for ip in attached.releasable:
        parts.append(f"{'releases' if release else 'keeps'} {printable(ip.ip_address or ip.id, limit=45)}")
    for ip in attached.shared:
        users = len(ip.instance_ids)
        why = f"serves {users} instances" if users > 1 else "source NAT"
        parts.append(f"keeps {printable(ip.ip_address or ip.id, limit=45)} ({why})")
    for volume in attached.data_volumes:
        size = f" ({printable(volume.size_in_gb)} GB)" if volume.size_in_gb is not None else ""
        name = printable(volume.name or volume.id, limit=40)
        parts.append(f"{'deletes' if delete else 'keeps'} volume {name}{size}")
    return parts
