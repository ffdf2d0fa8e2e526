"""Create an instance: every field of the API's create request, checked before it is sent."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Select, TextArea

from cca_tui.api.models import AffinityGroup, ComputeOffering, DiskOffering, Network, SSHKey, Task, Template, Volume

from .base import FormContext, FormScreen
from .create_request import CreateInstanceInput, build_create_request
from .field import Field, FieldInput
from .labels import disk_label, name_label, network_label, template_label, volume_label
from .menus import fill_menu
from .offering_picker import OfferingPicker


@dataclass(frozen=True)
class CreateLists:
    templates: list[Template]
    offerings: list[ComputeOffering]
    disks: list[DiskOffering]
    networks: list[Network]
    keys: list[SSHKey]
    affinity_groups: list[AffinityGroup]
    volumes: list[Volume] = field(default_factory=list)


def attachable(volumes: list[Volume]) -> list[Volume]:
    """The data volumes a new instance can take: those attached to no instance."""
    return [v for v in volumes if not v.instance_id and (v.type or "").upper() == "DATA"]


class CreateInstanceForm(FormScreen):
    ACTION_LABEL = "Create"
    BUSY_LABEL = "Creating…"

    def __init__(self, context: FormContext) -> None:
        super().__init__(context)
        # The name sent, for the task log to show while the create is in flight.
        self.sent_name: str | None = None
        self._discard_armed = False
        self.disks: dict[str, DiskOffering] = {}
        self.templates: dict[str, Template] = {}
        self.networks: dict[str, Network] = {}
        self.volumes: dict[str, Volume] = {}

    def form_title(self) -> str:
        return "New instance"  # where: the environment line under the title

    def compose_fields(self) -> ComposeResult:
        yield Field("Name", FieldInput(id="name", placeholder="web-01"), hint="letters, digits, '-' and '_'; up to 63")
        yield Field("Template", Select[str]([], id="templateId", prompt="Choose a template"))
        yield OfferingPicker()
        yield Field("Network", Select[str]([], id="networkId", prompt="Choose a network"))
        yield Field("SSH key", Select[str]([], id="sshKeyName", prompt="(none)"))
        yield Field(
            "or public key",
            FieldInput(id="publicKey", placeholder="ssh-ed25519 AAAA… you@laptop", paste_joiner=""),
            hint="paste your .pub key: it is used for this instance without registering it first",
        )
        yield Field("Data disk", Select[str]([], id="diskOfferingId", prompt="(none)"))
        yield Field(
            "Disk size (GB)",
            FieldInput(id="additionalDiskSizeInGb", type="integer", placeholder="e.g. 100"),
        )
        yield Field(
            "Disk IOPS",
            FieldInput(id="additionalDiskIops", type="integer", placeholder="e.g. 1000"),
        )
        yield Field(
            "Root volume (GB)", FieldInput(id="rootVolumeSizeInGb", type="integer", placeholder="template default")
        )
        yield Field("Attach volume", Select[str]([], id="volumeIdToAttach", prompt="(none)"))
        yield Field("Affinity group", Select[str]([], id="affinityGroupId", prompt="(none)"))
        yield Field("User data", TextArea(id="userData", soft_wrap=True, tab_behavior="focus"))
        # Last, so that Enter in it submits (Enter in the TextArea above is a newline).
        yield Field(
            "Ports to forward",
            FieldInput(id="portsToForward", placeholder="22, 80, 443"),
            hint="comma-separated; a public IP forwards each to the instance",
        )

    async def fetch(self) -> CreateLists:
        data, env = self.data, self.environment
        # Independent lists: ask for them at once, the form waits for the slowest only.
        catalogue = asyncio.gather(
            data.templates(env),
            data.compute_offerings(env),
            data.disk_offerings(env),
            data.networks(env),
            data.ssh_keys(env),
            data.affinity_groups(env),
        )
        (templates, offerings, disks, networks, keys, groups), volumes = await asyncio.gather(
            catalogue, data.volumes(env)
        )
        return CreateLists(templates, offerings, disks, networks, keys, groups, volumes)

    def populate(self, lists: CreateLists) -> None:
        ready = [t for t in lists.templates if t.is_ready]
        self.templates = {t.id: t for t in ready}
        self.networks = {n.id: n for n in lists.networks}
        fill_menu(self.query_one("#templateId", Select), [(template_label(t), t.id) for t in ready])
        self.query_one(OfferingPicker).set_offerings(lists.offerings)
        fill_menu(self.query_one("#networkId", Select), [(network_label(n), n.id) for n in lists.networks])
        fill_menu(self.query_one("#sshKeyName", Select), [(name_label(k.name), k.name) for k in lists.keys])
        self.disks = {d.id: d for d in lists.disks}
        fill_menu(self.query_one("#diskOfferingId", Select), [(disk_label(d), d.id) for d in lists.disks])
        fill_menu(
            self.query_one("#affinityGroupId", Select), [(name_label(g.name), g.id) for g in lists.affinity_groups]
        )
        free = attachable(lists.volumes)
        self.volumes = {v.id: v for v in free}
        zones = {n.zone_id: n.zone_name for n in lists.networks if n.zone_id}
        fill_menu(
            self.query_one("#volumeIdToAttach", Select),
            [(volume_label(v, zones.get(v.zone_id or "")), v.id) for v in free],
        )

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
            public_key=text("publicKey"),
            volume=self.volumes.get(choice("volumeIdToAttach") or ""),
            disk_offering=self._disk(),
            disk_size_gb=text("additionalDiskSizeInGb"),
            disk_iops=text("additionalDiskIops"),
            root_volume_size_gb=text("rootVolumeSizeInGb"),
            ports=text("portsToForward"),
            user_data=self.query_one("#userData", TextArea).text,
            affinity_group_id=choice("affinityGroupId"),
        )

    def paste_target(self) -> Input | None:
        """A paste on the SSH key list is a key to use: it goes into the public key field."""
        focused = self.focused
        if focused is not None and focused.id == "sshKeyName":
            return self.query_one("#publicKey", Input)
        return super().paste_target()

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
        return await self.context.scope.create_instance(body)
