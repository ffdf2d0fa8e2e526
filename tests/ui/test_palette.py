"""The command palette (ctrl+p): actions on the selection (disabled ones with their reason),
jump to an instance by name, switch environment; and hostile names shown as plain text.

What the terminal would receive is checked (hostile.terminal_output), not only the model.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import SecretStr
from textual import events
from textual.command import CommandInput, CommandList, CommandPalette
from textual.pilot import Pilot

from cca_tui.config import Settings, StateStore
from cca_tui.fleet.identity import EnvironmentRef, RowKey
from cca_tui.sim.options import SimOptions
from cca_tui.sim.server import SimServer
from cca_tui.ui.app import CcaApp
from cca_tui.ui.forms import ActionConfirmModal
from cca_tui.ui.screens.instances import InstanceScreen
from tests.conftest import SimFactory
from tests.ui.app_harness import (
    SIZE,
    CountingTransport,
    env_instances,
    instance_screen,
    open_app,
    selected_id,
    shown_ids,
    told,
    top_screen,
    wait_until,
)
from tests.ui.hostile import HOSTILE, assert_terminal_clean, plant_environment, screen_text, shown_as, terminal_output

ENV = "compute-on/production"
# The names that once stopped the app (MarkupError in the palette's worker), one made a live
# "Destroy q" that quit on a click, one came out styled.
MARKUP_NAMES = [name for name in HOSTILE if name.startswith("[")]


async def open_palette(app: CcaApp, pilot: Pilot[None], query: str = "", *, showing: str | None = None) -> None:
    """ctrl+p, type `query`; with `showing`, wait until an entry starts with it."""
    await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
    if query:
        await pilot.press(*query)
    if showing is not None:
        await wait_until(pilot, lambda: any(entry.startswith(showing) for entry in entries(app)))


def listing(app: CcaApp, text: str) -> Callable[[], bool]:
    """A condition: the palette shows an entry with `text` in it."""
    return lambda: any(text in entry for entry in entries(app))


def entries(app: CcaApp) -> list[str]:
    """The palette's entries as plain text (prompt and help of each)."""
    option_list = top_screen(app, CommandPalette).query_one(CommandList)
    return [str(option_list.get_option_at_index(n).prompt) for n in range(option_list.option_count)]


async def test_hostile_names_in_the_palette_are_plain_text(sim: SimServer, tmp_path: Path) -> None:
    env = sim.world.environment("compute-on", "production")
    with sim.world.lock:
        plant_environment(env)
        targets = list(env.instances.values())[: len(MARKUP_NAMES)]
        for instance, name in zip(targets, MARKUP_NAMES, strict=True):
            instance.name = name
    assert len(targets) == len(MARKUP_NAMES), "every markup name must reach the palette"
    async with open_app(sim, tmp_path, environment=ENV) as op:
        app, pilot = op.app, op.pilot
        for target in targets:
            await op.select(target.id)
            await open_palette(app, pilot)  # discovery: the actions on the selection
            literal = shown_as(target.name)
            await wait_until(pilot, listing(app, literal))
            assert app.is_running and app.return_code is None
            assert_terminal_clean(terminal_output(app))
            drawn = screen_text(app)
            assert f"Destroy {literal}" in drawn or f"Stop {literal}" in drawn, drawn
            await pilot.press(*"go to ")  # the jump entries: every hostile name at once
            await wait_until(pilot, lambda: any(e.startswith("Go to") for e in entries(app)))
            assert_terminal_clean(terminal_output(app))
            assert app.is_running and app.return_code is None
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, InstanceScreen))
        assert app.is_running and app.return_code is None


