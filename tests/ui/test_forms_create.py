"""The create-instance form against the simulator over HTTP."""

from __future__ import annotations

import asyncio

import httpx
from textual.widgets import Button, Input, Select, Static

from cca_tui.api.client import CloudCAClient, ComputeScope
from cca_tui.api.models import Task
from cca_tui.sim.environment import Environment
from cca_tui.sim.server import SimServer
from cca_tui.ui.forms import CreateInstanceForm
from cca_tui.ui.forms.offering_picker import OfferingPicker
from tests.ui.conftest import FormHostFactory, LoggingTransport, SettleForm
from tests.ui.form_contexts import form_context


def error_of(form: CreateInstanceForm, field: str) -> str:
    line = form.query_one(f"#{field}-error", Static)
    return str(line.render()) if line.display else ""


def form_error(form: CreateInstanceForm) -> str:
    line = form.query_one("#form-error", Static)
    return str(line.render()) if line.display else ""


def choose_required(form: CreateInstanceForm, *, offering_name: str = "1vCPU.1GB") -> None:
    """Pick a template and a network that go together, and an offering by name."""
    network = next(n for n in form.networks.values() if n.name.startswith("Web"))
    template = next(t for t in form.templates.values() if network.zone_id in t.available_in_zones)
    form.query_one("#templateId", Select).value = template.id
    form.query_one("#networkId", Select).value = network.id
    picker = form.query_one(OfferingPicker)
    form.query_one("#computeOfferingId", Select).value = next(
        o.id for o in picker.offerings.values() if o.name == offering_name
    )


async def test_lists_load_with_only_ready_templates(
    sim_compute: ComputeScope, form_host: FormHostFactory, settle_form: SettleForm
) -> None:
    form = CreateInstanceForm(form_context(sim_compute))
    async with form_host(form).run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        assert form.loaded and not form.query_one("#loading").display
        names = [t.name for t in form.templates.values()]
        assert "Rocky Linux 9 (importing)" not in names and "Ubuntu 22.04 LTS" in names
        labels = [str(label) for label, _ in form.query_one("#networkId", Select)._options]
        assert any(label.startswith("Web-test_area (app-VPC, ") for label in labels)
        template_labels = [str(label) for label, _ in form.query_one("#templateId", Select)._options]
        assert "Ubuntu 22.04 LTS (Ubuntu 22.04 (64-bit))" in template_labels
        # The operator can type at once: the first field has the focus.
        assert pilot.app.focused is form.query_one("#name", Input)


