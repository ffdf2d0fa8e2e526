"""Create an instance: every field of the API's create request, checked before it is sent."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Select, TextArea

from cca_tui.api.client import ComputeScope
from cca_tui.api.models import AffinityGroup, ComputeOffering, DiskOffering, Network, SSHKey, Task, Template

from .base import FormScreen
from .create_request import CreateInstanceInput, build_create_request
from .labels import disk_label, network_label, template_label
from .layout import field_row
from .offering_picker import OfferingPicker
from .validation import DISK_IOPS, DISK_SIZE_GB


@dataclass(frozen=True)
class CreateLists:
    templates: list[Template]
    offerings: list[ComputeOffering]
    disks: list[DiskOffering]
    networks: list[Network]
    keys: list[SSHKey]
    affinity_groups: list[AffinityGroup]


class CreateInstanceForm(FormScreen):
    DEFAULT_CSS = """
    CreateInstanceForm > #dialog {
        width: 100;
    }
    CreateInstanceForm #additionalDiskSizeInGb-row, CreateInstanceForm #additionalDiskIops-row {
        display: none;
    }
    """

    ACTION_LABEL = "Create"
    BUSY_LABEL = "Creating…"

    def __init__(self, compute: ComputeScope) -> None:
        super().__init__()
        self.compute = compute
        # The name sent, for the task log to show while the create is in flight.
        self.sent_name: str | None = None
        self._discard_armed = False
        self.disks: dict[str, DiskOffering] = {}
        self.templates: dict[str, Template] = {}
        self.networks: dict[str, Network] = {}

    def form_title(self) -> str:
        return f"New instance in {self.compute.service_code}/{self.compute.environment_name}"

    def compose_fields(self) -> ComposeResult:
        yield field_row("Name", Input(id="name", placeholder="web-01"), hint="letters, digits, '-' and '_'; up to 63")
        yield field_row("Template", Select[str]([], id="templateId", prompt="Choose a template"))
        yield OfferingPicker()
        yield field_row("Network", Select[str]([], id="networkId", prompt="Choose a network"))
        yield field_row("SSH key", Select[str]([], id="sshKeyName", prompt="(none)"))
        yield field_row("Data disk", Select[str]([], id="diskOfferingId", prompt="(none)"))
        yield field_row(
            "Disk size (GB)",
            Input(id="additionalDiskSizeInGb", type="integer", placeholder=f"{DISK_SIZE_GB[0]}-{DISK_SIZE_GB[1]}"),
        )
        yield field_row(
            "Disk IOPS", Input(id="additionalDiskIops", type="integer", placeholder=f"{DISK_IOPS[0]}-{DISK_IOPS[1]}")
        )
        yield field_row(
            "Root volume (GB)", Input(id="rootVolumeSizeInGb", type="integer", placeholder="template default")
        )
        yield field_row("Affinity group", Select[str]([], id="affinityGroupId", prompt="(none)"))
        yield field_row("User data", TextArea(id="userData", soft_wrap=True, tab_behavior="focus"))
        # Last, so that Enter in it submits (Enter in the TextArea above is a newline).
        yield field_row(
            "Ports to forward",
            Input(id="portsToForward", placeholder="22, 80, 443"),
            hint="comma-separated; a public IP forwards each to the instance",
        )

    async def fetch(self) -> CreateLists:
        c = self.compute
        # Six independent lists: ask for them at once, the form waits for the slowest only.
        results = await asyncio.gather(
            c.list_templates(),
            c.list_compute_offerings(),
            c.list_disk_offerings(),
            c.list_networks(),
            c.list_ssh_keys(),
            c.list_affinity_groups(),
        )
        return CreateLists(*results)

    def populate(self, lists: CreateLists) -> None:
        ready = [t for t in lists.templates if t.is_ready]
        self.templates = {t.id: t for t in ready}
        self.networks = {n.id: n for n in lists.networks}
        self.query_one("#templateId", Select).set_options([(template_label(t), t.id) for t in ready])
        self.query_one(OfferingPicker).set_offerings(lists.offerings)
        self.query_one("#networkId", Select).set_options([(network_label(n), n.id) for n in lists.networks])
        self.query_one("#sshKeyName", Select).set_options([(k.name, k.name) for k in lists.keys])
        self.disks = {d.id: d for d in lists.disks}
        self.query_one("#diskOfferingId", Select).set_options([(disk_label(d), d.id) for d in lists.disks])
        self.query_one("#affinityGroupId", Select).set_options([(g.name, g.id) for g in lists.affinity_groups])

    @on(Select.Changed, "#diskOfferingId")
    def _disk_changed(self) -> None:
        disk = self._disk()
        self.query_one("#additionalDiskSizeInGb-row").display = bool(disk and disk.custom_size)
        self.query_one("#additionalDiskIops-row").display = bool(disk and disk.custom_iops)

    def _disk(self) -> DiskOffering | None:
        value = self.query_one("#diskOfferingId", Select).value
        return self.disks.get(value) if isinstance(value, str) else None

    def read_input(self) -> CreateInstanceInput:
        picker = self.query_one(OfferingPicker)

        def text(field: str) -> str:
            return self.query_one(f"#{field}", Input).value

        def choice(field: str) -> str | None:
            return self.query_one(f"#{field}", Select).selection

        return CreateInstanceInput(
            name=text("name"),
            template=self.templates.get(choice("templateId") or ""),
            offering=picker.offering,
            cpu_count=picker.cpu_count,
            memory_in_mb=picker.memory_in_mb,
            network=self.networks.get(choice("networkId") or ""),
            ssh_key_name=choice("sshKeyName"),
            disk_offering=self._disk(),
            disk_size_gb=text("additionalDiskSizeInGb"),
            disk_iops=text("additionalDiskIops"),
            root_volume_size_gb=text("rootVolumeSizeInGb"),
            ports=text("portsToForward"),
            user_data=self.query_one("#userData", TextArea).text,
            affinity_group_id=choice("affinityGroupId"),
        )

    def validate(self) -> dict[str, str]:
        return build_create_request(self.read_input())[1]

    def action_cancel(self) -> None:
        # A filled-in create form is minutes of work: the first Escape (or Cancel) warns.
        if self._touched and not self.sending and not self._discard_armed:
            self._discard_armed = True
            self.show_form_error("Press Escape (or Cancel) again to discard what you typed.")
            return
        super().action_cancel()

    async def send(self) -> Task:
        body, errors = build_create_request(self.read_input())
        assert not errors, "validate() runs before send()"
        self.sent_name = body.get("name")
        return await self.compute.create_instance(body)
