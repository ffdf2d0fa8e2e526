"""A hostile server that puts the operator's API key into the names it sends: the key as it
is, upper- or lower-cased, a run of 8 of it inside other text, or spelled with JSON escapes.
None of it may reach the table, the detail pane, the copy menu and the clipboard (the OSC 52
payload), the palette, the task log, a notification, the history, the picker, a form's
dropdowns or the request log. The whole app runs against the simulator over real HTTP.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Callable, Iterator
from itertools import cycle
from pathlib import Path
from typing import Any

import platformdirs
import pytest
from textual.app import App
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Select

from cca_tui import requestlog
from cca_tui.api.client import ComputeScope
from cca_tui.sim.options import SimOptions
from cca_tui.sim.server import SimServer
from cca_tui.ui.forms import CreateInstanceForm
from cca_tui.ui.screens.copy_menu import CopyMenu
from cca_tui.ui.screens.history import HistoryScreen
from cca_tui.ui.screens.instances import InstanceScreen
from cca_tui.ui.screens.picker import PickerScreen
from cca_tui.ui.widgets.detail_pane import DetailPane
from tests.ui.app_harness import SIZE, make_app, select, settle, told, wait_until
from tests.ui.form_contexts import form_context
from tests.ui.hostile import (
    ESCAPED_KEY,
    KeyEscapingTransport,
    assert_no_key,
    assert_terminal_clean,
    key_echoes,
    plant_environment,
    screen_text,
    terminal_output,
)

# A key of the shape a real one has (long, letters and digits); i, s and k have non-ASCII folds.
KEY = "Zq7vK2mPx9sLw4iTn8bRc5yHd3fGj6uE"
ENV = "compute-on/production"
OSC52 = re.compile("\x1b\\]52;c;([A-Za-z0-9+/=]*)\x07")


@pytest.fixture
def hostile_sim(sim_factory: Callable[..., SimServer]) -> SimServer:
    """The simulator with KEY as its key, and every echo of KEY as the name, hostname and user
    of one of production's instances (the rest of its text: the echoes again, cycled)."""
    sim = sim_factory(SimOptions(task_delay=0, api_key=KEY))
    env = sim.world.environment("compute-on", "production")
    with sim.world.lock:
        plant_environment(env, values=cycle(key_echoes(KEY)), keep_instance_names=True)
        for instance, echo in zip(env.instances.values(), cycle(key_echoes(KEY)), strict=False):
            instance.name = echo
    return sim


@pytest.fixture
def request_log(tmp_path: Path) -> Iterator[Path]:
    logger = logging.getLogger(requestlog.LOGGER)
    saved = (list(logger.handlers), logger.level, logger.propagate)
    path = requestlog.start_request_log(tmp_path / "log" / "requests.log")
    assert path is not None
    yield path
    for handler in logger.handlers:
        handler.close()
    logger.handlers, logger.level, logger.propagate = saved[0], saved[1], saved[2]


def capture_terminal(app: App[Any]) -> list[str]:
    """Everything the app writes to its terminal driver from now on."""
    written: list[str] = []
    driver = app._driver
    assert driver is not None
    original = driver.write

    def write(data: str) -> None:
        written.append(data)
        original(data)

    driver.write = write  # type: ignore[method-assign]
    return written


def clipboard_payloads(written: list[str]) -> list[str]:
    return [base64.b64decode(m).decode() for chunk in written for m in OSC52.findall(chunk)]


def drawn_without_key(app: App[Any]) -> str:
    """What the terminal would get now: nothing raw, and no run of the key."""
    assert app.is_running and app.return_code is None
    output = terminal_output(app)
    assert_terminal_clean(output)
    text = screen_text(app)
    assert_no_key(text, KEY)
    return text


