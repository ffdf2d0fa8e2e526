"""The environment picker: every environment with its service connection; type to filter."""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from cca_tui.api.errors import AuthError
from cca_tui.ui.environments import EnvironmentChoice, join_environments
from cca_tui.ui.errors import describe_error


def _matches(choice: EnvironmentChoice, query: str) -> bool:
    needle = query.lower()
    return any(
        needle in value.lower()
        for value in (choice.name, choice.description, choice.organization, choice.connection_name, choice.service_code)
    )


class PickerScreen(Screen):
    BINDINGS = [
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("enter", "open", "Open"),
        Binding("ctrl+r", "reload", "Reload"),
        Binding("escape", "back", "Back"),
    ]
    DEFAULT_CSS = """
    PickerScreen #picker-title { height: 1; background: $primary; color: $text; padding: 0 1; text-style: bold; }
    PickerScreen #picker-filter { margin: 0 0; }
    PickerScreen #picker-status { height: auto; padding: 0 1; color: $text-muted; }
    PickerScreen DataTable { height: 1fr; }
    """

    def __init__(self, *, preselect: str | None = None) -> None:
        super().__init__()
        self.preselect = preselect
        self.choices: list[EnvironmentChoice] = []

    def compose(self) -> ComposeResult:
        yield Static("cca-tui · choose an environment", id="picker-title")
        yield Input(placeholder="type to filter environments…", id="picker-filter")
        yield DataTable(id="picker-table", cursor_type="row", zebra_stripes=True)
        yield Static("Loading environments…", id="picker-status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # Longest last: on 80 columns the reachability stays in view, the description scrolls.
        table.add_column("Environment", key="name")
        table.add_column("Code", key="code")
        table.add_column("Status", key="status")
        table.add_column("Service connection", key="connection")
        table.add_column("Organization", key="organization")
        table.add_column("Description", key="description")
        self.query_one(Input).focus()
        self.load()

    @work(exclusive=True, group="picker-load", exit_on_error=False)
    async def load(self) -> None:
        status = self.query_one("#picker-status", Static)
        status.update("Loading environments…")
        client = self.app.client
        try:
            environments, connections = await asyncio.gather(
                client.list_environments(), client.list_service_connections()
            )
        except AuthError as exc:
            if exc.status == 401:
                self.app.show_key_problem(describe_error(exc))
                return
            status.update(Text(f"{describe_error(exc)}  (ctrl+r to retry)", style="bold red"))
            return
        except Exception as exc:  # noqa: BLE001 - shown, never raised: the operator can retry with ctrl+r
            status.update(Text(f"{describe_error(exc)}  (ctrl+r to retry)", style="bold red"))
            return
        self.choices = join_environments(environments, connections)
        self._fill()

    def _visible(self) -> list[EnvironmentChoice]:
        query = self.query_one(Input).value.strip()
        return [c for c in self.choices if _matches(c, query)] if query else list(self.choices)

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        visible = self._visible()
        for choice in visible:
            if choice.reachable is False:
                status = Text("unreachable", style="bold red")
            else:
                status = Text("ok", style="green") if choice.reachable else Text("?", style="dim")
            table.add_row(
                choice.name,
                choice.service_code,
                status,
                choice.connection_name,
                choice.organization,
                choice.description,
                key=choice.ref,
            )
        if self.preselect and self.preselect in table.rows:
            table.move_cursor(row=table.get_row_index(self.preselect))
            self.preselect = None  # once: typing a filter must not pull the cursor back
        shown = f"{len(visible)} of {len(self.choices)} environments"
        self.query_one("#picker-status", Static).update(f"{shown} · Enter opens · type to filter")

    @on(Input.Changed, "#picker-filter")
    def _filter_changed(self) -> None:
        self._fill()

    @on(Input.Submitted, "#picker-filter")
    def _filter_submitted(self) -> None:
        self.action_open()

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open()

    def action_cursor(self, delta: int) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            table.move_cursor(row=max(0, min(table.row_count - 1, table.cursor_row + delta)))

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if not table.row_count:
            self.notify("No environment matches the filter", severity="warning")
            return
        ref = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        choice = next(c for c in self.choices if c.ref == ref)
        if choice.reachable is False:
            self.notify(f"{choice.connection_name} reports it is unreachable; opening anyway", severity="warning")
        self.app.open_environment(choice.service_code, choice.name)

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        filter_input = self.query_one(Input)
        if filter_input.value:
            filter_input.value = ""
        elif self.app.has_environment:
            self.app.pop_screen()  # back to the environment underneath, as it was
