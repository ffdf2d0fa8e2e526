"""Move an instance to another network of its zone."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Select, Static

from cca_tui.api.models import Network, Task
from cca_tui.ui.safe_text import printable, safe

from .base import InstanceFormScreen
from .field import Field
from .labels import network_label
from .menus import fill_menu


class ChangeNetworkForm(InstanceFormScreen):
    ACTION_LABEL = "Change network"
    ACTION_VARIANT = "warning"
    BUSY_LABEL = "Changing…"

    def form_title(self) -> str:
        i = self.instance
        return f"Network of {printable(i.name, limit=60)} (now {printable(i.network_name or '?', limit=40)})"

    def compose_fields(self) -> ComposeResult:
        name = printable(self.instance.name, limit=60)
        reboot = "; it reboots" if self.instance.state == "Running" else ""
        yield Static(
            safe(f"Port forwarding rules of {name} are deleted and it is removed from load balancers{reboot}."),
            classes="warning",
        )
        yield Field("New network", Select[str]([], id="networkId", prompt="Choose a network"))
        yield Static("", id="no-networks", classes="field-hint")

    async def fetch(self) -> list[Network]:
        # The server filters by zone when asked; filter again in case it ignores the query.
        networks = await self.data.networks(self.environment, zone_id=self.instance.zone_id)
        return [
            n
            for n in networks
            if n.id != self.instance.network_id and (not self.instance.zone_id or n.zone_id == self.instance.zone_id)
        ]

    def populate(self, networks: list[Network]) -> None:
        fill_menu(self.query_one("#networkId", Select), [(network_label(n), n.id) for n in networks])
        if not networks:
            zone = printable(self.instance.zone_name or "this zone", limit=40)
            self.query_one("#no-networks", Static).update(safe(f"No other network in {zone}."))

    def validate(self) -> dict[str, str]:
        if self.query_one("#networkId", Select).selection is None:
            return {"networkId": "Choose a network"}
        return {}

    async def send(self) -> Task:
        network_id = self.query_one("#networkId", Select).selection
        assert network_id is not None
        return await self.compute.change_network(self.instance.id, network_id)
