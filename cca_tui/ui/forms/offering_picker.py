"""A compute offering Select that grows vCPU and memory Selects when the offering is custom.

Shared by the create and change-offering forms. The fields are `computeOfferingId`,
`cpuCount` and `memoryInMB`, as the API names them.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Select

from cca_tui.api.models import ComputeOffering
from cca_tui.ui.safe_text import printable, safe

from .field import Field
from .labels import offering_label
from .menus import fill_menu
from .validation import FieldInvalid, check_custom_size


class OfferingPicker(Vertical):
    def __init__(self) -> None:
        super().__init__(id="offering-picker")
        self.offerings: dict[str, ComputeOffering] = {}

    def compose(self) -> ComposeResult:
        yield Field("Compute offering", Select[str]([], id="computeOfferingId", prompt="Choose an offering"))
        yield Field("vCPUs", Select[int]([], id="cpuCount", prompt="Choose vCPUs"))
        yield Field("Memory (MB)", Select[int]([], id="memoryInMB", prompt="Choose memory"))

    def set_offerings(
        self,
        offerings: list[ComputeOffering],
        *,
        current_id: str | None = None,
        exclude_id: str | None = None,
        cpu_count: int | None = None,
        memory_in_mb: int | None = None,
    ) -> None:
        """Fill the Select; preselect `current_id` and, when custom, the given size."""
        shown = [o for o in offerings if o.id != exclude_id]
        self.offerings = {o.id: o for o in shown}
        select = self.query_one("#computeOfferingId", Select)
        fill_menu(select, [(offering_label(o, current_id), o.id) for o in shown], keep={current_id or ""})
        if current_id in self.offerings:
            select.value = current_id
            self._show_custom(self.offerings[current_id], cpu_count, memory_in_mb)

    @property
    def offering(self) -> ComputeOffering | None:
        value = self.query_one("#computeOfferingId", Select).value
        return self.offerings.get(value) if isinstance(value, str) else None

    @property
    def cpu_count(self) -> int | None:
        return self.query_one("#cpuCount", Select).selection

    @property
    def memory_in_mb(self) -> int | None:
        return self.query_one("#memoryInMB", Select).selection

    @on(Select.Changed, "#computeOfferingId")
    def _offering_changed(self) -> None:
        self._show_custom(self.offering)

    def _show_custom(self, offering: ComputeOffering | None, cpu: int | None = None, memory: int | None = None) -> None:
        custom = bool(offering and offering.custom)
        for row in ("#cpuCount-row", "#memoryInMB-row"):
            self.query_one(row).display = custom
        if not (offering and custom):
            return
        # Keep what the operator picked when it is still offered: switching between two
        # custom offerings should not throw their choice away.
        cpu = cpu if cpu is not None else self.cpu_count
        memory = memory if memory is not None else self.memory_in_mb
        self._fill(self.query_one("#cpuCount", Select), offering.available_cpu_count_values, cpu, "vCPU")
        self._fill(self.query_one("#memoryInMB", Select), offering.available_memory_in_mb_values, memory, "MB")

    @staticmethod
    def _fill(select: Select[Any], values: list[int], keep: int | None, unit: str) -> None:
        select.set_options([(safe(f"{printable(v)} {unit}"), v) for v in values])
        if keep in values:
            select.value = keep

    def errors(self) -> dict[str, str]:
        offering = self.offering
        if offering is None:
            return {"computeOfferingId": "Choose a compute offering"}
        if not offering.custom:
            return {}
        if self.cpu_count is None:
            return {"cpuCount": "Pick a number of vCPUs"}
        try:
            check_custom_size(self.cpu_count, self.memory_in_mb, offering.max_memory_in_mb_to_cpu_ratio)
        except FieldInvalid as exc:
            return {"memoryInMB": str(exc)}
        return {}
