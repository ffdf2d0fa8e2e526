"""Marks and bulk actions: space marks, an action applies to every marked row.

The real app on the simulator over HTTP, driven with keys (Textual pilot); what was sent is
seen on the client side through the app's transport injection (RequestCounter, Recording),
so "exactly 2 requests" counts what left the app.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Select

from cca_tui.sim import entities
from cca_tui.sim.server import SimServer
from cca_tui.ui.app import CcaApp
from cca_tui.ui.forms import ActionConfirmModal, TypedConfirmModal
from cca_tui.ui.forms.bulk_destroy import BulkDestroyModal
from cca_tui.ui.forms.bulk_key import BulkKeyModal
from cca_tui.ui.screens.instances import InstanceScreen
from cca_tui.ui.widgets.instance_table import MARK, InstanceTable
from cca_tui.ui.widgets.status_line import StatusLine
from tests.ui.app_harness import (
    SIZE,
    Operator,
    env_instances,
    instance_screen,
    make_app,
    open_app,
    row_key,
    select,
    selected_id,
    settle,
    told,
    top_screen,
    wait_until,
)
from tests.ui.faulty_transport import Fault, FaultyTransport, Rule
from tests.ui.test_fleet import DEV, DR_SITE, Recording, fleet_app, instance_named, opened

ENV = "compute-on/production"


def named(sim: SimServer, name: str) -> entities.Instance:
    return next(i for i in env_instances(sim) if i.name == name)


async def mark(app: CcaApp, pilot: Pilot[None], instance_id: str, environment: str | None = None) -> None:
    """Put the cursor on the row and press space, as the operator would."""
    select(instance_screen(app), instance_id, environment)
    await pilot.pause()
    await pilot.press("space")
    await pilot.pause()


async def marked(op: Operator, *instances: entities.Instance) -> None:
    """Mark each of the instances, then count requests from there."""
    for instance in instances:
        await mark(op.app, op.pilot, instance.id)
    op.count_from_now()


def batch_summaries(app: CcaApp) -> list[str]:
    return told(app).containing("succeeded")


async def test_bulk_stop_of_three_marked_where_one_is_stopped_sends_exactly_two(sim: SimServer, tmp_path: Path) -> None:
    web1, web2, web3 = named(sim, "web-1"), named(sim, "web-2"), named(sim, "web-3")
    assert (web1.state, web2.state, web3.state) == ("Running", "Running", "Stopped")
    async with open_app(sim, tmp_path, environment=ENV) as op:
        app, screen = op.app, op.screen
        await marked(op, web1, web2, web3)
        assert len(screen.view.marked) == 3
        assert "3 marked" in str(screen.query_one(StatusLine).render())
        drawn = [screen.query_one(InstanceTable).render_line(y).text for y in range(40)]
        assert sum(1 for line in drawn if line.startswith(MARK) and "web-" in line) == 3  # the gutter
        question = (await op.ask("x", dialog=ActionConfirmModal))._message
        assert "Stop 2 instances" in question
        assert "Skipped 1" in question and "web-3 is Stopped" in question
        assert op.mutations() == []
        await op.pilot.press("enter")
        await wait_until(op.pilot, lambda: batch_summaries(app))
        await op.settle()
        stops = op.mutations()
        assert len(stops) == 2
        assert all("operation=stop" in request for request in stops)
        assert sorted(request.split("?")[0].rsplit("/", 1)[1] for request in stops) == sorted([web1.id, web2.id])
        (summary,) = batch_summaries(app)
        assert "Stop: 2 succeeded, 0 failed, 0 not done, 0 unknown" in summary
        assert "1 skipped (web-3 is Stopped)" in summary
        # One notification for the batch, not one per instance.
        assert not any(title.startswith("Stop web-") for title in told(app).titles)
        # Each instance has its own task row.
        assert sorted(row.instance for row in screen.view.tasks) == ["web-1", "web-2"]
        assert screen.view.marked == frozenset()  # sent: the marks have done their job


async def test_bulk_escape_sends_nothing_and_keeps_the_marks(sim: SimServer, tmp_path: Path) -> None:
    web1, web2 = named(sim, "web-1"), named(sim, "web-2")
    async with open_app(sim, tmp_path, environment=ENV) as op:
        await marked(op, web1, web2)
        assert "Reboot 2 instances" in (await op.ask("r", dialog=ActionConfirmModal))._message
        await op.answer("escape")
        assert isinstance(op.app.screen, InstanceScreen)
        assert op.mutations() == []
        assert len(op.screen.view.marked) == 2


async def test_bulk_in_a_protected_environment_needs_the_typed_count(sim: SimServer, tmp_path: Path) -> None:
    web1, web2 = named(sim, "web-1"), named(sim, "web-2")
    async with open_app(sim, tmp_path, environment=ENV, protected_environments=("produc*",)) as op:
        app, pilot = op.app, op.pilot
        await marked(op, web1, web2)
        assert (await op.ask("x", dialog=TypedConfirmModal)).expected == "2"
        await pilot.press("enter", "3", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TypedConfirmModal)  # neither Enter nor a wrong count unlocks it
        assert op.mutations() == []
        await pilot.press("backspace", "2", "enter")
        await wait_until(pilot, lambda: batch_summaries(app))
        assert len(op.mutations()) == 2


async def test_bulk_start_across_two_environments_reaches_each_environment(sim: SimServer, tmp_path: Path) -> None:
    transport = Recording()
    app = fleet_app(sim, tmp_path, transport, environment="compute-qc/d*")
    dev3, dr3 = instance_named(sim, DEV, "web-3"), instance_named(sim, DR_SITE, "web-3")
    assert dev3.state == dr3.state == "Stopped"
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        assert screen.view.is_fleet
        await mark(app, pilot, dev3.id, str(DEV))
        await mark(app, pilot, dr3.id, str(DR_SITE))
        assert screen.view.marked == {row_key(screen, dev3.id, str(DEV)), row_key(screen, dr3.id, str(DR_SITE))}
        before = len(transport.mutations())
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionConfirmModal))
        question = top_screen(app, ActionConfirmModal)._message
        assert "Start 2 instances" in question and str(DEV) in question and str(DR_SITE) in question
        await pilot.press("enter")
        await wait_until(pilot, lambda: batch_summaries(app))
        starts = transport.mutations()[before:]
        assert sorted((path, query) for _, path, query, _ in starts) == sorted(
            [
                (f"/v1/services/compute-qc/dev/instances/{dev3.id}", "operation=start"),
                (f"/v1/services/compute-qc/dr-site/instances/{dr3.id}", "operation=start"),
            ]
        )
        # Done in two environments: the summary says so (each environment has a web-3).
        assert "Start in 2 environments: 2 succeeded" in batch_summaries(app)[0]


async def test_marks_follow_instances_through_sort_filter_and_refresh(sim: SimServer, tmp_path: Path) -> None:
    web1, web3 = named(sim, "web-1"), named(sim, "web-3")
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        await mark(app, pilot, web1.id)
        await mark(app, pilot, web3.id)
        keys = {row_key(screen, web1.id), row_key(screen, web3.id)}
        # Space moved the cursor down: the row after web-3 is selected now.
        names = [i.name for i in screen.view.rows]
        assert selected_id(screen) == screen.view.rows[names.index("web-3") + 1].id
        await pilot.press("exclamation_mark")  # reverse sort: other positions, same marks
        await pilot.pause()
        assert screen.view.marked == keys
        assert {i.name for i in screen.view.marked_instances} == {"web-1", "web-3"}
        await pilot.press("slash", *"web-1", "enter")
        await wait_until(pilot, lambda: screen.view.filter_text == "web-1")
        assert screen.view.marked == keys  # hidden by the filter, still marked
        assert "2 marked (1 hidden)" in str(screen.query_one(StatusLine).render())
        # web-3 disappears from the server: its mark goes at the next refresh; web-1's stays.
        sim.world.environment("compute-on", "production").instances.pop(web3.id)
        screen.request_refresh()
        await settle(app, pilot)
        assert screen.view.marked == {row_key(screen, web1.id)}
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+a")  # every row the filter shows
        await pilot.pause()
        assert len(screen.view.marked) == len(screen.view.rows)
        await pilot.press("u")
        await pilot.pause()
        assert screen.view.marked == frozenset()
        assert "marked" not in str(screen.query_one(StatusLine).render())


def not_done_for(ids: set[str]) -> Rule:
    """A rule answering 503 to a stop of these instances: the server did nothing."""

    def rule(request: httpx.Request) -> Fault | None:
        stop = request.method == "POST" and "operation=stop" in request.url.query.decode()
        if stop and request.url.path.rsplit("/", 1)[1] in ids:
            return Fault(status=503, body={"errors": [{"code": 503, "message": "try later"}]})
        return None

    return rule


async def test_r_on_a_bulk_action_retries_that_batchs_not_done_rows(sim: SimServer, tmp_path: Path) -> None:
    web1, web2 = named(sim, "web-1"), named(sim, "web-2")
    transport = FaultyTransport()
    transport.add(not_done_for({web1.id, web2.id}))
    async with open_app(sim, tmp_path, environment=ENV, transport=transport) as op:
        app, pilot = op.app, op.pilot
        await marked(op, web1, web2)
        await op.ask("x", dialog=ActionConfirmModal)
        await pilot.press("enter")
        await wait_until(pilot, lambda: batch_summaries(app))
        assert "Stop: 0 succeeded, 0 failed, 2 not done, 0 unknown" in batch_summaries(app)[0]
        await op.settle()
        transport.clear()
        op.count_from_now()
        question = (await op.ask("R", dialog=ActionConfirmModal))._message
        assert "Resend Stop to the 2 instances" in question and "web-1" in question and "web-2" in question
        assert op.mutations() == []
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(batch_summaries(app)) == 2)
        stops = op.mutations()
        assert len(stops) == 2 and all("operation=stop" in request for request in stops)
        assert "Stop: 2 succeeded" in batch_summaries(app)[1]


class HeldMutations(FaultyTransport):
    """Mutations wait at a gate: how many are at the server at once is what the app allowed."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.at_once = 0
        self.most_at_once = 0
        self.arrived = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return await super().handle_async_request(request)
        self.arrived += 1
        self.at_once += 1
        self.most_at_once = max(self.most_at_once, self.at_once)
        try:
            await self.gate.wait()
            return await super().handle_async_request(request)
        finally:
            self.at_once -= 1


