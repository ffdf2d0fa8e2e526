"""Destroy and purge: focus opens on Cancel, a stray Enter does nothing, and what goes is chosen."""

from __future__ import annotations

from textual.widgets import Button, Checkbox, Input

from cca_tui.api.client import ComputeScope
from cca_tui.api.models import Task
from cca_tui.sim.environment import Environment
from cca_tui.ui.forms import DestroyForm, PurgeForm
from tests.ui.conftest import FormHostFactory, InstanceNamed, LoggingTransport, SettleForm
from tests.ui.form_contexts import form_context


async def test_stray_enter_on_destroy_does_nothing(
    sim_compute: ComputeScope,
    http_log: LoggingTransport,
    sim_env: Environment,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    web1 = await instance_named(sim_compute, "web-1")
    app = form_host(DestroyForm(form_context(sim_compute, web1)))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        assert app.focused is app.screen.query_one("#cancel", Button)
        await pilot.press("enter")
        await settle_form(pilot)
        assert app.results == [None]
    assert http_log.mutations() == []
    assert sim_env.instances[web1.id].state == "Running"


async def test_destroy_releases_the_chosen_ip_and_deletes_the_chosen_volume(
    sim_compute: ComputeScope,
    http_log: LoggingTransport,
    sim_env: Environment,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    db = await instance_named(sim_compute, "db-primary")
    # Give it a public IP too, so there is one to release.
    ips_before = await sim_compute.list_public_ips(instance_id=db.id)
    web1 = await instance_named(sim_compute, "web-1")
    web1_ips = await sim_compute.list_public_ips(instance_id=web1.id)
    assert web1_ips, "the seed gives web-1 a public IP"

    form = DestroyForm(form_context(sim_compute, web1))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        boxes = list(form.query(".release-ip").results(Checkbox))
        assert [str(b.label) for b in boxes] == [f"release {ip.ip_address}" for ip in web1_ips]
        assert "none" in str(form.query_one("#volumes").children[0].render())
        boxes[0].value = True
        await pilot.press("ctrl+s")
        await settle_form(pilot)
        assert len(app.results) == 1 and isinstance(app.results[0], Task)
    assert http_log.bodies[-1] == {
        "purgeImmediately": False,
        "deleteSnapshots": False,
        "publicIpIdsToRelease": [web1_ips[0].id],
        "volumeIdsToDelete": [],
    }
    await sim_compute.client.wait_for_task(app.results[0])
    assert sim_env.instances[web1.id].state == "Destroyed"
    assert web1_ips[0].id not in sim_env.public_ips

    form = DestroyForm(form_context(sim_compute, db))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        volumes = list(form.query(".delete-volume").results(Checkbox))
        assert [str(v.label) for v in volumes] == ["delete db-primary-data (100 GB)"]
        assert len(list(form.query(".release-ip"))) == len(ips_before)
        volumes[0].value = True
        form.query_one("#purgeImmediately", Checkbox).value = True
        await pilot.pause()
        assert str(form.query_one("#submit", Button).label) == "Destroy and purge"
        form.query_one("#confirm-name", Input).value = "db-primary"  # purging asks for the name
        await pilot.pause()
        await pilot.click("#submit")
        await settle_form(pilot)
        assert len(app.results) == 1
    body = http_log.bodies[-1]
    assert body["purgeImmediately"] is True and body["volumeIdsToDelete"] == [volumes[0].name]
    await sim_compute.client.wait_for_task(app.results[0])
    assert db.id not in sim_env.instances
    assert volumes[0].name not in sim_env.volumes


async def test_destroy_with_purge_needs_the_exact_name(
    sim_compute: ComputeScope,
    http_log: LoggingTransport,
    sim_env: Environment,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    web1 = await instance_named(sim_compute, "web-1")
    form = DestroyForm(form_context(sim_compute, web1))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        destroy = form.query_one("#submit", Button)
        row = form.query_one("#confirm-name-row")
        name = form.query_one("#confirm-name", Input)
        assert app.focused is form.query_one("#cancel", Button)
        assert not destroy.disabled and not row.display  # no purge: no name asked

        form.query_one("#purgeImmediately", Checkbox).value = True
        await pilot.pause()
        assert row.display and destroy.disabled
        assert app.focused is form.query_one("#cancel", Button)  # ticking does not move the focus
        await pilot.press("ctrl+s")  # refused while the name is missing
        await settle_form(pilot)
        assert app.results == [] and http_log.mutations() == []

        name.focus()
        for typed in ("web-", "WEB-1", "Web-1", " web-1", "web-1 "):  # exact: case and spaces count
            name.value = typed
            await pilot.press("enter")  # Enter in the only input: refused while the name is wrong
            await settle_form(pilot)
            assert destroy.disabled and app.results == []
        assert http_log.mutations() == []

        name.value = ""
        await pilot.press(*"web-1")
        await pilot.pause()
        assert not destroy.disabled
        await pilot.click("#submit")
        await settle_form(pilot)
        assert len(app.results) == 1 and isinstance(app.results[0], Task)
    assert [method for method, _ in http_log.mutations()] == ["DELETE"]
    assert http_log.bodies[-1]["purgeImmediately"] is True
    await sim_compute.client.wait_for_task(app.results[0])
    assert web1.id not in sim_env.instances


async def test_unticking_purge_hides_the_name_and_unlocks_destroy(
    sim_compute: ComputeScope,
    http_log: LoggingTransport,
    sim_env: Environment,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    web1 = await instance_named(sim_compute, "web-1")
    form = DestroyForm(form_context(sim_compute, web1))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        destroy = form.query_one("#submit", Button)
        purge = form.query_one("#purgeImmediately", Checkbox)
        name = form.query_one("#confirm-name", Input)
        purge.value = True
        await pilot.pause()
        name.value = "wrong"
        await pilot.pause()
        assert destroy.disabled

        purge.value = False
        await pilot.pause()
        assert not form.query_one("#confirm-name-row").display
        assert not destroy.disabled and str(destroy.label) == "Destroy"
        assert name.value == ""  # ticking again asks for the name anew

        purge.value = True
        await pilot.pause()
        assert destroy.disabled
        purge.value = False
        await pilot.pause()
        await pilot.click("#submit")
        await settle_form(pilot)
        assert len(app.results) == 1 and isinstance(app.results[0], Task)
    assert http_log.bodies[-1]["purgeImmediately"] is False
    await sim_compute.client.wait_for_task(app.results[0])
    assert sim_env.instances[web1.id].state == "Destroyed"


async def test_destroy_refused_by_the_server_stays_open(
    sim_compute: ComputeScope,
    http_log: LoggingTransport,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    gone = await instance_named(sim_compute, "old-reports")  # Destroyed already: the server refuses
    form = DestroyForm(form_context(sim_compute, gone))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        form.query_one("#deleteSnapshots", Checkbox).value = True
        await pilot.press("ctrl+s")
        await settle_form(pilot)
        assert app.results == [] and app.screen is form
        error = str(form.query_one("#form-error").render())
        assert "HTTP 400" in error and "[2012]" in error
        assert form.query_one("#deleteSnapshots", Checkbox).value is True
    assert len(http_log.mutations()) == 1


async def test_purge_needs_the_exact_name(
    sim_compute: ComputeScope,
    http_log: LoggingTransport,
    sim_env: Environment,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    gone = await instance_named(sim_compute, "old-reports")
    form = PurgeForm(form_context(sim_compute, gone))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        purge = form.query_one("#submit", Button)
        assert app.focused is form.query_one("#cancel", Button)
        assert purge.disabled
        name = form.query_one("#confirm-name", Input)
        name.focus()
        for typed in ("old-report", "Old-reports", "old-reports "):
            name.value = typed
            await pilot.press("enter")  # Enter in the only input: refused while the name is wrong
            await settle_form(pilot)
            assert purge.disabled and app.results == []
        name.value = ""
        await pilot.press(*"old-reports")
        await pilot.pause()
        assert not purge.disabled
        await pilot.press("enter")
        await settle_form(pilot)
        assert len(app.results) == 1 and isinstance(app.results[0], Task)
    assert len(http_log.mutations()) == 1
    await sim_compute.client.wait_for_task(app.results[0])
    assert gone.id not in sim_env.instances


async def test_stray_enter_on_purge_does_nothing(
    sim_compute: ComputeScope,
    http_log: LoggingTransport,
    sim_env: Environment,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    gone = await instance_named(sim_compute, "old-reports")
    app = form_host(PurgeForm(form_context(sim_compute, gone)))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        await pilot.press("enter")
        await settle_form(pilot)
        assert app.results == [None]
    assert http_log.mutations() == []
    assert gone.id in sim_env.instances


async def test_typing_on_cancel_goes_into_the_name(
    sim_compute: ComputeScope, sim_env: Environment, form_host: FormHostFactory, settle_form: SettleForm
) -> None:
    """Focus opens on Cancel (a stray Enter does nothing), yet typed letters are not lost."""
    from textual.widgets import Button, Input

    from cca_tui.ui.forms import PurgeForm

    destroyed = next(i for i in await sim_compute.list_instances() if i.state == "Destroyed")
    form = PurgeForm(form_context(sim_compute, destroyed))
    async with form_host(form).run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        assert isinstance(form.focused, Button) and form.focused.id == "cancel"
        await pilot.press(*destroyed.name)
        await pilot.pause()
        assert form.query_one("#confirm-name", Input).value == destroyed.name
        assert not form.query_one("#submit", Button).disabled
