"""The destroy form offers an instance's data volumes whichever case the server spells their
type in (the reference writes `os` / `data`, the Go client's constants are `OS` / `DATA`),
even when the server filters by type matching case exactly."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from textual.widgets import Checkbox

from cca_tui.api.client import CloudCAClient
from cca_tui.sim.server import SimServer
from cca_tui.ui.forms import DestroyForm
from tests.ui.conftest import FormHostFactory, InstanceNamed, SettleForm
from tests.ui.form_contexts import form_context

ENV = ("compute-on", "test_area")


class CaseExactVolumes(httpx.AsyncBaseTransport):
    """The simulator, with volume types respelt by `spell` and the `type` filter applied the way
    a server matching case exactly would (the simulator itself compares without case)."""

    def __init__(self, spell: Callable[[str], str]) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.spell = spell
        self.type_filters: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method != "GET" or not request.url.path.endswith("/volumes"):
            return response
        await response.aread()
        payload = json.loads(response.content)
        wanted = request.url.params.get("type")
        if wanted is not None:
            self.type_filters.append(wanted)
        rows = []
        for row in payload["data"]:
            row["type"] = self.spell(row["type"])
            if wanted is None or row["type"] == wanted:
                rows.append(row)
        payload["data"] = rows
        return httpx.Response(response.status_code, json=payload, request=request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.mark.parametrize("spell", [str.lower, str.upper], ids=["docs-os-data", "go-OS-DATA"])
async def test_destroy_offers_the_data_volumes_in_either_case(
    sim: SimServer,
    spell: Callable[[str], str],
    form_host: FormHostFactory,
    settle_form: SettleForm,
    instance_named: InstanceNamed,
) -> None:
    transport = CaseExactVolumes(spell)
    client = CloudCAClient(sim.url, sim.api_key, transport=transport, max_retries=0)
    try:
        compute = client.compute(*ENV)
        db = await instance_named(compute, "db-primary")
        form = DestroyForm(form_context(compute, db))
        async with form_host(form).run_test(size=(120, 40)) as pilot:
            await settle_form(pilot)
            volumes = [str(box.label) for box in form.query(".delete-volume").results(Checkbox)]
    finally:
        await client.aclose()
    assert volumes == ["delete db-primary-data (100 GB)"]
    assert transport.type_filters == []  # filtered by instance on the server, by type here