async def test_bulk_requests_go_out_with_bounded_concurrency(sim: SimServer, tmp_path: Path) -> None:
    running = [i for i in env_instances(sim) if i.state == "Running"]
    assert len(running) >= 5
    transport = HeldMutations()
    async with open_app(sim, tmp_path, environment=ENV, transport=transport, bulk_concurrency=2) as op:
        app, pilot = op.app, op.pilot
        await marked(op, *running[:5])
        await op.ask("r", dialog=ActionConfirmModal)
        await pilot.press("enter")
        await wait_until(pilot, lambda: transport.at_once == 2)
        for _ in range(20):  # the others stay queued while two are held
            await pilot.pause()
        assert transport.arrived == 2
        # Every instance has its own task row already, the queued ones still SENDING.
        assert len(instance_screen(app).view.tasks) == 5
        transport.gate.set()
        await wait_until(pilot, lambda: batch_summaries(app))
        assert transport.arrived == 5 and transport.most_at_once == 2
        assert "Reboot: 5 succeeded" in batch_summaries(app)[0]


async def test_bulk_destroy_applies_its_options_to_each_and_needs_the_count(sim: SimServer, tmp_path: Path) -> None:
    web1, web3 = named(sim, "web-1"), named(sim, "web-3")
    transport = Recording()
    async with open_app(sim, tmp_path, environment=ENV, transport=transport) as op:
        app, pilot = op.app, op.pilot
        await marked(op, web1, web3)
        before = len(transport.mutations())
        modal = await op.ask("d", dialog=BulkDestroyModal)
        assert "Destroy 2 instances" in modal._message
        modal.query_one("#purgeImmediately", Checkbox).value = True
        await pilot.pause()
        await pilot.press("enter")  # the typed field is empty: nothing
        await pilot.pause()
        assert isinstance(app.screen, BulkDestroyModal) and len(transport.mutations()) == before
        modal.query_one("#typed", Input).focus()
        await pilot.press("2", "enter")
        await wait_until(pilot, lambda: batch_summaries(app))
        destroys = transport.mutations()[before:]
        assert sorted(path.rsplit("/", 1)[1] for _, path, _, _ in destroys) == sorted([web1.id, web3.id])
        for method, _, _, body in destroys:
            assert method == "DELETE"
            assert body == {
                "purgeImmediately": True,
                "deleteSnapshots": False,
                "publicIpIdsToRelease": [],
                "volumeIdsToDelete": [],
            }
        assert "Destroy: 2 succeeded" in batch_summaries(app)[0]


