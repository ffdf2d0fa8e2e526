"""The screens shown in the README, reached the way an operator reaches them.

Used by `export_screenshots.py` (README images) and by the SVG snapshot tests, so both show
the same thing. Everything is deterministic: a seeded simulator, a frozen clock, no task in
flight.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, TextArea

from cca_tui.config import Settings, StateStore
from cca_tui.sim.server import SimServer
from cca_tui.ui.app import CcaApp
from cca_tui.ui.screens.picker import PickerScreen
from cca_tui.ui.widgets.detail_pane import DetailPane

SIZE = (120, 40)
FROZEN_NOW = datetime(2026, 11, 27, 9, 30, 0)
ENVIRONMENT = "compute-on/production"


def scene_app(sim: SimServer, *, environment: str | None = ENVIRONMENT, **settings_fields: Any) -> CcaApp:
    """The app of a scene; `settings_fields` are more Settings (SCENE_SETTINGS)."""
    state_dir = Path(tempfile.mkdtemp(prefix="cca-tui-scenes-"))
    settings = Settings(
        profile_name="demo",
        api_url=sim.url,
        api_key=SecretStr(sim.api_key),
        refresh_interval=3600,
        **settings_fields,
    )
    return CcaApp(
        settings,
        state=StateStore(state_dir / "state.json"),
        environment=environment,
        clock=lambda: FROZEN_NOW,
        ssh_dir=state_dir / "ssh",
        task_poll_interval=0.01,
        history_file=state_dir / "history.jsonl",
    )


async def settle(pilot: Pilot[None]) -> None:
    """Wait until the app is quiet (no worker, no pending load), then hold cursors still."""
    app = pilot.app
    assert isinstance(app, CcaApp)
    for _ in range(2000):
        await pilot.pause()
        running = [w for w in app.workers if not w.is_finished]
        await asyncio.gather(*(w.wait() for w in running), return_exceptions=True)
        if not running and not _loading(app):
            break
        await asyncio.sleep(0.01)
    # A blinking cursor is on or off depending on when the picture is taken: hold it still.
    for widget in [*app.screen.query(Input), *app.screen.query(TextArea)]:
        widget.cursor_blink = False
    await pilot.pause()


def _loading(app: CcaApp) -> bool:
    if isinstance(app.screen, PickerScreen) and not app.screen.choices:
        return True  # its load may not have started yet: wait for the environments

    for screen in app.environment_screens():
        if screen.is_mounted and (screen.loading_now or screen.query_one(DetailPane).fetch_pending):
            return True
    return False


async def show_picker(pilot: Pilot[None]) -> None:
    await settle(pilot)


async def show_instances(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await pilot.press("down", "down")  # bastion: public IP, port 22 forwarded
    await settle(pilot)


async def show_create_form(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)


async def show_destroy_confirm(pilot: Pilot[None]) -> None:
    await show_instances(pilot)
    await pilot.press("d")
    await settle(pilot)


async def show_copy_menu(pilot: Pilot[None]) -> None:
    await show_instances(pilot)
    await pilot.press("c")
    await settle(pilot)


async def show_history(pilot: Pilot[None]) -> None:
    await show_instances(pilot)
    await pilot.press("x", "y")  # stop bastion (it asks first): one action on record
    await settle(pilot)
    await pilot.press("H")
    await settle(pilot)
    pilot.app.clear_notifications()  # the stop's toast leaves on a timer: not in the picture
    await settle(pilot)


async def show_fleet(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await pilot.press("down", "down")
    await settle(pilot)


async def show_protected_stop(pilot: Pilot[None]) -> None:
    """A protected environment: the banner in the status line, and `x` asking first."""
    await show_instances(pilot)
    await pilot.press("x")
    await settle(pilot)


async def show_bulk_stop(pilot: Pilot[None]) -> None:
    """The fleet, web-* marked with ctrl+a, `x`: how many will stop, each skip with its reason."""
    await settle(pilot)
    await pilot.press("slash", *"web-", "enter", "ctrl+a")
    await settle(pilot)
    await pilot.press("x")
    await settle(pilot)


async def show_bulk_destroy(pilot: Pilot[None]) -> None:
    """web-1, web-2, db-primary marked, `d`, public IPs and data volumes ticked: what each
    instance would release or delete, listed before the count is typed."""
    await settle(pilot)
    await pilot.press("slash", *"web-", "enter", "ctrl+a", "ctrl+u")
    await pilot.press("slash", *"db-p", "enter", "space", "ctrl+u")
    await pilot.press("slash", *"web-3", "enter", "space", "ctrl+u")  # nothing of its own: unmarked
    await settle(pilot)
    await pilot.press("d")
    await settle(pilot)
    for checkbox in ("#releaseIps", "#deleteVolumes"):
        pilot.app.screen.query_one(checkbox, Checkbox).value = True
    await settle(pilot)


async def show_help(pilot: Pilot[None]) -> None:
    """`?` over the fleet, a filter on and a row marked (the status line says both): every
    key on one line."""
    await settle(pilot)
    await pilot.press("slash", *"web-", "enter", "space")
    await settle(pilot)
    await pilot.press("question_mark")
    await settle(pilot)


# How a scene gets there from launch, with the pilot (also `snap_compare`'s run_before).
Reach = Callable[[Pilot[None]], Awaitable[None]]

# name -> (environment to open at launch, how to get there)
SCENES: dict[str, tuple[str | None, Reach]] = {
    "picker": (None, show_picker),
    "instances": (ENVIRONMENT, show_instances),
    "create_form": (ENVIRONMENT, show_create_form),
    "destroy_confirm": (ENVIRONMENT, show_destroy_confirm),
    "copy_menu": (ENVIRONMENT, show_copy_menu),
    "history": (ENVIRONMENT, show_history),
    "fleet": ("all", show_fleet),
    "protected_stop": (ENVIRONMENT, show_protected_stop),
    "bulk_stop": ("all", show_bulk_stop),
    "bulk_destroy": (ENVIRONMENT, show_bulk_destroy),
    "help": ("all", show_help),
}
# Settings a scene needs beyond the demo profile's.
SCENE_SETTINGS: dict[str, dict[str, Any]] = {
    "protected_stop": {"protected_environments": ("production*",)},
}
