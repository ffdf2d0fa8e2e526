"""Never on one by accident: what asks, what must be typed, and what `R` may resend.

The real app on the simulator over HTTP, driven with keys and clicks (Textual pilot); what
was sent is counted on the client side (RequestCounter), so "sends nothing" means zero.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, Input

from cca_tui.sim.server import SimServer
from cca_tui.ui.forms import ActionConfirmModal, DestroyForm
from cca_tui.ui.screens.instances import InstanceScreen
from cca_tui.ui.screens.picker import PickerScreen
from cca_tui.ui.widgets.status_line import StatusLine
from tests.ui.app_harness import (
    SIZE,
    RequestCounter,
    env_instances,
    instance_screen,
    instance_shown,
    make_app,
    select,
    settle,
    top_screen,
    wait_until,
)
from tests.ui.faulty_transport import Fault, FaultyTransport

ENV = "compute-on/production"


def running_instance(sim: SimServer):
    return next(i for i in env_instances(sim) if i.state == "Running")


def stopped_instance(sim: SimServer):
    return next(i for i in env_instances(sim) if i.state == "Stopped")


async def test_stop_asks_naming_instance_and_environment_and_escape_sends_nothing(
    sim: SimServer, tmp_path: Path
) -> None:
    running = running_instance(sim)
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select(instance_screen(app), running.id)
        await settle(app, pilot)
        counter = RequestCounter(app)
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionConfirmModal))
        dialog = top_screen(app, ActionConfirmModal)
        assert running.name in dialog._message and ENV in dialog._message
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, InstanceScreen)
        assert counter.mutations() == []
        # Enter confirms (the operator asked for it): exactly one stop goes out.
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionConfirmModal))
        await pilot.press("enter")
        await settle(app, pilot)
        assert [m.split("?")[0] for m in counter.mutations()] == [
            f"POST /v1/services/compute-on/production/instances/{running.id}"
        ]
        assert "operation=stop" in counter.mutations()[0]


async def test_reboot_asks_and_y_confirms(sim: SimServer, tmp_path: Path) -> None:
    running = running_instance(sim)
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select(instance_screen(app), running.id)
        await settle(app, pilot)
        counter = RequestCounter(app)
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionConfirmModal))
        assert counter.mutations() == []
        await pilot.press("y")
        await settle(app, pilot)
        assert len(counter.mutations()) == 1 and "operation=reboot" in counter.mutations()[0]


async def test_confirm_setting_relaxes_and_tightens(sim: SimServer, tmp_path: Path) -> None:
    running, stopped = running_instance(sim), stopped_instance(sim)
    # Relaxed: stop sends at once. Tightened: start asks.
    app = make_app(sim, tmp_path, environment=ENV, confirm=("start",))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select(instance_screen(app), running.id)
        await settle(app, pilot)
        counter = RequestCounter(app)
        await pilot.press("x")
        await wait_until(pilot, lambda: len(counter.mutations()) == 1)
        assert isinstance(app.screen, InstanceScreen)
        select(instance_screen(app), stopped.id)
        await settle(app, pilot)
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionConfirmModal))
        await pilot.press("escape")
        await settle(app, pilot)
        assert len(counter.mutations()) == 1


async def test_protected_environment_x_asks_and_escape_sends_nothing(sim: SimServer, tmp_path: Path) -> None:
    running = running_instance(sim)
    # Even with stop relaxed in the profile: a protected environment asks for every mutation.
    app = make_app(sim, tmp_path, environment=ENV, confirm=(), protected_environments=("produc*",))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        status = str(app.screen.query_one(StatusLine).render())
        assert "PROTECTED" in status
        select(instance_screen(app), running.id)
        await settle(app, pilot)
        counter = RequestCounter(app)
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionConfirmModal))
        assert "PROTECTED" in app.screen._title
        await pilot.press("escape")
        await settle(app, pilot)
        assert counter.mutations() == []


async def test_protected_environment_not_matching_pattern_is_not_protected(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim, tmp_path, environment="compute-qc/dev", protected_environments=("produc*",))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "PROTECTED" not in str(app.screen.query_one(StatusLine).render())


async def test_protected_destroy_needs_the_typed_name_without_purge(sim: SimServer, tmp_path: Path) -> None:
    running = running_instance(sim)
    app = make_app(sim, tmp_path, environment=ENV, protected_environments=("compute-on/production",))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select(instance_screen(app), running.id)
        await settle(app, pilot)
        counter = RequestCounter(app)
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, DestroyForm))
        await settle(app, pilot)
        form = top_screen(app, DestroyForm)
        submit = form.query_one("#submit", Button)
        assert submit.disabled  # purge not ticked, and still the name is asked
        await pilot.press(*running.name[:-1])
        await pilot.pause()
        assert submit.disabled
        await pilot.press(running.name[-1])
        await pilot.pause()
        assert form.query_one("#confirm-name", Input).value == running.name
        assert not submit.disabled
        await pilot.press("escape")
        await settle(app, pilot)
        assert counter.mutations() == []


async def test_picker_marks_protected_environments(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim, tmp_path, protected_environments=("production",))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        picker = top_screen(app, PickerScreen)
        table = picker.query_one("#picker-table")
        names = {
            picker.choices[int(k.value)].ref: str(table.get_cell(k, "name")) for k in table.rows if k.value != "all"
        }
        assert "protected" in names["compute-on/production"]
        assert all("protected" not in shown for ref, shown in names.items() if ref != "compute-on/production")


async def test_click_on_stop_asks_as_x_does(sim: SimServer, tmp_path: Path) -> None:
    running = running_instance(sim)
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select(instance_screen(app), running.id)
        await settle(app, pilot)
        counter = RequestCounter(app)
        await pilot.click("#action-stop")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionConfirmModal))
        assert running.name in app.screen._message
        await pilot.press("escape")
        await settle(app, pilot)
        assert counter.mutations() == []
        await pilot.click("#action-stop")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionConfirmModal))
        await pilot.click("#confirm")
        await settle(app, pilot)
        assert len(counter.mutations()) == 1 and "operation=stop" in counter.mutations()[0]


# --- R ---------------------------------------------------------------------------------


def throttled_start(transport: FaultyTransport, state: dict) -> None:
    """While state["throttle"]: the server answers a start with 429 (nothing done)."""

    def rule(request):
        if state["throttle"] and request.method == "POST" and "operation=start" in str(request.url):
            return Fault(status=429, body={"errors": [{"code": 429, "message": "slow down"}]})
        return None

    transport.add(rule)


async def test_retry_after_a_superseding_action_refuses_and_sends_nothing(sim: SimServer, tmp_path: Path) -> None:
    stopped = stopped_instance(sim)
    transport, state = FaultyTransport(), {"throttle": True}
    throttled_start(transport, state)
    app = make_app(sim, tmp_path, environment=ENV, transport=transport)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        select(screen, stopped.id)
        await settle(app, pilot)
        await pilot.press("s")  # start: left NOT DONE
        await wait_until(pilot, lambda: [t.status for t in screen.view.tasks] == ["NOT DONE"])
        state["throttle"] = False
        await pilot.press("s")  # started since...
        await wait_until(pilot, lambda: instance_shown(screen, stopped.id).state == "Running")
        await settle(app, pilot)
        await pilot.press("x", "y")  # ...and stopped
        await wait_until(pilot, lambda: instance_shown(screen, stopped.id).state == "Stopped")
        await settle(app, pilot)
        counter = RequestCounter(app)
        await pilot.press("R")
        await settle(app, pilot)
        assert isinstance(app.screen, InstanceScreen)  # not even asked
        assert counter.mutations() == []
        refusal = next(n.message for n in app._notifications if n.title == "Retry refused")
        assert "superseded by your Stop" in refusal and "first tried at 12:00:00" in refusal
        assert "Start" in refusal and stopped.name in refusal and ENV in refusal
        await pilot.press("R")  # and it is not offered again
        await settle(app, pilot)
        assert counter.mutations() == []


async def test_retry_says_what_asks_and_checks_the_current_state(sim: SimServer, tmp_path: Path) -> None:
    stopped = stopped_instance(sim)
    transport, state = FaultyTransport(), {"throttle": True}
    throttled_start(transport, state)
    app = make_app(sim, tmp_path, environment=ENV, transport=transport)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        select(screen, stopped.id)
        await settle(app, pilot)
        await pilot.press("s")
        await wait_until(pilot, lambda: [t.status for t in screen.view.tasks] == ["NOT DONE"])
        state["throttle"] = False
        counter = RequestCounter(app)
        await pilot.press("R")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionConfirmModal))
        question = app.screen._message
        assert f"Resend Start {stopped.name} in {ENV}?" in question and "first tried at 12:00:00" in question
        await pilot.press("escape")
        await settle(app, pilot)
        assert counter.mutations() == []
        # Someone else started it meanwhile: the gate, checked against the server, refuses.
        with sim.world.session():
            stopped.state = "Running"
        await pilot.press("R")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionConfirmModal))
        await pilot.press("y")
        await settle(app, pilot)
        assert counter.mutations() == []
        assert any("Start needs Stopped" in n.message for n in app._notifications)
        # Back to Stopped: now the resend goes, once.
        with sim.world.session():
            stopped.state = "Stopped"
        await pilot.press("R")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionConfirmModal))
        await pilot.press("y")
        await settle(app, pilot)
        assert len(counter.mutations()) == 1 and "operation=start" in counter.mutations()[0]


# --- a disabled action reads as disabled without colour -------------------------------


def button_attributes(output: str, label: str) -> set[str]:
    """The SGR attributes (not colours) a button's label is drawn with."""
    import re

    found = re.search(r"\x1b\[([0-9;]*)m " + re.escape(label) + " ", output)
    assert found is not None, f"{label!r} not drawn"
    codes = set(found.group(1).split(";"))
    # Colours are 30-37, 39, 40-47, 49, 90-97, 100-107 (16-colour terminals): drop them.
    return {c for c in codes if not (c.isdigit() and (30 <= int(c) <= 49 or 90 <= int(c) <= 107))}


async def test_disabled_action_differs_by_more_than_a_colour(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.ui.hostile import terminal_output

    monkeypatch.setenv("NO_COLOR", "1")
    running = running_instance(sim)
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select(instance_screen(app), running.id)
        await settle(app, pilot)
        output = terminal_output(app)
        enabled, disabled = button_attributes(output, "x Stop"), button_attributes(output, "s Start")
        assert app.screen.query_one("#action-start", Button).disabled
        assert "9" in disabled and "9" not in enabled  # struck through
        assert enabled != disabled