async def test_palette_offers_every_action_with_the_reason_when_disabled(sim: SimServer, tmp_path: Path) -> None:
    running = next(i for i in env_instances(sim) if i.state == "Running")
    async with open_app(sim, tmp_path, environment=ENV, selected=running.id) as op:
        app, pilot = op.app, op.pilot
        await open_palette(app, pilot, "start", showing=f"Start {running.name}")
        start = next(e for e in entries(app) if e.startswith(f"Start {running.name}"))
        assert f"not now: Start needs Stopped; {running.name} is Running" in start
        await op.answer("enter")  # chosen anyway: refused with the reason, nothing sent
        assert op.mutations() == []
        assert told(app).containing("Start needs Stopped")
        # An allowed one takes the key's path: Stop asks first.
        await open_palette(app, pilot, "stop", showing=f"Stop {running.name}")
        await op.ask("enter", dialog=ActionConfirmModal)
        await op.answer("escape")
        assert op.mutations() == []


async def test_palette_jumps_to_an_instance_by_name_and_switches_environment(sim: SimServer, tmp_path: Path) -> None:
    instances = sorted(env_instances(sim), key=lambda i: i.name)
    target = instances[-1]
    async with open_app(sim, tmp_path, environment=ENV, selected=instances[0].id) as op:
        app, pilot, screen = op.app, op.pilot, op.screen
        await op.answer("slash", *instances[0].name, "enter")  # a filter that hides the target
        assert target.id not in shown_ids(screen)
        await open_palette(app, pilot, f"go to {target.name}", showing=f"Go to {target.name}")
        await op.answer("enter")
        assert app.screen is screen and selected_id(screen) == target.id
        await open_palette(app, pilot, "switch to compute-qc/dev", showing="Switch to compute-qc/dev")
        await op.answer("enter")
        assert [str(env) for env in instance_screen(app).environments] == ["compute-qc/dev"]


async def test_the_palette_offers_the_environments_already_listed_without_asking_again(
    sim: SimServer, tmp_path: Path
) -> None:
    """`--env all` read the environments once (the data layer keeps them): each opening of the
    palette offers them at once, with no request (on a jump host, a round trip per ctrl+p)."""
    async with open_app(sim, tmp_path, environment="all") as op:
        op.count_from_now()
        for _ in range(2):
            await open_palette(op.app, op.pilot, "switch to compute-qc/dev", showing="Switch to compute-qc/dev")
            await op.pilot.press("escape")
            await wait_until(op.pilot, lambda: not isinstance(op.app.screen, CommandPalette))
        asked = [r for r in op.counter.requests if "environments" in r or "serviceConnections" in r]
        assert asked == []


def paste(app: CcaApp, text: str) -> None:
    """`text` pasted into the palette's input at once (as a terminal delivers a paste)."""
    top_screen(app, CommandPalette).query_one(CommandInput).post_message(events.Paste(text))


def first_lines(app: CcaApp) -> list[str]:
    """Each entry's prompt line (without its help line)."""
    return [entry.splitlines()[0].rstrip() for entry in entries(app)]


async def test_palette_goes_to_an_instance_of_the_fleet_by_its_pasted_id(sim: SimServer, tmp_path: Path) -> None:
    """An id pasted whole finds its instance, in whichever environment of the fleet it
    lives, and says where and which id (ids were not searched: a name had to be typed)."""
    dev_web = next(i for i in env_instances(sim, "compute-qc", "dev") if i.name == "web-1")
    async with open_app(sim, tmp_path, environment="all") as op:
        app, pilot = op.app, op.pilot
        await open_palette(app, pilot)
        paste(app, dev_web.id)
        wanted = f"Go to web-1  in compute-qc/dev  id {dev_web.id}"
        await wait_until(pilot, lambda: wanted in first_lines(app))
        assert [line for line in first_lines(app) if line.startswith("Go to")] == [wanted]  # that one only
        assert first_lines(app)[0] == wanted  # first, highlighted: Enter chooses it
        await op.answer("enter")
        assert op.screen.view.selected_key == RowKey(EnvironmentRef("compute-qc", "dev"), dev_web.id)


