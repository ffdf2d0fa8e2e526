"""The Textual application: holds the settings and the API client, switches screens."""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import platformdirs
from rich.text import Text
from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.driver import Driver
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from cca_tui import pacing
from cca_tui.api.client import CloudCAClient
from cca_tui.api.errors import AuthError, CloudCAError, scrub_text
from cca_tui.config import Settings, StateStore, default_config_path
from cca_tui.config.private_files import ensure_private_dir, write_private_text
from cca_tui.fleet.data import FleetData
from cca_tui.fleet.environments import EnvironmentChoice
from cca_tui.fleet.identity import EnvironmentRef, RowKey
from cca_tui.fleet.scope import ALL, is_pattern, matching_environments
from cca_tui.ui import (
    collector,
    textual_guards,  # noqa: F401 - the palette is an OptionList too: guard its paging
)
from cca_tui.ui.errors import describe_error
from cca_tui.ui.input_first import INPUT_EVENTS, holding_for_input
from cca_tui.ui.palette import InstancePalette
from cca_tui.ui.safe_text import printable
from cca_tui.ui.safety import SafetyPolicy
from cca_tui.ui.screens.instances import InstanceScreen
from cca_tui.ui.screens.key_problem import KeyProblemScreen
from cca_tui.ui.screens.picker import PickerScreen
from cca_tui.ui.styles_warmup import warm_styles
from cca_tui.ui.tasks.batches import Batch, Batches
from cca_tui.ui.tasks.history import ActionHistory
from cca_tui.ui.tasks.journal import TaskJournal
from cca_tui.ui.tasks.messages import TaskChanged
from cca_tui.ui.tasks.records import TaskStatus, TrackedTask
from cca_tui.ui.tasks.tracker import TaskTracker
from cca_tui.ui.terminal_watch import watch_terminal

if TYPE_CHECKING:
    from cca_tui.ui.forms import ConfirmModal


def crash_log_path() -> Path:
    return platformdirs.user_log_path("cca-tui") / "crash.log"


def environment_screen_name(environments: Sequence[EnvironmentRef]) -> str:
    """The installed screen's name: any environment name, and ("x", "a/b") and ("x/a", "b")
    stay apart (a plain "code/name" would give both the same screen)."""
    return "environment:" + json.dumps([[env.service_code, env.name] for env in environments])


def known_binding_ids() -> set[str]:
    """Every binding id a keymap may name: the screens' and the instance table's."""
    from cca_tui.ui.widgets.instance_table import InstanceTable

    return {
        binding.id
        for owner in (InstanceScreen, InstanceTable, PickerScreen)
        for binding in owner.BINDINGS
        if isinstance(binding, Binding) and binding.id
    }


def task_journal_path() -> Path:
    return platformdirs.user_state_path("cca-tui") / "tasks.json"


def history_path() -> Path:
    return platformdirs.user_state_path("cca-tui") / "history.jsonl"


log = logging.getLogger(__name__)

# Seconds after the picker first shows that the instance screen's styles are parsed ahead.
STYLES_WARM_AFTER = 0.3

# How a task's end is announced: (severity, seconds on screen).
# Seconds a task's end stays in a toast: short, as the task log keeps the outcome (toasts open
# at the top, app.tcss, so that they never cover the log's Outcome column).
END_NOTICES = {
    TaskStatus.SUCCESS: ("information", 4.0),
    TaskStatus.FAILED: ("error", 8.0),
    TaskStatus.REFUSED: ("error", 8.0),
    TaskStatus.NOT_DONE: ("warning", 8.0),
    TaskStatus.OUTCOME_UNKNOWN: ("warning", 10.0),
    TaskStatus.EXPIRED: ("warning", 10.0),
}


