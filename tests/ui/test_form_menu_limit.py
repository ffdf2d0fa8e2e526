"""A server that lists thousands of entities cannot freeze a form: Textual's option list
measures every option at each layout (20,000 templates froze the app for 37 s as the menu
opened), so a dropdown built from a server list holds at most MENU_LIMIT options and its
prompt says how many were left out; the option to preselect is always among them."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Select

from cca_tui.api.client import ComputeScope
from cca_tui.sim.server import SimServer
from cca_tui.ui.forms import CreateInstanceForm
from cca_tui.ui.forms.menus import MENU_LIMIT, fill_menu
from tests.ui.form_contexts import form_context

MANY = 3 * MENU_LIMIT


async def test_thousands_of_templates_fill_a_bounded_menu(
    sim: SimServer,
    sim_compute: ComputeScope,
    sim_env: Any,
    form_host: Callable[[Screen[Any]], App[Any]],
    settle_form: Callable[[Pilot[Any]], Any],
) -> None:
    with sim.world.lock:
        model = next(iter(sim_env.templates.values()))
        for n in range(MANY):
            copy = dataclasses.replace(model, id=f"tpl-{n:05d}", name=f"template-{n:05d}")
            sim_env.templates[copy.id] = copy
    listed = sum(1 for t in sim_env.templates.values() if t.is_ready)
    form = CreateInstanceForm(form_context(sim_compute))
    app = form_host(form)
    async with app.run_test(size=(160, 60)) as pilot:
        await settle_form(pilot)
        select = form.query_one("#templateId", Select)
        assert len(select._options) == 1 + MENU_LIMIT  # the blank, then the options
        assert select.prompt == f"Choose a template · the first {MENU_LIMIT} of {listed} are listed"
        select.focus()
        await pilot.press("enter")  # the menu opens, bounded
        await pilot.pause()
        assert select.expanded
        await pilot.press("escape")
        assert app.is_running


class MenuHost(App[None]):
    def compose(self) -> ComposeResult:
        yield Select[str]([], prompt="Choose", id="menu")


async def test_the_option_to_preselect_is_kept_and_a_short_list_says_nothing() -> None:
    options = [(Text(f"o-{n}"), f"v-{n}") for n in range(MENU_LIMIT + 50)]
    app = MenuHost()
    async with app.run_test() as pilot:
        select = app.query_one("#menu", Select)
        fill_menu(select, options, keep={"v-520"})
        await pilot.pause()
        assert [value for _, value in select._options][-2:] == [f"v-{MENU_LIMIT - 1}", "v-520"]
        select.value = "v-520"
        assert select.prompt == f"Choose · the first {MENU_LIMIT + 1} of {MENU_LIMIT + 50} are listed"
        fill_menu(select, options[:3])
        assert select.prompt == "Choose" and len(select._options) == 1 + 3
