"""A question is answered only once it is on screen: keys typed ahead of a dialog (a burst, a
paste, a machine too loaded to draw it yet) never say yes to it. Found in a tmux trial: "env
prod" typed blind closed one bulk question with `n`, opened a bulk reboot with `r`, and a
later key confirmed it; three instances rebooted."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.pilot import Pilot
from textual.widgets import Button

from cca_tui.sim.server import SimServer
from cca_tui.ui.app import CcaApp
from cca_tui.ui.forms import ActionConfirmModal
from cca_tui.ui.screens.instances import InstanceScreen
from tests.ui.app_harness import SIZE, RequestCounter, make_app, settle, wait_until

ENV = "compute-on/production"


def post_burst(app: CcaApp, *keys: tuple[str, str | None]) -> None:
    """Keys as a terminal delivers a burst: all queued before any is handled."""
    for key, character in keys:
        app.post_message(events.Key(key, character))


async def on_a_running_row(app: CcaApp, pilot: Pilot[None]) -> RequestCounter:
    """The instance screen with a Running row selected; what is sent from now on."""
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, InstanceScreen)
    running = next(row.key for row in screen.view.rows if row.state == "Running")
    screen.table.select(running)
    await settle(app, pilot)
    return RequestCounter(app)


async def test_a_yes_typed_ahead_of_the_question_sends_nothing_and_one_after_it_does(
    sim: SimServer, tmp_path: Path
) -> None:
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        counter = await on_a_running_row(app, pilot)
        # `x` then `y` and Enter in one burst: the question was not drawn when they came.
        post_burst(app, ("x", "x"), ("y", "y"), ("enter", "\r"))
        await wait_until(pilot, lambda: isinstance(app.screen, ActionConfirmModal))
        await wait_until(pilot, lambda: app._message_queue.empty())
        await settle(app, pilot)
        assert isinstance(app.screen, ActionConfirmModal), "a yes typed ahead closed the question"
        assert counter.mutations() == []
        # Now on screen: Enter says yes, and exactly one stop goes out. (On screen: its first
        # frame painted, which a busy machine may not have done when the queue emptied.)
        question = app.screen
        assert isinstance(question, ActionConfirmModal)
        await wait_until(pilot, lambda: question._drawn)
        # And the burst's refused Enter has let go of the button: Textual's Button ignores a
        # press while it shows the last one (0.2 s), which a fast run reached.
        confirm = question.query_one("#confirm", Button)
        await wait_until(pilot, lambda: not confirm.has_class("-active"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, InstanceScreen))
        await settle(app, pilot)
        assert len(counter.mutations()) == 1 and "operation=stop" in counter.mutations()[0]


async def test_a_yes_read_before_the_question_was_drawn_is_refused_even_if_handled_after(
    sim: SimServer, tmp_path: Path
) -> None:
    """On a loaded machine the dialog's first frame may come before a key typed ahead of it is
    handled: what counts is when the key was read (its event's time), not when it is handled.
    (Was: such a `y` confirmed the stop; the burst test above then saw no question at all.)"""
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        counter = await on_a_running_row(app, pilot)
        typed_ahead = [events.Key("y", "y"), events.Key("enter", "\r")]  # read now, with the `x`
        app.post_message(events.Key("x", "x"))
        await wait_until(pilot, lambda: isinstance(app.screen, ActionConfirmModal) and app.screen._drawn)
        question = app.screen
        for key in typed_ahead:  # handled only now, after the question was drawn
            app.post_message(key)
        await wait_until(pilot, lambda: app._message_queue.empty())
        await settle(app, pilot)
        assert app.screen is question, "a yes typed ahead closed the question"
        assert counter.mutations() == []
        confirm = question.query_one("#confirm", Button)
        await wait_until(pilot, lambda: not confirm.has_class("-active"))
        await pilot.press("y")  # read after it was drawn: says yes
        await wait_until(pilot, lambda: isinstance(app.screen, InstanceScreen))
        await settle(app, pilot)
        assert len(counter.mutations()) == 1 and "operation=stop" in counter.mutations()[0]
