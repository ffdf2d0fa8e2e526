"""SVG snapshots of the README's screens (pytest-textual-snapshot).

The scenes are shared with scripts/export_screenshots.py. After an intended change of the
layout: `.venv/bin/python -m pytest tests/ui/test_snapshots.py --snapshot-update`, look at the
report, then `make screenshots`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Protocol

import pytest
from textual.app import App

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from scenes import SCENE_SETTINGS, SCENES, SIZE, Reach, scene_app

from cca_tui.sim.server import SimServer


class SnapCompare(Protocol):
    """pytest-textual-snapshot's `snap_compare` fixture, as called here (its own annotation
    names only the first parameter)."""

    def __call__(self, app: App[Any], *, run_before: Reach, terminal_size: tuple[int, int]) -> bool: ...


@pytest.mark.parametrize("name", list(SCENES))
def test_scene_snapshot(name: str, sim: SimServer, snap_compare: SnapCompare) -> None:
    environment, reach = SCENES[name]
    app = scene_app(sim, environment=environment, **SCENE_SETTINGS.get(name, {}))
    assert snap_compare(app, run_before=reach, terminal_size=SIZE)