class CcaApp(App[None]):
    TITLE = "cca-tui"
    CSS_PATH = "app.tcss"
    # Shown in every footer: the picker's filter takes `q`, so say how to leave.
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", priority=True)]
    COMMANDS = App.COMMANDS | {InstancePalette}

    def __init__(
        self,
        settings: Settings,
        *,
        state: StateStore | None = None,
        environment: str | None = None,
        clock: Callable[[], datetime] = datetime.now,
        ssh_dir: Path | None = None,
        task_poll_interval: float = 1.0,
        journal_path: Path | None = None,
        history_file: Path | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        resume_tasks: bool = True,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.state = state if state is not None else StateStore()
        self.initial_environment = environment or settings.default_environment
        self.clock = clock
        self.ssh_dir = ssh_dir if ssh_dir is not None else Path.home() / ".ssh"
        self.client: CloudCAClient | None = None
        if settings.api_key is not None:
            self.client = CloudCAClient(
                settings.api_url,
                settings.api_key.get_secret_value(),
                verify=settings.verify_tls,
                org_id=settings.org_id,
                task_poll_interval=task_poll_interval,
                transport=transport,
            )
        self.safety = SafetyPolicy(frozenset(settings.confirm), settings.protected_environments)
        # The environments of the screen last opened.
        self._environments: tuple[EnvironmentRef, ...] | None = None
        # The environments shown before these (`-`), with what they were remembered as for
        # the next start (an environment's reference, ALL, or nothing: a few marked in the
        # picker), and what the ones shown are remembered as.
        self._previous: tuple[tuple[EnvironmentRef, ...], str | None] | None = None
        self._remembered: str | None = None
        self._styles_warmed = False
        # Until one request of this profile succeeds, a 401 or a 403 means the key was refused
        # (the reference lists 403 for a bad key); afterwards a 403 is about one environment.
        self.key_confirmed = False
        self.input_read_at: float | None = None  # see on_event
        self._quit_dialog: ConfirmModal | None = None  # open while the operator decides
        self.resume_tasks = resume_tasks
        self.tracker: TaskTracker | None = None
        self._data: FleetData | None = None
        if self.client is not None:
            # The data layer: each environment's compute scope, and the reads forms and panes need.
            self._data = FleetData(self.client)
            self.tracker = TaskTracker(
                self.client,
                spawn=lambda coroutine: self.run_worker(coroutine, group="tasks", exit_on_error=False),
                clock=clock,
                journal=TaskJournal(journal_path or task_journal_path(), settings.profile_name),
                history=ActionHistory(history_file or history_path(), settings.profile_name),
                data=self._data,
            )
            self.tracker.subscribe(self._task_changed)
            self.tracker.on_password = self._show_password
        # The tasks of each bulk action, together (their summary, `R` on the batch).
        self.batches = Batches(self.tracker) if self.tracker is not None else None

    @property
    def api(self) -> CloudCAClient:
        """The client, for screens that only exist once there is one (the picker, instances)."""
        if self.client is None:
            raise RuntimeError("no API client: the key screen should be showing")
        return self.client

    @property
    def data(self) -> FleetData:
        """The data layer: where a row lives (its compute scope) and what forms and panes read."""
        if self._data is None:
            raise RuntimeError("no API client: the key screen should be showing")
        return self._data

    @property
    def tasks(self) -> TaskTracker:
        if self.tracker is None:
            raise RuntimeError("no task tracker without an API client")
        return self.tracker

    def get_driver_class(self) -> type[Driver]:
        return holding_for_input(super().get_driver_class())

    async def on_event(self, event: events.Event) -> None:
        # Input that did not come through the driver's thread (the pilot's keys): see input_first.py.
        if isinstance(event, INPUT_EVENTS):
            pacing.hold_for_input()
            collector.paused_for_input(pacing.INPUT_QUIET)  # its collections after the frame too
            # When the input being handled was read (Textual stamps an event as it is made,
            # in the driver's thread for a terminal's keys): a question asks whether its
            # answer was typed before the question was on screen (forms/confirm.py).
            self.input_read_at = event.time
        await super().on_event(event)

    def on_mount(self) -> None:
        if not self.is_headless:
            watch_terminal(self.set_interval, self._terminal_gone)
        self._apply_keymap()
        if self.tracker is not None and self.resume_tasks:
            self._follow_resumed(self.tracker.resume_journaled())
        if self.client is None:
            self.show_key_problem(self.settings.api_key_problem or "No API key is set.")
        elif self.initial_environment and is_pattern(self.initial_environment):
            self.open_matching(self.initial_environment)
        elif self.initial_environment and "/" in self.initial_environment:
            code, _, name = self.initial_environment.partition("/")
            self.open_environment(code, name)
        else:
            self.show_picker()

    def _follow_resumed(self, resumed: Sequence[TrackedTask]) -> None:
        """Several tasks followed again after a restart end with one summary, as a bulk
        action's do (twelve resumed tasks made twelve toasts over the picker); one alone
        ends with its own notification."""
        if len(resumed) < 2 or self.batches is None:
            return
        from cca_tui.ui import bulk

        def ended(done: Batch) -> None:
            clean = all(record.status == "SUCCESS" for record in done.records)
            self.notify(
                bulk.summary(label, done.records, ()),
                title=f"{label}: all ended",
                severity="information" if clean else "warning",
                timeout=30,
                markup=False,
            )

        label = f"{len(resumed)} tasks followed again after a restart"
        self.batches.follow(label, resumed, (), ended)

    def _terminal_gone(self, reason: str) -> None:
        """Nobody can see or answer the app any more: leave now (tasks stay journaled)."""
        self.exit(return_code=129, message=f"cca-tui: {reason}; exiting")

    def _apply_keymap(self) -> None:
        """The config file's [keymap]: Textual remaps bindings by id; an id we do not have is
        said (a typo would otherwise do nothing, silently)."""
        keymap = self.settings.keymap
        if not keymap:
            return
        unknown = sorted(set(keymap) - known_binding_ids())
        if unknown:
            self.notify(
                f"[keymap] in the config: no binding has the id {', '.join(map(repr, unknown))}; "
                f"ids are listed in config.example.toml",
                title="Keymap",
                severity="warning",
                markup=False,
            )
        self.set_keymap({key: value for key, value in keymap.items() if key not in unknown})

    async def on_unmount(self) -> None:
        if self.tracker is not None:
            self.tracker.flush()  # the journal's last changes, before the loop goes
        if self.client is not None:
            await self.client.aclose()

    # --- navigation -------------------------------------------------------------------
    #
    # Each environment's screen is installed once and kept: switching away and back keeps
    # its filter, sort, cursor and task log, and the tasks it follows go on in the meantime
    # (a password reset finishing while the picker is open still shows its password).

    def _clear_stack(self) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()

    def show_picker(self, *, then_open: str | None = None) -> None:
        """The environment picker; with `then_open` (an `--env` pattern that could not be
        listed yet), the matching environments open as soon as the picker lists them."""
        if isinstance(self.screen, PickerScreen):
            return
        if then_open == ALL:
            preselect: str | None = ALL
        elif self._environments is not None:
            preselect = str(self._environments[0]) if len(self._environments) == 1 else ALL
        else:
            preselect = self.state.last_environment(self.settings.profile_name)
        self.push_screen(PickerScreen(preselect=preselect, then_open=then_open))
        if not self._styles_warmed:
            # While the operator reads the environments (see styles_warmup.py).
            self._styles_warmed = True
            self.set_timer(STYLES_WARM_AFTER, self._warm_instance_styles)

    def _warm_instance_styles(self) -> None:
        if any(isinstance(screen, InstanceScreen) for screen in self.screen_stack):
            return  # already mounted: nothing left to parse ahead
        try:
            warm_styles(self, InstanceScreen.WIDGET_CLASSES)
        except Exception:
            log.debug("styles not parsed ahead", exc_info=True)

    @property
    def has_environment(self) -> bool:
        return self._environments is not None

    def open_environment(self, service_code: str, environment_name: str) -> None:
        self.open_environments([EnvironmentRef(service_code, environment_name)])

    def open_environments(self, environments: Sequence[EnvironmentRef], *, remember: str | None = None) -> None:
        """One table of these environments' instances (one environment: a fleet of one)."""
        refs = tuple(dict.fromkeys(environments))
        if self._environments is not None and self._environments != refs:
            self._previous = (self._environments, self._remembered)
        self._environments = refs
        self._remembered = remember if remember is not None else str(refs[0]) if len(refs) == 1 else None
        if self._remembered is not None:
            self.state.remember_environment(self.settings.profile_name, self._remembered)
        name = environment_screen_name(refs)
        if not self.is_screen_installed(name):
            self.install_screen(InstanceScreen(refs), name=name)
        self._clear_stack()
        self.push_screen(name)

    def open_matching(self, pattern: str) -> None:
        """`--env all` or a glob: the environments the key can see that match, together."""
        self.run_worker(self._open_matching(pattern), group="environments", exit_on_error=False)

    async def _open_matching(self, pattern: str) -> None:
        try:
            listed = await self.data.environments()
        except AuthError as exc:
            if self.key_refused(exc.status):
                self.show_key_problem(describe_error(exc))
                return
            self.notify(describe_error(exc), title="Environments", severity="error", markup=False)
            self.show_picker()
            return
        except CloudCAError as exc:
            # The API may be down for a moment: the picker keeps trying, and opens these then.
            self.notify(describe_error(exc), title="Environments", severity="error", markup=False)
            self.show_picker(then_open=pattern)
            return
        self.key_confirmed = True
        self.open_listed(pattern, listed.choices)

    def open_listed(self, pattern: str, choices: Sequence[EnvironmentChoice]) -> None:
        """The environments of `choices` that `pattern` matches, together (none: the picker says so)."""
        refs = matching_environments((EnvironmentRef(c.service_code, c.name) for c in choices), pattern)
        if not refs:
            self.notify(printable(f"No environment matches {pattern}"), severity="warning", markup=False)
            self.show_picker()
            return
        self.open_environments(refs, remember=ALL if pattern == ALL else None)

    def open_previous_environment(self) -> None:
        """`-`: back to the environment shown before this one (and again: to and fro)."""
        if self._previous is None:
            self.notify("No previous environment yet", severity="information")
            return
        # (Remembered as it was: back to "All environments" is the fleet again next start.)
        environments, remembered = self._previous
        self.open_environments(environments, remember=remembered)

    def environment_screens(self) -> list[InstanceScreen]:
        return [s for s in self._installed_screens.values() if isinstance(s, InstanceScreen)]

    def key_refused(self, status: int) -> bool:
        """Does an auth error of this status mean the key itself was refused?"""
        return status == 401 or not self.key_confirmed

    def show_key_problem(self, problem: str) -> None:
        path = str(self.settings.config_path or default_config_path())
        self._clear_stack()
        self.push_screen(KeyProblemScreen(problem, profile=self.settings.profile_name, config_path=path))

    # --- tasks ----------------------------------------------------------------------------

    def _task_changed(self, record: TrackedTask) -> None:
        """The tracker's news: a frozen snapshot to the screens showing its environment, and
        a notification naming the environment at the end."""
        assert self.tracker is not None  # only the tracker calls this
        board = self.tracker.board(record.environment)
        row = self.tracker.row(record)
        for screen in self.environment_screens():
            if record.environment in screen.environments:
                screen.post_message(TaskChanged(row, board))
        if self._quit_dialog is not None and self.tracker is not None:
            self._quit_dialog.set_message(self._quit_question())  # counts live, not as opened
        notice = END_NOTICES.get(TaskStatus(record.status)) if record.status in set(TaskStatus) else None
        if self.batches is not None and self.batches.of(record) is not None:
            notice = None  # part of a bulk action: its batch's one summary says how it went
        if notice is not None and record.ended is not None:
            severity, timeout = notice
            self.notify(
                printable(f"{record.status}: {record.outcome}", limit=300),
                title=printable(f"{record.label} {record.instance_name} ({record.environment})", limit=80),
                severity=severity,  # type: ignore[arg-type]
                timeout=timeout,
                markup=False,
            )

    def _show_password(self, record: TrackedTask, password: str) -> None:
        from cca_tui.ui.forms import PasswordModal

        # Where too: a bulk reset across a fleet shows several `web-1`s, one after another.
        self.push_screen(PasswordModal(printable(f"{record.instance_name} in {record.environment}"), password))

    def _quit_question(self) -> str:
        """What quitting does to the tasks in flight, and the keys: staying is the default
        here (Enter stays), unlike an action's question, so it is said."""
        assert self.tracker is not None
        return self.tracker.quit_message() + "\n\ny: quit · Enter or Esc: stay"

    async def action_quit(self) -> None:
        """Quitting leaves server-side tasks running; say so when some are still followed."""
        if self.tracker is None or not self.tracker.in_flight:
            self.exit()
            return
        from cca_tui.ui.forms import ConfirmModal

        def answered(quit_anyway: bool | None) -> None:
            self._quit_dialog = None
            if quit_anyway:
                self.exit()

        self._quit_dialog = ConfirmModal("Quit?", self._quit_question(), "Quit")
        self.push_screen(self._quit_dialog, answered)

    def copy_to_clipboard(self, text: str) -> None:
        """OSC 52 as Textual writes it, except text a terminal cannot receive (a lone
        surrogate would raise while encoding): that is refused and said, never sent."""
        from cca_tui.ui.handover import encodable

        if not encodable(text):
            self.notify("Not copied: the text holds characters a terminal cannot receive", severity="warning")
            return
        super().copy_to_clipboard(text)

    # --- palette ----------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if self.client is not None:
            yield SystemCommand("Switch environment", "Choose another environment", self.show_picker)
            yield SystemCommand(
                "All environments", "Every environment the key can see, in one table", lambda: self.open_matching(ALL)
            )
        if isinstance(screen, InstanceScreen):
            yield SystemCommand("Refresh instances", "Reload the instance list now", screen.action_refresh)
            yield SystemCommand("New instance", "Open the create-instance form", lambda: screen.action_act("create"))
        # The entries that quote server text (actions on the selection, instances,
        # environments) come from InstancePalette, as plain Text: SystemCommand reads markup.

    def show_instance(self, key: Hashable) -> None:
        """The palette's jump: show the row (its environment's screen unless the current one
        shows it) and put the cursor on it (the filter is cleared when it hides the row)."""
        if not isinstance(key, RowKey):
            return  # every row the app loads is keyed by environment and id
        current = self.screen if isinstance(self.screen, InstanceScreen) else None
        if current is None or key.environment not in current.environments:
            self.open_environment(key.environment.service_code, key.environment.name)
        screen = self.screen
        if isinstance(screen, InstanceScreen):
            screen.show_instance(key)

    # --- last line of defence -----------------------------------------------------------

    def _fatal_error(self) -> None:
        """Replace Textual's crash report, a traceback *with local variables* (which can hold
        the API key), by one line on the terminal and a scrubbed traceback in a private file."""
        error = self._exception
        path = crash_log_path()
        details = "".join(traceback.format_exception(error)) if error is not None else "unknown error\n"
        if self.settings.api_key is not None:  # and its echoes: any case, any run of 8
            details = scrub_text(details, self.settings.api_key.get_secret_value())
        try:
            # 0700 directory, 0600 file, also when an older crash log was left 0644.
            ensure_private_dir(path.parent)
            write_private_text(path, details)
            where = f"details in {path}"
        except OSError:
            where = "no details could be written"
        kind = type(error).__name__ if error is not None else "error"
        self._exit_renderables.append(Text(f"cca-tui stopped on an unexpected {kind}; {where}.", style="bold red"))
        self._close_messages_no_wait()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Workers catch the errors they expect; anything else is shown here, not raised."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.notify(describe_error(event.worker.error), title="Error", severity="error", timeout=10, markup=False)
