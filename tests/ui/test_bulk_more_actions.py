"""The actions that refused marks before: purge, reset password and change offering now take
every marked row (each gated, skips listed); change network and rename stay one at a time
and say why; the action bar and the palette say what the marked set allows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Select

from cca_tui.fleet.identity import EnvironmentRef
from cca_tui.sim.server import SimServer
from cca_tui.ui import bulk
from cca_tui.ui.app import CcaApp
from cca_tui.ui.forms import ActionConfirmModal, PasswordModal, TypedConfirmModal
from cca_tui.ui.forms.bulk_destroy import BulkDestroyModal
from cca_tui.ui.forms.bulk_offering import BulkOfferingModal
from cca_tui.ui.screens.instances import InstanceScreen
from cca_tui.ui.widgets.action_bar import ActionEntry
from tests.ui.app_harness import SIZE, RequestCounter, action_shown, make_app, select, settle, told, wait_until
from tests.ui.test_fleet import DEV, DR_SITE, Recording, fleet_app, opened

PRODUCTION = EnvironmentRef("compute-on", "production")


def sim_instance(sim: SimServer, name: str, env: EnvironmentRef = PRODUCTION) -> Any:
    return next(i for i in sim.world.environment(env.service_code, env.name).instances.values() if i.name == name)


def batch_summaries(app: CcaApp) -> list[str]:
    return told(app).containing("succeeded")


async def screen_of(app: CcaApp, pilot: Pilot[None]) -> InstanceScreen:
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, InstanceScreen)
    return screen


async def mark(app: CcaApp, pilot: Pilot[None], *names: str) -> None:
    screen = app.screen
    assert isinstance(screen, InstanceScreen)
    for name in names:
        instance = next(i for i in screen.view.instances.values() if i.name == name)
        select(screen, instance.id)
        await pilot.pause()
        await pilot.press("space")
        await pilot.pause()


def button(screen: InstanceScreen, action: str) -> ActionEntry:
    return action_shown(screen, action)


async def test_the_action_bar_says_what_the_marked_rows_allow(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim, tmp_path, environment=str(PRODUCTION))
    async with app.run_test(size=SIZE) as pilot:
        screen = await screen_of(app, pilot)
        await mark(app, pilot, "web-1", "web-2", "web-3")  # Running, Running, Stopped
        await pilot.pause()
        assert button(screen, "stop").label == "x Stop 2" and button(screen, "stop").enabled
        assert button(screen, "start").label == "s Start 1"
        assert button(screen, "reboot").label == "r Reboot 3"
        recover = button(screen, "recover")
        assert not recover.enabled and recover.label == "v Recover"
        assert recover.refusal == "Recover needs Destroyed; none of the 3 marked is"
        rename = button(screen, "update")
        assert not rename.enabled and "one instance at a time" in str(rename.refusal)
        assert button(screen, "create").enabled  # not about rows
        # The refusal a key gives is the bar's own.
        counter = RequestCounter(app)
        await pilot.press("v")
        await pilot.pause()
        assert told(app).containing("none of the 3 marked is")
        await pilot.press("u")  # marks cleared: the bar is about the selected row again
        await pilot.pause()
        assert button(screen, "stop").label == "x Stop"
        assert counter.mutations() == []


async def test_the_palette_offers_each_action_on_the_marked_rows(sim: SimServer, tmp_path: Path) -> None:
    from cca_tui.ui.palette import InstancePalette

    app = make_app(sim, tmp_path, environment=str(PRODUCTION))
    async with app.run_test(size=SIZE) as pilot:
        await screen_of(app, pilot)
        await mark(app, pilot, "web-1", "web-3")
        provider = InstancePalette(app.screen)
        prompts = {prompt.plain: allowed for _, prompt, _, _, allowed in provider._actions()}
        assert prompts["Stop 1 of 2 marked"] is True
        assert prompts["Start 1 of 2 marked"] is True
        assert any(p.startswith("Rename 2 marked  not now:") and "one instance at a time" in p for p in prompts)


async def test_bulk_purge_of_marked_destroyed_instances_needs_the_count(sim: SimServer, tmp_path: Path) -> None:
    gone, web1 = sim_instance(sim, "old-reports"), sim_instance(sim, "web-1")
    assert gone.state == "Destroyed"
    app = make_app(sim, tmp_path, environment=str(PRODUCTION))
    async with app.run_test(size=SIZE) as pilot:
        await screen_of(app, pilot)
        await mark(app, pilot, "old-reports", "web-1")
        counter = RequestCounter(app)
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, TypedConfirmModal))
        question = app.screen
        assert isinstance(question, TypedConfirmModal)
        assert question.expected == "1"
        assert "Purge 1 instance" in question._message and "web-1 is Running" in question._message
        await pilot.press("enter", "2", "enter")
        await pilot.pause()
        assert app.screen is question and counter.mutations() == []  # only the typed count unlocks it
        question.query_one("#typed", Input).value = ""
        await pilot.press("1", "enter")
        await wait_until(pilot, lambda: bool(batch_summaries(app)))
        assert counter.mutations() == [f"POST /v1/services/compute-on/production/instances/{gone.id}?operation=purge"]
        assert web1.id in sim.world.environment("compute-on", "production").instances


async def test_bulk_reset_password_shows_each_new_password(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim, tmp_path, environment=str(PRODUCTION))
    async with app.run_test(size=SIZE) as pilot:
        await screen_of(app, pilot)
        await mark(app, pilot, "web-1", "web-2")
        counter = RequestCounter(app)
        await pilot.press("w")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionConfirmModal))
        question = app.screen
        assert isinstance(question, ActionConfirmModal)
        assert "Reset the password of 2 instances" in question._message and "shown once" in question._message
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(batch_summaries(app)))
        resets = counter.mutations()
        assert len(resets) == 2 and all(r.endswith("?operation=resetPassword") for r in resets)
        shown = []
        for _ in range(2):  # one after another: each is closed to see the next
            await wait_until(pilot, lambda: isinstance(app.screen, PasswordModal))
            modal = app.screen
            assert isinstance(modal, PasswordModal)
            shown.append(modal._instance_name)
            assert modal._password
            await pilot.press("escape")
            await pilot.pause()
        assert sorted(shown) == [f"web-1 in {PRODUCTION}", f"web-2 in {PRODUCTION}"]
        assert isinstance(app.screen, InstanceScreen)


async def test_bulk_change_offering_sends_one_offering_and_skips_those_already_on_it(
    sim: SimServer, tmp_path: Path
) -> None:
    world = sim.world.environment("compute-on", "production")
    running = [i for i in world.instances.values() if i.state == "Running"]
    first = running[0]
    offering = world.compute_offerings[first.compute_offering_id]
    assert not offering.custom
    other = next(i for i in running if i.compute_offering_id != first.compute_offering_id)
    transport = Recording()
    app = make_app(sim, tmp_path, environment=str(PRODUCTION), transport=transport)
    async with app.run_test(size=SIZE) as pilot:
        await screen_of(app, pilot)
        await mark(app, pilot, first.name, other.name)
        before = len(transport.mutations())
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, BulkOfferingModal))
        modal = app.screen
        assert isinstance(modal, BulkOfferingModal)
        assert "Change the compute offering of 2 instances" in modal._message
        choice = modal.query_one("#computeOfferingId", Select)
        await wait_until(pilot, lambda: len(choice._options) > 1)
        assert choice.selection is None  # nothing preselected
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is modal and len(transport.mutations()) == before
        choice.value = offering.id
        await pilot.pause()
        await pilot.click("#confirm")
        await wait_until(pilot, lambda: bool(batch_summaries(app)))
        sent = transport.mutations()[before:]
        assert [(path.rsplit("/", 1)[1], query, body) for _, path, query, body in sent] == [
            (other.id, "operation=changeComputeOffering", {"computeOfferingId": offering.id})
        ]
        (summary,) = batch_summaries(app)
        assert f"1 skipped ({first.name} already runs on {offering.name})" in summary


async def test_marked_rows_in_two_environments_refuse_change_offering_and_say_why(
    sim: SimServer, tmp_path: Path
) -> None:
    transport = Recording()
    app = fleet_app(sim, tmp_path, transport, environment="compute-qc/d*")
    dev1, dr1 = sim_instance(sim, "web-1", DEV), sim_instance(sim, "web-1", DR_SITE)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        for instance, env in ((dev1, DEV), (dr1, DR_SITE)):
            select(screen, instance.id, str(env))
            await pilot.pause()
            await pilot.press("space")
        await pilot.pause()
        offering = button(screen, "changeComputeOffering")
        assert not offering.enabled and "needs them in one environment" in str(offering.refusal)
        before = len(transport.mutations())
        await pilot.press("o", "m", "e")
        await pilot.pause()
        notes = told(app).titled("Not for marked rows")
        assert len(notes) == 3
        assert "they are in 2" in notes[0]
        assert "Change network is one instance at a time" in notes[1]
        assert "Rename is one instance at a time (a name is one instance's)" in notes[2]
        assert isinstance(app.screen, InstanceScreen) and len(transport.mutations()) == before


async def test_in_a_fleet_a_refusal_of_every_marked_row_names_where_and_stays_short(
    sim: SimServer, tmp_path: Path
) -> None:
    """Purge on every web-N of a fleet, none of them Destroyed: each reason says its
    environment (a web-1 is in each of them: it was said ten times, no place named), and past
    a dozen, how many more."""
    transport = Recording()
    app = fleet_app(sim, tmp_path, transport)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        await pilot.press("slash", "w", "e", "b", "enter")
        await wait_until(pilot, lambda: screen.view.filter_text == "web")
        await pilot.press("ctrl+a")
        await wait_until(pilot, lambda: len(screen.view.marked) == len(screen.view.rows))
        marked = len(screen.view.marked)
        await pilot.press("p")  # purge needs Destroyed
        await wait_until(pilot, lambda: told(app).titled("Purge not possible"))
        (refusal,) = told(app).titled("Purge not possible")
        assert "web-1 is Running in compute-qc/dev" in refusal
        assert "in compute-qc/dr-site" in refusal
        reasons = refusal.split(": ", 1)[1].split("; ")
        assert len(set(reasons)) == len(reasons)  # no reason said twice
        if marked > bulk.NAMES_SHOWN:
            assert reasons[-1] == f"and {marked - bulk.NAMES_SHOWN} more"
            assert len(reasons) == bulk.NAMES_SHOWN + 1
        else:
            assert len(reasons) == marked
        assert transport.mutations() == []


async def test_a_long_bulk_question_keeps_its_buttons_on_screen_and_scrolls(sim: SimServer, tmp_path: Path) -> None:
    """Every row of the fleet marked, reboot, on a 80x24 terminal: the question (names per
    environment, skips with reasons) is longer than the screen. Its buttons stay in view and
    PageDown shows the rest (they were pushed off the screen, the rest cut)."""
    app = fleet_app(sim, tmp_path, Recording(), environment="all")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(app, pilot)
        await pilot.press("ctrl+a")
        await wait_until(pilot, lambda: len(screen.view.marked) == len(screen.view.rows))
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionConfirmModal))
        await settle(app, pilot)
        dialog = app.screen
        message = dialog.query_one("#message-box")
        for button_id in ("#confirm", "#cancel"):
            region = dialog.query_one(button_id).region
            assert region.height > 0 and region.bottom <= 24, (button_id, region)
        assert message.max_scroll_y > 0  # more than it shows
        await pilot.press("pagedown")
        await wait_until(pilot, lambda: message.scroll_y > 0)
        await pilot.press("escape")
        # Bulk destroy asks more (options, what each instance has attached, the count typed).
        await wait_until(pilot, lambda: app.screen is screen)
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, BulkDestroyModal))
        destroy = app.screen
        await wait_until(pilot, lambda: isinstance(destroy, BulkDestroyModal) and destroy.attached is not None)
        await settle(app, pilot)
        for button_id in ("#confirm", "#cancel", "#typed"):
            region = destroy.query_one(button_id).region
            assert region.height > 0 and region.bottom <= 24, (button_id, region)
        question = destroy.query_one("#message-box")
        assert question.max_scroll_y > 0
        await pilot.press("pagedown")  # the focus is in the count's field: the question scrolls all the same
        await wait_until(pilot, lambda: question.scroll_y > 0)
        await pilot.press("escape")