async def test_invalid_form_shows_errors_by_the_fields_and_sends_nothing(
    sim_compute: ComputeScope,
    http_log: LoggingTransport,
    sim_env: Environment,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    before = len(sim_env.instances)
    form = CreateInstanceForm(form_context(sim_compute))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        await pilot.press(*"x", "backspace")  # a name typed, then erased: flagged as typed
        await pilot.pause()
        assert error_of(form, "name") == "Name is required"
        assert error_of(form, "templateId") == ""  # untouched fields stay quiet until submit
        form.query_one("#portsToForward", Input).value = "22, 99999"
        await pilot.press("ctrl+s")
        await settle_form(pilot)
        assert error_of(form, "templateId") == "Choose a template"
        assert error_of(form, "computeOfferingId") == "Choose a compute offering"
        assert error_of(form, "networkId") == "Choose a network"
        assert error_of(form, "portsToForward") == "Port 99999 is out of range: 1-65535"
        assert "nothing was sent" in form_error(form)
        assert app.results == [] and app.screen is form
        # The first bad field gets the focus so the operator can fix it right away.
        assert app.focused is form.query_one("#name", Input)
    assert http_log.mutations() == []
    assert len(sim_env.instances) == before


async def test_custom_offering_ratio(
    sim_compute: ComputeScope, http_log: LoggingTransport, form_host: FormHostFactory, settle_form: SettleForm
) -> None:
    form = CreateInstanceForm(form_context(sim_compute))
    async with form_host(form).run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        form.query_one("#name", Input).value = "big-mem"
        choose_required(form, offering_name="Custom")
        await pilot.pause()
        # The vCPU and memory choices appear only for the custom offering, limited to its lists.
        assert form.query_one("#cpuCount-row").display and form.query_one("#memoryInMB-row").display
        assert [v for _, v in form.query_one("#cpuCount", Select)._options if isinstance(v, int)] == [1, 2, 4, 8, 16]
        form.query_one("#cpuCount", Select).value = 1
        form.query_one("#memoryInMB", Select).value = 8192
        await pilot.pause()
        assert error_of(form, "memoryInMB") == "4096 MB per vCPU at most: pick more vCPUs or less memory"
        await pilot.press("ctrl+s")
        await settle_form(pilot)
        assert http_log.mutations() == []
        form.query_one("#cpuCount", Select).value = 2
        await pilot.pause()
        assert error_of(form, "memoryInMB") == ""
        # Back to a standard offering: the custom choices go away.
        choose_required(form)
        await pilot.pause()
        assert not form.query_one("#cpuCount-row").display


async def test_create_succeeds_and_dismisses_with_the_task(
    sim_compute: ComputeScope,
    http_log: LoggingTransport,
    sim_env: Environment,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    form = CreateInstanceForm(form_context(sim_compute))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        await pilot.press(*"web-42")
        choose_required(form, offering_name="Custom")
        await pilot.pause()  # the vCPU and memory choices fill in once the offering change lands
        form.query_one("#cpuCount", Select).value = 2
        form.query_one("#memoryInMB", Select).value = 4096
        custom_disk = next(d for d in form.disks.values() if d.custom_size)
        form.query_one("#diskOfferingId", Select).value = custom_disk.id
        await pilot.pause()
        assert form.query_one("#additionalDiskSizeInGb-row").display
        form.query_one("#additionalDiskSizeInGb", Input).value = "30"
        form.query_one("#portsToForward", Input).focus()
        await pilot.press(*"22,80")
        await pilot.press("enter")  # Enter in the last input submits
        await settle_form(pilot)
        assert len(app.results) == 1 and isinstance(app.results[0], Task)
    assert [m for m, _ in http_log.mutations()] == ["POST"]
    done = await sim_compute.client.wait_for_task(app.results[0])
    assert done.succeeded
    created = [i for i in sim_env.instances.values() if i.name == "web-42"]
    assert len(created) == 1 and (created[0].cpu_count, created[0].memory_in_mb) == (2, 4096)


async def test_server_error_keeps_the_form_open_with_everything_typed(
    sim_compute: ComputeScope, http_log: LoggingTransport, form_host: FormHostFactory, settle_form: SettleForm
) -> None:
    form = CreateInstanceForm(form_context(sim_compute))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        await pilot.press(*"web-1")  # already exists in test_area: only the server knows
        choose_required(form)
        form.query_one("#portsToForward", Input).value = "22"
        template = form.query_one("#templateId", Select).value
        await pilot.press("ctrl+s")
        await settle_form(pilot)
        assert app.results == [] and app.screen is form
        assert "HTTP 400" in form_error(form) and "[2003]" in form_error(form)
        assert "already exists" in form_error(form)
        assert "[2003]" in error_of(form, "name")
        assert app.focused is form.query_one("#name", Input)
        assert form.query_one("#name", Input).value == "web-1"
        assert form.query_one("#portsToForward", Input).value == "22"
        assert form.query_one("#templateId", Select).value == template
        assert str(form.query_one("#submit", Button).label) == "Create" and not form.sending
        # Fix the name and send again: it goes through.
        form.query_one("#name", Input).value = "web-1b"
        await pilot.press("ctrl+s")
        await settle_form(pilot)
        assert len(app.results) == 1 and isinstance(app.results[0], Task)
    assert len(http_log.mutations()) == 2


async def test_escape_cancels(
    sim_compute: ComputeScope, http_log: LoggingTransport, form_host: FormHostFactory, settle_form: SettleForm
) -> None:
    form = CreateInstanceForm(form_context(sim_compute))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        await pilot.press(*"abc", "escape")  # typed into: the first Escape only warns
        await settle_form(pilot)
        assert app.results == []
        await pilot.press("escape")
        await settle_form(pilot)
        assert app.results == [None]
    assert http_log.mutations() == []


async def test_tab_walks_the_fields(
    sim_compute: ComputeScope, form_host: FormHostFactory, settle_form: SettleForm
) -> None:
    form = CreateInstanceForm(form_context(sim_compute))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        seen = []
        for _ in range(4):
            await pilot.press("tab")
            seen.append(app.focused.id if app.focused else None)
        assert seen == ["templateId", "computeOfferingId", "networkId", "sshKeyName"]


class GatedTransport(httpx.AsyncBaseTransport):
    """Real HTTP, but every request waits until its gate opens: a server as slow as the test
    wants it, without a clock (the lists and the POST have a gate each)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.lists = asyncio.Event()
        self.post = asyncio.Event()
        self.posted = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            await self.lists.wait()
        else:
            self.posted.set()
            await self.post.wait()
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_slow_server_shows_loading_and_escape_while_sending_asks_twice(
    sim: SimServer, form_host: FormHostFactory, settle_form: SettleForm
) -> None:
    # Was a simulator with 1 s of latency: on a loaded machine the POST came back before the
    # first Escape and the test failed. Gates hold each request as long as the test needs.
    gated = GatedTransport()
    client = CloudCAClient(sim.url, sim.api_key, transport=gated, max_retries=0)
    try:
        form = CreateInstanceForm(form_context(client.compute("compute-on", "test_area")))
        app = form_host(form)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            # Loading: the indicator shows, the action waits, the operator can already type.
            assert form.query_one("#loading").display and form.query_one("#submit").disabled
            await pilot.press(*"slow-1")
            gated.lists.set()
            await settle_form(pilot)
            assert not form.query_one("#loading").display
            assert form.query_one("#name", Input).value == "slow-1"
            choose_required(form)
            await pilot.pause()
            await pilot.press("ctrl+s")
            await gated.posted.wait()
            await pilot.pause()
            assert form.sending and str(form.query_one("#submit", Button).label) == "Creating…"
            # The request is on its way: a first Escape warns instead of hiding the outcome.
            await pilot.press("escape")
            await pilot.pause()
            assert app.results == [] and "press Escape again" in form_error(form)
            await pilot.press("escape")
            await pilot.pause()
            assert app.results == [None]
            gated.post.set()
            await settle_form(pilot)
            assert app.results == [None]
    finally:
        await client.aclose()


async def test_escape_on_a_filled_form_asks_before_discarding(
    sim_compute: ComputeScope, form_host: FormHostFactory, settle_form: SettleForm
) -> None:
    from textual.widgets import Input

    form = CreateInstanceForm(form_context(sim_compute))
    host = form_host(form)
    async with host.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        form.query_one("#name", Input).focus()
        await pilot.press(*"keep-me")
        await pilot.press("escape")
        await pilot.pause()
        assert host.screen is form and "discard" in form_error(form)
        assert form.query_one("#name", Input).value == "keep-me"
        await pilot.press("escape")
        await pilot.pause()
        assert host.results == [None]
