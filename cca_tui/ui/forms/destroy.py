"""Destroy an instance, choosing what goes with it: snapshots, public IPs, data volumes.

The focus opens on Cancel: a stray Enter must never destroy anything. Ticking "Purge
immediately" makes it irreversible, so it then asks for the instance's exact name, as the
purge form does, before the button unlocks.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Checkbox, Input, Label, Static

from cca_tui.api.models import PublicIp, Task, Volume
from cca_tui.ui.safe_text import printable, safe
from cca_tui.ui.widgets.tick_box import TickBox

from .confirm_name import CONFIRM_ID, NameConfirmedForm


@dataclass(frozen=True)
class Attached:
    public_ips: list[PublicIp]
    data_volumes: list[Volume]


class DestroyForm(NameConfirmedForm):
    AUTO_FOCUS = "#cancel"
    ACTION_LABEL = "Destroy"
    ACTION_VARIANT = "error"
    BUSY_LABEL = "Destroying…"

    def form_title(self) -> str:
        return f"Destroy {printable(self.instance.name, limit=60)} ({printable(self.instance.state, limit=20)})?"

    def compose_fields(self) -> ComposeResult:
        yield TickBox("Purge immediately (cannot be recovered)", id="purgeImmediately")
        confirm = self.confirm_name_row()
        confirm.display = self.name_always_needed  # else shown only while purge is ticked
        yield confirm
        yield TickBox("Delete snapshots", id="deleteSnapshots")
        yield Label("Public IPs", classes="section")
        yield Vertical(id="ips")
        yield Label("Data volumes", classes="section")
        yield Vertical(id="volumes")

    async def fetch(self) -> Attached:
        listed_ips, volumes = await asyncio.gather(
            self.data.public_ips(self.environment, instance_id=self.instance.id),
            # Not filtered by type on the server: the docs write `data`, the Go client `DATA`,
            # and a server that matches case exactly would answer nothing for the other.
            self.data.volumes(self.environment, instance_id=self.instance.id),
        )
        # A server may ignore the filters: keep only the IPs that name this instance when the
        # reply says which instances an IP serves, and only this instance's data volumes.
        ips = [ip for ip in listed_ips if not ip.instance_ids or self.instance.id in ip.instance_ids]
        data = [v for v in volumes if v.instance_id == self.instance.id and (v.type or "").upper() == "DATA"]
        return Attached(ips, data)

    async def populate(self, attached: Attached) -> None:
        await self._fill(
            "#ips",
            [
                TickBox(
                    safe(f"release {printable(ip.ip_address or ip.id, limit=60)}"), name=ip.id, classes="release-ip"
                )
                for ip in attached.public_ips
            ],
        )
        await self._fill(
            "#volumes",
            [
                TickBox(
                    safe(f"delete {printable(v.name or v.id, limit=60)} ({printable(v.size_in_gb)} GB)"),
                    name=v.id,
                    classes="delete-volume",
                )
                for v in attached.data_volumes
            ],
        )

    async def _fill(self, selector: str, checkboxes: list[Checkbox]) -> None:
        """Replace a list's checkboxes; an empty list says "none"."""
        box = self.query_one(selector, Vertical)
        await box.remove_children()
        if checkboxes:
            await box.mount_all(checkboxes)
        else:
            await box.mount(Static("none", classes="empty"))

    def needs_name(self) -> bool:
        return self.name_always_needed or self.query_one("#purgeImmediately", Checkbox).value

    @on(Checkbox.Changed, "#purgeImmediately")
    def _purge_toggled(self, event: Checkbox.Changed) -> None:
        # Say on the button itself that this one cannot be undone.
        self.action_label = "Destroy and purge" if event.value else self.ACTION_LABEL
        if not self.sending:
            self.set_submit_label(self.action_label)
        # Purging asks for the name; unticking forgets what was typed, so ticking again asks anew.
        if self.name_always_needed:
            return  # the name is asked anyway (protected environment), and kept
        self.query_one(f"#{CONFIRM_ID}-row").display = event.value
        if not event.value:
            self.query_one(f"#{CONFIRM_ID}", Input).value = ""
        self.refresh_submit_button()

    def _checked(self, selector: str) -> list[str]:
        return [box.name for box in self.query(selector).results(Checkbox) if box.value and box.name]

    async def send(self) -> Task:
        return await self.compute.destroy_instance(
            self.instance.id,
            purge=self.query_one("#purgeImmediately", Checkbox).value,
            delete_snapshots=self.query_one("#deleteSnapshots", Checkbox).value,
            public_ip_ids=self._checked(".release-ip"),
            volume_ids=self._checked(".delete-volume"),
        )