async def test_a_name_typed_in_full_is_offered_however_many_names_hold_it(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    """Sixty names hold "web-1" before the one named web-1 itself: it is offered all the
    same, first (the first fifty that matched were offered, in the order they were listed)."""
    sim = sim_factory(SimOptions(task_delay=0, instances=80))
    instances = env_instances(sim)
    with sim.world.lock:
        for number, instance in enumerate(instances[:60]):
            instance.name = f"web-1-{number:02d}"
        instances[-1].name = "web-1"
    async with open_app(sim, tmp_path, environment=ENV) as op:
        app, pilot = op.app, op.pilot
        await open_palette(app, pilot, "go to web-1")
        await wait_until(pilot, lambda: "Go to web-1" in first_lines(app))
        jumps = [line for line in first_lines(app) if line.startswith("Go to")]
        assert jumps[0] == "Go to web-1"
        await op.answer("enter")
        assert selected_id(op.screen) == instances[-1].id


async def test_closing_the_palette_does_not_reload_the_instances(sim: SimServer, tmp_path: Path) -> None:
    """The palette is a look over the screen: Esc reloaded every instance (a fleet of 50,000
    at each ctrl+p and Esc, seconds of CPU); the refreshes go on at their cadence."""
    async with open_app(sim, tmp_path, environment="all") as op:
        app, pilot = op.app, op.pilot
        op.count_from_now()
        for _ in range(2):
            await open_palette(app, pilot, "go to web")
            await wait_until(pilot, listing(app, "Go to web"))
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.screen is op.screen)
            await op.settle()
        assert [r for r in op.counter.requests if r.split("?")[0].endswith("/instances")] == []
        # A refresh asked for still happens.
        await op.answer("ctrl+r")
        assert [r for r in op.counter.requests if r.split("?")[0].endswith("/instances")]


async def test_the_palette_finds_the_names_of_the_last_refresh(sim: SimServer, tmp_path: Path) -> None:
    """The palette keeps what it searches between openings, while the list is the same: a
    rename a refresh brought is found at the next opening, the old name no more."""
    target = env_instances(sim)[0]
    old_name = target.name
    async with open_app(sim, tmp_path, environment=ENV) as op:
        app, pilot = op.app, op.pilot
        await open_palette(app, pilot, f"go to {old_name}", showing=f"Go to {old_name}")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is op.screen)
        with sim.world.lock:
            target.name = "renamed-by-someone"
        await op.answer("ctrl+r")
        await open_palette(app, pilot, "go to renamed-by", showing="Go to renamed-by-someone")
        await op.answer("enter")
        assert selected_id(op.screen) == target.id
        await open_palette(app, pilot, f"go to {old_name}")
        await wait_until(pilot, lambda: top_screen(app, CommandPalette).has_class("-ready"))
        assert not any(line == f"Go to {old_name}" for line in first_lines(app))


async def test_refreshes_go_on_while_the_palette_is_open_and_after(sim: SimServer, tmp_path: Path) -> None:
    """The screen under the palette is still in view: its refreshes go on at their cadence
    (they stopped while the palette was open, and all of them ran again when it closed)."""
    counting = CountingTransport()
    listed: list[str] = []
    counting.listeners.append(lambda request: listed.append(request.url.path))
    settings = Settings(profile_name="test", api_url=sim.url, api_key=SecretStr(sim.api_key), refresh_interval=1)
    app = CcaApp(
        settings, state=StateStore(tmp_path / "state.json"), environment=ENV, ssh_dir=tmp_path, transport=counting
    )

    def lists() -> int:
        return sum(1 for path in listed if path.endswith("/instances"))

    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, InstanceScreen) and app.screen.view.loaded)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        opened = lists()
        await wait_until(pilot, lambda: lists() > opened)  # a refresh, the palette still open
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, InstanceScreen))
        closed = lists()
        await wait_until(pilot, lambda: lists() > closed)  # and after: the cadence is set again
