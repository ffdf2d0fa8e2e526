"""The instance screen's styles are parsed while the picker shows, so that opening an
environment parses none in the middle of its first load (real app on the simulator)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.css import stylesheet
from textual.dom import DOMNode
from textual.widget import Widget

from cca_tui.fleet.identity import EnvironmentRef
from cca_tui.sim.server import SimServer
from cca_tui.ui.screens.instances import InstanceScreen
from tests.ui.app_harness import SIZE, make_app, open_app, picker_listed, settle, wait_until


def sources_of(classes: tuple[type[DOMNode], ...]) -> set[str]:
    """The default CSS these classes bring (what mounting them adds to the stylesheet)."""
    return {css for cls in classes for _where, css, _tie, _scope in object.__new__(cls)._get_default_css()}


async def test_opening_an_environment_from_the_picker_parses_no_style(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[str] = []
    parse = stylesheet.parse  # type: ignore[attr-defined]  # (what Stylesheet calls on a cache miss)

    def counted_parse(scope: str, css: str, *args: Any, **kwargs: Any) -> Any:
        parsed.append(css)
        return parse(scope, css, *args, **kwargs)

    monkeypatch.setattr(stylesheet, "parse", counted_parse)
    app = make_app(sim, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await picker_listed(app, pilot)
        # The operator reads the list: the screen's styles are parsed meanwhile.
        wanted = sources_of(InstanceScreen.WIDGET_CLASSES)
        await wait_until(pilot, lambda: wanted <= {source.content for source in app.stylesheet.source.values()})
        await pilot.pause()
        parsed.clear()
        await pilot.press("down", "enter")  # the first environment
        await wait_until(pilot, lambda: isinstance(app.screen, InstanceScreen))
        await settle(app, pilot)
        assert parsed == []


async def test_the_list_of_classes_parsed_ahead_is_every_class_the_screen_mounts(
    sim: SimServer, tmp_path: Path
) -> None:
    async with open_app(sim, tmp_path, environment="compute-on/production") as op:
        mounted = {type(widget) for widget in op.screen.walk_children(Widget)} | {type(op.screen)}
        assert mounted <= set(InstanceScreen.WIDGET_CLASSES), mounted - set(InstanceScreen.WIDGET_CLASSES)


@pytest.mark.parametrize(
    "size, classes",
    [((90, 30), {"-narrow", "-short"}), ((110, 40), {"-medium", "-tall"}), ((150, 50), {"-wide", "-tall"})],
)
async def test_the_screen_has_its_size_classes_before_its_first_paint(
    sim: SimServer, tmp_path: Path, size: tuple[int, int], classes: set[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Set by Textual at the screen's first resize, each class restyled every widget of the
    # screen in the middle of its first paint.
    restyled: list[str] = []
    update_nodes = stylesheet.Stylesheet.update_nodes

    def counted(self: stylesheet.Stylesheet, nodes: Any, animate: bool = False) -> None:
        nodes = list(nodes)
        restyled.extend(type(node).__name__ for node in nodes)
        update_nodes(self, nodes, animate)

    app = make_app(sim, tmp_path)
    async with app.run_test(size=size) as pilot:
        await picker_listed(app, pilot)
        screen = InstanceScreen([EnvironmentRef("compute-on", "production")])
        breakpoints = {
            name for _, name in (*InstanceScreen.HORIZONTAL_BREAKPOINTS, *InstanceScreen.VERTICAL_BREAKPOINTS)
        }
        assert set(screen.classes) & breakpoints == classes
        monkeypatch.setattr(stylesheet.Stylesheet, "update_nodes", counted)
        await app.push_screen(screen)
        await settle(app, pilot)
        assert set(screen.classes) & breakpoints == classes
        # No class set on the screen itself after its mount: what is restyled is a widget's own
        # change (focus) or the screen's resume, never the screen for its size.
        assert restyled.count("InstanceScreen") <= 1, restyled
