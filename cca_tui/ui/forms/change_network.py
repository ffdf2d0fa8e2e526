"""Move an instance to another network of its zone."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Select, Static

from cca_tui.api.models import Network, Task

from .base import InstanceFormScreen
from .labels import network_label
from .layout import field_row


class ChangeNetworkForm(InstanceFormScreen):
    DEFAULT_CSS = """
    ChangeNetworkForm > #dialog {
        width: 90;
    }
    """

    ACTION_LABEL = "Change network"
    ACTION_VARIANT = "warning"
    BUSY_LABEL = "Changing…"

    def form_title(self) -> str:
        return f"Network of {self.instance.name} (now {self.instance.network_name or '?'})"

    def compose_fields(self) -> ComposeResult:
        name = self.instance.name
        reboot = "; it reboots" if self.instance.state == "Running" else ""
        yield Static(
            f"Port forwarding rules of {name} are deleted and it is removed from load balancers{reboot}.",
            classes="warning",
            markup=False,
        )
        yield field_row("New network", Select[str]([], id="networkId", prompt="Choose a network"))
        yield Static("", id="no-networks", classes="field-hint", markup=False)

    async def fetch(self) -> list[Network]:
        # The server filters by zone when asked; filter again in case it ignores the query.
        networks = await self.compute.list_networks(zone_id=self.instance.zone_id)
        return [
            n
            for n in networks
            if n.id != self.instance.network_id and (not self.instance.zone_id or n.zone_id == self.instance.zone_id)
        ]

    def populate(self, networks: list[Network]) -> None:
        self.query_one("#networkId", Select).set_options([(network_label(n), n.id) for n in networks])
        if not networks:
            zone = self.instance.zone_name or "this zone"
            self.query_one("#no-networks", Static).update(f"No other network in {zone}.")

    def validate(self) -> dict[str, str]:
        if self.query_one("#networkId", Select).selection is None:
            return {"networkId": "Choose a network"}
        return {}

    async def send(self) -> Task:
        network_id = self.query_one("#networkId", Select).selection
        assert network_id is not None
        return await self.compute.change_network(self.instance.id, network_id)
