"""The instance screen of one environment or many (one environment is a fleet of one).

- Every row is keyed by (environment, instance id) (cca_tui/fleet/identity.py); what an
  action or a fetch needs for a row (its compute scope) comes from the row, through the app.
- Each environment loads on its own (a bounded number at a time), on its own adaptive
  cadence; one that fails is marked stale with its reason, the others' rows stay.

- The state lives in `view` (an `EnvironmentView`, cca_tui/ui/state.py); every widget is
  bound to it with data_bind and redraws from it. Handlers here only make new views.
- Fetching: cca_tui/ui/loading.py. Columns, filter, sort: cca_tui/ui/rows.py.
- Actions, their keys, labels and gates: cca_tui/ui/actions.py. Sending and following:
  the app's task tracker (cca_tui/ui/tasks/), whose changes arrive as TaskChanged.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.containers import Horizontal
from textual.dom import DOMNode
from textual.reactive import reactive
from textual.screen import Screen
from textual.scrollbar import ScrollBar, ScrollBarCorner
from textual.timer import Timer
from textual.widgets import Input

from cca_tui import pacing
from cca_tui.api.client import ComputeScope
from cca_tui.api.errors import AuthError
from cca_tui.api.models import Instance, Task
from cca_tui.fleet.data import InstanceDetail
from cca_tui.fleet.identity import RowKey, environment_of
from cca_tui.fleet.watching import ENTERED_ERROR, Change, changes_behind_our_back
from cca_tui.ui import bulk
from cca_tui.ui.actions import (
    ACTIONS,
    SPEC_BY_ACTION,
    Action,
    ActionSpec,
    OpenForm,
    Operation,
    marks_refusal,
    refusal,
    selection_refusal,
)
from cca_tui.ui.collector import collector_paused
from cca_tui.ui.copy_choices import CopyChoice, copy_choices
from cca_tui.ui.errors import describe_error
from cca_tui.ui.handover import copy_value, ssh_into
from cca_tui.ui.loading import SLICE, InstanceLoader, keep_long_lived
from cca_tui.ui.loading import Batch as LoadBatch
from cca_tui.ui.refresh_cost import CpuBill, SharedCpu
from cca_tui.ui.rows import Revised, RowIndex, columns_for, keys_of
from cca_tui.ui.safe_text import printable
from cca_tui.ui.screens.copy_menu import CopyMenu
from cca_tui.ui.screens.help import HelpScreen
from cca_tui.ui.ssh_access import ssh_plan
from cca_tui.ui.state import EnvironmentRef, EnvironmentView, ListArrived, LoadProgress, TaskRow
from cca_tui.ui.tasks.batches import Batch
from cca_tui.ui.tasks.messages import TaskChanged
from cca_tui.ui.tasks.records import TrackedTask
from cca_tui.ui.widgets.action_bar import ActionBar
from cca_tui.ui.widgets.detail_pane import DetailPane
from cca_tui.ui.widgets.filter_input import FilterInput
from cca_tui.ui.widgets.instance_table import InstanceTable
from cca_tui.ui.widgets.key_footer import KeyFooter
from cca_tui.ui.widgets.status_line import StatusLine
from cca_tui.ui.widgets.task_log import TaskLog

if TYPE_CHECKING:
    from cca_tui.ui.app import CcaApp
    from cca_tui.ui.forms.base import FormScreen
    from cca_tui.ui.forms.bulk_destroy import Attached

# While something is in flight the table refreshes this often (seconds).
FAST_REFRESH = 1.0
# What a refresh is expected to cost against the first load, which parses every row: measured
# at 50,000 over ten environments, 1.85 s of CPU for a refresh where nothing changed against
# 7.1 s for the load. The first refresh is timed from that estimate, so a large fleet's
# environments do not all refresh 5 s after opening, each holding the loop while the
# operator starts working.
FIRST_REFRESH_SHARE_OF_LOAD = 0.25
# The refreshes may use at most this share of the time between refreshes: on a huge
# environment the interval grows so that watching it idle costs next to nothing. In a fleet
# the share is the fleet's: each of N environments may use 1/N of it.
MAX_REFRESH_SHARE = 0.01
# During a refresh (rows already shown), the progress in the status line is updated at most
# this often (seconds).
PROGRESS_EVERY = 0.5
# During a first load, the pages received are shown at most this often (the first at once),
# or as soon as this many rows wait: each showing merges the rows so far into the view (a
# cost that grows with the list) and the new rows' cells, haystacks and sort keys are made
# (~20 us a row): shown page by page, a fleet's load spent most of its time merging; shown
# only by time, a showing of many pages stalled the loop for hundreds of milliseconds.
SHOW_PAGES_EVERY = 0.25
SHOW_ROWS_AT_MOST = 2000
# A refresh's complete list waits at most this long (seconds) for the lists of the other
# environments whose loads are reading their pages: showing a list walks the fleet's orders
# (~25 ms at 50,000 rows, whatever changed), so a fleet's refreshes that end close together
# are one walk and one frame, not one each (ten of them, ~250 ms of the loop, per round).
# Not for loads still waiting for a slot: a round of ten environments shown in one step
# (1.5 s of gathering) was one longer step after the last reply (applied 145-155 ms vs
# 118-137, the longest stall 85 vs 65 ms, at 50,000 over ten).
REFRESH_GATHER = 0.25
# This long after a list is complete (and nothing loads), the sort keys of every column are
# read ahead, in slices of this many rows and of a loader's SLICE of time at most (see
# RowIndex.keys_to_read).
SORT_KEYS_AFTER = 1.0
# (A column whose key is made in Python, ~5-10 us a row: 2,000 rows made steps of 22-26 ms.)
SORT_KEYS_ROWS = 500


BulkSender = Callable[[ComputeScope, Instance], Awaitable[Task]]


def bulk_sender(spec: ActionSpec) -> BulkSender | None:
    """How an action sent at once (no form) is sent for each of many marked rows; None for
    those that need a form (their question makes the sender)."""
    if isinstance(spec.run, Operation):
        operation = spec.action.value
        return lambda compute, instance: compute.operate(instance.id, operation)
    return None


# Task records that change within this long (seconds) of the last ones applied wait to be
# applied together: a bulk action's 170 stops at 50,000 over ten ended ~8 a second, and each
# end applied alone was a new view of the fleet (~38 ms of the loop each: 6.5 s over 20 s).
# One that comes after a quiet spell is applied at once.
TASK_CHANGES_EVERY = 0.25
# At most this many environments load at the same time.
LOAD_CONCURRENCY = 4
# Changes behind our back: at most this many notifications, one a change, every NEWS_WINDOW
# seconds (the fleet's environments together: ten environments' refreshes made thirty toasts
# over the table); past that, one notification a window says how many more, and where.
NEWS_NOTICES = 3
NEWS_WINDOW = 15.0


@dataclass
class _EnvironmentLoads:
    """One environment's refresh loop: its loader, timer and adaptive interval."""

    loader: InstanceLoader
    interval: float
    loading: bool = False
    reload_after: bool = False
    # Reading its pages now (holding one of the LOAD_CONCURRENCY slots).
    streaming: bool = False
    timer: Timer | None = None
    # When the load whose list is shown began (a task of ours that ended since may explain a change).
    shown_since: datetime | None = None
    # The current load's share of the loop's CPU time (see refresh_cost.py).
    bill: CpuBill | None = None
    # After a failed load, how long until the next try (None: the last load worked). A
    # failing load costs next to nothing: it is retried sooner than the interval its
    # refreshes earned, so an outage's end shows within seconds, not minutes.
    retry_delay: float | None = None

    def stop_timer(self) -> None:
        if self.timer is not None:
            self.timer.stop()
            self.timer = None


@dataclass
class _ListToShow:
    """A list an environment's load received, until it is shown (see `_show_lists`)."""

    batch: LoadBatch
    first_load: bool
    started: datetime  # when its load began
    # A complete list: its load waits for this, done once the list is shown.
    shown: asyncio.Future[None] | None


