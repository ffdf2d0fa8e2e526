"""Issue 15, honest outcomes through the whole app: an instance whose id cannot be a path
segment is refused locally (nothing sent), and a task status the server calls REFUSED is the
server's, still followed, so quitting asks first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cca_tui.sim.server import SimServer
from cca_tui.ui.screens.instances import InstanceScreen
from tests.ui.app_harness import (
    SIZE,
    RequestCounter,
    instance_screen,
    make_app,
    select,
    settle,
    told,
    top_screen,
    wait_until,
)
from tests.ui.faulty_transport import Fault, FaultyTransport, is_task_read

ENV = "compute-on/production"


@pytest.mark.parametrize("bad_id", ["", ".."])
async def test_an_instance_without_a_usable_id_refuses_every_action(
    sim: SimServer, tmp_path: Path, bad_id: str
) -> None:
    env = sim.world.environment("compute-on", "production")
    with sim.world.lock:
        running = next(i for i in env.instances.values() if i.state == "Running")
        del env.instances[running.id]
        running.id = bad_id
        env.instances[bad_id] = running
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        assert isinstance(screen, InstanceScreen)
        assert any(i.id == bad_id for i in screen.view.rows)  # the row is shown
        select(screen, bad_id)
        await settle(app, pilot)
        counter = RequestCounter(app)
        before = len(told(app).notes)
        for key in ("x", "r", "e", "d", "o"):
            await pilot.press(key)
            await pilot.pause()
        assert isinstance(app.screen, InstanceScreen)  # no form opened, no confirmation
        assert counter.mutations() == []
        refusals = told(app).notes[before:]
        warnings = [note.message for note in refusals if "no usable id" in note.message]
        assert len(warnings) == 5, refusals


async def test_quitting_asks_while_the_server_says_refused(sim: SimServer, tmp_path: Path) -> None:
    from cca_tui.ui.app import CcaApp
    from cca_tui.ui.forms import ConfirmModal

    transport = FaultyTransport()

    def refused(payload: dict[str, Any]) -> dict[str, Any]:
        if isinstance(payload.get("data"), dict):
            payload["data"]["status"] = "REFUSED"
        payload["taskStatus"] = "REFUSED"
        return payload

    transport.add(lambda request: Fault(rewrite=refused) if is_task_read(request) else None)
    base = make_app(sim, tmp_path, environment=ENV)
    app = CcaApp(
        base.settings,
        state=base.state,
        environment=ENV,
        clock=base.clock,
        ssh_dir=base.ssh_dir,
        journal_path=tmp_path / "tasks.json",
        transport=transport,
        task_poll_interval=0.05,
    )
    running = next(
        i for i in sim.world.environment("compute-on", "production").instances.values() if i.state == "Running"
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select(instance_screen(app), running.id)
        await pilot.press("x", "y")  # stop asks first
        await wait_until(
            pilot,
            lambda: (
                isinstance(app.screen, InstanceScreen)
                and any(t.status == "server: REFUSED" for t in instance_screen(app).view.tasks)
            ),
        )
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert app.is_running


async def test_the_plain_http_warning_shows_on_the_picker_too(tmp_path: Path) -> None:
    """allow_insecure_http to a remote host: the key leaves unencrypted from the first request,
    the picker's. No traffic leaves the machine: the transport answers in-process."""
    import httpx
    from pydantic import SecretStr

    from cca_tui.config import Settings, StateStore
    from cca_tui.ui.app import CcaApp
    from cca_tui.ui.screens.picker import PickerScreen

    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"data": []})

    settings = Settings(
        profile_name="test",
        api_url="http://api.example.test/v1",
        api_key=SecretStr("k" * 20),
        allow_insecure_http=True,
        refresh_interval=60,
    )
    app = CcaApp(
        settings, state=StateStore(tmp_path / "state.json"), ssh_dir=tmp_path, transport=httpx.MockTransport(answer)
    )
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, PickerScreen) and bool(seen))
        warning = app.screen.query_one("#picker-warning")
        assert "plain http" in str(warning.render())


async def test_keys_typed_while_the_screen_opens_never_land_in_the_hidden_filter(
    sim: SimServer, tmp_path: Path
) -> None:
    """Textual focuses a screen's first focusable widget right after compose, before the CSS
    that hides the filter applies: keys typed then (the first ~0.6 s in a real terminal) went
    into the hidden filter. The focus the screen opens with is the table's."""
    from textual.widgets import Input

    from cca_tui.fleet.identity import EnvironmentRef
    from cca_tui.ui.app import environment_screen_name
    from cca_tui.ui.widgets.instance_table import InstanceTable

    focused_at_mount: list[object] = []

    class Probe(InstanceScreen):
        def on_mount(self) -> None:
            focused_at_mount.append(self.focused)  # before the screen's own (deferred) focus call

    app = make_app(sim, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        refs = (EnvironmentRef("compute-on", "production"),)
        app.install_screen(Probe(refs), name=environment_screen_name(refs))
        app.open_environment("compute-on", "production")
        await wait_until(pilot, lambda: bool(focused_at_mount))
        assert isinstance(focused_at_mount[0], InstanceTable), focused_at_mount
        await pilot.press("a", "b")
        await settle(app, pilot)
        screen = top_screen(app, Probe)
        assert screen.query_one("#filter", Input).value == ""
        assert screen.view.filter_text == "" and len(screen.view.rows) == len(screen.view.instances) > 0


async def test_a_50_mb_name_is_shown_cut_and_the_app_stays_responsive(sim: SimServer, tmp_path: Path) -> None:
    """Was: after 180 s no rows at all, keys never answered. The value is cut as it is read."""
    from cca_tui.api.field_caps import FIELD_LIMIT

    env = sim.world.environment("compute-on", "production")
    with sim.world.lock:
        big = next(i for i in env.instances.values() if i.state == "Running")
        big.name = "n" * (50 * 1024 * 1024)
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot, timeout=60)
        screen = instance_screen(app)
        assert isinstance(screen, InstanceScreen)
        assert len(screen.view.rows) == len(env.instances)  # every row, the others too
        shown = next(i.name for i in screen.view.instances.values() if i.id == big.id)
        assert len(shown) < FIELD_LIMIT + 100 and shown.endswith("characters]")
        assert screen.view.stale_reason is None
        select(screen, big.id)
        await settle(app, pilot, timeout=60)
        await pilot.press("slash", "n", "n", "n")
        await wait_until(pilot, lambda: screen.view.filter_text == "nnn", timeout=20)
        assert [i.id for i in screen.view.rows] == [big.id]
