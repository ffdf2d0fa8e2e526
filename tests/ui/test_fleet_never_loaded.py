"""An environment that never loaded has no rows to mark STALE: the operator still sees it.

A fleet of three where one answers 503 from its very first page: the other two show their
rows; the status line names it ("not loaded", the reason, "(E)" to list them); `E` lists every
environment with its state (the broken one NOT LOADED with the server's reason, the others
loaded with their row counts), opens on the one in trouble, and Enter reloads it: once the
server is back, its rows arrive and nothing is stale any more.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import httpx
from pydantic import SecretStr
from textual.widgets import OptionList

from cca_tui.config import Settings, StateStore
from cca_tui.fleet.identity import EnvironmentRef, RowKey
from cca_tui.sim.server import SimServer
from cca_tui.ui.app import CcaApp
from cca_tui.ui.screens.environment_states import EnvironmentStates
from cca_tui.ui.screens.instances import InstanceScreen
from tests.ui.app_harness import SIZE, settle, wait_until
from tests.ui.faulty_transport import Fault, FaultyTransport
from tests.ui.test_fleet import opened

PRODUCTION = EnvironmentRef("compute-on", "production")
DEV = EnvironmentRef("compute-qc", "dev")
DR_SITE = EnvironmentRef("compute-qc", "dr-site")


def dev_is_down(request: httpx.Request) -> Fault | None:
    if request.method == "GET" and request.url.path.endswith("/services/compute-qc/dev/instances"):
        return Fault(status=503, body={"errors": [{"code": 503, "message": "down for maintenance"}]})
    return None


def fleet_app(
    sim: SimServer, tmp_path: Path, transport: FaultyTransport, *, environment: str = "compute-*/[dp]*"
) -> CcaApp:
    settings = Settings(profile_name="test", api_url=sim.url, api_key=SecretStr(sim.api_key), refresh_interval=60)
    return CcaApp(
        settings,
        state=StateStore(tmp_path / "state.json"),
        environment=environment,
        clock=lambda: datetime(2026, 12, 1, 12, 0),
        ssh_dir=tmp_path / "no-ssh",
        task_poll_interval=0.05,
        journal_path=tmp_path / "tasks.json",
        transport=transport,
    )


def rows_of(screen: InstanceScreen, environment: EnvironmentRef) -> int:
    return sum(1 for key in screen.view.instances if isinstance(key, RowKey) and key.environment == environment)


def option_texts(options: OptionList) -> list[str]:
    """Each line as read, runs of spaces as one (the names are padded to line the states up)."""
    return [" ".join(str(options.get_option_at_index(i).prompt).split()) for i in range(options.option_count)]


async def test_an_environment_that_never_loaded_is_named_and_listed_and_reloads_on_enter(
    sim: SimServer, tmp_path: Path
) -> None:
    transport = FaultyTransport()
    transport.add(dev_is_down)
    app = fleet_app(sim, tmp_path, transport)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        assert screen.environments == (PRODUCTION, DEV, DR_SITE)
        # The other two show their rows; dev has none, and no row can carry its mark.
        assert rows_of(screen, PRODUCTION) > 0 and rows_of(screen, DR_SITE) > 0 and rows_of(screen, DEV) == 0
        assert set(screen.view.stale) == {DEV} and DEV not in screen.view.refreshed
        status = str(screen.query_one("#status").render())
        assert "STALE 1 of 3 (E): compute-qc/dev: not loaded:" in status and "503" in status

        await pilot.press("E")
        await wait_until(pilot, lambda: isinstance(app.screen, EnvironmentStates))
        options = app.screen.query_one(OptionList)
        lines = option_texts(options)
        assert len(lines) == 3
        assert lines[0].startswith("compute-on/production loaded") and f"{rows_of(screen, PRODUCTION)} rows" in lines[0]
        assert lines[1].startswith("compute-qc/dev NOT LOADED 0 rows")
        assert "503" in lines[1] and "down for maintenance" in lines[1]
        assert lines[2].startswith("compute-qc/dr-site loaded")
        assert options.highlighted == 1  # it opens on the environment in trouble

        # Back up: Enter reloads dev, its rows arrive, nothing is stale.
        transport.clear()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, InstanceScreen))
        await settle(app, pilot, rounds=2)
        assert not screen.view.stale and DEV in screen.view.refreshed
        assert rows_of(screen, DEV) > 0
        assert "STALE" not in str(screen.query_one("#status").render())


async def test_one_environment_that_never_loaded_is_listed_the_same_way(sim: SimServer, tmp_path: Path) -> None:
    """A fleet of one: the same status line and the same list, no second code path."""
    transport = FaultyTransport()
    transport.add(dev_is_down)
    app = fleet_app(sim, tmp_path, transport, environment="compute-qc/dev")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        assert screen.view.instances == {} and set(screen.view.stale) == {DEV}
        assert "STALE:" in str(screen.query_one("#status").render())
        await pilot.press("E")
        await wait_until(pilot, lambda: isinstance(app.screen, EnvironmentStates))
        [line] = option_texts(app.screen.query_one(OptionList))
        assert line.startswith("compute-qc/dev NOT LOADED 0 rows") and "down for maintenance" in line


async def test_the_list_of_environments_follows_them_while_it_is_open(sim: SimServer, tmp_path: Path) -> None:
    """`E` open, dev down; dev comes back and is refreshed (its timer, not a key): its line
    says loaded, without closing and opening the list again (it kept "NOT LOADED")."""
    transport = FaultyTransport()
    transport.add(dev_is_down)
    app = fleet_app(sim, tmp_path, transport)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        await pilot.press("E")
        await wait_until(pilot, lambda: isinstance(app.screen, EnvironmentStates))
        states = app.screen
        options = states.query_one(OptionList)
        assert option_texts(options)[1].startswith("compute-qc/dev NOT LOADED")
        transport.clear()
        screen.request_refresh(DEV)
        await wait_until(pilot, lambda: option_texts(options)[1].startswith("compute-qc/dev loaded"))
        assert app.screen is states and options.highlighted == 1
        assert "not up to date" not in str(states.query_one("#environment-states-title").render())
