"""Shared helpers for pilot tests of the whole app against the simulator over HTTP."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from pydantic import SecretStr
from textual.app import App
from textual.notifications import SeverityLevel
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable

from cca_tui.api.models import Instance
from cca_tui.config import Settings, StateStore
from cca_tui.fleet.identity import RowKey
from cca_tui.sim import entities
from cca_tui.sim.server import SimServer
from cca_tui.ui.actions import Action
from cca_tui.ui.app import CcaApp
from cca_tui.ui.screens.instances import InstanceScreen
from cca_tui.ui.screens.picker import PickerScreen
from cca_tui.ui.widgets.action_bar import ActionBar, ActionEntry
from cca_tui.ui.widgets.detail_pane import DetailPane
from cca_tui.ui.widgets.instance_table import InstanceTable

FROZEN_NOW = datetime(2026, 11, 27, 12, 0, 0)
SIZE = (120, 40)


def spy(monkeypatch: pytest.MonkeyPatch, owner: object, name: str, note: Callable[..., object]) -> None:
    """From now until the test ends, each call of `owner.name` (a class's method, self
    included, or a module's function) first calls `note` with the same arguments, then does
    what it did."""
    original = getattr(owner, name)

    def spying(*args: Any, **kwargs: Any) -> Any:
        note(*args, **kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, spying)


class WidthCounts(list[tuple[str, int]]):
    """(instance id, +1 counted in / -1 taken off) for each row the table counted in or out
    of its columns' widths, in order."""

    @property
    def counted_in(self) -> list[str]:
        """The rows whose widths were counted in."""
        return [instance_id for instance_id, sign in self if sign > 0]


def count_widths(monkeypatch: pytest.MonkeyPatch) -> WidthCounts:
    """What every InstanceTable counts in its columns' widths from now on."""
    counts = WidthCounts()

    def counting(_table: InstanceTable, rows: Sequence[Instance], sign: int) -> None:
        counts.extend((instance.id, sign) for instance in rows)

    spy(monkeypatch, InstanceTable, "_count", counting)
    return counts


class CountingTransport(httpx.AsyncBaseTransport):
    """Real HTTP to the simulator, telling its listeners of each request: given to the app
    through its transport injection (tests never reach into the client)."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.inner = inner if inner is not None else httpx.AsyncHTTPTransport()
        self.listeners: list[Callable[[httpx.Request], None]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        for listener in self.listeners:
            listener(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


# The transport each app of make_app was given (RequestCounter listens to it).
_TRANSPORTS: weakref.WeakKeyDictionary[CcaApp, CountingTransport] = weakref.WeakKeyDictionary()


def make_app(
    sim: SimServer,
    tmp_path: Path,
    *,
    environment: str | None = None,
    read_only: bool = False,
    ssh_dir: Path | None = None,
    api_key: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    **settings_fields: Any,
) -> CcaApp:
    """The app on the simulator; `settings_fields` are more Settings (confirm, keymap...)."""
    settings = Settings(
        profile_name="test",
        api_url=sim.url,
        api_key=SecretStr(api_key if api_key is not None else sim.api_key),
        refresh_interval=60,  # tests refresh explicitly; no timer races
        read_only=read_only,
        **settings_fields,
    )
    counting = CountingTransport(transport)
    app = CcaApp(
        settings,
        state=StateStore(tmp_path / "state.json"),
        environment=environment,
        clock=lambda: FROZEN_NOW,
        ssh_dir=ssh_dir if ssh_dir is not None else tmp_path / "no-ssh",
        task_poll_interval=0.05,
        transport=counting,
    )
    _TRANSPORTS[app] = counting
    told(app)  # from the start: a notification of the first load counts too
    return app


@dataclass(frozen=True)
class Note:
    """One notification as the app was told to show it."""

    title: str
    message: str
    severity: SeverityLevel
    markup: bool


class Told:
    """Every notification an app was told to show, in order, kept for the whole test.

    `app._notifications` holds only those still on screen: Textual drops each after its
    timeout (a few seconds), so a test that looks there for one told a while ago fails on a
    slow run. Recorded as `notify` is called (every `Widget.notify` goes through `App.notify`)."""

    def __init__(self, app: App[Any]) -> None:
        self.notes: list[Note] = []
        show = app.notify

        def notify(
            message: str,
            *,
            title: str = "",
            severity: SeverityLevel = "information",
            timeout: float | None = None,
            markup: bool = True,
        ) -> None:
            self.notes.append(Note(title, message, severity, markup))
            show(message, title=title, severity=severity, timeout=timeout, markup=markup)

        app.notify = notify  # type: ignore[method-assign]

    @property
    def messages(self) -> list[str]:
        return [note.message for note in self.notes]

    @property
    def titles(self) -> list[str]:
        return [note.title for note in self.notes]

    def titled(self, title: str) -> list[str]:
        """The messages of the notifications with that title."""
        return [note.message for note in self.notes if note.title == title]

    def containing(self, text: str) -> list[str]:
        """The messages that contain `text`."""
        return [note.message for note in self.notes if text in note.message]


_TOLD: weakref.WeakKeyDictionary[App[Any], Told] = weakref.WeakKeyDictionary()


def told(app: App[Any]) -> Told:
    """The notifications `app` was told to show. make_app's apps record from their creation;
    any other app records from the first call, so call it before the app runs."""
    if app not in _TOLD:
        _TOLD[app] = Told(app)
    return _TOLD[app]


class RequestCounter:
    """Counts the requests the app's client sends (client side: 'sends nothing' means zero)."""

    def __init__(self, app: CcaApp) -> None:
        self.requests: list[str] = []
        _TRANSPORTS[app].listeners.append(self._seen)

    def _seen(self, request: httpx.Request) -> None:
        self.requests.append(f"{request.method} {request.url.path}?{request.url.query.decode()}")

    def mutations(self) -> list[str]:
        return [r for r in self.requests if not r.startswith("GET ")]


async def settle(app: CcaApp, pilot: Pilot[None], *, rounds: int = 1, timeout: float = 30.0) -> None:
    """Wait until the app is quiet: no worker running, no refresh or detail load pending,
    no message waiting. Waits on those conditions, not on time; `rounds` asks for that many
    quiet observations in a row (a task's end starts a refresh, which starts a detail load).

    A worker cancelled on purpose (an exclusive detail load replaced by a newer one) is
    expected, not a failure: its cancellation is swallowed here as the app swallows it.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    quiet_in_a_row = 0
    while quiet_in_a_row < max(1, rounds):
        await pilot.pause()
        running = [w for w in app.workers if not w.is_finished]
        if running:
            await asyncio.gather(*(w.wait() for w in running), return_exceptions=True)
        if _quiet(app):
            quiet_in_a_row += 1
        else:
            quiet_in_a_row = 0
            if loop.time() > deadline:
                raise AssertionError("the app did not settle in time")
            await asyncio.sleep(0.01)  # a timer is due: let it fire
    await pilot.pause()


def _quiet(app: CcaApp) -> bool:
    if any(not w.is_finished for w in app.workers):
        return False
    if isinstance(app.screen, PickerScreen) and not app.screen.choices and app.screen.retry_delay is None:
        return False  # its first load has not started yet
    for screen in app.environment_screens():
        if not screen.is_mounted:
            continue
        if screen.loading_now:
            return False
        if isinstance(screen, InstanceScreen) and screen.query_one(DetailPane).fetch_pending:
            return False
        if isinstance(screen, InstanceScreen) and screen.task_changes_pending:
            return False  # task records wait to be applied together (a timer)
    return True


def env_instances(sim: SimServer, code: str = "compute-on", name: str = "production") -> list[entities.Instance]:
    """The simulator's live instances of one environment."""
    return list(sim.world.environment(code, name).instances.values())


ScreenT = TypeVar("ScreenT", bound=Screen[Any])


def top_screen(app: App[Any], kind: type[ScreenT]) -> ScreenT:
    """The screen on top, which the test expects to be a `kind` (a dialog, the picker...)."""
    screen = app.screen
    assert isinstance(screen, kind), f"the screen on top is a {type(screen).__name__}, not a {kind.__name__}"
    return screen


async def picker_listed(app: CcaApp, pilot: Pilot[None]) -> PickerScreen:
    """The app settled on its picker, once the picker lists the environments."""
    await settle(app, pilot)
    picker = app.screen
    assert isinstance(picker, PickerScreen)
    await wait_until(pilot, lambda: bool(picker.choices))
    return picker


def picker_rows(picker: PickerScreen, column: str = "name") -> dict[str, str]:
    """The picker's environment rows, top to bottom: ref -> that column's cell as drawn. Rows
    are keyed by their position in `choices` (any environment name must work as a key)."""
    table = picker.query_one("#picker-table", DataTable)
    return {
        picker.choices[int(str(key.value))].ref: str(table.get_cell(key, column))
        for key in table.rows
        if key.value != "all"
    }


def instance_screen(app: App[Any]) -> InstanceScreen:
    """The screen on top, which the test expects to be an instance list."""
    return top_screen(app, InstanceScreen)


def action_shown(screen: InstanceScreen, action: str) -> ActionEntry:
    """An action as the screen's action bar shows it (its label, and why it is refused)."""
    return screen.query_one(ActionBar).entry(Action(action))


async def click_action(pilot: Pilot[None], screen: InstanceScreen, action: str) -> None:
    """Click an action where the action bar draws it."""
    bar = screen.query_one(ActionBar)
    await pilot.click(ActionBar, offset=bar.region_of(Action(action)).offset)


def row_key(screen: InstanceScreen, instance_id: str, environment: str | None = None) -> RowKey:
    """The key of the row showing an instance (of `environment`, "code/name", in a fleet)."""
    matches = [
        key
        for key, instance in screen.view.instances.items()
        if isinstance(key, RowKey)
        and instance.id == instance_id
        and (environment is None or str(key.environment) == environment)
    ]
    assert len(matches) == 1, f"{len(matches)} rows show {instance_id}"
    return matches[0]


def instance_shown(screen: InstanceScreen, instance_id: str, environment: str | None = None) -> Instance:
    """The instance as the screen's view holds it."""
    return screen.view.instances[row_key(screen, instance_id, environment)]


def shown_ids(screen: InstanceScreen) -> list[str]:
    """The instance ids of the rows the table draws, top to bottom (the view's rows)."""
    return [instance.id for instance in screen.view.rows]


def busy_ids(screen: InstanceScreen) -> set[str]:
    """The ids of the instances an action of ours is in flight on."""
    return {key.id for key in screen.view.busy if isinstance(key, RowKey)}


def selected_id(screen: InstanceScreen) -> str | None:
    selected = screen.view.selected
    return selected.id if selected is not None else None


def select(screen: InstanceScreen, instance_id: str, environment: str | None = None) -> None:
    """Put the table's cursor on an instance, as arrow keys would."""
    screen.query_one(InstanceTable).select(row_key(screen, instance_id, environment))


async def wait_until(pilot: Pilot[Any], condition: Callable[[], object], *, timeout: float = 30.0) -> None:
    """Let the app run until `condition()` holds (checked after each pause); fail after `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause()
        await asyncio.sleep(0.01)


class Operator:
    """The operator's hands on the running app: put the cursor on a row, press keys, wait for
    the dialog they open, answer it; and what the app sent since `counter` started."""

    def __init__(self, app: CcaApp, pilot: Pilot[None]) -> None:
        self.app = app
        self.pilot = pilot
        self.counter = RequestCounter(app)

    @property
    def screen(self) -> InstanceScreen:
        return instance_screen(self.app)

    def mutations(self) -> list[str]:
        return self.counter.mutations()

    def count_from_now(self) -> None:
        self.counter = RequestCounter(self.app)

    async def settle(self, rounds: int = 1) -> None:
        await settle(self.app, self.pilot, rounds=rounds)

    async def select(self, instance_id: str, environment: str | None = None) -> None:
        select(self.screen, instance_id, environment)
        await self.settle()

    async def ask(self, *keys: str, dialog: type[ScreenT]) -> ScreenT:
        """Press `keys` (none: the dialog is on its way already) and wait for `dialog`."""
        if keys:
            await self.pilot.press(*keys)
        await wait_until(self.pilot, lambda: isinstance(self.app.screen, dialog))
        return top_screen(self.app, dialog)

    async def answer(self, *keys: str, rounds: int = 1) -> None:
        """Press the keys that answer the dialog, and let what they start finish."""
        await self.pilot.press(*keys)
        await self.settle(rounds)

    async def switch_to(self, typed: str) -> InstanceScreen:
        """ctrl+e to the picker, type `typed` in its filter, Enter: the screen it opens."""
        await self.answer("ctrl+e")
        await self.answer(*typed, "enter")
        return self.screen


@asynccontextmanager
async def open_app(
    sim: SimServer, tmp_path: Path, *, selected: str | None = None, **app_options: Any
) -> AsyncIterator[Operator]:
    """The app on the simulator (make_app's options), loaded, with the cursor on `selected`;
    the Operator counts requests from then on."""
    app = make_app(sim, tmp_path, **app_options)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        if selected is not None:
            select(instance_screen(app), selected)
            await settle(app, pilot)
        yield Operator(app, pilot)
