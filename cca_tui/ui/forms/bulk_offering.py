"""Change the compute offering of many marked instances, all in one environment, to one
offering (and, for a custom one, one size).

The offerings are the environment's; nothing is preselected. An instance already on the
chosen offering (at the chosen size, for a custom one) is skipped with that reason. In a
protected environment the count is typed too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Select, Static

from cca_tui.api.models import ComputeOffering, Instance
from cca_tui.ui.errors import describe_error
from cca_tui.ui.safe_text import printable

from .bulk_choice import BulkChoiceModal
from .offering_picker import OfferingPicker


@dataclass(frozen=True)
class OfferingChoice:
    offering: ComputeOffering
    cpu_count: int | None = None
    memory_in_mb: int | None = None

    def already(self, instance: Instance) -> str | None:
        """Why the instance needs no change ("web-1 already runs on 2 vCPU 4 GB"), else None."""
        if instance.compute_offering_id != self.offering.id:
            return None
        if self.offering.custom and (instance.cpu_count, instance.memory_in_mb) != (self.cpu_count, self.memory_in_mb):
            return None
        size = f" at {self.cpu_count} vCPU, {self.memory_in_mb} MB" if self.offering.custom else ""
        return f"{instance.name} already runs on {self.offering.name}{size}"


class BulkOfferingModal(BulkChoiceModal):
    AUTO_FOCUS = "#computeOfferingId"
    DEFAULT_CSS = """
    BulkOfferingModal #message-box { max-height: 10; }
    """

    def __init__(
        self,
        title: str,
        message: str,
        confirm_label: str,
        *,
        load: Callable[[], Awaitable[list[ComputeOffering]]],
        expected: str | None = None,
    ) -> None:
        super().__init__(title, message, confirm_label, expected=expected)
        self._load = load
        self.choice: OfferingChoice | None = None

    def compose_choice(self) -> ComposeResult:
        yield Static("Loading the offerings…", id="offering-status")
        yield OfferingPicker()

    def on_mount(self) -> None:
        super().on_mount()
        self._fetch()

    @work(exclusive=True, group="bulk-offerings", exit_on_error=False)
    async def _fetch(self) -> None:
        status = self.query_one("#offering-status", Static)
        try:
            offerings = await self._load()
        except Exception as exc:  # noqa: BLE001 - the dialog says so; nothing can be sent
            status.update(printable(f"Could not load the offerings: {describe_error(exc)}", limit=100))
            return
        status.display = False
        self.query_one(OfferingPicker).set_offerings(offerings)  # nothing preselected

    def chosen(self) -> bool:
        picker = self.query_one(OfferingPicker)
        offering = picker.offering
        if offering is None or picker.errors():
            self.choice = None
            return False
        custom = offering.custom
        self.choice = OfferingChoice(
            offering, picker.cpu_count if custom else None, picker.memory_in_mb if custom else None
        )
        return True

    @on(Select.Changed)
    def _changed(self) -> None:
        self.refresh_button()
