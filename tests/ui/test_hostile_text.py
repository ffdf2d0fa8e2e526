"""Hostile server text through the picker, every form, the error lines and the key screen.

Each test plants the corpus (tests/ui/hostile.py) into the simulator's world in-process,
opens the screens, and checks that the app is alive, shows the text literally (escaped), and
writes nothing of it raw to the terminal.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import DataTable, Input, Select, Static

from cca_tui.api.client import CloudCAClient, ComputeScope
from cca_tui.api.errors import ApiError, AuthError, ErrorDetail, TransportError
from cca_tui.api.models import Task
from cca_tui.sim.environment import Environment
from cca_tui.sim.server import SimServer
from cca_tui.ui.errors import describe_error
from cca_tui.ui.forms import (
    AssociateKeyForm,
    ChangeNetworkForm,
    ChangeOfferingForm,
    ConfirmModal,
    CreateInstanceForm,
    DestroyForm,
    PasswordModal,
    PurgeForm,
    RenameForm,
)
from cca_tui.ui.screens.key_problem import KeyProblemScreen
from cca_tui.ui.screens.picker import PickerScreen
from tests.ui.conftest import FormHostFactory, InstanceNamed, PickerHostFactory, SettleForm, WaitUntil
from tests.ui.form_contexts import form_context
from tests.ui.hostile import (
    HOSTILE,
    assert_terminal_clean,
    plant_environment,
    plant_world,
    screen_text,
    shown_as,
    terminal_output,
)


def check_screen(app: Any) -> str:
    """The app is alive and its terminal output carries nothing raw; returns the screen's text."""
    assert app.is_running and app.return_code is None
    output = terminal_output(app)
    assert_terminal_clean(output)
    return screen_text(app)


# --- the helper the checks rely on must itself be able to fail ------------------------------


def test_the_terminal_check_catches_raw_server_text() -> None:
    for raw in ("\x1b]0;t\x07", "\x1b[2J", "\x9b31m", "a\u202eb", "\x1b]8;;https://x\x1b\\x\x1b]8;;\x1b\\"):
        with pytest.raises(AssertionError):
            assert_terminal_clean(f"\x1b[1;1Hname: {raw}\x1b[0m")
    assert_terminal_clean("\x1b[1;1H\x1b[38;2;1;2;3mname: \\x1b]0;t\\x07\x1b[0m")


# --- describe_error ------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE)
def test_describe_error_is_safe_to_show(value: str) -> None:
    for exc in (
        ApiError(400, [ErrorDetail(code=value, message=value, context={"field": value})], method="POST", path="/x"),
        AuthError(401, [ErrorDetail(code=None, message=value)], method="GET", path="/x"),
        TransportError(value, method="GET", path=value),
        RuntimeError(value),
    ):
        text = describe_error(exc)
        assert_terminal_clean(text)
        assert len(text) <= 500


# --- the picker ------------------------------------------------------------------------------


async def test_picker_shows_hostile_names_literally_and_opens_any_name(
    sim: SimServer, sim_client: CloudCAClient, picker_host: PickerHostFactory, wait_until: WaitUntil
) -> None:
    plant_world(sim.world)
    names = ["two words", "a/b", "", "[@click=app.quit]y[/]"]
    with sim.world.lock:
        # The four environments the simulator lists (a fifth, of another organisation, is not).
        for env, name in zip(sim.world.visible_environments(), names, strict=True):
            env.name = name
        sim.world.connections[0].reachable = False  # its name goes into a notification
    picker = PickerScreen()
    app = picker_host(sim_client, picker)
    async with app.run_test(size=(250, 30)) as pilot:
        table = picker.query_one(DataTable)
        await wait_until(pilot, lambda: table.row_count == 5, "all environments, and the four listed")
        literals = ("two words", "a/b", "[@click=app.quit]y[/]", shown_as(HOSTILE[0]))
        # The rows are in; wait for their repaint (a condition, not a time) before reading it.
        try:
            await wait_until(pilot, lambda: all(x in screen_text(app) for x in literals), "the names are drawn")
        except AssertionError:
            text = screen_text(app)
            raise AssertionError(f"missing {[x for x in literals if x not in text]} in:\n{text}") from None
        check_screen(app)
        # Every row opens, whatever its name: the app gets the exact code and name.
        for row in range(1, 5):
            table.move_cursor(row=row)
            await pilot.press("enter")
            await pilot.pause()
            check_screen(app)  # the "unreachable" notification too
        assert sorted(name for _, name in app.opened) == sorted(names)
        # The filter takes hostile text too.
        await pilot.press(*"[/]")
        await pilot.pause()
        check_screen(app)


async def test_picker_error_line_is_safe(
    sim: SimServer, sim_client: CloudCAClient, picker_host: PickerHostFactory, wait_until: WaitUntil
) -> None:
    class Failing(PickerScreen):
        RETRY_FIRST = 60.0

    picker = Failing()

    async def broken() -> Any:
        raise TransportError("\x1b]52;c;cHduZWQ=\x07 [/] down", method="GET", path="/environments")

    sim_client.list_environments = broken  # type: ignore[method-assign]
    app = picker_host(sim_client, picker)
    async with app.run_test(size=(120, 30)) as pilot:
        status = picker.query_one("#picker-status", Static)
        await wait_until(pilot, lambda: "trying again" in str(status.render()), "the error is shown")
        literal = "\\x1b]52;c;cHduZWQ=\\x07 [/] down"
        await wait_until(pilot, lambda: literal in screen_text(app), "the error is drawn")
        check_screen(app)


# --- the forms -------------------------------------------------------------------------------