async def test_the_key_in_instance_names_reaches_no_cell_pane_clipboard_palette_or_log(
    hostile_sim: SimServer, tmp_path: Path, request_log: Path
) -> None:
    sim = hostile_sim
    app = make_app(sim, tmp_path, environment=ENV, transport=KeyEscapingTransport(KEY))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, InstanceScreen)
        names = [instance.name for instance in screen.view.instances.values()]
        assert len(names) == len(sim.world.environment("compute-on", "production").instances)
        for name in names:
            assert_no_key(name, KEY)
        assert ESCAPED_KEY not in names  # the escapes did reach the app, as the key
        assert names.count("***") >= 4 and "web-***-x" in names  # marked where it was
        written = capture_terminal(app)
        for instance in list(screen.view.rows)[:5]:
            select(screen, instance.id)
            await settle(app, pilot, rounds=2)
            pane = screen.query_one(DetailPane)
            assert pane.detail is not None and pane.detail.complete
            drawn_without_key(app)
            # The copy menu: every line, and what each sends to the clipboard.
            await pilot.press("c")
            await wait_until(pilot, lambda: isinstance(app.screen, CopyMenu))
            menu = app.screen
            assert isinstance(menu, CopyMenu)
            drawn_without_key(app)
            for choice in menu.choices:
                assert_no_key(f"{choice.label} {choice.value} {choice.reason}", KEY)
            await pilot.press(next(c.key for c in menu.choices if c.value is not None))
            await wait_until(pilot, lambda: isinstance(app.screen, InstanceScreen))
        assert len(clipboard_payloads(written)) == 5
        for payload in clipboard_payloads(written):
            assert_no_key(payload, KEY)
        # The palette: the actions on the selection, and every instance to go to.
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"go to ")
        await wait_until(pilot, lambda: "Go to" in screen_text(app))
        drawn_without_key(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, InstanceScreen))
        # An action on the instance named as the key: task log, notification, history.
        running = next(i for i in screen.view.instances.values() if i.state == "Running")
        select(screen, running.id)
        await settle(app, pilot)
        await pilot.press("t", "x", "y")
        await wait_until(pilot, lambda: bool(screen.view.tasks) and screen.view.tasks[-1].status == "SUCCESS")
        await settle(app, pilot)
        drawn_without_key(app)
        for note in told(app).notes:
            assert_no_key(f"{note.title} {note.message}", KEY)
        await pilot.press("H")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await settle(app, pilot)
        drawn_without_key(app)
    assert_no_key((platformdirs.user_state_path("cca-tui") / "history.jsonl").read_text(), KEY)
    assert_no_key(request_log.read_text(), KEY)


async def test_the_key_in_environment_names_is_not_in_the_picker(
    sim_factory: Callable[..., SimServer], tmp_path: Path
) -> None:
    sim = sim_factory(SimOptions(task_delay=0, api_key=KEY))
    with sim.world.lock:
        for env, echo in zip(sim.world.visible_environments(), key_echoes(KEY), strict=False):
            env.name = echo
            env.description = f"about {echo}"
    app = make_app(sim, tmp_path, transport=KeyEscapingTransport(KEY))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        await wait_until(pilot, lambda: bool(picker.choices))
        await settle(app, pilot)
        drawn_without_key(app)
        assert "***" in screen_text(app)
        for choice in picker.choices:
            assert_no_key(repr(choice), KEY)


async def test_the_key_in_entity_names_is_not_in_the_create_forms_dropdowns(
    sim: SimServer,
    sim_compute: ComputeScope,
    sim_env: Any,
    form_host: Callable[[Screen[Any]], App[Any]],
    settle_form: Callable[[Pilot[Any]], Any],
) -> None:
    """Templates, offerings, networks, SSH keys, volumes, affinity groups: each list comes
    from the server (the form's client talks to the simulator over HTTP with its key)."""
    plant_environment(sim_env, values=cycle(key_echoes(sim.api_key)))
    form = CreateInstanceForm(form_context(sim_compute))
    app = form_host(form)
    async with app.run_test(size=(160, 60)) as pilot:
        await settle_form(pilot)
        prompts = [str(prompt) for select in form.query(Select).results(Select) for prompt, _ in select._options]
        for prompt in prompts:
            assert_no_key(prompt, sim.api_key)
        assert sum("***" in prompt for prompt in prompts) >= 6, prompts
        form.query_one("#templateId", Select).focus()
        await pilot.press("enter")
        await pilot.pause()
        output = terminal_output(app)
        assert_terminal_clean(output)
        assert_no_key(screen_text(app), sim.api_key)


async def test_a_crash_log_holds_no_echo_of_the_key(
    sim_factory: Callable[..., SimServer], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cca_tui.ui.app import crash_log_path

    sim = sim_factory(SimOptions(task_delay=0, api_key=KEY))
    app = make_app(sim, tmp_path, environment=ENV)

    def explode() -> None:
        raise RuntimeError(f"boom {KEY.upper()} and {KEY[3:12].lower()}")

    with pytest.raises(RuntimeError):
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            app.call_later(explode)
            await pilot.pause(0.2)
    assert_no_key(capsys.readouterr().err, KEY)
    logged = crash_log_path().read_text()
    assert "boom *** and ***" in logged
    assert_no_key(logged, KEY)
