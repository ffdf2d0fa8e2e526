"""`H`: what was done, across runs (cca_tui/ui/tasks/history.py), filterable; Enter opens one.

The detail shows the whole outcome (the error as the server worded it) and the requests as
sent, secrets masked. A failed, refused or not-done action can be sent again from there: the
instance's current state is fetched first and the action's gate checked against it, then the
operator confirms. Server text is shown through safe_text like everywhere else.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Input, Static

from cca_tui.api.errors import CloudCAError
from cca_tui.fleet.identity import RowKey
from cca_tui.ui.actions import Action, Operation, refusal
from cca_tui.ui.errors import describe_error
from cca_tui.ui.safe_text import printable, safe
from cca_tui.ui.state import EnvironmentRef
from cca_tui.ui.tasks.history import HistoryEntry
from cca_tui.ui.widgets.key_footer import KeyFooter
from cca_tui.ui.widgets.keys_in_order import KeysInOrderInput

if TYPE_CHECKING:
    from cca_tui.ui.app import CcaApp


def action_label(entry: HistoryEntry) -> str:
    if entry.action == "ssh":
        return "ssh session"
    try:
        return Action(entry.action).label
    except ValueError:
        return entry.action


class HistoryScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Back to the instances"),
        Binding("slash", "filter", "Filter", tooltip="Filter by any text of the row"),
        Binding("ctrl+r", "reload", "Reload", tooltip="Read the history again"),
    ]
    DEFAULT_CSS = """
    HistoryScreen #history-filter { height: 1; border: none; padding: 0 1; }
    HistoryScreen DataTable { height: 1fr; }
    HistoryScreen #history-count { height: 1; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[HistoryEntry] = []
        self.shown: list[HistoryEntry] = []

    @property
    def cca(self) -> CcaApp:
        return cast("CcaApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static("", id="history-count")
        yield KeysInOrderInput(
            placeholder="filter: any text of the row (instance, action, status, environment…)", id="history-filter"
        )
        table: DataTable[Text] = DataTable(id="history", cursor_type="row", zebra_stripes=True)
        table.add_columns("time", "profile", "environment", "instance", "action", "status", "outcome")
        yield table
        yield KeyFooter()

    def on_mount(self) -> None:
        self.action_reload()
        self.query_one(DataTable).focus()

    def action_reload(self) -> None:
        history = self.cca.tasks.history
        self.entries = history.load() if history is not None else []
        self._show()

    def _show(self) -> None:
        words = self.query_one("#history-filter", Input).value.lower().split()
        self.shown = [e for e in self.entries if all(word in e.search_text() for word in words)]
        table = self.query_one(DataTable)
        table.clear()
        for index, entry in enumerate(self.shown):
            table.add_row(
                Text(entry.time.replace("T", " ")),
                safe(entry.profile, limit=16),
                safe(entry.environment_ref, limit=30),
                safe(entry.instance_name or entry.instance_id or "", limit=24),
                Text(action_label(entry)),
                safe(entry.status, limit=16),
                safe(entry.outcome, limit=60),
                key=str(index),
            )
        self.query_one("#history-count", Static).update(
            Text(f"History: {len(self.shown)} of {len(self.entries)} actions · Enter: details · Esc: back")
        )

    @on(Input.Changed, "#history-filter")
    def _filter_changed(self) -> None:
        self._show()

    @on(Input.Submitted, "#history-filter")
    def _filter_submitted(self) -> None:
        self.query_one(DataTable).focus()

    def action_filter(self) -> None:
        self.query_one("#history-filter", Input).focus()

    def action_back(self) -> None:
        self.dismiss()

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        entry = self.shown[int(str(event.row_key.value))]
        self.app.push_screen(HistoryDetail(entry), self._detail_closed)

    def _detail_closed(self, resend: HistoryEntry | None) -> None:
        if resend is not None:
            self._resend(resend)

    @work(group="history-resend", exclusive=True, exit_on_error=False)
    async def _resend(self, entry: HistoryEntry) -> None:
        """Send the action again, after checking its gate against the instance as it is now."""
        reason = await self._resend_refusal(entry)
        if reason is not None:
            self.notify(printable(reason), title="Not sent", severity="warning", markup=False, timeout=10)
            return
        self.action_reload()

    async def _resend_refusal(self, entry: HistoryEntry) -> str | None:
        app, settings = self.cca, self.cca.settings
        if entry.profile != settings.profile_name:
            return f"recorded under profile {entry.profile}; this is {settings.profile_name}"
        try:
            action = Action(entry.action)
        except ValueError:
            return f"{entry.action} is not an action this version knows"
        spec = action.spec
        if not isinstance(spec.run, Operation):
            return f"{spec.long_label} needs its form: select the instance and press {spec.key}"
        if not entry.instance_id:
            return "no instance on record"
        ref = EnvironmentRef(entry.service_code, entry.environment)
        compute = app.data.scope(ref)
        try:
            instance = await compute.get_instance(entry.instance_id)
        except CloudCAError as exc:
            return f"the instance could not be read now: {describe_error(exc)}"
        reason = refusal(
            spec,
            instance.state,
            instance.name,
            read_only=settings.read_only,
            profile=settings.profile_name,
            busy_with=app.tasks.busy([ref]).get(RowKey(ref, instance.id)),
        )
        if reason is not None:
            return reason
        from cca_tui.ui.forms import ConfirmModal

        question = (
            f"Send {spec.long_label} to {printable(instance.name, limit=40)} ({printable(str(ref), limit=40)}) again?\n"
            f"First tried {entry.time.replace('T', ' ')}: {entry.status}. It is {printable(instance.state)} now."
        )
        if not await app.push_screen_wait(ConfirmModal(f"{spec.long_label} again", question, "Send")):
            return "cancelled: nothing was sent"
        run = spec.run
        app.tasks.submit(
            ref,
            action,
            instance.id,
            instance.name,
            lambda: compute.operate(instance.id, action.value),
            reveal_password=run.reveal_password,
        )
        return None


class HistoryDetail(ModalScreen[HistoryEntry | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Close")]
    DEFAULT_CSS = """
    HistoryDetail { align: center middle; }
    HistoryDetail > Vertical { width: 100; max-width: 100%; height: auto; max-height: 90%; border: round $accent; background: $surface; padding: 0 1; }
    HistoryDetail VerticalScroll { height: auto; max-height: 30; }
    HistoryDetail #history-buttons { height: auto; }
    """

    def __init__(self, entry: HistoryEntry) -> None:
        super().__init__()
        self.entry = entry

    def compose(self) -> ComposeResult:
        e = self.entry
        lines = [
            f"time         {e.time.replace('T', ' ')}" + (f"  (ended {e.ended.replace('T', ' ')})" if e.ended else ""),
            f"profile      {e.profile}",
            f"environment  {e.environment_ref}",
            f"instance     {e.instance_name}  {e.instance_id or ''}",
            f"action       {action_label(e)}",
            f"status       {e.status}",
            f"outcome      {e.outcome}",
            "",
            "sent (secrets masked):",
            *(json.dumps(request, indent=2, ensure_ascii=False) for request in e.requests),
        ]
        if not e.requests:
            lines.append("  nothing left this machine")
        with Vertical():
            with VerticalScroll():
                yield Static(safe("\n".join(lines), keep_newlines=True), id="history-detail")
            with Horizontal(id="history-buttons"):
                yield Button("Close", id="close")
                if e.resendable:
                    yield Button("Send again…", id="resend", variant="warning")
        yield KeyFooter()

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#resend")
    def _resend(self) -> None:
        self.dismiss(self.entry)
