"""Shared helpers for pilot tests of the whole app against the simulator over HTTP."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import SecretStr

from cca_tui.config import Settings, StateStore
from cca_tui.ui.app import CcaApp

FROZEN_NOW = datetime(2026, 11, 27, 12, 0, 0)
SIZE = (120, 40)


def make_app(
    sim, tmp_path: Path, *, environment: str | None = None, read_only: bool = False, ssh_dir: Path | None = None
) -> CcaApp:
    settings = Settings(
        profile_name="test",
        api_url=sim.url,
        api_key=SecretStr(sim.api_key),
        refresh_interval=60,  # tests refresh explicitly; no timer races
        read_only=read_only,
    )
    return CcaApp(
        settings,
        state=StateStore(tmp_path / "state.json"),
        environment=environment,
        clock=lambda: FROZEN_NOW,
        ssh_dir=ssh_dir if ssh_dir is not None else tmp_path / "no-ssh",
        task_poll_interval=0.01,
    )


class RequestCounter:
    """Counts the requests the app's client sends (client side: 'sends nothing' means zero)."""

    def __init__(self, app: CcaApp) -> None:
        self.requests: list[str] = []
        app.client.http._http.event_hooks["request"].append(self._seen)

    async def _seen(self, request) -> None:
        self.requests.append(f"{request.method} {request.url.path}?{request.url.query.decode()}")

    def mutations(self) -> list[str]:
        return [r for r in self.requests if not r.startswith("GET ")]


async def settle(app: CcaApp, pilot, *, rounds: int = 3) -> None:
    """Let timers fire and workers finish: debounced detail loads, task follow-ups, refreshes."""
    from cca_tui.ui.screens.instances import DETAIL_DEBOUNCE

    for round_ in range(rounds):
        # The first wait outlasts the detail pane's debounce so its request is in flight.
        await pilot.pause(DETAIL_DEBOUNCE + 0.05 if round_ == 0 else 0.05)
        await app.workers.wait_for_complete()
    await pilot.pause()


def env_instances(sim, code: str = "compute-on", name: str = "production") -> list:
    """The simulator's live instances of one environment."""
    return list(sim.world.environment(code, name).instances.values())


def select(screen, instance_id: str) -> None:
    """Put the table's cursor on an instance, as arrow keys would."""
    from cca_tui.ui.widgets.instance_table import InstanceTable

    table = screen.query_one(InstanceTable)
    table.move_cursor(row=table.get_row_index(instance_id))
