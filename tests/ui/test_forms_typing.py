"""Nothing typed or pasted is dropped; the footer shows the form's keys; Enter sends a one-field form.

A burst is sent the way a terminal delivers one: every key posted to the driver at once, with
no pause between them (pilot.press waits for the app after each key, which hides the bug).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import events
from textual.app import App
from textual.widgets import Button, Checkbox, Input, Select, TextArea

from cca_tui.api.client import ComputeScope
from cca_tui.api.models import Task
from cca_tui.sim.environment import Environment
from cca_tui.ui.forms import AssociateKeyForm, ChangeNetworkForm, CreateInstanceForm, DestroyForm, PurgeForm, RenameForm
from cca_tui.ui.forms.field import Field
from tests.typed import not_none
from tests.ui.conftest import FormHostFactory, InstanceNamed, LoggingTransport, SettleForm, WaitUntil
from tests.ui.form_contexts import form_context


def burst(app: Any, text: str) -> None:
    driver = app._driver
    assert driver is not None
    for char in text:
        key = events.Key(char, char)
        key.set_sender(app)
        driver.send_message(key)


def paste(app: App[Any], text: str) -> None:
    """A bracketed paste as the terminal driver reports it (the app forwards it to the focus)."""
    not_none(app._driver).send_message(events.Paste(text))


async def test_paste_on_cancel_fills_the_purge_name(
    sim_compute: ComputeScope,
    http_log: LoggingTransport,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
    wait_until: WaitUntil,
) -> None:
    """Was: the paste went to the focused Cancel button and was lost."""
    gone = await instance_named(sim_compute, "old-reports")
    form = PurgeForm(form_context(sim_compute, gone))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        assert app.focused is form.query_one("#cancel", Button)
        paste(app, "old-reports\n")  # copied with its newline
        name = form.query_one("#confirm-name", Input)
        await wait_until(pilot, lambda: name.value == "old-reports", "the pasted name is in")
        await settle_form(pilot)
        assert name.has_focus
        assert not form.query_one("#submit", Button).disabled
        await pilot.press("enter")
        await settle_form(pilot)
        assert len(app.results) == 1 and isinstance(app.results[0], Task)
    assert len(http_log.mutations()) == 1


async def test_burst_on_cancel_keeps_every_letter_of_the_purge_name(
    sim_compute: ComputeScope,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
    wait_until: WaitUntil,
) -> None:
    """Was: only the first letter survived (the others went to Cancel before the focus moved)."""
    gone = await instance_named(sim_compute, "old-reports")
    form = PurgeForm(form_context(sim_compute, gone))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        burst(app, "old-reports")
        name = form.query_one("#confirm-name", Input)
        await wait_until(pilot, lambda: len(name.value) >= len("old-reports"), "every letter arrived")
        await settle_form(pilot)
        assert name.value == "old-reports"
        assert not form.query_one("#submit", Button).disabled


async def test_burst_and_paste_into_the_destroy_purge_name(
    sim_compute: ComputeScope,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
    wait_until: WaitUntil,
) -> None:
    web1 = await instance_named(sim_compute, "web-1")
    form = DestroyForm(form_context(sim_compute, web1))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        purge = form.query_one("#purgeImmediately", Checkbox)
        purge.focus()
        await pilot.press("space")  # tick it: the name is asked for, the focus stays on the box
        await settle_form(pilot)
        assert purge.value and app.focused is purge
        burst(app, "web-")
        paste(app, "1")
        name = form.query_one("#confirm-name", Input)
        await wait_until(pilot, lambda: name.value == "web-1", "typed and pasted letters are in")
        await settle_form(pilot)
        assert not form.query_one("#submit", Button).disabled


async def every_text_field_takes_bursts_and_pastes(form: Any, app: Any, pilot: Any, settle_form: Any) -> list[str]:
    """Type a burst and paste into each visible text field of `form`; returns the fields tried."""
    tried = []
    for field in form.query(Field).results(Field):
        widget = field.widget
        if not field.display or not isinstance(widget, Input | TextArea):
            continue
        numeric = isinstance(widget, Input) and widget.type == "integer"
        if isinstance(widget, Input):
            widget.value = ""
        else:
            widget.text = ""
        widget.focus()
        await pilot.pause()
        burst(app, "123" if numeric else "abc-12")
        paste(app, "45\n" if numeric else "xy\nz\n")
        await settle_form(pilot)
        value = widget.value if isinstance(widget, Input) else widget.text
        if numeric:
            expected = "12345"
        elif isinstance(widget, TextArea):
            expected = "abc-12xy\nz\n"
        elif widget.id == "publicKey":
            expected = "abc-12xyz"  # a wrapped key: its lines joined as they were
        else:
            expected = "abc-12xy z"  # a one-line field: lines joined, none dropped
        assert value == expected, (widget.id, value)
        tried.append(not_none(widget.id))
    return tried


async def test_every_text_field_of_every_form_takes_bursts_and_pastes_whole(
    tmp_path: Path,
    sim_compute: ComputeScope,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    web2 = await instance_named(sim_compute, "web-2")
    (tmp_path / "id_new.pub").write_text(
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g new\n"
    )
    forms = [
        CreateInstanceForm(form_context(sim_compute)),
        RenameForm(form_context(sim_compute, web2)),
        AssociateKeyForm(form_context(sim_compute, web2, ssh_dir=tmp_path)),
        PurgeForm(form_context(sim_compute, web2)),
    ]
    tried: list[str] = []
    for form in forms:
        app = form_host(form)
        async with app.run_test(size=(120, 60)) as pilot:
            await settle_form(pilot)
            tried += await every_text_field_takes_bursts_and_pastes(form, app, pilot, settle_form)
    assert set(tried) >= {
        "name",
        "publicKey",
        "rootVolumeSizeInGb",
        "userData",
        "portsToForward",
        "hostname",
        "confirm-name",
    }


async def test_footer_shows_the_forms_own_keys(
    sim_compute: ComputeScope, instance_named: InstanceNamed, form_host: FormHostFactory, settle_form: SettleForm
) -> None:
    from cca_tui.ui.widgets.key_footer import KeyFooter

    web2 = await instance_named(sim_compute, "web-2")
    for form, action in (
        (CreateInstanceForm(form_context(sim_compute)), "Create"),
        (PurgeForm(form_context(sim_compute, web2)), "Purge"),
    ):
        app = form_host(form)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle_form(pilot)
            keys = {(key.key, key.description) for key in form.query_one(KeyFooter).entries}
            assert ("escape", "Cancel") in keys and ("ctrl+s", action) in keys, keys


async def test_enter_on_the_only_field_sends_the_form(
    sim_compute: ComputeScope,
    http_log: LoggingTransport,
    sim_env: Environment,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    """Change network has one field, a Select: Enter on it (a network chosen) sends."""
    web2 = await instance_named(sim_compute, "web-2")
    form = ChangeNetworkForm(form_context(sim_compute, web2))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        select = form.query_one("#networkId", Select)
        select.focus()
        await pilot.press("enter")  # nothing chosen yet: Enter opens the list, as usual
        await pilot.pause()
        assert select.expanded and app.results == []
        await pilot.press("down", "enter")  # choose the first network from the list
        await pilot.pause()
        assert not select.expanded and select.selection is not None and app.focused is select
        assert http_log.mutations() == []
        await pilot.press("enter")
        await settle_form(pilot)
        assert len(app.results) == 1 and isinstance(app.results[0], Task)
    assert http_log.bodies == [{"networkId": select.selection}]


async def test_loaded_and_sending_drive_the_button(
    sim_compute: ComputeScope, instance_named: InstanceNamed, form_host: FormHostFactory, settle_form: SettleForm
) -> None:
    web2 = await instance_named(sim_compute, "web-2")
    form = RenameForm(form_context(sim_compute, web2))
    async with form_host(form).run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        button = form.query_one("#submit", Button)
        assert form.loaded and not button.disabled
        form.loaded = False
        await pilot.pause()
        assert button.disabled
        form.loaded = True
        form.sending = True
        await pilot.pause()
        assert button.disabled and str(button.label) == "Saving…"
        form.sending = False
        await pilot.pause()
        assert not button.disabled and str(button.label) == "Save"


async def test_the_caller_can_route_the_send_through_its_tracker(
    sim_compute: ComputeScope,
    http_log: LoggingTransport,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    """`submitter` replaces the direct send (the lead's task tracker); the contract stays dismiss(task)."""
    web2 = await instance_named(sim_compute, "web-2")
    form = RenameForm(form_context(sim_compute, web2))
    routed: list[Any] = []

    async def submitter(sending_form: Any) -> Task:
        routed.append(sending_form)
        task: Task = await sending_form.send()
        return task

    form.submitter = submitter
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        form.query_one("#name", Input).value = "web-2-renamed"
        await pilot.press("ctrl+s")
        await settle_form(pilot)
        assert routed == [form] and len(app.results) == 1 and isinstance(app.results[0], Task)
    assert http_log.bodies == [{"name": "web-2-renamed"}]
