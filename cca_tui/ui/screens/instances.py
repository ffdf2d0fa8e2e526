"""The instance screen of one environment: wiring and layout.

- The state lives in `view` (an `EnvironmentView`, cca_tui/ui/state.py); every widget is
  bound to it with data_bind and redraws from it. Handlers here only make new views.
- Fetching: cca_tui/ui/loading.py. Columns, filter, sort: cca_tui/ui/rows.py.
- Actions, their keys, labels and gates: cca_tui/ui/actions.py. Sending and following:
  the app's task tracker (cca_tui/ui/tasks/), whose changes arrive as TaskChanged.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar, cast

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input

from cca_tui.api.errors import AuthError
from cca_tui.api.models import Instance, Task
from cca_tui.ui.actions import ACTIONS, SPEC_BY_ACTION, Action, ActionSpec, Operation, refusal
from cca_tui.ui.errors import describe_error
from cca_tui.ui.format import ssh_commands
from cca_tui.ui.loading import InstanceLoader, keep_long_lived
from cca_tui.ui.rows import COLUMN_KEYS
from cca_tui.ui.safe_text import printable
from cca_tui.ui.screens.help import HelpScreen
from cca_tui.ui.state import EnvironmentRef, EnvironmentView, LoadProgress, TaskRow
from cca_tui.ui.tasks.messages import TaskChanged
from cca_tui.ui.tasks.records import TrackedTask
from cca_tui.ui.widgets.action_bar import ActionBar
from cca_tui.ui.widgets.detail_pane import DetailPane
from cca_tui.ui.widgets.filter_input import FilterInput
from cca_tui.ui.widgets.instance_table import InstanceTable
from cca_tui.ui.widgets.status_line import StatusLine
from cca_tui.ui.widgets.task_log import TaskLog

if TYPE_CHECKING:
    from cca_tui.ui.app import CcaApp
    from cca_tui.ui.forms.base import FormScreen

# While something is in flight the table refreshes this often (seconds).
FAST_REFRESH = 1.0
# A refresh may use at most this share of the time between refreshes: on a huge
# environment the interval grows so that watching it idle costs next to nothing.
MAX_REFRESH_SHARE = 0.01
# During a refresh (rows already shown), the progress in the status line is updated at most
# this often (seconds).
PROGRESS_EVERY = 0.5


def task_rows(records: list[TrackedTask]) -> list[TaskRow]:
    return [
        TaskRow(r.key, r.started, r.label, r.instance_name, str(r.status), r.outcome)
        for r in sorted(records, key=lambda r: int(r.key[1:]) if r.key[1:].isdigit() else 0)
    ]


class InstanceScreen(Screen[None]):
    # Every binding has an id: the config file's [keymap] remaps it by that id.
    BINDINGS: ClassVar[list[BindingType]] = [
        # The action bar shows each action's key on its button; the footer keeps the rest.
        *(
            Binding(spec.key, f"act('{spec.action.value}')", spec.long_label, show=False, id=spec.binding_id)
            for spec in ACTIONS
        ),
        Binding(
            "slash",
            "filter",
            "Filter",
            tooltip="Filter: words, field:value, -field:value (Esc or ctrl+u clears)",
            id="filter",
        ),
        Binding("ctrl+r", "refresh", "Refresh", tooltip="Refresh now", id="refresh"),
        Binding("ctrl+e", "environments", "Envs", tooltip="Switch environment", id="environments"),
        Binding(
            "minus", "previous_environment", "Previous environment (like cd -)", show=False, id="previous_environment"
        ),
        Binding("question_mark", "help", "Help", tooltip="This help", id="help"),
        # The footer shows ^q, which works everywhere.
        Binding("q", "app.quit", "Quit", show=False, tooltip="Quit (asks first while tasks are in flight)", id="quit"),
        Binding("less_than_sign", "sort(-1)", "Sort by the previous column", show=False, id="sort_previous"),
        Binding("greater_than_sign", "sort(1)", "Sort by the next column", show=False, id="sort_next"),
        Binding("exclamation_mark", "reverse_sort", "Reverse the sort order", show=False, id="reverse_sort"),
        Binding("t", "toggle_tasks", "Tasks", tooltip="Show / hide the task log", id="toggle_tasks"),
        Binding("z", "toggle_detail", "Detail", tooltip="Show / hide the detail pane", id="toggle_detail"),
        Binding("c", "copy_ssh", "Copy the ssh command", show=False, id="copy_ssh"),
        Binding("R", "retry", "Retry what the server did not do (asks first)", show=False, id="retry"),
        Binding("escape", "clear_filter", "Clear the filter / back to the table", show=False, id="clear_filter"),
        # Escape costs the terminal's escape delay (~100 ms: is it a key or a sequence?).
        # In the filter box ctrl+u is the box's own (delete to the start: the same result).
        Binding(
            "ctrl+u", "clear_filter", "Clear the filter at once (no Escape delay)", show=False, id="clear_filter_now"
        ),
    ]
    # Narrow terminals get the action bar on two rows; short ones a smaller task log.
    # Under 100 columns the detail pane starts hidden so the table keeps its columns; `z`
    # toggles it at any width.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-medium"), (118, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    DEFAULT_CSS = """
    InstanceScreen.-narrow ActionBar, InstanceScreen.-medium ActionBar { layout: grid; grid-size: 6; grid-gutter: 0; height: 2; }
    InstanceScreen.-narrow DetailPane { display: none; }
    InstanceScreen.-narrow DetailPane.toggled { display: block; }
    InstanceScreen.-medium DetailPane.toggled, InstanceScreen.-wide DetailPane.toggled { display: none; }
    InstanceScreen.-short TaskLog { height: 4; }
    InstanceScreen #main { height: 1fr; }
    InstanceScreen InstanceTable { width: 1fr; }
    InstanceScreen DetailPane { width: 40%; min-width: 40; max-width: 60; }  /* 40: a UUID fits whole */
    InstanceScreen #filter { display: none; height: 1; border: none; padding: 0 1; }
    InstanceScreen #filter.visible { display: block; }
    InstanceScreen TaskLog.hidden { display: none; }
    """

    # repaint=False: the widgets bound to it redraw what changed; a repaint of the screen
    # would redraw every widget on every keystroke.
    view: reactive[EnvironmentView] = reactive(cast(EnvironmentView, None), init=False, repaint=False)

    def __init__(self, service_code: str, environment_name: str) -> None:
        super().__init__()
        self.ref = EnvironmentRef(service_code, environment_name)
        self.set_reactive(InstanceScreen.view, EnvironmentView(self.ref))
        self.compute = self.cca.api.compute(service_code, environment_name)
        self._refresh_timer: Timer | None = None
        self._loading = False
        self._loader = InstanceLoader()  # remembers the last list: unchanged rows are not parsed again
        self._reload_after = False
        self._interval = float(self.cca.settings.refresh_interval)
        self._filter_typing = False

    @property
    def cca(self) -> CcaApp:
        """The app, typed: settings, client, tracker and navigation."""
        return cast("CcaApp", self.app)

    # Kept for callers that know the screen by its old names.
    @property
    def service_code(self) -> str:
        return self.ref.service_code

    @property
    def environment_name(self) -> str:
        return self.ref.name

    # --- layout ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        settings = self.cca.settings
        yield StatusLine(
            profile=settings.profile_name,
            read_only=settings.read_only,
            warning=settings.transport_warning,
            protected=self.protected,
            id="status",
        ).data_bind(InstanceScreen.view)
        yield FilterInput(
            placeholder="filter: words · field:value · -field:value · Enter keeps · Esc or ctrl+u clears", id="filter"
        )
        with Horizontal(id="main"):
            yield InstanceTable(id="instances").data_bind(InstanceScreen.view)
            yield DetailPane(self.compute, id="detail").data_bind(InstanceScreen.view)
        yield ActionBar(
            profile=settings.profile_name, read_only=settings.read_only, keymap=settings.keymap, id="actions"
        ).data_bind(InstanceScreen.view)
        yield TaskLog(id="tasks").data_bind(InstanceScreen.view)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(StatusLine).set_refresh_interval(self._interval)
        self.query_one(InstanceTable).focus()
        self._tasks_changed()

    def on_screen_resume(self) -> None:
        # First shown, back from a form, or back from another environment: fresh data now.
        self.request_refresh()

    def on_screen_suspend(self) -> None:
        # Not on top (a form, the picker, another environment): no polling meanwhile. Tasks
        # go on being followed by the tracker; their end refreshes once we are back.
        self._stop_timer()

    @property
    def loading_now(self) -> bool:
        return self._loading

    @property
    def table(self) -> InstanceTable:
        return self.query_one(InstanceTable)

    @property
    def task_log(self) -> TaskLog:
        return self.query_one(TaskLog)

    # --- refresh loop ---------------------------------------------------------------
    #
    # One load at a time, never cancelled by another: a reply that is under way is worth
    # more than a new request (under latency, cancelling meant nothing ever arrived). A
    # refresh asked for during a load runs right after it. The cadence follows the
    # settings, faster while something is in flight, slower when a refresh is expensive.

    def action_refresh(self) -> None:
        self.request_refresh()

    def request_refresh(self) -> None:
        if self._loading:
            self._reload_after = True
            return
        self._stop_timer()
        self._loading = True
        self.view = self.view.with_loading(LoadProgress(0))
        self._load()

    def _stop_timer(self) -> None:
        if self._refresh_timer is not None:
            self._refresh_timer.stop()
            self._refresh_timer = None

    def _schedule_refresh(self) -> None:
        self._stop_timer()
        if self._reload_after:
            self._reload_after = False
            self.request_refresh()
            return
        if not self.is_current:
            return  # on_screen_resume refreshes when the screen is back
        busy = bool(self.view.busy) or self.view.has_transitional
        delay = min(FAST_REFRESH, self._interval) if busy else self._interval
        self._refresh_timer = self.set_timer(delay, self.request_refresh)

    def _adapt_interval(self, cost: float) -> None:
        """Lengthen the interval when refreshing costs more than its share of the time."""
        wanted = max(float(self.cca.settings.refresh_interval), round(cost / MAX_REFRESH_SHARE))
        if wanted != self._interval:
            self._interval = wanted
            self.query_one(StatusLine).set_refresh_interval(wanted)

    @work(group="refresh", exit_on_error=False)
    async def _load(self) -> None:
        # Pages are shown as they arrive on the first load (the rows fill in); a refresh is
        # applied once complete (a partial list would hide the rows still on their way).
        # Rows are parsed in slices between pages (see loading.py): the loop stays free.
        first_load = not self.view.loaded
        cpu_started = time.thread_time()
        shown_progress = time.monotonic()
        try:
            async for batch in self._loader.stream(self.compute):
                if batch.complete:
                    self.view = self.view.with_instances(batch.instances, when=self.cca.clock()).with_unreadable(
                        batch.unreadable
                    )
                    keep_long_lived()
                elif first_load:
                    self.view = self.view.with_instances(batch.instances, when=self.cca.clock()).with_loading(
                        LoadProgress(batch.received, batch.total)
                    )
                elif time.monotonic() - shown_progress > PROGRESS_EVERY:
                    # A refresh's progress, now and then: each one redraws the status line.
                    shown_progress = time.monotonic()
                    self.view = self.view.with_loading(LoadProgress(batch.received, batch.total))
        except AuthError as exc:
            self._loading = False
            if self.cca.key_refused(exc.status):
                self.cca.show_key_problem(describe_error(exc))
                return
            # 403: the key is fine but not allowed here; other environments may work.
            self.view = self.view.with_stale(f"not authorised in {self.ref}: {exc.summary}")
            self._schedule_refresh()
            return
        except Exception as exc:  # noqa: BLE001 - whatever it was, keep the rows and retry later
            self._loading = False
            self.view = self.view.with_stale(describe_error(exc))
            self._schedule_refresh()
            return
        self.cca.key_confirmed = True
        self._loading = False
        # What a refresh costs this process: the loop's CPU time while it ran (reading the
        # replies, parsing, building the view, drawing), a bound on what is the load's own.
        # Not the first load: it parses every row, the refreshes after it only what changed.
        if not first_load:
            self._adapt_interval(time.thread_time() - cpu_started)
        self._schedule_refresh()

    # --- selection, filter, sort ------------------------------------------------------

    @on(InstanceTable.Highlighted)
    def _highlighted(self, event: InstanceTable.Highlighted) -> None:
        self.view = self.view.with_selection(event.instance_id)

    @on(InstanceTable.SortRequested)
    def _sort_requested(self, event: InstanceTable.SortRequested) -> None:
        self.view = self.view.with_sort(event.column_key)

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        # Until Enter or Esc, letters typed are the filter's, wherever they were sent.
        self._filter_typing = True
        box.add_class("visible")
        # Focus now, not on the next idle (Widget.focus defers): the keys typed right after
        # `/` belong to the filter. Deferred, "/web" typed fast would press `w` (password).
        self.set_focus(box)

    def on_key(self, event: events.Key) -> None:
        """`/` opens the filter here, at once, rather than through its binding: bindings run
        after the keys already read, so in a burst ("/web" typed fast, or pasted over ssh)
        the letters would reach the table and its bindings (`w`: reset password) first. The
        letters of that burst still come to the table (they were sent before the focus
        moved): while the filter is open they go into it."""
        box = self.query_one("#filter", Input)
        if event.key == "slash" and not isinstance(self.focused, Input):
            event.stop()
            event.prevent_default()
            self.action_filter()
        elif self._filter_typing and not box.has_focus and event.is_printable and event.character:
            # Keys of the same burst were already on their way to the table: take them back.
            event.stop()
            event.prevent_default()
            box.insert_text_at_cursor(event.character)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.view = self.view.with_filter(event.value.strip())

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self._filter_typing = False
        box = self.query_one("#filter", Input)
        if not box.value:
            box.remove_class("visible")
        self.table.focus()

    def action_clear_filter(self) -> None:
        self._filter_typing = False
        box = self.query_one("#filter", Input)
        box.value = ""
        box.remove_class("visible")
        self.view = self.view.with_filter("")
        self.table.focus()

    def action_sort(self, step: int) -> None:
        index = COLUMN_KEYS.index(self.view.sort_column)
        self.view = self.view.with_sort(COLUMN_KEYS[(index + step) % len(COLUMN_KEYS)])

    def action_reverse_sort(self) -> None:
        self.view = self.view.with_sort(self.view.sort_column)

    # --- actions ----------------------------------------------------------------------

    def refusal_for(self, action: Action) -> str | None:
        spec = SPEC_BY_ACTION[action]
        instance = self.view.selected
        settings = self.cca.settings
        return refusal(
            spec,
            instance.state if instance else None,
            instance.name if instance else None,
            read_only=settings.read_only,
            profile=settings.profile_name,
            busy_with=self.view.busy.get(instance.id) if instance else None,
        )

    @on(ActionBar.Chosen)
    def _action_chosen(self, event: ActionBar.Chosen) -> None:
        self.action_act(event.action.value)

    def action_act(self, action_name: str) -> None:
        spec = SPEC_BY_ACTION[Action(action_name)]
        reason = self.refusal_for(spec.action)
        if reason is not None:
            self.notify(printable(reason), title="Not allowed", severity="warning", markup=False)
            return
        instance = self.view.selected if spec.allowed is not None else None
        if isinstance(spec.run, Operation):
            assert instance is not None  # refusal_for said so
            self._operate(spec, spec.run, instance)
        else:
            self._open_form(spec, spec.run.form, instance)

    @property
    def protected(self) -> bool:
        return self.cca.safety.is_protected(self.ref)

    def _operate(self, spec: ActionSpec, run: Operation, instance: Instance) -> None:
        def send() -> None:
            self.cca.tasks.submit(
                self.ref,
                spec.action,
                instance.id,
                instance.name,
                lambda: self.compute.operate(instance.id, spec.action.value),
                reveal_password=run.reveal_password,
            )

        if not self.cca.safety.asks(spec.action, self.ref):
            send()
            return
        from cca_tui.ui.forms import ActionConfirmModal

        name = printable(instance.name, limit=60)
        where = printable(str(self.ref), limit=80)
        if run.confirm is not None:
            title, question, button = run.confirm
            text = question.format(user=printable(instance.username or "the default user"), name=name)
        else:
            title, text, button = f"{spec.long_label}?", f"{spec.long_label} {name}?", spec.long_label
        text += f"\nEnvironment: {where}"
        if self.protected:
            title += "  PROTECTED ENVIRONMENT"
            text += " (protected)"
        text += "\n\nEnter or y: yes · Esc: nothing is sent"
        self.app.push_screen(ActionConfirmModal(title, text, button), lambda ok: send() if ok else None)

    def _open_form(self, spec: ActionSpec, form_name: str, instance: Instance | None) -> None:
        from cca_tui.ui import forms  # imported late: the forms pull in a lot of widgets
        from cca_tui.ui.forms.confirm_name import NameConfirmedForm

        form_class = getattr(forms, form_name)
        if instance is None:
            form: FormScreen = form_class(self.compute)
        elif spec.action is Action.ASSOCIATE_SSH_KEY:
            form = form_class(self.compute, instance, ssh_dir=self.cca.ssh_dir)
        else:
            form = form_class(self.compute, instance)
        if (
            isinstance(form, NameConfirmedForm)
            and instance is not None
            and self.cca.safety.text_to_type(spec.action, self.ref, [instance.name])
        ):
            # A protected environment: destroy needs the name typed even without purge.
            form.name_always_needed = True

        async def submit(sending_form: FormScreen) -> Task:
            name = instance.name if instance is not None else "new instance"
            record = self.cca.tasks.submit(
                self.ref,
                spec.action,
                instance.id if instance is not None else None,
                name,
                sending_form.send,
                name_after=lambda: getattr(sending_form, "sent_name", None),
            )
            return await self.cca.tasks.sent(record)

        form.submitter = submit
        self.app.push_screen(form)

    def action_retry(self) -> None:
        """`R`: say what would be resent, refuse if a later action of ours superseded it, ask,
        then check the gate against the instance as the server has it now, and only then send."""
        tracker = self.cca.tasks
        record = tracker.last_retryable(self.ref)
        if record is None:
            self.notify("Nothing to retry: every request was answered", severity="information")
            return
        what = f"{record.label} {printable(record.instance_name, limit=60)} in {printable(str(self.ref), limit=80)}"
        first_tried = f"first tried at {record.first_started:%H:%M:%S}"
        later = tracker.superseded_by(record)
        if later is not None:
            tracker.drop_retry(record, f"superseded by {later.label}")
            self.notify(
                f"Not resent: {what} ({first_tried}) was superseded by your {later.label} "
                f"at {later.started:%H:%M:%S}. Nothing was sent.",
                title="Retry refused",
                severity="warning",
                markup=False,
            )
            return
        from cca_tui.ui.forms import ActionConfirmModal

        def answered(resend: bool | None) -> None:
            if resend:
                self._retry_checked(record)

        question = f"Resend {what}?\nIt was {first_tried}: {printable(record.outcome, limit=200)}"
        question += "\nThe instance's state is checked first.\n\nEnter or y: yes · Esc: nothing is sent"
        self.app.push_screen(ActionConfirmModal("Retry?", question, "Resend"), answered)

    @work(group="retry", exit_on_error=False)
    async def _retry_checked(self, record: TrackedTask) -> None:
        tracker = self.cca.tasks
        spec = record.action.spec
        name = printable(record.instance_name, limit=60)
        later = tracker.superseded_by(record)  # while the question was open
        if later is not None:
            tracker.drop_retry(record, f"superseded by {later.label}")
            self.notify(f"Not resent: superseded by your {later.label}", severity="warning", markup=False)
            return
        if record.instance_id is not None and spec.allowed is not None:
            try:
                current = await self.compute.get_instance(record.instance_id)
            except Exception as exc:  # noqa: BLE001 - no state, no resend
                self.notify(
                    f"Not resent: the state of {name} could not be read ({describe_error(exc)})",
                    severity="warning",
                    markup=False,
                )
                return
            reason = refusal(
                spec,
                current.state,
                current.name,
                read_only=self.cca.settings.read_only,
                profile=self.cca.settings.profile_name,
                busy_with=tracker.busy(self.ref).get(record.instance_id),
            )
            if reason is not None:
                self.notify(f"Not resent: {printable(reason)}", title="Retry refused", severity="warning", markup=False)
                return
        tracker.retry(record)

    # --- tasks ------------------------------------------------------------------------

    def on_task_changed(self, message: TaskChanged) -> None:
        if message.record.environment != self.ref:
            return
        self._tasks_changed()
        record = message.record
        if record.status == "SENDING":
            return
        # Sent or ended: show the instance as it is now rather than at the next tick.
        if self.is_current:
            self.request_refresh()
        if not record.in_flight and record.instance_id == self.view.selected_id:
            self.query_one(DetailPane).reload()  # renamed, re-keyed, resized: show it as it is

    def _tasks_changed(self) -> None:
        tracker = self.cca.tasks
        self.view = self.view.with_tasks(task_rows(tracker.for_environment(self.ref)), tracker.busy(self.ref))

    # --- misc -------------------------------------------------------------------------

    def action_copy_ssh(self) -> None:
        """Copy the selected instance's ssh command (OSC 52: works over ssh in most terminals)."""
        detail = self.query_one(DetailPane).detail
        selected = self.view.selected
        if selected is None or detail is None or detail.instance.id != selected.id or not detail.complete:
            self.notify("Its details are still loading; try again in a moment", severity="warning")
            return
        commands = ssh_commands(detail.instance, detail.rules)
        if not commands:
            self.notify(f"{printable(selected.name)} has no port forwarded to 22", severity="warning", markup=False)
            return
        self.app.copy_to_clipboard(commands[0])
        self.notify(printable(commands[0]), title="Copied", markup=False)

    def action_toggle_detail(self) -> None:
        """Give the table the whole width (narrow terminals) or bring the pane back."""
        self.query_one(DetailPane).toggle_class("toggled")

    def action_toggle_tasks(self) -> None:
        self.task_log.toggle_class("hidden")

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(type(self), keymap=self.cca.settings.keymap))

    def action_environments(self) -> None:
        self.cca.show_picker()

    def show_instance(self, instance_id: str) -> None:
        """Put the cursor on an instance; clear the filter first if it hides it."""
        if instance_id not in self.view.instances:
            return
        if instance_id not in self.view.positions:
            self.action_clear_filter()
        self.view = self.view.with_selection(instance_id)
        self.table.select(instance_id)
        self.table.focus()

    def action_previous_environment(self) -> None:
        self.cca.open_previous_environment()

    def on_unmount(self) -> None:
        self._stop_timer()
