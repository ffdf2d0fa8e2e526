"""The instance screen: live table, detail pane, action bar and task log of one environment."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Static

from cca_tui.api.errors import AuthError, CloudCAError
from cca_tui.api.gates import TRANSITIONAL_STATES, Action
from cca_tui.api.models import Instance, InstancePublicIp, PublicIp, Task
from cca_tui.ui.actions import INSTANCE_ACTIONS, why_not
from cca_tui.ui.errors import describe_error
from cca_tui.ui.format import ssh_commands
from cca_tui.ui.screens.help import HelpScreen
from cca_tui.ui.widgets.action_bar import ActionBar
from cca_tui.ui.widgets.detail_pane import DetailPane, InstanceDetail
from cca_tui.ui.widgets.instance_table import COLUMN_KEYS, InstanceTable
from cca_tui.ui.widgets.task_log import TaskEntry, TaskLog

# While something is in flight the table refreshes this often (seconds).
FAST_REFRESH = 1.0
# The detail pane waits this long after the cursor stops before it asks the server.
DETAIL_DEBOUNCE = 0.25


def public_ips_by_instance(public_ips: list[PublicIp]) -> dict[str, list[InstancePublicIp]]:
    """The environment's public IPs grouped by the instances they serve (one request for all rows)."""
    grouped: dict[str, list[InstancePublicIp]] = {}
    for ip in public_ips:
        embedded = InstancePublicIp(id=ip.id, ip_address=ip.ip_address, purposes=ip.purposes)
        for ref in ip.instances:
            grouped.setdefault(ref.id, []).append(embedded)
    return grouped


