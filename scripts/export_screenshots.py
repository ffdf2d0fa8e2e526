"""Write the README's screenshots (screenshots/*.svg) from the real app on the simulator.

make screenshots      # or: .venv/bin/python scripts/export_screenshots.py
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from scenes import SCENE_SETTINGS, SCENES, SIZE, Reach, scene_app

from cca_tui.sim.options import SimOptions
from cca_tui.sim.server import SimServer

OUT = Path(__file__).resolve().parent.parent / "screenshots"


async def export(name: str, environment: str | None, reach: Reach) -> Path:
    with SimServer(SimOptions(task_delay=0)) as sim:
        app = scene_app(sim, environment=environment, **SCENE_SETTINGS.get(name, {}))
        async with app.run_test(size=SIZE) as pilot:
            await reach(pilot)
            path = app.save_screenshot(filename=f"{name}.svg", path=str(OUT))
    return Path(path)


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, (environment, reach) in SCENES.items():
        print(await export(name, environment, reach))


if __name__ == "__main__":
    asyncio.run(main())
