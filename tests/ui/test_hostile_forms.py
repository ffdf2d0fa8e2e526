"""Every form about an instance, opened on an instance whose name and hostname are each string
of the wide hostile corpus (tests/ui/hostile.py's HOSTILE_NAMES): what reaches the terminal is
clean, every input's whole value (also the part scrolled out of view) is clean, and a rename
left as it opened sends nothing.

The forms are found by walking InstanceFormScreen's subclasses, so a new form is covered the
day it is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from cca_tui.api.client import ComputeScope
from cca_tui.sim.environment import Environment
from cca_tui.ui import forms
from cca_tui.ui.forms.base import InstanceFormScreen
from cca_tui.ui.forms.rename import SHOWN_LIMIT
from tests.typed import not_none
from tests.ui.conftest import FormHostFactory, LoggingTransport, SettleForm
from tests.ui.form_contexts import form_context
from tests.ui.hostile import HOSTILE_NAMES, assert_terminal_clean, shown_as, terminal_output


def instance_forms() -> list[type[InstanceFormScreen]]:
    found: list[type[InstanceFormScreen]] = []
    pending = list(InstanceFormScreen.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("cca_tui.") and cls.__name__ in forms.__all__:
            found.append(cls)
    return sorted(found, key=lambda c: c.__name__)


def test_the_forms_are_found() -> None:
    names = {cls.__name__ for cls in instance_forms()}
    assert {"RenameForm", "DestroyForm", "PurgeForm", "ChangeNetworkForm", "ChangeOfferingForm"} <= names


def assert_form_clean(app: Any, form: Any) -> None:
    assert app.is_running and app.return_code is None
    assert_terminal_clean(terminal_output(app))
    for field in form.query(Input).results(Input):
        assert_terminal_clean(field.value)  # what scrolls into view later, too


CHUNKS = 2


@pytest.mark.parametrize("chunk", range(CHUNKS))
async def test_rename_prefilled_with_hostile_names_shows_escapes_and_sends_nothing_unchanged(
    chunk: int,
    tmp_path: Path,
    sim_compute: ComputeScope,
    sim_env: Environment,
    http_log: LoggingTransport,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    from cca_tui.ui.forms import RenameForm

    some = next(i for i in sim_env.instances.values() if i.state == "Running")
    instance = await sim_compute.get_instance(some.id)
    names = HOSTILE_NAMES[chunk::CHUNKS]
    first = RenameForm(form_context(sim_compute, instance))
    app = form_host(first)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        first.dismiss(None)
        await settle_form(pilot)
        for value in names:
            named = instance.model_copy(update={"name": value, "hostname": value})
            form = RenameForm(form_context(sim_compute, named))
            app.push_screen(form)
            await settle_form(pilot)
            assert_form_clean(app, form)
            for field in ("name", "hostname"):
                assert form.query_one(f"#{field}", Input).value == shown_as(value, limit=SHOWN_LIMIT)
            # Left as it opened, nothing would be sent (ctrl+s is pressed in the tests below).
            assert form._changes() == {} and "name" in form.validate()
            form.dismiss(None)
            await settle_form(pilot)


async def test_every_instance_form_on_hostile_names_writes_nothing_raw(
    tmp_path: Path,
    sim_compute: ComputeScope,
    sim_env: Environment,
    http_log: LoggingTransport,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    some = next(i for i in sim_env.instances.values() if i.state == "Running")
    instance = await sim_compute.get_instance(some.id)
    # A quarter of the corpus, each name in one form (rotating): every form meets escapes,
    # controls and marks. The rename form, the one prefilled from the server, gets all of it above.
    names = HOSTILE_NAMES[::4]
    classes = instance_forms()
    app = form_host(classes[0](form_context(sim_compute, instance, ssh_dir=tmp_path)))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        app.screen.dismiss(None)
        await settle_form(pilot)
        for index, value in enumerate(names):
            cls = classes[index % len(classes)]
            named = instance.model_copy(update={"name": value, "hostname": value, "username": value})
            form = cls(form_context(sim_compute, named, ssh_dir=tmp_path))
            app.push_screen(form)
            await settle_form(pilot)
            assert_form_clean(app, form)
            form.dismiss(None)
            await settle_form(pilot)
    assert http_log.mutations() == []


async def test_an_edited_rename_sends_what_the_operator_sees_and_edits(
    sim_compute: ComputeScope,
    sim_env: Environment,
    http_log: LoggingTransport,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    from cca_tui.ui.forms import RenameForm

    some = next(i for i in sim_env.instances.values() if i.state == "Running")
    instance = await sim_compute.get_instance(some.id)
    hostile = instance.model_copy(update={"name": "web\x1b]0;x\x07", "hostname": "host-1"})
    form = RenameForm(form_context(sim_compute, hostile))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        assert form.query_one("#name", Input).value == "web\\x1b]0;x\\x07"
        # Edit only the hostname: the name (with its control characters) is not sent back.
        form.query_one("#hostname", Input).value = "host-2"
        await pilot.press("ctrl+s")
        await settle_form(pilot)
    assert http_log.bodies == [{"hostname": "host-2"}]


async def test_an_edited_escaped_name_is_checked_not_sent(
    sim_compute: ComputeScope,
    sim_env: Environment,
    http_log: LoggingTransport,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    from cca_tui.ui.forms import RenameForm

    some = next(i for i in sim_env.instances.values() if i.state == "Running")
    instance = await sim_compute.get_instance(some.id)
    form = RenameForm(form_context(sim_compute, instance.model_copy(update={"name": "web\x1b[2J"})))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        await pilot.click("#name")
        await pilot.press("end", "x")  # an edit that keeps the visible escape
        await pilot.press("ctrl+s")
        await settle_form(pilot)
        assert app.screen is form
        assert "still holds the escapes" in not_none(form.field("name")).error
    assert http_log.mutations() == []


async def test_page_down_in_a_dropdown_opened_before_layout_does_not_crash(
    sim_compute: ComputeScope, form_host: FormHostFactory, settle_form: SettleForm
) -> None:
    """PageDown right after Enter on a loaded machine: the dropdown is open but not laid out
    yet. Textual 8.2.8's OptionList._move_page then raised KeyError: 0 (see
    cca_tui/ui/textual_guards.py). The binding's action is called before any layout pass, as
    the key would be handled in that race."""
    from textual.widgets import Select
    from textual.widgets._select import SelectOverlay

    from cca_tui.ui.forms import CreateInstanceForm

    form = CreateInstanceForm(form_context(sim_compute))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        select = form.query_one("#templateId", Select)
        overlay = select.query_one(SelectOverlay)
        assert overlay.option_count > 1
        select.focus()
        select.expanded = True
        overlay.highlighted = 0
        # The race: no layout yet. (Textual's OptionList actions are not annotated.)
        overlay.action_page_down()  # type: ignore[no-untyped-call]
        overlay.action_page_up()  # type: ignore[no-untyped-call]
        await pilot.pause()
        assert app.is_running and app.return_code is None
        await pilot.press("pagedown")  # laid out now: pages as usual
        await pilot.pause()
        assert (overlay.highlighted or 0) > 0


async def test_a_hostile_paste_goes_in_as_visible_escapes(
    sim_compute: ComputeScope,
    sim_env: Environment,
    http_log: LoggingTransport,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    from textual import events

    from cca_tui.ui.forms import RenameForm

    some = next(i for i in sim_env.instances.values() if i.state == "Running")
    form = RenameForm(form_context(sim_compute, await sim_compute.get_instance(some.id)))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        box = form.query_one("#name", Input)
        box.focus()
        box.value = ""
        await pilot.pause()
        not_none(app._driver).send_message(events.Paste("web\x1b]0;pwned\x07\x9b2J\u202e\n"))
        await settle_form(pilot)
        assert box.value == "web\\x1b]0;pwned\\x07\\x9b2J\\u202e"
        assert_form_clean(app, form)
        await pilot.press("ctrl+s")  # what is seen is what is sent: the escapes as text, never the raw bytes
        await settle_form(pilot)
        assert len(http_log.mutations()) == 1
        assert http_log.bodies[-1] == {"name": "web\\x1b]0;pwned\\x07\\x9b2J\\u202e"}