async def test_bulk_associate_key_shows_the_choice_before_sending(sim: SimServer, tmp_path: Path) -> None:
    web1, web2 = named(sim, "web-1"), named(sim, "web-2")
    key_names = sorted(key.name for key in sim.world.environment("compute-on", "production").ssh_keys.values())
    assert key_names
    transport = Recording()
    async with open_app(sim, tmp_path, environment=ENV, transport=transport) as op:
        app, pilot = op.app, op.pilot
        await marked(op, web1, web2)
        before = len(transport.mutations())
        modal = await op.ask("K", dialog=BulkKeyModal)
        assert "Associate an SSH key with 2 instances" in modal._message
        select = modal.query_one("#sshKeyName", Select)
        await wait_until(pilot, lambda: len(select._options) > 1)  # the keys are in (and the blank)
        assert select.selection is None  # nothing preselected
        await pilot.press("y")  # no key chosen: nothing
        await pilot.pause()
        assert app.screen is modal and len(transport.mutations()) == before
        select.value = key_names[0]
        await pilot.pause()
        await pilot.click("#confirm")
        await wait_until(pilot, lambda: batch_summaries(app))
        sent = transport.mutations()[before:]
        assert sorted(path.rsplit("/", 1)[1] for _, path, _, _ in sent) == sorted([web1.id, web2.id])
        assert all(query == "operation=associateSSHKey" for _, _, query, _ in sent)
        assert all(body == {"sshKeyName": key_names[0]} for _, _, _, body in sent)


