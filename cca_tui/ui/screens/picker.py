"""The environment picker: every environment with its service connection; type to filter.

Everything in its rows is server text, shown with `safe` (literal, escaped, cut). Rows are
keyed by their position in the list, never by a name or an id from the server: two
environments may well share them, and a name may hold anything (`a/b`, spaces, nothing).

The first row, "All environments", opens every environment shown (all of them, or those the
filter leaves) in one table; space marks environments, and Enter opens the marked ones
together (a fleet), or the one under the cursor when none is marked.

When the environments cannot be loaded, the picker says why and tries again by itself, with
a growing delay (ctrl+r tries at once), so it recovers when the API comes back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static

from cca_tui.api.errors import AuthError
from cca_tui.fleet.environments import EnvironmentChoice
from cca_tui.fleet.identity import EnvironmentRef
from cca_tui.fleet.scope import ALL
from cca_tui.ui.errors import describe_error
from cca_tui.ui.keys import first_key_text
from cca_tui.ui.safe_text import printable, safe
from cca_tui.ui.widgets.key_footer import KeyFooter
from cca_tui.ui.widgets.keys_in_order import KeysInOrderInput
from cca_tui.ui.widgets.measured_table import MeasuredDataTable

if TYPE_CHECKING:
    from cca_tui.ui.app import CcaApp

# Characters of each column before the ellipsis: a hostile or merely long name must not
# push the reachability out of view.
_WIDTH = {"name": 40, "code": 24, "connection": 32, "organization": 32, "description": 80}


# The key of the first row, "All environments" (the others are keyed by position).
ALL_ROW = "all"


def _matches(choice: EnvironmentChoice, query: str) -> bool:
    needle = query.lower()
    return any(
        needle in value.lower()
        for value in (choice.name, choice.description, choice.organization, choice.connection_name, choice.service_code)
    )


class PickerFilter(KeysInOrderInput):
    """The picker's filter box, which leaves space to the picker's Mark binding.

    Textual drops every binding of a printable key while an Input has the focus (it would
    type it), priority bindings too, and it does so before the user's keymap moves bindings
    to their keys: space never marked while the filter had the focus (always, here), and a
    keymap could not move Mark elsewhere either. Space is not claimed, so the binding stays
    and the keymap can move it; where the keymap moved it, a space is typed as usual.
    """

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return key != "space" and super().check_consume_key(key, character)


class PickerScreen(Screen[None]):
    # Every binding has an id: the config file's [keymap] remaps it by that id (the footer
    # follows), as on the instance screen; the README's picker table is built from these.
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority, as Mark: the app runs priority bindings as it reads each key, the others
        # once the key has passed the filter box. Keys typed fast (down space down space)
        # must move and mark in the order typed, not mark twice where the cursor was.
        Binding("down", "cursor(1)", "Down", show=False, priority=True, id="picker_down", tooltip="Down"),
        Binding("up", "cursor(-1)", "Up", show=False, priority=True, id="picker_up", tooltip="Up"),
        Binding(
            "enter",
            "open",
            "Open",
            id="picker_open",
            tooltip="Open the environment (All environments, or the marked ones, together)",
        ),
        # Priority: the filter has the focus, and space would go into it.
        Binding(
            "space",
            "mark",
            "Mark",
            priority=True,
            id="picker_mark",
            tooltip="Mark an environment; Enter opens the marked together",
        ),
        Binding("ctrl+r", "reload", "Reload", id="picker_reload", tooltip="Load the environments again now"),
        Binding("escape", "back", "Back", id="picker_back", tooltip="Clear the filter, else back to the instances"),
    ]
    DEFAULT_CSS = """
    PickerScreen #picker-title { height: 1; background: $primary; color: $text; padding: 0 1; text-style: bold; }
    PickerScreen #picker-filter { margin: 0 0; }
    PickerScreen #picker-status { height: auto; padding: 0 1; color: $text-muted; }
    PickerScreen DataTable { height: 1fr; }
    PickerScreen #picker-warning { height: 1; padding: 0 1; background: $warning; color: $text; text-style: bold; }
    """

    # Delays between automatic retries while the environments cannot be loaded (seconds):
    # doubling from the first, capped. Tests shorten them.
    RETRY_FIRST: ClassVar[float] = 2.0
    RETRY_MAX: ClassVar[float] = 30.0

    @property
    def cca(self) -> CcaApp:
        """The app, typed: client, navigation and key state."""
        return cast("CcaApp", self.app)

    def __init__(self, *, preselect: str | None = None, then_open: str | None = None) -> None:
        super().__init__()
        self.preselect = preselect
        # An `--env` pattern the app could not list at start: opened at the first list.
        self.then_open = then_open
        self.choices: list[EnvironmentChoice] = []
        self.unreadable = 0  # rows of the last list that could not be read as environments
        self.retry_delay: float | None = None  # the delay before the next retry, while failing
        self._retry_timer: Timer | None = None
        self.marked: set[int] = set()  # indexes in `choices` of the environments marked

    def compose(self) -> ComposeResult:
        yield Static("cca-tui · choose an environment", id="picker-title")
        # The key goes out with the very first request (this screen's): say so here too.
        settings = getattr(self.app, "settings", None)
        warning = getattr(settings, "transport_warning", None)
        if warning:
            yield Static(f"⚠ {warning}", id="picker-warning", markup=False)  # holds the configured URL
        yield PickerFilter(placeholder="type to filter environments…", id="picker-filter")
        yield MeasuredDataTable(id="picker-table", cursor_type="row", zebra_stripes=True)
        yield Static("Loading environments…", id="picker-status")
        yield KeyFooter()

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

    # --- loading, and retrying while it fails ------------------------------------------

    def _cancel_retry(self) -> None:
        if self._retry_timer is not None:
            self._retry_timer.stop()
            self._retry_timer = None

    @work(exclusive=True, group="picker-load", exit_on_error=False)
    async def load(self) -> None:
        self._cancel_retry()
        status = self.query_one("#picker-status", Static)
        if not self.choices:
            status.update("Loading environments…")
        try:
            listed = await self.cca.data.environments()
        except AuthError as exc:
            if self.cca.key_refused(exc.status):
                self.cca.show_key_problem(describe_error(exc))
                return
            self._failed(describe_error(exc))
            return
        except Exception as exc:  # noqa: BLE001 - shown, never raised; retried by itself
            self._failed(describe_error(exc))
            return
        self.cca.key_confirmed = True
        self.retry_delay = None
        self.choices = listed.choices
        # Rows the server sent that are no environment we can read: said, never dropped silently.
        self.unreadable = listed.unreadable
        self._fill()
        if self.then_open is not None:
            pattern, self.then_open = self.then_open, None
            self.cca.open_listed(pattern, listed.choices)

    def _failed(self, problem: str) -> None:
        """Say why, and try again later: sooner the first time, then less and less often."""
        delay = self.RETRY_FIRST if self.retry_delay is None else min(self.retry_delay * 2, self.RETRY_MAX)
        self.retry_delay = delay
        self._cancel_retry()
        self._retry_timer = self.set_timer(delay, self.load)
        shown = Text.assemble(
            safe(problem, "bold red"),
            (f"  (trying again in {delay:g} s; ctrl+r now)", "bold red"),
        )
        self.query_one("#picker-status", Static).update(shown)

    # --- the table -------------------------------------------------------------------

    def _visible(self) -> list[int]:
        query = self.query_one(Input).value.strip()
        return [i for i, c in enumerate(self.choices) if not query or _matches(c, query)]

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        visible = self._visible()
        if visible:
            table.add_row(
                Text(f"All environments ({len(visible)})", style="bold"),
                Text(""),
                Text(""),
                Text(""),
                Text(""),
                Text("every environment shown, in one table", style="dim"),
                key=ALL_ROW,
            )
        for index in visible:
            choice = self.choices[index]
            if choice.reachable is False:
                status = Text("unreachable", style="bold red")
            else:
                status = Text("ok", style="green") if choice.reachable else Text("?", style="dim")
            name = safe(choice.name, limit=_WIDTH["name"])
            if self.cca.safety.is_protected(EnvironmentRef(choice.service_code, choice.name)):
                # Every action there asks; destroy and purge need the name typed.
                name = Text.assemble(("⚠ ", "bold"), name, (" (protected)", "bold"))
            table.add_row(
                Text.assemble(("✓ ", "bold green"), name) if index in self.marked else name,
                safe(choice.service_code, limit=_WIDTH["code"]),
                status,
                safe(choice.connection_name, limit=_WIDTH["connection"]),
                safe(choice.organization, limit=_WIDTH["organization"]),
                safe(choice.description, limit=_WIDTH["description"]),
                key=str(index),
            )
        if self.preselect is not None:
            wanted = ALL_ROW if self.preselect == ALL else None
            wanted = wanted or next((str(i) for i in visible if self.choices[i].ref == self.preselect), None)
            if wanted is not None:
                table.move_cursor(row=table.get_row_index(wanted))
                self.preselect = None  # once: typing a filter must not pull the cursor back
            elif visible:
                table.move_cursor(row=1)  # the first environment, not "All"
        elif self.marked and table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))  # marking keeps the cursor
        elif visible and self.choices:
            table.move_cursor(row=1)
        shown = f"{len(visible)} of {len(self.choices)} environments"
        marked = f" · {len(self.marked)} marked" if self.marked else ""
        unreadable = (
            f" · {self.unreadable} environment rows the server sent could not be read" if self.unreadable else ""
        )
        self.query_one("#picker-status", Static).update(
            f"{shown}{marked}{unreadable} · {self._keys_hint()} · type to filter"
        )

    def _keys_hint(self) -> str:
        """ "Enter opens · space marks", with the keys of the user's keymap (Enter in the
        filter opens whatever picker_open is bound to)."""
        settings = getattr(self.app, "settings", None)
        keymap = getattr(settings, "keymap", None) or {}
        opens = first_key_text("picker_open", "enter", keymap)
        opens = "Enter" if opens == "enter" else f"Enter or {opens}"
        marks = first_key_text("picker_mark", "space", keymap)
        return f"{opens} opens · {marks} marks"

    def _cursor_key(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def selected(self) -> EnvironmentChoice | None:
        """The environment under the cursor (None on "All environments" or an empty list)."""
        key = self._cursor_key()
        return self.choices[int(key)] if key is not None and key != ALL_ROW else None

    def action_mark(self) -> None:
        key = self._cursor_key()
        if key is None or key == ALL_ROW:
            return
        self.marked ^= {int(key)}
        self._fill()

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
        if self.marked or self._cursor_key() == ALL_ROW:
            indexes = sorted(self.marked) if self.marked else self._visible()
            chosen = [self.choices[i] for i in indexes]
            refs = [EnvironmentRef(c.service_code, c.name) for c in chosen]
            self.cca.open_environments(
                refs, remember=ALL if not self.marked and len(indexes) == len(self.choices) else None
            )
            return
        choice = self.selected()
        if choice is None:
            self.notify("No environment matches the filter", severity="warning")
            return
        if choice.reachable is False:
            connection = printable(choice.connection_name, limit=_WIDTH["connection"])
            self.notify(f"{connection} reports it is unreachable; opening anyway", severity="warning", markup=False)
        self.cca.open_environment(choice.service_code, choice.name)

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        filter_input = self.query_one(Input)
        if filter_input.value:
            filter_input.value = ""
        elif self.cca.has_environment:
            self.app.pop_screen()  # back to the environment underneath, as it was
