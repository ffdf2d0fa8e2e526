"""Never on one by accident: what asks, what must be typed, and what `R` may resend.

The real app on the simulator over HTTP, driven with keys and clicks (Textual pilot); what
was sent is counted on the client side (RequestCounter), so "sends nothing" means zero.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from textual.widgets import Button, Input

from cca_tui.sim import entities
from cca_tui.sim.server import SimServer
from cca_tui.ui.forms import ActionConfirmModal, DestroyForm
from cca_tui.ui.screens.instances import InstanceScreen
from cca_tui.ui.screens.picker import PickerScreen
from cca_tui.ui.widgets.status_line import StatusLine
from tests.ui.app_harness import (
    Operator,
    action_shown,
    click_action,
    env_instances,
    instance_shown,
    open_app,
    picker_rows,
    told,
    top_screen,
    wait_until,
)
from tests.ui.faulty_transport import Fault, FaultyTransport

ENV = "compute-on/production"


def running_instance(sim: SimServer) -> entities.Instance:
    return next(i for i in env_instances(sim) if i.state == "Running")


def stopped_instance(sim: SimServer) -> entities.Instance:
    return next(i for i in env_instances(sim) if i.state == "Stopped")


async def test_stop_asks_naming_instance_and_environment_and_escape_sends_nothing(
    sim: SimServer, tmp_path: Path
) -> None:
    running = running_instance(sim)
    async with open_app(sim, tmp_path, environment=ENV, selected=running.id) as op:
        dialog = await op.ask("x", dialog=ActionConfirmModal)
        assert running.name in dialog._message and ENV in dialog._message
        await op.answer("escape")
        assert isinstance(op.app.screen, InstanceScreen)
        assert op.mutations() == []
        # Enter confirms (the operator asked for it): exactly one stop goes out.
        await op.ask("x", dialog=ActionConfirmModal)
        await op.answer("enter")
        assert [m.split("?")[0] for m in op.mutations()] == [
            f"POST /v1/services/compute-on/production/instances/{running.id}"
        ]
        assert "operation=stop" in op.mutations()[0]


async def test_reboot_asks_and_y_confirms(sim: SimServer, tmp_path: Path) -> None:
    running = running_instance(sim)
    async with open_app(sim, tmp_path, environment=ENV, selected=running.id) as op:
        await op.ask("r", dialog=ActionConfirmModal)
        assert op.mutations() == []
        await op.answer("y")
        assert len(op.mutations()) == 1 and "operation=reboot" in op.mutations()[0]


async def test_confirm_setting_relaxes_and_tightens(sim: SimServer, tmp_path: Path) -> None:
    running, stopped = running_instance(sim), stopped_instance(sim)
    # Relaxed: stop sends at once. Tightened: start asks.
    async with open_app(sim, tmp_path, environment=ENV, confirm=("start",), selected=running.id) as op:
        await op.pilot.press("x")
        await wait_until(op.pilot, lambda: len(op.mutations()) == 1)
        assert isinstance(op.app.screen, InstanceScreen)
        await op.select(stopped.id)
        await op.ask("s", dialog=ActionConfirmModal)
        await op.answer("escape")
        assert len(op.mutations()) == 1


async def test_protected_environment_x_asks_and_escape_sends_nothing(sim: SimServer, tmp_path: Path) -> None:
    running = running_instance(sim)
    # Even with stop relaxed in the profile: a protected environment asks for every mutation.
    async with open_app(
        sim, tmp_path, environment=ENV, confirm=(), protected_environments=("produc*",), selected=running.id
    ) as op:
        assert "PROTECTED" in str(op.screen.query_one(StatusLine).render())
        dialog = await op.ask("x", dialog=ActionConfirmModal)
        assert "PROTECTED" in dialog._title
        await op.answer("escape")
        assert op.mutations() == []


async def test_protected_environment_not_matching_pattern_is_not_protected(sim: SimServer, tmp_path: Path) -> None:
    async with open_app(sim, tmp_path, environment="compute-qc/dev", protected_environments=("produc*",)) as op:
        assert "PROTECTED" not in str(op.screen.query_one(StatusLine).render())


async def test_protected_destroy_needs_the_typed_name_without_purge(sim: SimServer, tmp_path: Path) -> None:
    running = running_instance(sim)
    protected = ("compute-on/production",)
    async with open_app(sim, tmp_path, environment=ENV, protected_environments=protected, selected=running.id) as op:
        form = await op.ask("d", dialog=DestroyForm)
        await op.settle()
        submit = form.query_one("#submit", Button)
        assert submit.disabled  # purge not ticked, and still the name is asked
        await op.pilot.press(*running.name[:-1])
        await op.pilot.pause()
        assert submit.disabled
        await op.pilot.press(running.name[-1])
        await op.pilot.pause()
        assert form.query_one("#confirm-name", Input).value == running.name
        assert not submit.disabled
        await op.answer("escape")
        assert op.mutations() == []


async def test_picker_marks_protected_environments(sim: SimServer, tmp_path: Path) -> None:
    async with open_app(sim, tmp_path, protected_environments=("production",)) as op:
        names = picker_rows(top_screen(op.app, PickerScreen))
        assert "protected" in names["compute-on/production"]
        assert all("protected" not in shown for ref, shown in names.items() if ref != "compute-on/production")


async def test_click_on_stop_asks_as_x_does(sim: SimServer, tmp_path: Path) -> None:
    running = running_instance(sim)
    async with open_app(sim, tmp_path, environment=ENV, selected=running.id) as op:
        await click_action(op.pilot, op.screen, "stop")
        dialog = await op.ask(dialog=ActionConfirmModal)
        assert running.name in dialog._message
        await op.answer("escape")
        assert op.mutations() == []
        await click_action(op.pilot, op.screen, "stop")
        await op.ask(dialog=ActionConfirmModal)
        await op.pilot.click("#confirm")
        await op.settle()
        assert len(op.mutations()) == 1 and "operation=stop" in op.mutations()[0]


# --- R ---------------------------------------------------------------------------------


async def left_not_done(op: Operator, key: str) -> None:
    """Press `key` on the selected instance while the server refuses it: its task row says NOT DONE."""
    await op.pilot.press(key)
    await wait_until(op.pilot, lambda: [t.status for t in op.screen.view.tasks] == ["NOT DONE"])


def throttled_start(transport: FaultyTransport, state: dict[str, bool]) -> None:
    """While state["throttle"]: the server answers a start with 429 (nothing done)."""

    def rule(request: httpx.Request) -> Fault | None:
        if state["throttle"] and request.method == "POST" and "operation=start" in str(request.url):
            return Fault(status=429, body={"errors": [{"code": 429, "message": "slow down"}]})
        return None

    transport.add(rule)


async def test_retry_after_a_superseding_action_refuses_and_sends_nothing(sim: SimServer, tmp_path: Path) -> None:
    stopped = stopped_instance(sim)
    transport, state = FaultyTransport(), {"throttle": True}
    throttled_start(transport, state)
    async with open_app(sim, tmp_path, environment=ENV, transport=transport, selected=stopped.id) as op:
        await left_not_done(op, "s")  # start
        state["throttle"] = False
        await op.pilot.press("s")  # started since...
        await wait_until(op.pilot, lambda: instance_shown(op.screen, stopped.id).state == "Running")
        await op.settle()
        await op.pilot.press("x", "y")  # ...and stopped
        await wait_until(op.pilot, lambda: instance_shown(op.screen, stopped.id).state == "Stopped")
        await op.settle()
        op.count_from_now()
        await op.answer("R")
        assert isinstance(op.app.screen, InstanceScreen)  # not even asked
        assert op.mutations() == []
        refusal = told(op.app).titled("Retry refused")[0]
        assert "superseded by your Stop" in refusal and "first tried at 12:00:00" in refusal
        assert "Start" in refusal and stopped.name in refusal and ENV in refusal
        await op.answer("R")  # and it is not offered again
        assert op.mutations() == []


async def test_retry_says_what_asks_and_checks_the_current_state(sim: SimServer, tmp_path: Path) -> None:
    stopped = stopped_instance(sim)
    transport, state = FaultyTransport(), {"throttle": True}
    throttled_start(transport, state)
    async with open_app(sim, tmp_path, environment=ENV, transport=transport, selected=stopped.id) as op:
        await left_not_done(op, "s")
        state["throttle"] = False
        op.count_from_now()
        question = (await op.ask("R", dialog=ActionConfirmModal))._message
        assert f"Resend Start {stopped.name} in {ENV}?" in question and "first tried at 12:00:00" in question
        await op.answer("escape")
        assert op.mutations() == []
        # Someone else started it meanwhile: the gate, checked against the server, refuses.
        with sim.world.session():
            stopped.state = "Running"
        await op.ask("R", dialog=ActionConfirmModal)
        await op.answer("y")
        assert op.mutations() == []
        assert told(op.app).containing("Start needs Stopped")
        # Back to Stopped: now the resend goes, once.
        with sim.world.session():
            stopped.state = "Stopped"
        await op.ask("R", dialog=ActionConfirmModal)
        await op.answer("y")
        assert len(op.mutations()) == 1 and "operation=start" in op.mutations()[0]


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
    async with open_app(sim, tmp_path, environment=ENV, selected=running.id) as op:
        output = terminal_output(op.app)
        enabled, disabled = button_attributes(output, "x Stop"), button_attributes(output, "s Start")
        assert not action_shown(op.screen, "start").enabled
        assert "9" in disabled and "9" not in enabled  # struck through
        assert enabled != disabled