async def test_space_held_down_marks_each_row_it_passes(sim: SimServer, tmp_path: Path) -> None:
    """Was: keys read in one burst ran before the table's Highlighted message reached the
    screen, so the second space toggled the first row again (seen in tmux: `space space`
    marked nothing and moved one row). The keys are posted as a terminal delivers a burst:
    all queued before any is handled."""
    from textual import events

    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        first_rows = [instance.key for instance in screen.view.rows[:3]]
        for _ in range(3):
            app.post_message(events.Key("space", " "))
        await wait_until(pilot, lambda: len(screen.view.marked) == 3 or app._message_queue.empty())
        await settle(app, pilot)
        assert screen.view.marked == frozenset(first_rows)
        assert screen.view.selected_key == screen.view.rows[3].key


async def test_an_action_right_after_a_move_takes_the_row_the_cursor_is_on(sim: SimServer, tmp_path: Path) -> None:
    """`j` then `x` in one burst: the stop must be for the row the cursor moved to."""
    from textual import events

    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        target = screen.view.rows[1]
        app.post_message(events.Key("down", None))
        app.post_message(events.Key("x", "x"))
        await wait_until(pilot, lambda: isinstance(app.screen, ActionConfirmModal))
        assert target.name in top_screen(app, ActionConfirmModal)._message
        assert screen.view.selected_key == target.key
        await pilot.press("escape")