def drawn(app: App[Any], text: str) -> Callable[[], bool]:
    """A condition: `text` is on the screen."""
    return lambda: text in screen_text(app)


async def open_and_check(app: Any, pilot: Any, settle_form: Any, screen: Any) -> str:
    app.push_screen(screen)
    await settle_form(pilot)
    assert app.screen is screen
    # Read the terminal once the dialog is drawn: its title (server text, escaped) is on it.
    title = str(screen.query_one(".title").render()).strip()[:30]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while title not in screen_text(app):
        assert loop.time() < deadline, f"the dialog {title!r} was never drawn"
        await pilot.pause(0.02)
    text = check_screen(app)
    # Every Select's options are Text made by safe(): literal, escaped.
    for select in screen.query(Select).results(Select):
        for prompt, _ in select._options:
            assert "\x1b" not in str(prompt) and "\u202e" not in str(prompt)
    return text


async def test_every_form_shows_hostile_entities_literally(
    tmp_path: Path,
    sim: SimServer,
    sim_compute: ComputeScope,
    sim_env: Environment,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    plant_environment(sim_env)
    instances = [await sim_compute.get_instance(i.id) for i in await sim_compute.list_instances()]
    running = next(i for i in instances if i.state == "Running")
    destroyed = next(i for i in instances if i.state == "Destroyed")
    (tmp_path / "id_me.pub").write_text(
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g \x1b]0;me\x07\n"
    )
    first = CreateInstanceForm(form_context(sim_compute))
    app = form_host(first)
    async with app.run_test(size=(160, 60)) as pilot:
        await settle_form(pilot)
        check_screen(app)
        # The lists: open the template list so its hostile names are drawn.
        first.query_one("#templateId", Select).focus()
        await pilot.press("enter")
        await pilot.pause()
        check_screen(app)
        await pilot.press("escape")
        await pilot.pause()
        for screen in (
            RenameForm(form_context(sim_compute, running)),
            AssociateKeyForm(form_context(sim_compute, running, ssh_dir=tmp_path)),
            ChangeNetworkForm(form_context(sim_compute, running)),
            ChangeOfferingForm(form_context(sim_compute, running)),
            DestroyForm(form_context(sim_compute, running)),
            PurgeForm(form_context(sim_compute, destroyed)),
            ConfirmModal(f"Stop {running.name}?", f"{running.name} {HOSTILE[5]}", "Stop"),
            PasswordModal(running.name, "pa[/]ss\x1b[2J"),
        ):
            text = await open_and_check(app, pilot, settle_form, screen)
            screen.dismiss(None)
            await pilot.pause()
            assert text  # something was drawn
        check_screen(app)


@pytest.mark.parametrize("chunk", [HOSTILE[:9], HOSTILE[9:]])
async def test_instance_names_read_literally_in_titles(
    chunk: list[str],
    sim_compute: ComputeScope,
    sim_env: Environment,
    form_host: FormHostFactory,
    settle_form: SettleForm,
    wait_until: WaitUntil,
) -> None:
    """Each corpus string as an instance's name, in a title: shown escaped, never acted on."""
    some = next(iter(sim_env.instances.values()))
    instance = await sim_compute.get_instance(some.id)
    app = form_host(PurgeForm(form_context(sim_compute, instance)))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        for value in chunk:
            named = instance.model_copy(update={"name": value})
            screen = PurgeForm(form_context(sim_compute, named))
            await open_and_check(app, pilot, settle_form, screen)
            title = f"Purge {shown_as(value, limit=60)}?"
            await wait_until(pilot, drawn(app, title), f"the title {title!r} is drawn")
            check_screen(app)
            screen.dismiss(None)
            await pilot.pause()


class RefusedRename(RenameForm):
    """A rename the server refuses with hostile error text, naming a field that is there and one that is not."""

    async def send(self) -> Task:
        raise ApiError(
            400,
            [
                ErrorDetail(
                    code="[/]", message="\x1b]0;pwned\x07 bad [link=https://x]name[/link]", context={"field": "name"}
                ),
                ErrorDetail(code=1, message="\u202eevil", context={"field": "[/]#x .y"}),
            ],
            method="PUT",
            path="/instances/x",
        )


async def test_error_lines_under_fields_and_form_are_safe(
    sim_compute: ComputeScope,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
    wait_until: WaitUntil,
) -> None:
    web2 = await instance_named(sim_compute, "web-2")
    form = RefusedRename(form_context(sim_compute, web2))
    app = form_host(form)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle_form(pilot)
        form.query_one("#name", Input).value = "web-2b"
        await pilot.press("ctrl+s")
        await settle_form(pilot)
        assert app.screen is form and app.results == []
        literal = "\\x1b]0;pwned\\x07 bad [link=https://x]name[/link]"
        await wait_until(pilot, lambda: literal in screen_text(app), "the error lines are drawn")
        check_screen(app)
        under_name = str(form.query_one("#name-error", Static).render())
        assert under_name == "[[/]] \\x1b]0;pwned\\x07 bad [link=https://x]name[/link]"


async def test_key_problem_screen_is_safe(wait_until: WaitUntil) -> None:
    from textual.app import App

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(
                KeyProblemScreen(
                    describe_error(
                        AuthError(
                            401, [ErrorDetail(code=None, message=HOSTILE[7] + HOSTILE[2])], method="GET", path="/x"
                        )
                    ),
                    profile="[/]",
                    config_path="/tmp/\x1b[2J.toml",
                )
            )

    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        literals = ("\\x1b]52;c;cHduZWQ=\\x07[@click=app.quit]y[/]", "[profiles.[/]]")
        await wait_until(pilot, lambda: all(x in screen_text(app) for x in literals), "the key screen is drawn")
        check_screen(app)
