"""When the reply to registering an SSH key is lost, the form asks whether the key exists now
(what the request was about), not what state the instance is in (issue 16)."""

from __future__ import annotations

import base64
import struct
from pathlib import Path

import httpx
from textual.widgets import Static

from cca_tui.api.client import CloudCAClient
from cca_tui.api.models import Instance, Task
from cca_tui.sim.server import SimServer
from cca_tui.ui.forms import AssociateKeyForm
from tests.ui.conftest import FormHost, FormHostFactory, SettleForm
from tests.ui.form_contexts import form_context

ENV = ("compute-on", "test_area")


def fresh_public_key() -> str:
    kind = b"ssh-ed25519"
    blob = struct.pack(">I", len(kind)) + kind + struct.pack(">I", 32) + bytes(range(140, 172))
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} me@laptop"


class LoseRegistrationReply(httpx.AsyncBaseTransport):
    """Real HTTP to the simulator; the reply to `POST .../sshkeys` is lost, after the server
    did it (`carried_out`) or before it ever read it."""

    def __init__(self, *, carried_out: bool, failed: bool = False) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.carried_out = carried_out
        self.failed = failed  # answer instead that the registration task FAILED
        self.log: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.log.append(f"{request.method} {request.url.path.split('/test_area/')[-1]}")
        if request.method == "POST" and request.url.path.endswith("/sshkeys"):
            if self.failed:
                body = {"taskId": "", "taskStatus": "FAILED", "result": {"message": "key rejected"}}
                return httpx.Response(200, json=body, request=request)
            if self.carried_out:
                response = await self.inner.handle_async_request(request)
                await response.aread()
            raise httpx.ReadError("connection reset after the request was sent", request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def associate_with_lost_reply(
    sim: SimServer,
    tmp_path: Path,
    form_host: FormHostFactory,
    settle_form: SettleForm,
    *,
    carried_out: bool,
    failed: bool = False,
) -> tuple[FormHost, LoseRegistrationReply, Instance, str]:
    (tmp_path / "id_work.pub").write_text(fresh_public_key() + "\n")
    transport = LoseRegistrationReply(carried_out=carried_out, failed=failed)
    client = CloudCAClient(sim.url, sim.api_key, transport=transport, max_retries=0, task_poll_interval=0.01)
    try:
        compute = client.compute(*ENV)
        web2 = next(i for i in await compute.list_instances() if i.name == "web-2")
        form = AssociateKeyForm(form_context(compute, web2, ssh_dir=tmp_path))
        app = form_host(form)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle_form(pilot)
            await pilot.press("ctrl+s")
            await settle_form(pilot)
            error = "" if app.results else str(form.query_one("#form-error", Static).render())
    finally:
        await client.aclose()
    return app, transport, web2, error


async def test_a_lost_reply_to_a_registration_that_was_done_goes_on_to_associate(
    sim: SimServer, tmp_path: Path, form_host: FormHostFactory, settle_form: SettleForm
) -> None:
    app, transport, web2, error = await associate_with_lost_reply(
        sim, tmp_path, form_host, settle_form, carried_out=True
    )
    assert error == "" and len(app.results) == 1 and isinstance(app.results[0], Task)
    assert "GET sshkeys/id_work" in transport.log  # the key was looked up
    assert transport.log.index("GET sshkeys/id_work") < transport.log.index(f"POST instances/{web2.id}")
    env = sim.world.environment(*ENV)
    assert "id_work" in env.ssh_keys


async def test_a_lost_reply_to_a_registration_never_read_says_the_key_was_not_registered(
    sim: SimServer, tmp_path: Path, form_host: FormHostFactory, settle_form: SettleForm
) -> None:
    app, transport, web2, error = await associate_with_lost_reply(
        sim, tmp_path, form_host, settle_form, carried_out=False
    )
    assert app.results == []
    assert "the key id_work was not registered" in error and "nothing was done to the instance" in error
    assert "web-2 is" not in error  # not the instance's state: the key's
    assert f"POST instances/{web2.id}" not in transport.log


async def test_a_failed_registration_says_nothing_was_done_to_the_instance(
    sim: SimServer, tmp_path: Path, form_host: FormHostFactory, settle_form: SettleForm
) -> None:
    app, transport, web2, error = await associate_with_lost_reply(
        sim, tmp_path, form_host, settle_form, carried_out=False, failed=True
    )
    assert app.results == [] and "registering the key id_work failed" in error and "key rejected" in error
    assert f"POST instances/{web2.id}" not in transport.log
