"""The app under a broken network: what the operator sees of tasks and refreshes.

The simulator over real HTTP, with a transport in front that breaks chosen requests.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from cca_tui.config import Settings, StateStore
from cca_tui.sim.options import SimOptions
from cca_tui.sim.server import SimServer
from cca_tui.ui.app import CcaApp
from cca_tui.ui.screens.instances import InstanceScreen
from cca_tui.ui.screens.key_problem import KeyProblemScreen
from tests.conftest import SimFactory
from tests.ui.app_harness import (
    SIZE,
    busy_ids,
    env_instances,
    instance_screen,
    select,
    settle,
    told,
    top_screen,
    wait_until,
)
from tests.ui.faulty_transport import Fault, FaultyTransport, is_task_read

ENV = "compute-on/production"


def app_with(
    sim: SimServer, tmp_path: Path, transport: FaultyTransport, *, clock: Callable[[], datetime] | None = None
) -> CcaApp:
    settings = Settings(profile_name="test", api_url=sim.url, api_key=SecretStr(sim.api_key), refresh_interval=60)
    app = CcaApp(
        settings,
        state=StateStore(tmp_path / "state.json"),
        environment=ENV,
        clock=clock or (lambda: datetime(2026, 11, 29, 12, 0)),
        ssh_dir=tmp_path / "no-ssh",
        task_poll_interval=0.05,
        journal_path=tmp_path / "tasks.json",
        transport=transport,
    )
    told(app)  # its notifications recorded from the start
    return app


async def test_a_403_on_the_first_request_is_a_refused_key(sim: SimServer, tmp_path: Path) -> None:
    transport = FaultyTransport()
    transport.add(lambda _r: Fault(status=403, body={"errors": [{"code": 403, "message": "Forbidden"}]}))
    app = app_with(sim, tmp_path, transport)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, KeyProblemScreen))
        assert "403" in top_screen(app, KeyProblemScreen).problem


async def test_task_log_says_unknown_while_the_api_is_down_then_done(sim: SimServer, tmp_path: Path) -> None:
    transport = FaultyTransport()
    down = {"now": False}
    transport.add(lambda r: Fault(refuse=True) if down["now"] and is_task_read(r) else None)
    running = next(i for i in env_instances(sim) if i.state == "Running")
    app = app_with(sim, tmp_path, transport)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        assert isinstance(screen, InstanceScreen)
        select(screen, running.id)
        down["now"] = True
        await pilot.press("x", "y")  # stop asks first
        await wait_until(pilot, lambda: [t.status for t in screen.view.tasks] == ["UNKNOWN"])
        assert "still checking" in screen.view.tasks[0].outcome
        assert running.id in busy_ids(screen)  # still ours, still followed
        down["now"] = False
        await wait_until(pilot, lambda: [t.status for t in screen.view.tasks] == ["SUCCESS"])
        assert not told(app).containing("FAILED")


async def test_refreshes_asked_for_during_a_load_wait_for_it(sim_factory: SimFactory, tmp_path: Path) -> None:
    """Under latency a load in flight is never thrown away: asking again queues one more."""
    sim = sim_factory(SimOptions(task_delay=0, latency=0.3))
    transport = FaultyTransport()
    ticks = itertools.count()
    start = datetime(2026, 11, 29, 12, 0)
    app = app_with(sim, tmp_path, transport, clock=lambda: start + timedelta(seconds=next(ticks)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        first = screen.view.last_refresh
        sent_before = sum(1 for s in transport.seen if s.endswith("/production/instances"))
        for _ in range(5):  # as fast as keys can come: no reply in between
            screen.action_refresh()
        await settle(app, pilot)
        sent = sum(1 for s in transport.seen if s.endswith("/production/instances")) - sent_before
        assert sent == 2  # the load under way, then one more for all the asks that came meanwhile
        assert screen.view.last_refresh is not None and first is not None and screen.view.last_refresh > first


async def test_a_malformed_row_hides_only_itself(sim: SimServer, tmp_path: Path) -> None:
    """One row with `cpuCount: "two"`: every other instance is shown, and the status line
    says how many rows could not be read and why."""
    transport = FaultyTransport()

    def spoil_first_row(payload: dict[str, Any]) -> dict[str, Any]:
        payload["data"][0]["cpuCount"] = "two"
        return payload

    transport.add(lambda r: Fault(rewrite=spoil_first_row) if r.url.path.endswith("/production/instances") else None)
    app = app_with(sim, tmp_path, transport)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        assert len(screen.view.instances) == len(env_instances(sim)) - 1
        assert screen.view.unreadable is not None and "cpuCount" in screen.view.unreadable
        assert "1 row(s) could not be read" in str(screen.query_one("#status").render())
