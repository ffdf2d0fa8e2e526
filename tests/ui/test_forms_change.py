"""Rename, change offering, change network: warnings, no-op refusals, and what is sent."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Input, Select, Static

from cca_tui.api.client import ComputeScope
from cca_tui.api.models import Task
from cca_tui.sim.environment import Environment
from cca_tui.sim.server import SimServer
from cca_tui.ui.forms import ChangeNetworkForm, ChangeOfferingForm, RenameForm
from cca_tui.ui.forms.offering_picker import OfferingPicker
from tests.ui.conftest import FormHostFactory, InstanceNamed, LoggingTransport, SettleForm
from tests.ui.form_contexts import form_context


def shown(form: Screen[Any], selector: str) -> str:
    widget = form.query_one(selector, Static)
    return str(widget.render()) if widget.display else ""


async def test_rename_warns_about_the_hostname_and_sends_only_changes(
    sim_compute: ComputeScope,
    http_log: LoggingTransport,
    sim_env: Environment,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    web2 = await instance_named(sim_compute, "web-2")
    form = RenameForm(form_context(sim_compute, web2))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        assert form.query_one("#name", Input).value == "web-2"
        assert form.query_one("#hostname", Input).value == web2.hostname
        assert shown(form, "#hostname-warning") == ""
        assert shown(form, "#name-error") == ""  # prefilled values are not edits: no nagging at open
        # Nothing changed: said by the field, nothing sent.
        await pilot.press("ctrl+s")
        await settle_form(pilot)
        assert shown(form, "#name-error") == "Nothing changed: edit the name or the hostname"
        assert http_log.mutations() == []

        form.query_one("#hostname", Input).focus()
        await pilot.press("end", *"x")
        await pilot.pause()
        assert shown(form, "#hostname-warning") == "Changing the hostname reboots web-2."
        await pilot.press("backspace")
        await pilot.pause()
        assert shown(form, "#hostname-warning") == ""

        form.query_one("#name", Input).value = "web-2-renamed"
        form.query_one("#name", Input).focus()
        await pilot.press("enter", "enter")  # Enter moves to the hostname, Enter there submits
        await settle_form(pilot)
        assert len(app.results) == 1 and isinstance(app.results[0], Task)
    assert http_log.bodies[-1] == {"name": "web-2-renamed"}
    await sim_compute.client.wait_for_task(app.results[0])
    assert sim_env.instances[web2.id].name == "web-2-renamed"


async def test_rename_leaves_the_hostname_to_the_server_and_shows_its_refusal_by_the_field(
    sim_compute: ComputeScope,
    http_log: LoggingTransport,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    """The reference states no pattern for names: the form sends what was typed, and the
    server's refusal (this simulator allows letters, digits, '-' and '_') lands under the field."""
    web2 = await instance_named(sim_compute, "web-2")
    form = RenameForm(form_context(sim_compute, web2))
    async with form_host(form).run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        form.query_one("#hostname", Input).value = "web 2"
        await pilot.pause()
        assert shown(form, "#hostname-error") == ""  # not blocked here
        await pilot.press("ctrl+s")
        await settle_form(pilot)
        assert "starting with a letter or a digit" in shown(form, "#hostname-error")
    assert http_log.mutations() == [("PUT", f"/v1/services/compute-on/test_area/instances/{web2.id}")]


async def test_change_offering_marks_current_and_checks_custom_ratio(
    sim_compute: ComputeScope,
    http_log: LoggingTransport,
    sim_env: Environment,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    web2 = await instance_named(sim_compute, "web-2")
    form = ChangeOfferingForm(form_context(sim_compute, web2))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        assert "This reboots web-2." in str(form.query_one(".warning", Static).render())
        select = form.query_one("#computeOfferingId", Select)
        assert select.value == web2.compute_offering_id
        current = [str(label) for label, value in select._options if value == web2.compute_offering_id]
        assert current[0].endswith("(current)")
        await pilot.press("ctrl+s")  # same offering: refused here, not by the server
        await settle_form(pilot)
        assert "already runs on" in shown(form, "#computeOfferingId-error")

        custom = next(o for o in form.query_one(OfferingPicker).offerings.values() if o.custom)
        select.value = custom.id
        await pilot.pause()
        form.query_one("#cpuCount", Select).value = 1
        form.query_one("#memoryInMB", Select).value = 8192
        await pilot.pause()
        assert shown(form, "#memoryInMB-error") == "4096 MB per vCPU at most: pick more vCPUs or less memory"
        await pilot.press("ctrl+s")
        await settle_form(pilot)
        assert http_log.mutations() == []
        form.query_one("#cpuCount", Select).value = 2
        await pilot.press("ctrl+s")
        await settle_form(pilot)
        assert len(app.results) == 1 and isinstance(app.results[0], Task)
    assert http_log.bodies[-1] == {"computeOfferingId": custom.id, "cpuCount": 2, "memoryInMB": 8192}
    await sim_compute.client.wait_for_task(app.results[0])
    changed = sim_env.instances[web2.id]
    assert (changed.compute_offering_id, changed.cpu_count, changed.memory_in_mb) == (custom.id, 2, 8192)


async def test_change_network_offers_other_networks_of_the_zone(
    sim_compute: ComputeScope,
    http_log: LoggingTransport,
    sim_env: Environment,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    web2 = await instance_named(sim_compute, "web-2")
    form = ChangeNetworkForm(form_context(sim_compute, web2))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        assert str(form.query_one(".warning", Static).render()) == (
            "Port forwarding rules of web-2 are deleted and it is removed from load balancers; it reboots."
        )
        values = [v for _, v in form.query_one("#networkId", Select)._options if isinstance(v, str)]
        expected = [n.id for n in sim_env.networks.values() if n.zone_id == web2.zone_id and n.id != web2.network_id]
        assert values and sorted(values) == sorted(expected)
        await pilot.press("ctrl+s")
        await settle_form(pilot)
        assert shown(form, "#networkId-error") == "Choose a network"
        form.query_one("#networkId", Select).value = values[0]
        await pilot.press("ctrl+s")
        await settle_form(pilot)
        assert len(app.results) == 1
    assert http_log.bodies[-1] == {"networkId": values[0]}
    await sim_compute.client.wait_for_task(app.results[0])
    assert sim_env.instances[web2.id].network_id == values[0]


async def test_lists_that_fail_to_load_say_so_and_reload(
    sim: SimServer,
    sim_compute: ComputeScope,
    http_log: LoggingTransport,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    web2 = await instance_named(sim_compute, "web-2")
    form = ChangeNetworkForm(form_context(sim_compute, web2))
    app = form_host(form)
    sim.offline = True
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        assert "Could not load the lists" in shown(form, "#form-error")
        assert "Cannot reach the API" in shown(form, "#form-error")
        assert form.query_one("#submit").disabled
        await pilot.press("ctrl+s")
        await settle_form(pilot)
        assert app.results == []
        sim.offline = False
        await pilot.press("ctrl+r")
        await settle_form(pilot)
        assert form.loaded and shown(form, "#form-error") == ""
        assert not form.query_one("#submit").disabled
    assert http_log.mutations() == []
