"""Getting around: the user's keymap, vim movement, `-` to the previous environment, and the
filter's `field:value` terms, through the real app on the simulator (Textual pilot)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.screen import Screen

from cca_tui.sim.server import SimServer
from cca_tui.ui.forms import ActionConfirmModal
from cca_tui.ui.screens.help import HelpScreen
from cca_tui.ui.screens.instances import InstanceScreen
from cca_tui.ui.widgets.instance_table import InstanceTable
from cca_tui.ui.widgets.key_footer import KeyFooter
from cca_tui.ui.widgets.task_log import TaskLog
from tests.ui.app_harness import (
    SIZE,
    action_shown,
    env_instances,
    instance_screen,
    make_app,
    open_app,
    selected_id,
    settle,
    shown_ids,
    told,
)
from tests.ui.hostile import screen_text

ENV = "compute-on/production"


def footer_keys(screen: Screen[Any]) -> dict[str, str]:
    """What the footer shows: description -> key as displayed."""
    return {key.description: key.key_display for key in screen.query_one(KeyFooter).entries}


async def test_keymap_moves_bindings_and_footer_action_bar_and_help_follow(sim: SimServer, tmp_path: Path) -> None:
    running = next(i for i in env_instances(sim) if i.state == "Running")
    keymap = {"toggle_tasks": "T", "stop": "X"}
    async with open_app(sim, tmp_path, environment=ENV, keymap=keymap, selected=running.id) as op:
        screen, pilot = op.screen, op.pilot
        assert footer_keys(screen)["Tasks"] == "T"
        log = screen.query_one(TaskLog)
        await pilot.press("t")  # the old key does nothing now
        await pilot.pause()
        assert not log.has_class("hidden")
        await pilot.press("T")
        await pilot.pause()
        assert log.has_class("hidden")
        # An action moved: its button says the new key, and the old key sends nothing.
        assert action_shown(screen, "stop").label == "X Stop"
        await op.answer("x")
        assert isinstance(op.app.screen, InstanceScreen) and op.mutations() == []
        await op.ask("X", dialog=ActionConfirmModal)
        await op.answer("escape")
        await op.ask("question_mark", dialog=HelpScreen)
        help_lines = [" ".join(line.split()) for line in screen_text(op.app).splitlines()]
        assert any("X Stop Running" in line for line in help_lines), help_lines
        assert any("T Show / hide the task log" in line for line in help_lines)


async def test_unknown_keymap_id_is_said(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim, tmp_path, environment=ENV, keymap={"no_such_binding": "F5"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert told(app).containing("no_such_binding")


async def test_vim_movement_in_the_table(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        rows = shown_ids(instance_screen(app))
        assert len(rows) >= 3
        await pilot.press("j", "j")
        assert selected_id(instance_screen(app)) == rows[2]
        await pilot.press("k")
        assert selected_id(instance_screen(app)) == rows[1]
        await pilot.press("G")
        assert selected_id(instance_screen(app)) == rows[-1]
        await pilot.press("g")
        assert selected_id(instance_screen(app)) == rows[0]


async def test_minus_returns_to_the_previous_environment(sim: SimServer, tmp_path: Path) -> None:
    async with open_app(sim, tmp_path, environment=ENV) as op:
        production = op.screen
        dev = await op.switch_to("dev")
        assert [str(env) for env in dev.environments] == ["compute-qc/dev"]
        await op.answer("minus")
        assert op.app.screen is production
        await op.answer("minus")  # and back again, like cd -
        assert op.app.screen is dev


async def test_field_value_filters_and_exclusions(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        instances = list(screen.view.instances.values())  # as the API gives them
        await pilot.press("slash", *"state:running", "enter")
        await settle(app, pilot)
        expected = {i.id for i in instances if i.state == "Running"}
        assert expected and {i.id for i in screen.view.rows} == expected
        await pilot.press("escape", "slash", *"-state:running", "enter")
        await settle(app, pilot)
        assert {i.id for i in screen.view.rows} == {i.id for i in instances if i.state != "Running"}
        zone = instances[0].zone_name or ""
        assert zone
        await pilot.press("escape", "slash", *f"zone:{zone} -state:running", "enter")
        await settle(app, pilot)
        assert {i.id for i in screen.view.rows} == {
            i.id for i in instances if i.zone_name == zone and i.state != "Running"
        }


async def test_no_match_says_so_instead_of_an_empty_table(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        typed = "state:nosuchstate name:a-rather-long-name"
        await pilot.press("slash", *typed, "enter")
        await settle(app, pilot)
        screen = instance_screen(app)
        assert screen.view.rows == []
        text = screen_text(app)
        assert f"No instance matches “{typed}”" in text
        # How to get out is said whole, beside the detail pane (on one line it was cut).
        assert f"({len(screen.view.instances)} hidden; Esc or ctrl+u clears)" in text


async def test_a_field_that_names_no_column_is_said_when_nothing_matches(sim: SimServer, tmp_path: Path) -> None:
    """`foo:bar` is matched as text (a typo narrows the rows rather than vanishing): when
    that leaves nothing, the table says the field is none and lists the fields."""
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"status:running", "enter")  # the column is "State"
        await settle(app, pilot)
        screen = instance_screen(app)
        assert screen.view.rows == []
        text = screen_text(app)
        assert "No field “status”; the fields:" in text
        assert " name state ip public offering size template zone network env id " in text
        await pilot.press("ctrl+u", "slash", *"state:nosuch", "enter")  # a field, no match
        await settle(app, pilot)
        assert screen.view.rows == [] and "No field" not in screen_text(app)


async def test_vim_movement_in_the_picker_table(sim: SimServer, tmp_path: Path) -> None:
    from textual.widgets import DataTable

    app = make_app(sim, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(DataTable)
        await pilot.press("tab")  # from the filter to the table
        assert app.focused is table
        assert table.cursor_row == 1  # the first environment, under "All environments"
        await pilot.press("j", "j")
        assert table.cursor_row == 3
        await pilot.press("k")
        assert table.cursor_row == 2
        await pilot.press("G")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("g")
        assert table.cursor_row == 0


async def test_clearing_a_filter_keeps_the_row_it_found_in_a_fresh_session(sim: SimServer, tmp_path: Path) -> None:
    """Nothing selected yet (the cursor follows the first row while rows arrive): a filter
    finds a row, Enter, then Escape (or ctrl+u) keeps that row, not the list's first."""
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        first, *_, last = screen.view.rows
        for clear in ("escape", "ctrl+u"):
            await pilot.press("slash", *last.name, "enter")
            await settle(app, pilot)
            assert selected_id(screen) == last.id
            await pilot.press(clear)
            await settle(app, pilot)
            assert screen.view.filter_text == ""
            assert selected_id(screen) == last.id != first.id, clear
            assert screen.view.rows[screen.query_one(InstanceTable).cursor_row].id == last.id
