"""Associate one SSH key with many marked instances.

The key is chosen from those registered (by name) in every environment of the batch; nothing
is preselected, so the question always shows the choice before anything can be sent (Enter
on the list opens it, it does not send). In a protected environment the count is typed too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Select

from cca_tui.ui.errors import describe_error
from cca_tui.ui.safe_text import printable, safe

from .bulk_choice import BulkChoiceModal
from .menus import fill_menu

# (key name, what the list shows for it)
KeyChoices = list[tuple[str, str]]


class BulkKeyModal(BulkChoiceModal):
    AUTO_FOCUS = "#sshKeyName"

    def __init__(
        self,
        title: str,
        message: str,
        confirm_label: str,
        *,
        load: Callable[[], Awaitable[KeyChoices]],
        expected: str | None = None,
    ) -> None:
        super().__init__(title, message, confirm_label, expected=expected)
        self._load = load
        self.key_name: str | None = None

    def compose_choice(self) -> ComposeResult:
        yield Select[str]([], id="sshKeyName", prompt="Loading the keys…")

    def on_mount(self) -> None:
        super().on_mount()
        self._fetch()

    @work(exclusive=True, group="bulk-keys", exit_on_error=False)
    async def _fetch(self) -> None:
        select = self.query_one("#sshKeyName", Select)
        try:
            choices = await self._load()
        except Exception as exc:  # noqa: BLE001 - the dialog says so; nothing can be sent
            select.prompt = printable(f"Could not load the keys: {describe_error(exc)}", limit=100)
            return
        select.prompt = "Choose a key" if choices else "No key is registered in every environment"
        fill_menu(select, [(safe(label), name) for name, label in choices])

    def chosen(self) -> bool:
        return self.query_one("#sshKeyName", Select).selection is not None

    @on(Select.Changed, "#sshKeyName")
    def _chosen(self) -> None:
        selection = self.query_one("#sshKeyName", Select).selection
        self.key_name = selection if isinstance(selection, str) else None
        self.refresh_button()


def key_label(name: str, fingerprints: set[str | None]) -> str:
    """A key as the list shows it: its name and fingerprint (or that they differ by environment)."""
    shown = {f for f in fingerprints if f}
    if len(shown) == 1:
        return f"{printable(name, limit=40)}  {printable(next(iter(shown)), limit=60)}"
    if len(shown) > 1:
        return f"{printable(name, limit=40)}  (fingerprints differ between environments)"
    return f"{printable(name, limit=40)}  (no fingerprint)"
