"""The create form's publicKey (register-and-use in one step) and volumeIdToAttach, bodies exact."""

from __future__ import annotations

import base64
import struct

from textual import events
from textual.widgets import Input, Select, Static

from cca_tui.api.client import ComputeScope
from cca_tui.api.models import Task
from cca_tui.sim.entities import Volume
from cca_tui.sim.environment import Environment
from cca_tui.ui.forms import CreateInstanceForm
from cca_tui.ui.forms.offering_picker import OfferingPicker
from cca_tui.ui.forms.validation import FieldInvalid, check_public_key
from tests.ui.conftest import FormHostFactory, LoggingTransport, SettleForm
from tests.ui.form_contexts import form_context


def a_public_key(comment: str = "me@laptop") -> str:
    kind = b"ssh-ed25519"
    blob = struct.pack(">I", len(kind)) + kind + struct.pack(">I", 32) + bytes(range(1, 33))
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {comment}"


def error_of(form: CreateInstanceForm, field: str) -> str:
    line = form.query_one(f"#{field}-error", Static)
    return str(line.render()) if line.display else ""


def fill_required(form: CreateInstanceForm, name: str) -> tuple[str, str, str]:
    """Name, template, network and offering; returns their ids for the expected body."""
    form.query_one("#name", Input).value = name
    network = next(n for n in form.networks.values() if n.name.startswith("Web"))
    template = next(t for t in form.templates.values() if network.zone_id in t.available_in_zones)
    offering = next(o for o in form.query_one(OfferingPicker).offerings.values() if o.name == "1vCPU.1GB")
    form.query_one("#templateId", Select).value = template.id
    form.query_one("#networkId", Select).value = network.id
    form.query_one("#computeOfferingId", Select).value = offering.id
    return template.id, network.id, offering.id


def test_public_key_check() -> None:
    key = a_public_key()
    assert check_public_key(f"  {key}\n") == key
    for bad, says in (
        ("", "Paste a public key"),
        ("ssh-ed25519", "type, key data"),
        ("ssh-foo AAAA", "not an SSH key type"),
        ("ssh-ed25519 not*base64", "not valid base64"),
        (key.replace("ssh-ed25519 ", "ssh-rsa ", 1), "not a ssh-rsa key"),
        (key.split()[0] + " " + key.split()[1][:24], "cut short"),  # the type and nothing else
        (key.split()[0] + " " + key.split()[1][:21], "not valid base64"),  # cut mid-character
        ("-----BEGIN OPENSSH PRIVATE KEY-----", "private key"),
    ):
        try:
            check_public_key(bad)
        except FieldInvalid as exc:
            assert says in str(exc), (bad, str(exc))
        else:
            raise AssertionError(f"{bad!r} was accepted")


async def test_create_with_a_pasted_public_key_sends_it(
    sim_compute: ComputeScope,
    http_log: LoggingTransport,
    sim_env: Environment,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    key = a_public_key()
    form = CreateInstanceForm(form_context(sim_compute))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        template_id, network_id, offering_id = fill_required(form, "keyed-1")
        box = form.query_one("#publicKey", Input)
        box.focus()
        await pilot.pause()
        # Pasted as a terminal wraps a long line: split in two, with the final newline.
        half = len(key) // 2
        app.post_message(events.Paste(key[:half] + "\n" + key[half:] + "\n"))
        await pilot.pause()
        assert box.value == key
        await pilot.press("ctrl+s")
        await settle_form(pilot)
        assert len(app.results) == 1 and isinstance(app.results[0], Task)
    assert http_log.bodies == [
        {
            "name": "keyed-1",
            "templateId": template_id,
            "computeOfferingId": offering_id,
            "networkId": network_id,
            "publicKey": key,
        }
    ]


async def test_a_bad_public_key_or_both_kinds_of_key_send_nothing(
    sim_compute: ComputeScope, http_log: LoggingTransport, form_host: FormHostFactory, settle_form: SettleForm
) -> None:
    form = CreateInstanceForm(form_context(sim_compute))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        fill_required(form, "keyed-2")
        form.query_one("#publicKey", Input).value = "ssh-ed25519 AAAA"
        await pilot.press("ctrl+s")
        await settle_form(pilot)
        assert error_of(form, "publicKey") == "The key data is cut short"
        assert app.focused is form.query_one("#publicKey", Input)
        form.query_one("#publicKey", Input).value = a_public_key()
        registered = form.query_one("#sshKeyName", Select)
        registered.value = next(v for _, v in registered._options if isinstance(v, str))
        await pilot.press("ctrl+s")
        await settle_form(pilot)
        assert error_of(form, "publicKey") == "Choose a registered key or paste a public key, not both"
        assert app.results == []
    assert http_log.mutations() == []


async def test_only_unattached_data_volumes_are_offered_and_the_chosen_one_is_sent(
    sim_compute: ComputeScope,
    http_log: LoggingTransport,
    sim_env: Environment,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    free = [v for v in sim_env.volumes.values() if v.type == "DATA" and v.instance_id is None]
    assert [v.name for v in free] == ["scratch"], "the seed has one free data volume here"
    form = CreateInstanceForm(form_context(sim_compute))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        select = form.query_one("#volumeIdToAttach", Select)
        offered = [(str(label), value) for label, value in select._options if isinstance(value, str)]
        assert [value for _, value in offered] == [free[0].id]
        assert offered[0][0].startswith(f"scratch ({free[0].size_gb} GB, ")
        template_id, network_id, offering_id = fill_required(form, "with-disk")
        select.value = free[0].id
        await pilot.press("ctrl+s")
        await settle_form(pilot)
        assert len(app.results) == 1 and isinstance(app.results[0], Task)
    assert http_log.bodies == [
        {
            "name": "with-disk",
            "templateId": template_id,
            "computeOfferingId": offering_id,
            "networkId": network_id,
            "volumeIdToAttach": free[0].id,
        }
    ]
    await sim_compute.client.wait_for_task(app.results[0])
    created = next(i for i in sim_env.instances.values() if i.name == "with-disk")
    assert sim_env.volumes[free[0].id].instance_id == created.id


async def test_a_volume_of_another_zone_is_refused_before_sending(
    sim_compute: ComputeScope,
    http_log: LoggingTransport,
    sim_env: Environment,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    far = Volume(
        id="0f0f0f0f-0000-4000-8000-000000000001",
        name="far-away",
        type="DATA",
        size_gb=5,
        zone_id="zone-x",
        created="2026-11-01T00:00:00Z",
    )
    sim_env.volumes[far.id] = far
    form = CreateInstanceForm(form_context(sim_compute))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        fill_required(form, "far-1")
        form.query_one("#volumeIdToAttach", Select).value = far.id
        await pilot.press("ctrl+s")
        await settle_form(pilot)
        assert error_of(form, "volumeIdToAttach").startswith("This volume is in another zone than the network")
        assert app.results == []
    assert http_log.mutations() == []


async def test_a_key_pasted_on_the_ssh_key_list_goes_into_the_public_key(
    sim_compute: ComputeScope, form_host: FormHostFactory, settle_form: SettleForm
) -> None:
    key = a_public_key()
    form = CreateInstanceForm(form_context(sim_compute))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        form.query_one("#sshKeyName", Select).focus()
        await pilot.pause()
        app.post_message(events.Paste(key + "\n"))
        await settle_form(pilot)
        assert form.query_one("#publicKey", Input).value == key
        assert app.focused is form.query_one("#publicKey", Input)
