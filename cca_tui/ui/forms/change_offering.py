"""Change an instance's compute offering (and, for a custom one, its vCPUs and memory)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from cca_tui.api.models import ComputeOffering, Task

from .base import InstanceFormScreen
from .offering_picker import OfferingPicker


class ChangeOfferingForm(InstanceFormScreen):
    DEFAULT_CSS = """
    ChangeOfferingForm > #dialog {
        width: 90;
    }
    """

    ACTION_LABEL = "Change offering"
    ACTION_VARIANT = "warning"
    BUSY_LABEL = "Changing…"

    def form_title(self) -> str:
        i = self.instance
        now = i.compute_offering_name or "?"
        return f"Compute offering of {i.name} (now {now}: {i.cpu_count} vCPU, {i.memory_in_mb} MB)"

    def compose_fields(self) -> ComposeResult:
        # The seed: "This will force a reboot of your instance" - only a running one reboots.
        if self.instance.state == "Running":
            warning = f"This reboots {self.instance.name}."
        else:
            warning = f"{self.instance.name} is {self.instance.state}: it takes the new offering when it starts."
        yield Static(warning, classes="warning", markup=False)
        yield OfferingPicker()

    async def fetch(self) -> list[ComputeOffering]:
        return await self.compute.list_compute_offerings()

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
                errors["computeOfferingId"] = f"{self.instance.name} already runs on {offering.name}: choose another"
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