class InstanceScreen(Screen[None]):
    # Textual focuses the first focusable widget right after compose, before the CSS that
    # hides the filter applies: that was the filter, and keys typed at launch went into it
    # unseen ("0/3 instances", no filter box). The table is what keys are for.
    AUTO_FOCUS = "#instances"
    # Every binding has an id: the config file's [keymap] remaps it by that id.
    BINDINGS: ClassVar[list[BindingType]] = [
        # The action bar shows each action's key on its button; the footer keeps the rest.
        *(
            Binding(spec.key, f"act('{spec.action.value}')", spec.long_label, show=False, id=spec.binding_id)
            for spec in ACTIONS
        ),
        # Priority: the app runs it as it reads the key, so the letters typed right after it
        # go to the box in order (in the filter box itself, `/` is typed: the box claims it).
        Binding(
            "slash",
            "filter",
            "Filter",
            tooltip="Filter: words, field:value, -field:value (Esc or ctrl+u clears)",
            id="filter",
            priority=True,
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
        Binding("c", "copy", "Copy", show=False, id="copy", tooltip="Copy the id, an IP or the ssh command"),
        Binding(
            "S", "ssh_in", "ssh", show=False, id="ssh_in", tooltip="ssh to the instance (back here when ssh exits)"
        ),
        Binding("H", "history", "History", show=False, id="history", tooltip="History of actions, across runs"),
        Binding(
            "E",
            "environment_states",
            "Each environment: loaded, stale or not loaded, and why (Enter reloads it)",
            show=False,
            id="environment_states",
        ),
        Binding("R", "retry", "Retry what the server did not do (asks first)", show=False, id="retry"),
        Binding("escape", "clear_filter", "Clear the filter / back to the table", show=False, id="clear_filter"),
        # Escape costs the terminal's escape delay (~100 ms: is it a key or a sequence?).
        # In the filter box ctrl+u is the box's own (delete to the start: the same result).
        Binding(
            "ctrl+u", "clear_filter", "Clear the filter at once (no Escape delay)", show=False, id="clear_filter_now"
        ),
        # Marks (k9s habits): an action then applies to every marked row, each checked first.
        Binding("space", "toggle_mark", "Mark / unmark the row and move down", show=False, id="toggle_mark"),
        Binding("ctrl+a", "mark_all", "Mark every row the filter shows", show=False, id="mark_all"),
        Binding("u", "clear_marks", "Clear every mark", show=False, id="clear_marks"),
    ]
    # Narrow terminals get the action bar on two rows (it says so itself); short ones a
    # smaller task log.
    # Under 100 columns the detail pane starts hidden so the table keeps its columns; `z`
    # toggles it at any width.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-medium"), (118, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    DEFAULT_CSS = """
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

    # The classes this screen mounts (its scrollbars included), whose styles the app parses
    # ahead while the picker shows (see styles_warmup.py; a test holds the list complete).
    WIDGET_CLASSES: ClassVar[tuple[type[DOMNode], ...]]

    # repaint=False: the widgets bound to it redraw what changed; a repaint of the screen
    # would redraw every widget on every keystroke.
    view: reactive[EnvironmentView] = reactive(cast(EnvironmentView, None), init=False, repaint=False)

    def __init__(self, environments: Sequence[EnvironmentRef]) -> None:
        # The breakpoint classes for the terminal's size, now: Textual sets them at the
        # screen's first resize, in the middle of its first paint, and each class set then
        # restyled every widget of the screen (~15 ms of the first paint's stall).
        width, height = self.app.size  # (the running app's: no parent needed)
        super().__init__(
            classes=" ".join(
                max((b for b in breakpoints if b[0] <= size), default=breakpoints[0])[1]
                for breakpoints, size in ((self.HORIZONTAL_BREAKPOINTS, width), (self.VERTICAL_BREAKPOINTS, height))
            )
        )
        if not environments:
            raise ValueError("an instance screen shows at least one environment")
        self.environments = tuple(dict.fromkeys(environments))
        self.set_reactive(InstanceScreen.view, EnvironmentView(self.environments))
        interval = float(self.cca.settings.refresh_interval)
        # Each loader remembers its last list: unchanged rows are not parsed again.
        self._loads = {env: _EnvironmentLoads(InstanceLoader(env), interval) for env in self.environments}
        self._load_slots = asyncio.Semaphore(LOAD_CONCURRENCY)
        self._refresh_cpu = SharedCpu(clock=pacing.background_cpu_time)
        # Notifications of changes behind our back: when each was told (the last window's),
        # those not told one by one per environment, and the pending summary of them.
        self._news_told: list[float] = []
        self._news_untold: dict[EnvironmentRef, int] = {}
        self._news_summary: Timer | None = None
        self._news_summary_at = -NEWS_WINDOW
        self._pages_shown_at = 0.0  # when a first load's pages were last shown
        # Lists received and not shown yet, by environment, shown together (see `_show_lists`).
        self._lists_to_show: dict[EnvironmentRef, _ListToShow] = {}
        self._show_scheduled = False  # `_show_lists` is asked for (call_next)
        self._gather_timer: Timer | None = None  # shows gathered refreshes (REFRESH_GATHER)
        # A create that succeeded: its row is selected as soon as a refresh lists it.
        self._select_when_listed: RowKey | None = None
        # Task records changed, waiting to be applied together (see on_task_changed).
        self._task_changes: list[TaskRow] = []
        self._task_changes_applied_at = float("-inf")  # time.monotonic() of the last
        self._under_palette = False  # the command palette is over this screen (see on_screen_suspend)
        self._sort_keys_timer: Timer | None = None
        self._settling: RowIndex | None = None  # the row index `_settle_orders` works on

    @property
    def cca(self) -> CcaApp:
        """The app, typed: settings, data layer, tracker and navigation."""
        return cast("CcaApp", self.app)

    # --- layout ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        settings = self.cca.settings
        yield StatusLine(
            profile=settings.profile_name,
            read_only=settings.read_only,
            warning=settings.transport_warning,
            protected=self.protected,
            protected_label=self._protected_label(),
            id="status",
        ).data_bind(InstanceScreen.view)
        yield FilterInput(
            placeholder="filter: words · field:value · -field:value · Enter keeps · Esc or ctrl+u clears",
            id="filter",
            done=self._filter_done,
        )
        with Horizontal(id="main"):
            yield InstanceTable(id="instances").data_bind(InstanceScreen.view)
            yield DetailPane(self.cca.data, id="detail").data_bind(InstanceScreen.view)
        yield ActionBar(
            profile=settings.profile_name, read_only=settings.read_only, keymap=settings.keymap, id="actions"
        ).data_bind(InstanceScreen.view)
        yield TaskLog(id="tasks").data_bind(InstanceScreen.view)
        yield KeyFooter()

    def on_mount(self) -> None:
        self._show_interval()
        self.query_one(InstanceTable).focus()
        self._tasks_changed()

    def on_screen_resume(self) -> None:
        if self._under_palette:
            # Back from the command palette: the refreshes went on under it; those that
            # ended meanwhile have their next one set now (a fleet of 50,000 was reloaded
            # whole at each ctrl+p and Esc).
            self._under_palette = False
            for env, loads in self._loads.items():
                if not loads.loading and loads.timer is None:
                    self._schedule_refresh(env, at_most=loads.retry_delay)  # a failed one: its retry
            return
        # First shown, back from a form, or back from another environment: fresh data now.
        self.request_refresh()

    def on_screen_suspend(self) -> None:
        stack = self.app.screen_stack
        if CommandPalette.is_open(self.app) and len(stack) > 1 and stack[-2] is self:
            # The palette is a look over this screen, still in view: polling goes on.
            self._under_palette = True
            return
        # Not on top (a form, the picker, another environment): no polling meanwhile. Tasks
        # go on being followed by the tracker; their end refreshes once we are back.
        self._stop_timer()

    def _time_to_show_pages(self, waiting: int) -> bool:
        """Whether a first load's pages so far are shown now, `waiting` rows of them not
        shown yet (see SHOW_PAGES_EVERY); the others are in the next showing or the
        complete list."""
        now = time.monotonic()
        if now - self._pages_shown_at < SHOW_PAGES_EVERY and waiting < SHOW_ROWS_AT_MOST:
            return False
        self._pages_shown_at = now
        return True

    @property
    def loading_now(self) -> bool:
        return any(loads.loading for loads in self._loads.values())

    @property
    def refresh_interval(self) -> float:
        """The longest of the environments' refresh intervals (each adapts to its own cost)."""
        return max(loads.interval for loads in self._loads.values())

    def forget_loaded(self) -> None:
        """Parse every row again on the next load (benchmarks: the cost of a load from scratch)."""
        for loads in self._loads.values():
            loads.loader.forget()

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
        self.request_refresh(asked=True)
        pacing.release_input()  # the refresh is what the operator waits for: it goes now

    def request_refresh(self, environment: EnvironmentRef | None = None, *, asked: bool = False) -> None:
        """Load one environment now (None: every one); one already loading reloads after.
        `asked`: by the operator, whom the status line tells at once (a quiet refresh of a
        fleet said nothing for the 0.6-1 s before its lists came)."""
        for env in (environment,) if environment is not None else self.environments:
            loads = self._loads[env]
            if loads.loading:
                loads.reload_after = True
                continue
            loads.stop_timer()
            loads.loading = True
            self.view = self.view.with_loading(LoadProgress(0, asked=asked), env)
            self.run_worker(self._load_charged(env), group="refresh", exit_on_error=False)

    def _stop_timer(self) -> None:
        for loads in self._loads.values():
            loads.stop_timer()

    def _schedule_retry(self, env: EnvironmentRef) -> None:
        """After a failed load: again after the configured interval, then twice as long
        each time, up to the interval the environment's refreshes earned."""
        loads = self._loads[env]
        base = float(self.cca.settings.refresh_interval)
        delay = base if loads.retry_delay is None else min(2 * loads.retry_delay, max(base, loads.interval))
        loads.retry_delay = delay
        self._schedule_refresh(env, at_most=delay)

    def _schedule_refresh(self, env: EnvironmentRef, at_most: float | None = None) -> None:
        loads = self._loads[env]
        loads.stop_timer()
        if loads.reload_after:
            loads.reload_after = False
            self.request_refresh(env)
            return
        if not self.is_current:
            return  # on_screen_resume refreshes when the screen is back
        view = self.view
        board = view.task_boards.get(env)
        busy = board is not None and bool(board.busy)
        busy = busy or view.is_changing(env)
        delay = min(FAST_REFRESH, loads.interval) if busy else loads.interval
        if at_most is not None:
            delay = min(delay, at_most)
        loads.timer = self.set_timer(delay, lambda: self.request_refresh(env))

    def _adapt_interval(self, env: EnvironmentRef, cost: float) -> None:
        """Lengthen an environment's interval when refreshing it costs more than its share."""
        loads = self._loads[env]
        share = MAX_REFRESH_SHARE / len(self.environments)
        wanted = max(float(self.cca.settings.refresh_interval), round(cost / share))
        if wanted != loads.interval:
            loads.interval = wanted
            self._show_interval()

    def _show_interval(self) -> None:
        """The status line says the intervals' range (one environment's own, in a fleet of one)."""
        shortest = min(loads.interval for loads in self._loads.values())
        self.query_one(StatusLine).set_refresh_interval(self.refresh_interval, shortest)

    async def _load_charged(self, env: EnvironmentRef) -> None:
        """`_load`, its share of the CPU time closed however it ends (cancelled included),
        the cyclic garbage collector paused meanwhile (see collector.py)."""
        try:
            with collector_paused():
                await self._load(env)
        finally:
            bill = self._loads[env].bill
            if bill is not None:
                bill.stop()

    async def _load(self, env: EnvironmentRef) -> None:
        # Pages are shown as they arrive on the first load (the rows fill in); a refresh is
        # applied once complete (a partial list would hide the rows still on their way).
        # Rows are parsed in slices between pages (see loading.py): the loop stays free.
        loads = self._loads[env]
        complete: LoadBatch | None = None
        async with self._load_slots:
            first_load = env not in self.view.refreshed
            loads.bill = self._refresh_cpu.start()
            shown_progress = time.monotonic()
            shown_rows = 0  # of a first load, shown so far
            started = self.cca.clock()
            loads.streaming = True
            try:
                async for batch in loads.loader.stream(self.cca.data.scope(env)):
                    await pacing.wait_turn()  # shown in a turn other loads' slices have not used
                    if batch.complete:
                        complete = batch  # shown once the slot is free for another load
                    elif env in self._lists_to_show or (
                        first_load and self._time_to_show_pages(batch.received - shown_rows)
                    ):
                        # (Pages not shown yet: these, with more rows, take their place.)
                        shown_rows = batch.received
                        self._to_show(env, _ListToShow(batch, first_load, started, None))
                    elif time.monotonic() - shown_progress > PROGRESS_EVERY:
                        # A refresh's progress, now and then: each one redraws the status line.
                        shown_progress = time.monotonic()
                        asked = (progress := self.view.progress.get(env)) is not None and progress.asked
                        self.view = self.view.with_loading(LoadProgress(batch.received, batch.total, asked), env)
            except AuthError as exc:
                loads.loading = loads.streaming = False
                self._show_gathered_unless_streaming()
                if self.cca.key_refused(exc.status):
                    self.cca.show_key_problem(describe_error(exc))
                    return
                # 403: the key is fine but not allowed here; other environments may work.
                self.view = self.view.with_stale(f"not authorised in {env}: {exc.summary}", env)
                self._schedule_retry(env)
                return
            except Exception as exc:  # noqa: BLE001 - whatever it was, keep the rows and retry later
                loads.loading = loads.streaming = False
                self._show_gathered_unless_streaming()
                self.view = self.view.with_stale(describe_error(exc), env)
                self._schedule_retry(env)
                return
            finally:
                loads.streaming = False
        if complete is not None:
            shown = asyncio.get_running_loop().create_future()
            self._to_show(env, _ListToShow(complete, first_load, started, shown), gather=not first_load)
            await shown
        self.cca.key_confirmed = True
        loads.loading = False
        loads.retry_delay = None
        # What a refresh costs this process: its share of the loop's CPU time while it ran
        # (reading the replies, parsing, building the view, drawing). The first load parses
        # every row, the refreshes after it only what changed: it counts for its estimate.
        cost = loads.bill.stop()
        self._adapt_interval(env, cost if not first_load else cost * FIRST_REFRESH_SHARE_OF_LOAD)
        self._schedule_refresh(env)

    def _to_show(self, env: EnvironmentRef, received: _ListToShow, *, gather: bool = False) -> None:
        """Show a list soon, with the others received meanwhile (see `_show_lists`); one that
        may `gather` waits for the other environments' loads reading their pages, up to
        REFRESH_GATHER, and is shown with theirs."""
        self._lists_to_show[env] = received
        if not gather or not self._loads_streaming():
            self._show_soon()
        elif self._gather_timer is None and not self._show_scheduled:
            self._gather_timer = self.set_timer(REFRESH_GATHER, self._show_soon)

    def _show_soon(self) -> None:
        """`_show_lists` soon (once, however many lists wait; lists that come while it shows
        are shown by it next). In a worker of its own: its turns of the loop must not hold
        the screen's messages (a key's new selection waited 100-155 ms behind a showing's
        turns when the screen's own queue ran them)."""
        if self._gather_timer is not None:
            self._gather_timer.stop()
            self._gather_timer = None
        if not self._show_scheduled:
            self._show_scheduled = True
            show = self._show_lists  # the method, not a coroutine (see `_start_settling`)
            self.run_worker(show, group="show-lists")  # type: ignore[arg-type]

    def _loads_streaming(self) -> bool:
        """Whether a load is reading its pages."""
        return any(loads.streaming for loads in self._loads.values())

    def _show_gathered_unless_streaming(self) -> None:
        """A load failed: the lists that waited for it are shown, unless others still read."""
        if self._lists_to_show and not self._loads_streaming():
            self._show_soon()

    async def _show_lists(self) -> None:
        """The lists received since the last showing, in one new view: a fleet's environments
        that answer together are one walk of the fleet's orders, one measuring and one frame,
        not one each (each walk is the cost of the whole fleet's rows). The loads of the
        complete ones wait for it. The lists are merged into the rows shown (`prepare_lists`)
        and the rows for the view's filter and sort made (`arrange_for`) in turns of the loop
        before the one that shows them: at 100,000 rows each part was 10-45 ms, and a key
        pressed meanwhile waited for all of them."""
        try:
            while self._lists_to_show:
                # A turn of its own (one showing's last part and the next one's first part
                # made 25-30 ms turns at 100,000 rows).
                await pacing.wait_turn()
                if self._gather_timer is not None:
                    self._gather_timer.stop()
                    self._gather_timer = None
                received, self._lists_to_show = self._lists_to_show, {}
                await self._show(received)
        finally:
            self._show_scheduled = False

    async def _show(self, received: dict[EnvironmentRef, _ListToShow]) -> None:
        """One showing of `_show_lists`."""
        started = time.perf_counter()
        try:
            # A first load's batch is a copy of every row received so far (2-6 ms at 100,000):
            # made in a turn before the rows are merged (10-20 ms).
            arrived = [ListArrived(env, item.batch.instances, item.batch.complete) for env, item in received.items()]
            started = await pacing.next_slice(started)
            prepared = self.view.prepare_lists(arrived)
            started = await pacing.next_slice(started)
            prepared.arrange_for(self.view)
            started = await pacing.next_slice(started)
            view = self.view
            # What each refreshed list replaces (a first load's pages are nobody's news).
            before = {env: view.by_environment.get(env) for env, item in received.items() if not item.first_load}
            view = view.with_lists(arrived, when=self.cca.clock(), prepared=prepared)
            for env, item in received.items():
                batch = item.batch
                if batch.complete:
                    view = view.with_unreadable(batch.unreadable, env)
                else:
                    view = view.with_loading(LoadProgress(batch.received, batch.total), env)
            complete = [(env, item) for env, item in received.items() if item.batch.complete]
            news: list[tuple[EnvironmentRef, list[Change]]] = []
            for env, item in complete:
                loads = self._loads[env]
                news.append((env, self._news_in(env, before.get(env), item.batch.instances, loads.shown_since)))
                loads.shown_since = item.started
            # One new view for all of it (each one is drawn by every widget that follows it),
            # then the notifications.
            self.view = view.with_news(
                {change.key for _env, changes in news for change in changes if change.key in view.instances}
            )
            for env, changes in news:
                self._tell_news(env, changes)
            if complete:
                keep_long_lived()
                self._select_created()
                self._read_sort_keys_soon()
        except BaseException as exc:
            for item in received.values():
                if item.shown is not None and not item.shown.done():
                    item.shown.set_exception(exc)
            raise
        for item in received.values():
            if item.shown is not None and not item.shown.done():
                item.shown.set_result(None)
        pacing.spend(time.perf_counter() - started)  # the loads' next slices wait for a turn of their own

    def watch_view(self, view: EnvironmentView) -> None:
        index = view.row_index
        if index is not None and index is not self._settling and index.orders_left:
            self._settling = index
            self._start_settling()  # (it waits for the frame: `_after_the_table_is_drawn`)

    def _start_settling(self) -> None:
        # The method, not a coroutine: a worker cancelled before it starts never makes one
        # (Textual's types want an async callable's coroutine as Coroutine[None, None, T]).
        settle = self._settle_orders
        self.run_worker(settle, group="settle-orders", exit_on_error=False)  # type: ignore[arg-type]

    async def _settle_orders(self) -> None:
        """What a refresh's showing left for later, done after the repaint that showed it, a
        list a turn of the loop (rows.py `RowIndex.settle_steps`): the showing splices the rows
        of the order it draws, not the name order nor the haystacks and keys that go with
        them (each list spliced is ~10-15 ms at 100,000 rows here). One worker an index, run
        to its end unless a newer index replaces it (building that one finished what it
        needed of this one); new views of the same index (a load's progress, a selection)
        leave it be, where restarting it lost the lists spliced so far."""
        index = self._settling
        if index is None:
            return
        try:
            await self._after_the_table_is_drawn()
            await self._steps_while_shown(index, index.settle_steps())
        finally:
            if self._settling is index:
                self._settling = None

    async def _after_the_table_is_drawn(self) -> None:
        """Once the frame that draws the table's last change is out. The screen's own
        after-refresh (`call_after_refresh`) came before it: a widget tells the screen it needs
        drawing from its own queue, after the screen had found nothing to draw and run its
        callbacks, and the first settle step (3-7 ms) then delayed the frame. Asked of the
        table, the callback is queued behind the table's request to be drawn."""
        drawn = asyncio.Event()
        if self.table.call_after_refresh(drawn.set):
            await drawn.wait()

    async def _steps_while_shown(self, index: RowIndex, steps: Iterator[None]) -> bool:
        """Run a row index's `steps`, a turn of the loop each (a list spliced or packed: 3-15
        ms here: a key that comes meanwhile waits for one step at most), while the view shows
        that index. False: it no longer does (the rest is left)."""
        await pacing.wait_turn()
        started = time.perf_counter()
        for _step in steps:
            started = await pacing.next_slice(started)
            if self.view.row_index is not index:
                return False
        pacing.spend(time.perf_counter() - started)
        return True

    # --- sort keys read ahead ------------------------------------------------------------

    def _read_sort_keys_soon(self) -> None:
        if self._sort_keys_timer is not None:
            self._sort_keys_timer.stop()
        self._sort_keys_timer = self.set_timer(SORT_KEYS_AFTER, self._start_reading_sort_keys)

    def _start_reading_sort_keys(self) -> None:
        self._sort_keys_timer = None
        if not self.loading_now:  # else the load's end asks again
            self.run_worker(self._read_sort_keys(), group="sort-keys", exclusive=True, exit_on_error=False)

    async def _read_sort_keys(self) -> None:
        """Every column's sort keys for the rows in name order, read in slices of the loop's
        background time, so that a first sort by a column only sorts. Given up when the view's
        rows change meanwhile (the next complete list asks again)."""
        index = self.view.row_index
        wanted = index.keys_to_read(columns_for(self.view.is_fleet)) if index is not None else None
        if index is None or wanted is None:
            return
        base, columns = wanted
        # Hundreds of thousands of keys that live on: as for a load, the cyclic collector is
        # paused meanwhile and told afterwards they are long-lived (its full passes over the
        # heap they were added to stalled a key for 100+ ms).
        with collector_paused():
            for column in columns:
                values: list[object] = []
                await pacing.wait_turn()
                started = time.perf_counter()
                for start in range(0, len(base), SORT_KEYS_ROWS):
                    if time.perf_counter() - started > SLICE:
                        started = await pacing.next_slice(started)
                    values.extend(keys_of(column, base[start : start + SORT_KEYS_ROWS]))
                pacing.spend(time.perf_counter() - started)
                if self.view.row_index is not index or not index.take_keys(column, base, values):
                    return
            # One list for a refresh to patch, not one a column.
            if not await self._steps_while_shown(index, index.pack_keys_steps()):
                return
        gc.freeze()

    # --- watching ---------------------------------------------------------------------

    def _news_in(
        self,
        env: EnvironmentRef,
        before: Mapping[Hashable, Instance] | None,
        after: Mapping[Hashable, Instance],
        since: datetime | None,
    ) -> list[Change]:
        """Changes nobody here made (the rows are marked until selected, see `_tell_news`)."""
        kinds = self.cca.settings.watch
        if before is None or not kinds:
            return []
        ours = self.cca.tasks.touched_since(env, since)
        # A list that says what changed since `before` (see Revised): only those rows.
        candidates = [*after.changed, *after.departed] if isinstance(after, Revised) and after.base is before else None
        return changes_behind_our_back(before, after, ours=ours, kinds=kinds, candidates=candidates)

    def _tell_news(self, env: EnvironmentRef, changes: list[Change]) -> None:
        """One notification a change, NEWS_NOTICES a window at most; one for the rest."""
        if not changes:
            return
        now = time.monotonic()
        self._news_told = [told for told in self._news_told if now - told < NEWS_WINDOW]
        room = max(0, NEWS_NOTICES - len(self._news_told))
        for change in changes[:room]:
            self._news_told.append(now)
            self.notify(
                printable(f"{env} {change.name} {change.what}", limit=200),
                title="Changed outside cca-tui",
                severity="error" if change.kind == ENTERED_ERROR else "warning",
                timeout=NEWS_WINDOW,
                markup=False,
            )
        if len(changes) > room:
            self._news_untold[env] = self._news_untold.get(env, 0) + len(changes) - room
            if self._news_summary is None:
                # Told together, a moment later (other environments' refreshes may add to
                # it), and never twice in one window.
                wait = max(1.0, self._news_summary_at + NEWS_WINDOW - now)
                self._news_summary = self.set_timer(wait, self._tell_untold_news)

    def _tell_untold_news(self) -> None:
        if self.loading_now:  # other environments' refreshes may add to it: one summary for all
            self._news_summary = self.set_timer(1.0, self._tell_untold_news)
            return
        untold, self._news_untold = self._news_untold, {}
        self._news_summary, self._news_summary_at = None, time.monotonic()
        if not untold:
            return
        count = sum(untold.values())
        where = printable(str(next(iter(untold))), limit=60) if len(untold) == 1 else f"{len(untold)} environments"
        self.notify(
            f"{count} more instance(s) changed outside cca-tui in {where} (marked ! in the table)",
            title="Changed outside cca-tui",
            severity="warning",
            timeout=NEWS_WINDOW,
            markup=False,
        )

    # --- selection, filter, sort ------------------------------------------------------

    @on(InstanceTable.Highlighted)
    async def _highlighted(self, event: InstanceTable.Highlighted) -> None:
        # The cursor's row now, not the event's: in a burst of keys the cursor may have moved
        # again since this message was sent, and an older row would pull the cursor back.
        key = self.table.cursor_key if self.table.cursor_key is not None else event.key
        self.view = self.view.with_selection(key, chosen=event.chosen)
        self.table.paint_cursor()
        await self._widgets_caught_up()

    async def _widgets_caught_up(self) -> None:
        """Let the widgets that a key changed report their repaints before this screen goes
        idle, so that the key's whole result is drawn in one frame.

        A widget asks for a repaint on its own idle, in its own task; this screen draws a
        frame on its idle. Without this pause the screen drew a frame with part of a key's
        result (the filter box, or the table's cursor) and the rest a frame period later:
        measured in a real terminal, 10-17 ms of every selection move and filter letter.

        Not in a burst of keys (a paste, fast typing: the app holds keys still to read): the
        pause let a later key's binding run before this key's result was in the view, and
        `ctrl+u /db-p Enter space` marked the first row of the unfiltered list."""
        if not self.app._message_queue.empty():
            return
        await asyncio.sleep(0)

    def _catch_up_selection(self) -> None:
        """Take the cursor's row before acting on the selection.

        Keys read in one burst (space held down, `j` then `x` typed fast, a paste) run their
        bindings before the table's Highlighted message reaches the screen: without this,
        the second space toggled the first row again, and an action could take the row the
        cursor had just left."""
        key = self.table.cursor_key
        if key is not None and key != self.view.selected_key:
            self.view = self.view.with_selection(key, chosen=True)

    @on(InstanceTable.SortRequested)
    def _sort_requested(self, event: InstanceTable.SortRequested) -> None:
        self.view = self.view.with_sort(event.column_key)

    def action_filter(self) -> None:
        """`/`, a priority binding: the app runs it as it reads the key (a plain binding ran
        after the keys already read, and in "/web" typed fast, or pasted over ssh, `w` reset
        a password), so the keys typed after it go to the box, in order."""
        if isinstance(self.focused, Input):
            # Typed into the box that has the focus (this filter's `/` is a letter like the
            # others). Textual does not let an Input claim `/` from a priority binding.
            raise SkipAction()
        box = self.query_one("#filter", Input)
        box.add_class("visible")
        # Focus now, not on the next idle (Widget.focus defers): the keys typed right after
        # `/` belong to the filter. Deferred, "/web" typed fast would press `w` (password).
        self.set_focus(box)

    @on(Input.Changed, "#filter")
    async def _filter_changed(self, event: Input.Changed) -> None:
        self.view = self.view.with_filter(event.value.strip())
        await self._widgets_caught_up()

    def _filter_done(self) -> None:
        """Enter in the filter: keep it, and the table has the keys from now on (at once: the
        keys after Enter in a burst are the table's, see FilterInput)."""
        box = self.query_one("#filter", Input)
        self._catch_up_filter()
        if not box.value:
            box.remove_class("visible")
        self.set_focus(self.table)

    def _catch_up_filter(self) -> None:
        """Take the box's text before acting on the rows it shows: its Changed message may
        still be on its way when a key of the same burst (ctrl+a) runs."""
        text = self.query_one("#filter", Input).value.strip()
        if text != self.view.filter_text:
            self.view = self.view.with_filter(text)

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.remove_class("visible")
        self.view = self.view.with_filter("")
        self.table.focus()

    def action_sort(self, step: int) -> None:
        keys = [column.key for column in columns_for(self.view.is_fleet)]
        index = keys.index(self.view.sort_column) if self.view.sort_column in keys else 0
        self.view = self.view.with_sort(keys[(index + step) % len(keys)])

    def action_reverse_sort(self) -> None:
        self.view = self.view.with_sort(self.view.sort_column)

    # --- marks ------------------------------------------------------------------------

    def action_toggle_mark(self) -> None:
        self._catch_up_selection()
        self.view = self.view.with_mark_toggled(self.view.selected_key)
        self.table.action_cursor(1)

    def action_mark_all(self) -> None:
        self._catch_up_filter()
        self.view = self.view.with_all_shown_marked()

    def action_clear_marks(self) -> None:
        self.view = self.view.with_marks_cleared()

    # --- actions ----------------------------------------------------------------------

    def refusal_for(self, action: Action) -> str | None:
        settings = self.cca.settings
        return selection_refusal(
            SPEC_BY_ACTION[action], self.view, read_only=settings.read_only, profile=settings.profile_name
        )

    @on(ActionBar.Chosen)
    def _action_chosen(self, event: ActionBar.Chosen) -> None:
        self.action_act(event.action.value)

    def action_act(self, action_name: str) -> None:
        self._catch_up_selection()
        spec = SPEC_BY_ACTION[Action(action_name)]
        if self.view.marked and spec.allowed is not None:
            self._act_on_marked(spec)
            return
        reason = self.refusal_for(spec.action)
        if reason is not None:
            where = self._environment_of(self.view.selected) if self.view.is_fleet else None
            # In a fleet the same name lives in several environments: say whose it is ("Not
            # allowed in dev" read as a permission of the environment, not the row's state).
            title = f"{spec.long_label} not possible"
            if where is not None:
                title += f" · {printable(str(where), limit=60)}"
            self.notify(printable(reason), title=title, severity="warning", markup=False)
            return
        instance = self.view.selected if spec.allowed is not None else None
        if isinstance(spec.run, Operation):
            assert instance is not None  # refusal_for said so
            self._operate(spec, spec.run, instance)
        else:
            self._open_form(spec, spec.run, instance)

    @property
    def protected(self) -> bool:
        """Some environment shown is protected (the status line's banner says so)."""
        return any(self.cca.safety.is_protected(env) for env in self.environments)

    def _protected_label(self) -> str:
        """The status line's banner: in a fleet, which environments it is about."""
        protected = [env for env in self.environments if self.cca.safety.is_protected(env)]
        if not self.view.is_fleet or not protected:
            return "⚠ PROTECTED"
        if len(protected) == 1:
            return f"⚠ PROTECTED: {printable(str(protected[0]), limit=60)}"
        return f"⚠ {len(protected)} of {len(self.environments)} PROTECTED"

    def _operate(self, spec: ActionSpec, run: Operation, instance: Instance) -> None:
        env = self._environment_of(instance)
        compute = self.cca.data.scope_of(instance)

        def send() -> None:
            self.cca.tasks.submit(
                env,
                spec.action,
                instance.id,
                instance.name,
                lambda: compute.operate(instance.id, spec.action.value),
                reveal_password=run.reveal_password,
            )

        if not self.cca.safety.asks(spec.action, env):
            send()
            return
        from cca_tui.ui.forms import ActionConfirmModal

        name = printable(instance.name, limit=60)
        where = printable(str(env), limit=80)
        if run.confirm is not None:
            title, question, button = run.confirm
            text = question.format(user=printable(instance.username or "the default user"), name=name)
        else:
            title, text, button = f"{spec.long_label}?", f"{spec.long_label} {name}?", spec.long_label
        text += f"\nEnvironment: {where}"
        if self.cca.safety.is_protected(env):
            title += "  PROTECTED ENVIRONMENT"
            text += " (protected)"
        text += "\n\nEnter or y: yes · Esc: nothing is sent"
        self.app.push_screen(ActionConfirmModal(title, text, button), lambda ok: send() if ok else None)

    # --- bulk: an action on every marked row ------------------------------------------

    def _act_on_marked(self, spec: ActionSpec) -> None:
        """Every marked row checked against the action's gate; one question says how many
        will run and every skip with its reason; then one task per instance."""
        settings = self.cca.settings
        if settings.read_only:
            reason = f"Profile '{settings.profile_name}' is read-only: {spec.long_label} is disabled"
            self.notify(printable(reason), title="Not allowed", severity="warning", markup=False)
            return
        where = {self._environment_of(instance) for instance in self.view.marked_instances}
        why_not = marks_refusal(spec, len(where))
        if why_not is not None:
            self.notify(printable(why_not), title="Not for marked rows", severity="warning", markup=False)
            return
        batch = bulk.plan(
            spec, self.view, self._environment_of, read_only=settings.read_only, profile=settings.profile_name
        )
        if not batch.runnable:
            # The action bar's words first (the same function), then each row's reason.
            why = self.refusal_for(spec.action) or f"Nothing to {spec.long_label.lower()}"
            self.notify(
                printable(f"{why}: " + bulk.reasons_line(bulk.skip_reasons(batch, fleet=self.view.is_fleet))),
                title=f"{spec.long_label} not possible",
                severity="warning",
                markup=False,
            )
            return
        from cca_tui.ui.forms import ActionConfirmModal, TypedConfirmModal

        count = len(batch.runnable)
        title = f"{bulk.phrase(spec, count)}?"
        text = bulk.question(batch, self.cca.safety.is_protected)
        protected = any(self.cca.safety.is_protected(env) for env in batch.environments())
        button = f"{spec.long_label} {count}"
        if protected:
            title += "  PROTECTED ENVIRONMENT"

        if spec.action == Action.ASSOCIATE_SSH_KEY:
            self._ask_bulk_key(batch, title, text, button, protected)
        elif spec.action == Action.DESTROY:
            self._ask_bulk_destroy(batch, title, text, button)
        elif spec.action == Action.CHANGE_OFFERING:
            self._ask_bulk_offering(batch, title, text, button, protected)
        elif spec.action == Action.PURGE:
            # For good, and many at once: the count is typed anywhere (one purge asks the name).
            text += f"\n\nPurged instances cannot be recovered. Type {count} to confirm · Esc: nothing is purged"

            def purge(ok: bool | None) -> None:
                if ok:
                    self._send_bulk(batch, lambda compute, instance: compute.purge_instance(instance.id))

            self.app.push_screen(TypedConfirmModal(title, text, button, expected=str(count)), purge)
        else:
            sender = bulk_sender(spec)
            assert sender is not None and isinstance(spec.run, Operation)  # every other action is sent at once
            reveal = spec.run.reveal_password
            if reveal:
                text += "\nEach new password is shown once, one after another."

            def answered(ok: bool | None) -> None:
                if ok:
                    self._send_bulk(batch, sender, reveal_password=reveal)

            if protected:
                text += f"\n\nType {count} to confirm · Esc: nothing is sent"
                self.app.push_screen(TypedConfirmModal(title, text, button, expected=str(count)), answered)
            else:
                text += "\n\nEnter or y: yes · Esc: nothing is sent"
                self.app.push_screen(ActionConfirmModal(title, text, button), answered)

    def _ask_bulk_destroy(self, batch: bulk.BulkPlan, title: str, text: str, button: str) -> None:
        """Destroy on marked rows: the destroy form's options for all, what each instance would
        release or delete listed, and always the typed count."""
        from cca_tui.ui.forms.bulk_destroy import BulkDestroyModal, attached_in

        count = len(batch.runnable)
        slots = asyncio.Semaphore(self.cca.settings.bulk_concurrency)
        runnable = batch.runnable

        async def attached() -> dict[Hashable, Attached]:
            by_env: dict[EnvironmentRef, list[Instance]] = {}
            for env, instance in runnable:
                by_env.setdefault(env, []).append(instance)

            async def one(env: EnvironmentRef, instances: list[Instance]) -> dict[Hashable, Attached]:
                async with slots:
                    return await attached_in(self.cca.data, env, instances)

            found: dict[Hashable, Attached] = {}
            for part in await asyncio.gather(*(one(env, instances) for env, instances in by_env.items())):
                found.update(part)
            return found

        text += f"\n\nType {count} to confirm · Esc: nothing is destroyed"
        modal = BulkDestroyModal(title, text, button, expected=str(count), instances=runnable, load=attached)

        def destroy(ok: bool | None) -> None:
            if not ok:
                return
            options = modal.options

            async def send(compute: ComputeScope, instance: Instance) -> Task:
                ips, volumes = options.for_instance(instance.key)
                return await compute.destroy_instance(
                    instance.id,
                    purge=options.purge,
                    delete_snapshots=options.delete_snapshots,
                    public_ip_ids=ips,
                    volume_ids=volumes,
                )

            self._send_bulk(batch, send)

        self.app.push_screen(modal, destroy)

    def _ask_bulk_offering(self, batch: bulk.BulkPlan, title: str, text: str, button: str, protected: bool) -> None:
        """Change offering on marked rows (one environment): one offering for all, chosen in
        the dialog; an instance already on it is skipped."""
        from cca_tui.ui.forms.bulk_offering import BulkOfferingModal

        (env,) = batch.environments()
        count = str(len(batch.runnable))
        text += "\nRunning instances reboot to take it; stopped ones take it when they start."
        if protected:
            text += f"\n\nChoose the offering, type {count}, then Enter · Esc: nothing is sent"
        else:
            text += "\n\nChoose the offering, then the button · Esc: nothing is sent"
        modal = BulkOfferingModal(
            title,
            text,
            button,
            load=lambda: self.cca.data.compute_offerings(env),
            expected=count if protected else None,
        )

        def answered(ok: bool | None) -> None:
            choice = modal.choice
            if not ok or choice is None:
                return
            runnable, skipped = [], list(batch.skipped)
            for where, instance in batch.runnable:
                already = choice.already(instance)
                if already is None:
                    runnable.append((where, instance))
                else:
                    skipped.append(bulk.Skip(instance, where, already))
            if not runnable:
                self.notify(
                    printable("Nothing to change: " + "; ".join(s.reason for s in skipped[-len(batch.runnable) :])),
                    title="Not sent",
                    severity="warning",
                    markup=False,
                )
                return
            self._send_bulk(
                bulk.BulkPlan(batch.spec, tuple(runnable), tuple(skipped)),
                lambda compute, instance: compute.change_compute_offering(
                    instance.id, choice.offering.id, cpu_count=choice.cpu_count, memory_in_mb=choice.memory_in_mb
                ),
            )

        self.app.push_screen(modal, answered)

    def _ask_bulk_key(self, batch: bulk.BulkPlan, title: str, text: str, button: str, protected: bool) -> None:
        """Associate SSH key on marked rows: one key, chosen among those every environment of
        the batch has (by name), shown before anything is sent."""
        from cca_tui.ui.forms.bulk_key import BulkKeyModal, KeyChoices, key_label

        environments = batch.environments()

        async def keys() -> KeyChoices:
            listings = await asyncio.gather(*(self.cca.data.ssh_keys(env) for env in environments))
            fingerprints: dict[str, set[str | None]] = {}
            for listing in listings:
                for key in listing:
                    fingerprints.setdefault(key.name, set()).add(key.fingerprint)
            everywhere = [
                name for name in fingerprints if all(any(k.name == name for k in listing) for listing in listings)
            ]
            return [(name, key_label(name, fingerprints[name])) for name in sorted(everywhere)]

        count = str(len(batch.runnable))
        if protected:
            text += f"\n\nChoose the key, type {count}, then Enter · Esc: nothing is sent"
        else:
            text += "\n\nChoose the key, then the button · Esc: nothing is sent"
        modal = BulkKeyModal(title, text, button, load=keys, expected=count if protected else None)

        def answered(ok: bool | None) -> None:
            key_name = modal.key_name
            if ok and key_name is not None:
                self._send_bulk(batch, lambda compute, instance: compute.associate_ssh_key(instance.id, key_name))

        self.app.push_screen(modal, answered)

    def _send_bulk(self, batch: bulk.BulkPlan, sender: BulkSender, *, reveal_password: bool = False) -> None:
        """One task per instance, at most `bulk_concurrency` requests at a time; one summary.
        `reveal_password`: each new password is shown as its task ends (reset password)."""
        spec = batch.spec
        slots = asyncio.Semaphore(self.cca.settings.bulk_concurrency)
        records = []
        for env, instance in batch.runnable:
            compute = self.cca.data.scope_of(instance)

            async def call(compute: ComputeScope = compute, instance: Instance = instance) -> Task:
                async with slots:
                    return await sender(compute, instance)

            records.append(
                self.cca.tasks.submit(
                    env, spec.action, instance.id, instance.name, call, reveal_password=reveal_password
                )
            )
        skipped = bulk.skip_reasons(batch, fleet=self.view.is_fleet)
        environments = batch.environments()
        where = f" in {len(environments)} environments" if len(environments) > 1 else ""
        self._follow_batch(spec.long_label + where, records, skipped)
        # Sent: the marks have done their job (a stray key must not act on them again).
        self.view = self.view.with_marks_cleared()

    def _follow_batch(self, label: str, records: Sequence[TrackedTask], skipped: Sequence[str]) -> None:
        app = self.app
        batches = self.cca.batches
        assert batches is not None  # there is a tracker, so there are batches

        def ended(done: Batch) -> None:
            text = bulk.summary(label, done.records, skipped)
            clean = all(record.status == "SUCCESS" for record in done.records) and not skipped
            app.notify(
                text,
                title=f"{label}: batch done",
                severity="information" if clean else "warning",
                timeout=30,
                markup=False,
            )

        batches.follow(label, records, skipped, ended)

    def _environment_of(self, instance: Instance | None) -> EnvironmentRef:
        """Where a row lives (a create with no row: where the selection lives, or the only one)."""
        env = environment_of(instance) if instance is not None else None
        if env is None:
            selected = self.view.selected
            env = environment_of(selected) if selected is not None else None
        return env if env is not None else self.environments[0]

    def _open_form(self, spec: ActionSpec, run: OpenForm, instance: Instance | None) -> None:
        if instance is None and self.view.is_fleet:
            # Create: which environment? Starting from the selected row's.
            from cca_tui.ui.forms.choose_environment import ChooseEnvironment

            start = self._environment_of(None)

            def chosen(env: EnvironmentRef | None) -> None:
                if env is not None:
                    self._open_form_in(spec, run, env, None)

            choice = ChooseEnvironment(self.environments, start, is_protected=self.cca.safety.is_protected)
            self.app.push_screen(choice, chosen)
            return
        self._open_form_in(spec, run, self._environment_of(instance), instance)

    def _open_form_in(self, spec: ActionSpec, run: OpenForm, env: EnvironmentRef, instance: Instance | None) -> None:
        from cca_tui.ui.forms.base import FormContext  # imported late: the forms pull in a lot of widgets

        context = FormContext(
            env,
            self.cca.data,
            instance,
            ssh_dir=self.cca.ssh_dir,
            # A protected environment: destroy needs the name typed even without purge.
            name_always_needed=instance is not None
            and bool(self.cca.safety.text_to_type(spec.action, env, [instance.name])),
            protected=self.cca.safety.is_protected(env),
        )
        form = run.build(context)

        async def submit(sending_form: FormScreen) -> Task:
            name = instance.name if instance is not None else "new instance"
            record = self.cca.tasks.submit(
                env,
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
        record = tracker.last_retryable(self.environments)
        if record is None:
            self.notify("Nothing to retry: every request was answered", severity="information")
            return
        batch = self.cca.batches.of(record) if self.cca.batches is not None else None
        if batch is not None and len(batch.retryable()) > 1:
            self._ask_retry_batch(batch)
            return
        where = printable(str(record.environment), limit=80)
        what = f"{record.label} {printable(record.instance_name, limit=60)} in {where}"
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
                current = await self.cca.data.instance(record.environment, record.instance_id)
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
                busy_with=tracker.busy([record.environment]).get(RowKey(record.environment, record.instance_id)),
            )
            if reason is not None:
                self.notify(f"Not resent: {printable(reason)}", title="Retry refused", severity="warning", markup=False)
                return
        tracker.retry(record)

    def _ask_retry_batch(self, batch: Batch) -> None:
        """`R` on a bulk action: its not-done rows, each checked as a single retry is (not
        superseded, then the gate against the instance's current state)."""
        tracker = self.cca.tasks
        records, dropped = [], []
        for record in batch.retryable():
            later = tracker.superseded_by(record)
            if later is None:
                records.append(record)
                continue
            tracker.drop_retry(record, f"superseded by {later.label}")
            dropped.append(f"{record.instance_name}: superseded by your {later.label} at {later.started:%H:%M:%S}")
        label = batch.label
        if not records:
            self.notify(
                printable(
                    f"Not resent: every not-done {label} was superseded ({'; '.join(dropped)}). Nothing was sent."
                ),
                title="Retry refused",
                severity="warning",
                markup=False,
            )
            return
        first = min(record.first_started for record in records)
        lines = [
            f"Resend {label} to the {len(records)} instances of a batch left NOT DONE (first tried at {first:%H:%M:%S}):"
        ]
        for env in dict.fromkeys(record.environment for record in records):
            names = ", ".join(printable(r.instance_name, limit=40) for r in records if r.environment == env)
            lines.append(f"  {printable(str(env), limit=60)}: {names}")
        if dropped:
            lines.append("Not resent: " + printable("; ".join(dropped), limit=400))
        lines.append("Each instance's state is checked first.\n\nEnter or y: yes · Esc: nothing is sent")
        from cca_tui.ui.forms import ActionConfirmModal

        def answered(resend: bool | None) -> None:
            if resend:
                self._retry_batch_checked(label, records)

        self.app.push_screen(
            ActionConfirmModal("Retry the batch?", "\n".join(lines), f"Resend {len(records)}"), answered
        )

    @work(group="retry", exit_on_error=False)
    async def _retry_batch_checked(self, label: str, records: list[TrackedTask]) -> None:
        tracker = self.cca.tasks
        settings = self.cca.settings

        async def why_not(record: TrackedTask) -> str | None:
            later = tracker.superseded_by(record)  # while the question was open
            if later is not None:
                tracker.drop_retry(record, f"superseded by {later.label}")
                return f"{record.instance_name}: superseded by your {later.label}"
            if record.instance_id is None:
                return None
            try:
                current = await self.cca.data.instance(record.environment, record.instance_id)
            except Exception as exc:  # noqa: BLE001 - no state, no resend
                return f"{record.instance_name}: its state could not be read ({describe_error(exc)})"
            return refusal(
                record.action.spec,
                current.state,
                current.name,
                read_only=settings.read_only,
                profile=settings.profile_name,
                busy_with=tracker.busy([record.environment]).get(RowKey(record.environment, record.instance_id)),
            )

        reasons = await asyncio.gather(*(why_not(record) for record in records))
        again = [tracker.retry(record) for record, reason in zip(records, reasons, strict=True) if reason is None]
        resent = [record for record in again if record is not None]
        not_resent = [reason for reason in reasons if reason is not None]
        if not resent:
            self.notify(
                printable("Not resent: " + "; ".join(not_resent)),
                title="Retry refused",
                severity="warning",
                markup=False,
            )
            return
        self._follow_batch(label, resent, not_resent)

    # --- tasks ------------------------------------------------------------------------

    def on_task_changed(self, message: TaskChanged) -> None:
        """A task's record changed: applied with the others that changed meanwhile, once the
        messages queued now are handled. A bulk action's tasks end together, and each end
        made a view of its own: a patch of the fleet's orders, a measuring and a frame each
        (20 ends at 50,000 over ten: 645 ms of the loop in 20 steps of up to 60 ms)."""
        row = message.row
        if row.environment not in self._loads:
            return
        self._task_changes.append(row)
        if len(self._task_changes) > 1:
            return  # applied with the first, which waits for its turn
        wait = self._task_changes_applied_at + TASK_CHANGES_EVERY - time.monotonic()
        if wait > 0:
            self.set_timer(wait, self._apply_task_changes)
        else:
            # After the messages queued now (this screen's own queue: a callback left for
            # after the next refresh would go to the screen on top, and be lost with it).
            self.call_later(self._apply_task_changes)

    @property
    def task_changes_pending(self) -> bool:
        """Whether task records wait to be applied (see on_task_changed)."""
        return bool(self._task_changes)

    def _apply_task_changes(self) -> None:
        """The task records changed since the last call, in one new view: the environments'
        tasks as published now, and the rows of the tasks that ended with their instance as
        the result (shown with the task log, in the same frame; their environments' lists
        are not reloaded for them)."""
        rows, self._task_changes = self._task_changes, []
        if not rows:
            return
        self._task_changes_applied_at = time.monotonic()
        view = self.view
        for environment in dict.fromkeys(row.environment for row in rows if row.environment is not None):
            # (A message queued earlier may carry an older snapshot than the one taken here.)
            board = self.cca.tasks.board(environment)
            if view.task_boards.get(environment) is not board:
                view = view.with_task_boards(board)
        ended = [(row, row.instance_after if not row.in_flight else None) for row in rows]
        view = view.with_task_results(after for _row, after in ended if after is not None)
        self.view = view
        reload_detail = select_created = False
        for row, after in ended:
            if row.status == "SENDING" or row.environment is None:
                continue
            if row.action == Action.CREATE.label and row.status == "SUCCESS" and row.row_key is not None:
                self._select_when_listed = row.row_key
            if after is not None:
                select_created = True
            elif self.is_current or self._under_palette:
                # Sent, or ended without saying the instance: show it as it is now rather than
                # at the next tick (a load under way reloads once after it, however many ask).
                self.request_refresh(row.environment)
            if not row.in_flight and row.row_key == self.view.selected_key:
                reload_detail = True  # renamed, re-keyed, resized: show it as it is
        if select_created:
            self._select_created()
        if reload_detail:
            self.query_one(DetailPane).reload()

    def _tasks_changed(self) -> None:
        tracker = self.cca.tasks
        self.view = self.view.with_task_boards(*(tracker.board(env) for env in self.environments))

    # --- misc -------------------------------------------------------------------------

    def _detail_of_selected(self) -> InstanceDetail | None:
        detail = self.query_one(DetailPane).detail
        selected = self.view.selected
        if selected is None or detail is None or detail.key != selected.key or not detail.complete:
            return None
        return detail

    def action_copy(self) -> None:
        """The copy menu: id, private IP, public IP, ssh command, each checked (copy_choices)."""
        self._catch_up_selection()
        selected = self.view.selected
        if selected is None:
            self.notify("No instance selected", severity="warning")
            return
        detail = self._detail_of_selected()
        settings = self.cca.settings
        instance = detail.instance if detail is not None else selected
        plan = (
            ssh_plan(instance, detail.rules, template=settings.ssh_command, jump_host=settings.ssh_jump_host)
            if detail is not None
            else None
        )
        choices = copy_choices(instance, detail.rules if detail is not None else None, plan)

        def chosen(choice: CopyChoice | None) -> None:
            if choice is not None and choice.value is not None:
                copy_value(self.app, choice.label, choice.value)

        self.app.push_screen(CopyMenu(instance.name, choices), chosen)

    def action_ssh_in(self) -> None:
        self._catch_up_selection()
        selected = self.view.selected
        if selected is None:
            self.notify("No instance selected", severity="warning")
            return
        self._ssh_in(self._environment_of(selected), selected)

    @work(group="ssh", exclusive=True, exit_on_error=False)
    async def _ssh_in(self, env: EnvironmentRef, instance: Instance) -> None:
        await ssh_into(self.cca, env, instance)

    def action_environment_states(self) -> None:
        """`E`: how each environment stands, the ones that never loaded too; Enter reloads one."""
        from cca_tui.ui.environment_health import environment_health
        from cca_tui.ui.screens.environment_states import EnvironmentStates

        def chosen(env: EnvironmentRef | None) -> None:
            if env is not None and env in self._loads:
                self.notify(printable(f"Reloading {env}", limit=100), markup=False)
                if not self._loads[env].loading:  # back on this screen, every one may reload already
                    self.request_refresh(env)

        self.app.push_screen(
            EnvironmentStates(environment_health(self.view), lambda: environment_health(self.view)), chosen
        )

    def action_history(self) -> None:
        from cca_tui.ui.screens.history import HistoryScreen

        self.app.push_screen(HistoryScreen())

    def _select_created(self) -> None:
        """A create that succeeded: put the cursor on its instance once a refresh lists it."""
        key = self._select_when_listed
        if key is not None and key in self.view.instances:
            self._select_when_listed = None
            self.call_after_refresh(self.show_instance, key)  # once the table drew the new rows

    def action_toggle_detail(self) -> None:
        """Give the table the whole width (narrow terminals) or bring the pane back."""
        self.query_one(DetailPane).toggle_class("toggled")

    def action_toggle_tasks(self) -> None:
        self.task_log.toggle_class("hidden")

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(type(self), keymap=self.cca.settings.keymap))

    def action_environments(self) -> None:
        self.cca.show_picker()

    def show_instance(self, key: Hashable) -> None:
        """Put the cursor on a row (environment and id); clear the filter first if it hides it."""
        if key not in self.view.instances:
            return
        if key not in self.view.positions:
            self.action_clear_filter()
        self.view = self.view.with_selection(key)
        self.table.select(key)
        self.table.focus()

    def action_previous_environment(self) -> None:
        self.cca.open_previous_environment()

    def on_unmount(self) -> None:
        self._stop_timer()


InstanceScreen.WIDGET_CLASSES = (
    InstanceScreen,
    StatusLine,
    FilterInput,
    Horizontal,
    InstanceTable,
    DetailPane,
    ActionBar,
    TaskLog,
    KeyFooter,
    ScrollBar,
    ScrollBarCorner,
)
