"""What the operator reads is whole and true (issue 16): the destroy button's label, a NOT DONE
toast said once, a quit dialog that counts live, toasts that leave the task log readable, and a
pasted name with whitespace around it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from rich.cells import cell_len
from textual import events
from textual.widgets import Button, Checkbox, Input
from textual.widgets._toast import Toast

from cca_tui.api.client import ComputeScope
from cca_tui.config import Settings, StateStore
from cca_tui.sim.environment import Environment
from cca_tui.sim.options import SimOptions
from cca_tui.sim.server import SimServer
from cca_tui.ui.app import END_NOTICES, CcaApp
from cca_tui.ui.forms import ConfirmModal, DestroyForm, PurgeForm
from cca_tui.ui.screens.instances import InstanceScreen
from cca_tui.ui.tasks.records import TaskStatus
from cca_tui.ui.widgets.task_log import TaskLog
from tests.conftest import SimFactory
from tests.typed import not_none
from tests.ui.app_harness import SIZE, env_instances, instance_screen, select, settle, told, top_screen, wait_until
from tests.ui.conftest import FormHostFactory, InstanceNamed, SettleForm
from tests.ui.faulty_transport import Fault, FaultyTransport
from tests.ui.form_contexts import form_context

ENV = "compute-on/production"


def app_with(sim: SimServer, tmp_path: Path, transport: FaultyTransport | None = None) -> CcaApp:
    settings = Settings(profile_name="test", api_url=sim.url, api_key=SecretStr(sim.api_key), refresh_interval=60)
    app = CcaApp(
        settings,
        state=StateStore(tmp_path / "state.json"),
        environment=ENV,
        clock=lambda: datetime(2026, 11, 29, 12, 0),
        ssh_dir=tmp_path / "no-ssh",
        task_poll_interval=0.05,
        journal_path=tmp_path / "tasks.json",
        transport=transport,
    )
    told(app)  # its notifications recorded from the start
    return app


def not_done(screen: InstanceScreen, name: str) -> Callable[[], bool]:
    """A condition: the task log has a NOT DONE row for the instance `name`."""
    return lambda: any(t.instance == name and t.status == "NOT DONE" for t in screen.view.tasks)


def is_stop(request: httpx.Request) -> bool:
    return request.method == "POST" and request.url.params.get("operation") == "stop"


UNAVAILABLE = Fault(status=503, body={"errors": [{"code": 5003, "message": "The API is unavailable (simulated)."}]})


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_the_destroy_button_reads_destroy_and_purge_whole(
    size: tuple[int, int], sim: SimServer, tmp_path: Path
) -> None:
    app = app_with(sim, tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, DestroyForm))
        await settle(app, pilot)
        form = top_screen(app, DestroyForm)
        form.query_one("#purgeImmediately", Checkbox).focus()
        await pilot.press("space")  # as the operator ticks it
        await settle(app, pilot)
        button = form.query_one("#submit", Button)
        assert str(button.label) == "Destroy and purge"
        assert button.content_region.width >= cell_len("Destroy and purge"), button.content_region
        assert "Destroy&#160;and&#160;purge" in app.export_screenshot()


async def test_a_not_done_toast_says_it_once(sim: SimServer, tmp_path: Path) -> None:
    transport = FaultyTransport()
    transport.add(lambda r: UNAVAILABLE if is_stop(r) else None)
    running = next(i for i in env_instances(sim) if i.state == "Running")
    app = app_with(sim, tmp_path, transport)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select(instance_screen(app), running.id)
        await pilot.press("x", "y")  # stop asks first
        await wait_until(pilot, lambda: told(app).containing("NOT DONE"))
        message = told(app).containing("NOT DONE")[0]
    assert message.lower().count("not done") == 1, message
    assert ".;" not in message and "R retries" in message and "[5003]" in message


async def test_toasts_leave_the_task_logs_outcome_column_readable(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert all(timeout <= 10 for _, timeout in END_NOTICES.values())  # short: the task log keeps the outcome
    # Here they stay until the test ends: it looks at them stacked, and a slow run saw the
    # first one expire (8 s) before the third was told.
    severity, _timeout = END_NOTICES[TaskStatus.NOT_DONE]
    monkeypatch.setitem(END_NOTICES, TaskStatus.NOT_DONE, (severity, 600.0))
    transport = FaultyTransport()
    transport.add(lambda r: UNAVAILABLE if is_stop(r) else None)
    running = [i for i in env_instances(sim) if i.state == "Running"][:3]
    app = app_with(sim, tmp_path, transport)
    async with app.run_test(size=SIZE, notifications=True) as pilot:  # toasts drawn, as in a terminal
        await settle(app, pilot)
        screen = instance_screen(app)
        assert isinstance(screen, InstanceScreen)
        log = screen.query_one(TaskLog)
        most = 0
        for instance in running:  # failures one after another: their toasts stack up
            select(screen, instance.id)
            await pilot.press("x", "y")  # stop asks first
            await wait_until(
                pilot,
                not_done(screen, instance.name),
            )
            # Each new toast is checked as it arrives.
            await wait_until(pilot, lambda: len(screen.query(Toast)) >= 1)
            await pilot.pause()
            assert log.display and log.region.height > 0
            toasts = list(screen.query(Toast))
            most = max(most, len(toasts))
            for toast in toasts:
                assert not toast.region.overlaps(log.region), (toast.region, log.region)
        assert most >= 2  # stacked, and still clear of the log


async def test_the_quit_dialog_counts_live_and_says_tasks_are_followed_again(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    now = [1000.0]
    sim = sim_factory(SimOptions(task_delay=30), clock=lambda: now[0])
    running = next(i for i in env_instances(sim) if i.state == "Running")
    app = app_with(sim, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select(instance_screen(app), running.id)
        await pilot.press("x", "y")  # stop asks first
        tracker = not_none(app.tracker)
        await wait_until(pilot, lambda: bool(tracker.in_flight) and all(r.task_id for r in tracker.in_flight))
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        dialog = top_screen(app, ConfirmModal)

        def said() -> str:
            return str(dialog.query_one("#message").render())

        assert "1 task is still running" in said()
        assert "follows them again at its next start" in said() and "stops following" not in said()
        # Staying is this dialog's default (Enter stays), unlike an action's question: said.
        assert said().endswith("y: quit · Enter or Esc: stay")
        # The task ends while the dialog is open: the count follows, the keys stay said.
        now[0] += 60  # the simulator's task is due
        await wait_until(pilot, lambda: not tracker.in_flight)
        await wait_until(pilot, lambda: "No task is running any more" in said())
        assert said().endswith("y: quit · Enter or Esc: stay")


@pytest.mark.parametrize("pasted", [" db-primary", "db-primary \n", "\tdb-primary  "])
async def test_a_pasted_name_with_whitespace_around_it_unlocks_purge(
    pasted: str,
    sim_compute: ComputeScope,
    sim_env: Environment,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    db = await instance_named(sim_compute, "db-primary")
    form = DestroyForm(form_context(sim_compute, db))
    async with form_host(form).run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        form.query_one("#purgeImmediately", Checkbox).value = True
        await pilot.pause()
        form.query_one("#confirm-name", Input).focus()
        await pilot.pause()
        not_none(pilot.app.screen.focused).post_message(events.Paste(pasted))
        await pilot.pause()
        await pilot.pause()
        assert form.query_one("#confirm-name", Input).value == "db-primary"
        assert not form.query_one("#submit", Button).disabled


async def test_purge_too_takes_a_pasted_name_with_whitespace_around_it(
    sim_compute: ComputeScope,
    sim_env: Environment,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    db = await instance_named(sim_compute, "db-primary")
    await sim_compute.client.wait_for_task(await sim_compute.destroy_instance(db.id))
    destroyed = await instance_named(sim_compute, "db-primary")
    form = PurgeForm(form_context(sim_compute, destroyed))
    async with form_host(form).run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        form.post_message(events.Paste(" db-primary "))  # focus on Cancel: the form takes it
        await pilot.pause()
        await pilot.pause()
        assert form.query_one("#confirm-name", Input).value == "db-primary"
        assert not form.query_one("#submit", Button).disabled