class InstanceScreen(Screen):
    BINDINGS = [
        # The action bar shows each action's key next to its button; the footer keeps the rest.
        *(Binding(spec.key, f"act('{spec.action.value}')", spec.label, show=False) for spec in INSTANCE_ACTIONS),
        Binding("n", "new_instance", "New", show=False),
        Binding("slash", "filter", "Filter"),
        Binding("ctrl+r", "refresh", "Refresh"),
        Binding("ctrl+e", "environments", "Envs"),
        Binding("question_mark", "help", "Help"),
        Binding("q", "app.quit", "Quit", show=False),  # the footer shows ^q, which works everywhere
        Binding("less_than_sign", "sort(-1)", "Sort ◀", show=False),
        Binding("greater_than_sign", "sort(1)", "Sort ▶", show=False),
        Binding("exclamation_mark", "reverse_sort", "Reverse", show=False),
        Binding("t", "toggle_tasks", "Tasks"),
        Binding("z", "toggle_detail", "Detail"),
        Binding("c", "copy_ssh", "Copy ssh", show=False),
        Binding("escape", "clear_filter", "Clear filter / back to table", show=False),
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
    InstanceScreen #status { height: auto; max-height: 3; background: $primary; color: $text; padding: 0 1; }
    InstanceScreen #status.stale { background: $error; }
    InstanceScreen #main { height: 1fr; }
    InstanceScreen InstanceTable { width: 1fr; }
    InstanceScreen DetailPane { width: 40%; min-width: 30; max-width: 60; }
    InstanceScreen #filter { display: none; height: 1; border: none; padding: 0 1; }
    InstanceScreen #filter.visible { display: block; }
    InstanceScreen TaskLog.hidden { display: none; }
    """

    def __init__(self, service_code: str, environment_name: str) -> None:
        super().__init__()
        self.service_code = service_code
        self.environment_name = environment_name
        self.compute = self.app.client.compute(service_code, environment_name)
        self.last_refresh: str | None = None
        self.stale_reason: str | None = None
        self._refresh_timer: Timer | None = None
        self._detail_timer: Timer | None = None
        self._task_counter = 0
        # Instances with a request or task of ours in flight, and which: a second action on
        # them would only be refused by the server (code 2013), so it is refused here.
        self.busy: dict[str, str] = {}

    @property
    def environment_ref(self) -> str:
        return f"{self.service_code}/{self.environment_name}"

    # --- layout ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        yield Input(placeholder="filter by name, state or IP · Enter keeps · Esc clears", id="filter")
        with Horizontal(id="main"):
            yield InstanceTable(id="instances")
            yield DetailPane(id="detail")
        yield ActionBar(id="actions")
        yield TaskLog(id="tasks")
        yield Footer()

    def on_mount(self) -> None:
        self._update_status()
        self._update_gates()
        self.query_one(InstanceTable).focus()

    def on_screen_resume(self) -> None:
        # First shown, back from a form, or back from another environment: fresh data now.
        self.action_refresh()

    def on_screen_suspend(self) -> None:
        # Not on top (a form, the picker, another environment): no polling meanwhile. Tasks
        # being followed go on; their completion refreshes once.
        if self._refresh_timer is not None:
            self._refresh_timer.stop()
            self._refresh_timer = None

    @property
    def table(self) -> InstanceTable:
        return self.query_one(InstanceTable)

    @property
    def task_log(self) -> TaskLog:
        return self.query_one(TaskLog)

    # --- refresh loop ---------------------------------------------------------------

    def action_refresh(self) -> None:
        if self._refresh_timer is not None:
            self._refresh_timer.stop()
            self._refresh_timer = None
        self.load_instances()

    def _schedule_refresh(self) -> None:
        if self._refresh_timer is not None:
            self._refresh_timer.stop()
            self._refresh_timer = None
        if not self.is_current:
            return  # on_screen_resume refreshes when the screen is back
        busy = self.task_log.pending > 0 or any(i.state in TRANSITIONAL_STATES for i in self.table.instances.values())
        interval = self.app.settings.refresh_interval
        delay = min(FAST_REFRESH, interval) if busy else interval
        self._refresh_timer = self.set_timer(delay, self.load_instances)

    @work(exclusive=True, group="refresh", exit_on_error=False)
    async def load_instances(self) -> None:
        try:
            instances, public_ips = await asyncio.gather(self.compute.list_instances(), self._public_ips_or_none())
        except AuthError as exc:
            if exc.status == 401:
                self.app.show_key_problem(describe_error(exc))
                return
            # 403: the key is fine but not allowed here; other environments may work.
            self._mark_stale(f"not authorised in {self.environment_ref}: {exc.summary}")
            return
        except Exception as exc:  # noqa: BLE001 - whatever it was, keep the rows and retry later
            self._mark_stale(describe_error(exc))
            return
        if public_ips is not None:
            grouped = public_ips_by_instance(public_ips)
            instances = [i.model_copy(update={"public_ips": grouped.get(i.id, [])}) for i in instances]
        self.table.set_instances(instances)
        self.stale_reason = None
        self.last_refresh = self.app.clock().strftime("%H:%M:%S")
        self._update_status()
        self._update_gates()
        self._sync_detail(refetch_if_changed=True)
        self._schedule_refresh()

    def _mark_stale(self, reason: str) -> None:
        """Keep the last good rows on screen, say they are stale, and try again later."""
        self.stale_reason = reason
        self._update_status()
        self._schedule_refresh()

    async def _public_ips_or_none(self) -> list[PublicIp] | None:
        """The public IP column is a nicety: its failure must not hide the instances."""
        try:
            return await self.compute.list_public_ips()
        except CloudCAError:
            return None

    def _update_status(self) -> None:
        """Profile, environment, counts, sort, freshness: short enough for 80 columns."""
        status = self.query_one("#status", Static)
        table = self.table
        total = len(table.instances)
        shown = table.visible_count
        parts = [
            self.app.settings.profile_name,
            self.environment_ref,
            f"{shown}/{total} instances" if table.filter_text else f"{total} instances",
            f"{table.sort_column}{'▼' if table.sort_reverse else '▲'}",
        ]
        if self.app.settings.read_only:
            parts.append("READ-ONLY")
        if self.last_refresh:
            parts.append(f"refreshed {self.last_refresh}")
        elif not self.stale_reason:
            parts.append("loading…")
        text = " │ ".join(parts)
        if self.stale_reason:
            text += f" │ STALE: {self.stale_reason}"
        status.update(Text(text))
        status.set_class(self.stale_reason is not None, "stale")

    # --- selection and detail -------------------------------------------------------

    @on(DataTable.RowHighlighted, "#instances")
    def _row_highlighted(self) -> None:
        self._update_gates()
        instance = self.table.selected
        if instance is not None:
            self._show_detail_soon(instance)

    def _sync_detail(self, *, refetch_if_changed: bool = False) -> None:
        """Make the pane describe the selected row (after a refresh, a filter or a sort)."""
        pane = self.query_one(DetailPane)
        current = self.table.selected
        if current is None:
            pane.show(None)
            return
        shown = pane.detail
        if (
            shown is None
            or shown.instance.id != current.id
            or (refetch_if_changed and shown.instance.state != current.state)
        ):
            self._show_detail_soon(current)

    def _show_detail_soon(self, instance: Instance) -> None:
        """Show what the list knows at once; fetch the rest when the cursor rests."""
        pane = self.query_one(DetailPane)
        shown = pane.detail
        if shown is None or shown.instance.id != instance.id:
            pane.show(InstanceDetail(instance=instance))
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_DEBOUNCE, lambda: self.load_detail(instance.id))

    @work(exclusive=True, group="detail", exit_on_error=False)
    async def load_detail(self, instance_id: str) -> None:
        try:
            instance, nics, rules = await asyncio.gather(
                self.compute.get_instance(instance_id),
                self.compute.list_nics(instance_id=instance_id),
                self.compute.list_port_forwarding_rules(instance_id=instance_id),
            )
        except CloudCAError as exc:
            selected = self.table.selected
            if selected is not None and selected.id == instance_id:
                self.query_one(DetailPane).show(InstanceDetail(instance=selected, error=describe_error(exc)))
            return
        selected = self.table.selected
        if selected is None or selected.id != instance_id:
            return  # the cursor moved on; a newer request follows
        self.query_one(DetailPane).show(InstanceDetail(instance=instance, nics=nics, rules=rules, complete=True))

    # --- gates ----------------------------------------------------------------------

    def refusal_for(self, action: Action) -> str | None:
        instance = self.table.selected
        if instance is not None and instance.id in self.busy and not self.app.settings.read_only:
            return f"{instance.name} is busy: {self.busy[instance.id]} in progress"
        return why_not(
            action,
            instance.state if instance else None,
            instance.name if instance else None,
            read_only=self.app.settings.read_only,
            profile=self.app.settings.profile_name,
        )

    def _update_gates(self) -> None:
        reasons = {spec.action: self.refusal_for(spec.action) for spec in INSTANCE_ACTIONS}
        new_refusal = (
            f"Profile '{self.app.settings.profile_name}' is read-only" if self.app.settings.read_only else None
        )
        self.query_one(ActionBar).update_gates(reasons, new_allowed=new_refusal)

    # --- actions --------------------------------------------------------------------

    @on(ActionBar.Chosen)
    def _action_chosen(self, event: ActionBar.Chosen) -> None:
        if event.action is None:
            self.action_new_instance()
        else:
            self.action_act(event.action.value)

    def action_act(self, action_name: str) -> None:
        action = Action(action_name)
        reason = self.refusal_for(action)
        if reason is not None:
            self.notify(reason, title="Not allowed", severity="warning")
            return
        instance = self.table.selected
        assert instance is not None  # refusal_for said so
        simple: dict[Action, Callable[[str], Awaitable[Task]]] = {
            Action.START: self.compute.start_instance,
            Action.STOP: self.compute.stop_instance,
            Action.REBOOT: self.compute.reboot_instance,
            Action.RECOVER: self.compute.recover_instance,
        }
        if action in simple:
            call = simple[action]
            self.send(action, instance, lambda: call(instance.id))
            return
        from cca_tui.ui import forms  # imported late: the forms pull in a lot of widgets

        if action is Action.RESET_PASSWORD:

            def confirmed(ok: bool | None) -> None:
                if ok:
                    self.send(action, instance, lambda: self.compute.reset_password(instance.id))

            self.app.push_screen(
                forms.ConfirmModal(
                    "Reset password",
                    f"Reset the password of {instance.username or 'the default user'} on {instance.name}?\n"
                    "The new password is shown once.",
                    "Reset password",
                ),
                confirmed,
            )
            return
        form_for = {
            Action.DESTROY: lambda: forms.DestroyForm(self.compute, instance),
            Action.PURGE: lambda: forms.PurgeForm(self.compute, instance),
            Action.CHANGE_OFFERING: lambda: forms.ChangeOfferingForm(self.compute, instance),
            Action.CHANGE_NETWORK: lambda: forms.ChangeNetworkForm(self.compute, instance),
            Action.ASSOCIATE_SSH_KEY: lambda: forms.AssociateKeyForm(self.compute, instance, ssh_dir=self.app.ssh_dir),
            Action.UPDATE: lambda: forms.RenameForm(self.compute, instance),
        }
        self._open_form(form_for[action](), action.label, instance.name, instance.id)

    def action_new_instance(self) -> None:
        if self.app.settings.read_only:
            self.notify(
                f"Profile '{self.app.settings.profile_name}' is read-only: New is disabled",
                title="Not allowed",
                severity="warning",
            )
            return
        from cca_tui.ui import forms

        self._open_form(forms.CreateInstanceForm(self.compute), "Create", "new instance", None)

    def _open_form(self, form: Any, label: str, instance_name: str, instance_id: str | None) -> None:
        def submitted(task: Task | None) -> None:
            if task is not None:
                entry = self._new_entry(label, getattr(form, "sent_name", None) or instance_name)
                self._mark_busy(instance_id, label)
                self.follow(task, entry, instance_id)

        self.app.push_screen(form, submitted)

    def _new_entry(self, label: str, instance_name: str) -> TaskEntry:
        self._task_counter += 1
        entry = TaskEntry(key=f"t{self._task_counter}", action=label, instance=instance_name, started=self.app.clock())
        self.task_log.record(entry)
        return entry

    def send(self, action: Action, instance: Instance, call: Callable[[], Awaitable[Task]]) -> None:
        """Send a one-click action and follow its task."""
        entry = self._new_entry(action.label, instance.name)
        self._mark_busy(instance.id, action.label)
        self._send_worker(action, instance.id, entry, call)

    def _mark_busy(self, instance_id: str | None, label: str) -> None:
        if instance_id is not None:
            self.busy[instance_id] = label
            self._update_gates()

    def _mark_free(self, instance_id: str | None) -> None:
        if instance_id is not None and self.busy.pop(instance_id, None) is not None:
            self._update_gates()

    @work(group="send", exit_on_error=False)
    async def _send_worker(
        self, action: Action, instance_id: str, entry: TaskEntry, call: Callable[[], Awaitable[Task]]
    ) -> None:
        try:
            task = await call()
        except Exception as exc:  # noqa: BLE001 - shown in the log and a notification
            self._task_failed(entry, exc, instance_id)
            return
        self.follow(task, entry, instance_id, reveal_password=action is Action.RESET_PASSWORD)

    def _task_failed(self, entry: TaskEntry, exc: BaseException, instance_id: str | None) -> None:
        entry.status, entry.outcome = "FAILED", describe_error(exc)
        self.task_log.record(entry)
        self.notify(entry.outcome, title=f"{entry.action} {entry.instance}", severity="error", timeout=10)
        self._mark_free(instance_id)
        self.action_refresh()

    def follow(self, task: Task, entry: TaskEntry, instance_id: str | None, *, reveal_password: bool = False) -> None:
        entry.status = "PENDING"
        self.task_log.record(entry)
        self.action_refresh()  # the instance shows its transitional state now, not in 5 s
        self._follow_worker(task, entry, instance_id, reveal_password)

    @work(group="tasks", exit_on_error=False)
    async def _follow_worker(
        self, task: Task, entry: TaskEntry, instance_id: str | None, reveal_password: bool
    ) -> None:
        try:
            done = await self.app.client.wait_for_task(task, timeout=1800)
        except Exception as exc:  # noqa: BLE001 - a task we cannot follow is reported, never raised
            self._task_failed(entry, exc, instance_id)
            return
        self._mark_free(instance_id)
        entry.status = "SUCCESS"
        entry.outcome = "password shown once" if reveal_password else "done"
        self.task_log.record(entry)
        self.notify(f"{entry.action} {entry.instance}: done", title="Task finished")
        self.action_refresh()
        selected = self.table.selected
        if selected is not None and selected.id == instance_id:
            self._show_detail_soon(selected)  # renamed, re-keyed, resized: show it as it is now
        if reveal_password:
            password = done.result.get("password") if isinstance(done.result, dict) else None
            if password:
                from cca_tui.ui import forms

                self.app.push_screen(forms.PasswordModal(entry.instance, str(password)))
            else:
                self.notify("The task succeeded but carried no password", severity="error")

    # --- filter, sort, misc -----------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("visible")
        # Focus now, not on the next idle (Widget.focus defers): the keys typed right after
        # `/` belong to the filter. Deferred, "/web" typed fast would press `w` (password).
        self.set_focus(box)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.table.set_filter(event.value.strip())
        self._update_status()
        self._update_gates()
        self._sync_detail()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        box = self.query_one("#filter", Input)
        if not box.value:
            box.remove_class("visible")
        self.table.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.remove_class("visible")
        self.table.set_filter("")
        self.table.focus()
        self._update_status()
        self._update_gates()
        self._sync_detail()

    def action_sort(self, step: int) -> None:
        index = COLUMN_KEYS.index(self.table.sort_column)
        self.table.sort_by(COLUMN_KEYS[(index + step) % len(COLUMN_KEYS)])
        self._after_sort()

    def action_reverse_sort(self) -> None:
        self.table.sort_by(self.table.sort_column)
        self._after_sort()

    def _after_sort(self) -> None:
        self._update_status()
        self._update_gates()
        self._sync_detail()

    @on(DataTable.HeaderSelected, "#instances")
    def _header_clicked(self, event: DataTable.HeaderSelected) -> None:
        self.table.sort_by(str(event.column_key.value))
        self._after_sort()

    def action_copy_ssh(self) -> None:
        """Copy the selected instance's ssh command (OSC 52: works over ssh in most terminals)."""
        detail = self.query_one(DetailPane).detail
        selected = self.table.selected
        if selected is None or detail is None or detail.instance.id != selected.id or not detail.complete:
            self.notify("Its details are still loading; try again in a moment", severity="warning")
            return
        commands = ssh_commands(detail.instance, detail.rules)
        if not commands:
            self.notify(f"{selected.name} has no port forwarded to 22", severity="warning")
            return
        self.app.copy_to_clipboard(commands[0])
        self.notify(commands[0], title="Copied")

    def action_toggle_detail(self) -> None:
        """Give the table the whole width (narrow terminals) or bring the pane back."""
        self.query_one(DetailPane).toggle_class("toggled")

    def action_toggle_tasks(self) -> None:
        self.task_log.toggle_class("hidden")

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())

    def action_environments(self) -> None:
        self.app.show_picker()

    def on_unmount(self) -> None:
        for timer in (self._refresh_timer, self._detail_timer):
            if timer is not None:
                timer.stop()
