"""Change an instance's compute offering (and, for a custom one, its vCPUs and memory)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from cca_tui.api.models import ComputeOffering, Task
from cca_tui.ui.safe_text import printable, safe

from .base import InstanceFormScreen
from .offering_picker import OfferingPicker


class ChangeOfferingForm(InstanceFormScreen):
    ACTION_LABEL = "Change offering"
    ACTION_VARIANT = "warning"
    BUSY_LABEL = "Changing…"

    def form_title(self) -> str:
        i = self.instance
        now = printable(i.compute_offering_name or "?", limit=40)
        name = printable(i.name, limit=60)
        return f"Compute offering of {name} (now {now}: {printable(i.cpu_count)} vCPU, {printable(i.memory_in_mb)} MB)"

    def compose_fields(self) -> ComposeResult:
        # The seed: "This will force a reboot of your instance" - only a running one reboots.
        name = printable(self.instance.name, limit=60)
        if self.instance.state == "Running":
            warning = f"This reboots {name}."
        else:
            state = printable(self.instance.state, limit=20)
            warning = f"{name} is {state}: it takes the new offering when it starts."
        yield Static(safe(warning), classes="warning")
        yield OfferingPicker()

    async def fetch(self) -> list[ComputeOffering]:
        return await self.data.compute_offerings(self.environment)

    def populate(self, offerings: list[ComputeOffering]) -> None:
        i = self.instance
        self.query_one(OfferingPicker).set_offerings(
            offerings,
            current_id=i.compute_offering_id,
            cpu_count=i.cpu_count,
            memory_in_mb=i.memory_in_mb,
        )

    def validate(self) -> dict[str, str]:
        picker = self.query_one(OfferingPicker)
        errors = picker.errors()
        offering = picker.offering
        if not errors and offering is not None and offering.id == self.instance.compute_offering_id:
            same_size = (picker.cpu_count, picker.memory_in_mb) == (self.instance.cpu_count, self.instance.memory_in_mb)
            if not offering.custom:
                name, offering_name = printable(self.instance.name, limit=60), printable(offering.name, limit=40)
                errors["computeOfferingId"] = f"{name} already runs on {offering_name}: choose another"
            elif same_size:
                errors["memoryInMB"] = "That is the current size: change the vCPUs or the memory"
        return errors

    async def send(self) -> Task:
        picker = self.query_one(OfferingPicker)
        offering = picker.offering
        assert offering is not None
        if offering.custom:
            return await self.compute.change_compute_offering(
                self.instance.id,
                offering.id,
                cpu_count=picker.cpu_count,
                memory_in_mb=picker.memory_in_mb,
            )
        return await self.compute.change_compute_offering(self.instance.id, offering.id)
