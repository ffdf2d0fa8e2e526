"""The client drives instances through their whole life against the simulator, over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from cca_tui.api.client import CloudCAClient, ComputeScope
from cca_tui.api.errors import ApiError, AuthError, NotFoundError, TaskFailed, TransportError
from cca_tui.api.models import Instance
from cca_tui.sim.options import SimOptions
from cca_tui.sim.server import SimServer
from tests.conftest import SimFactory
from tests.seed_gates import SEED_GATES
from tests.typed import not_none

CODE, ENV = "compute-on", "test_area"


@pytest.fixture
async def api(sim: SimServer) -> AsyncIterator[CloudCAClient]:
    async with CloudCAClient(sim.url, sim.api_key, task_poll_interval=0.01, backoff=0.01) as client:
        yield client


async def create_running(api: CloudCAClient, name: str = "life-1", **extra: object) -> tuple[ComputeScope, Instance]:
    compute = api.compute(CODE, ENV)
    templates = [t for t in await compute.list_templates() if t.is_ready]
    offerings = [o for o in await compute.list_compute_offerings() if not o.custom]
    networks = await compute.list_networks()
    network = networks[0]
    template = next(t for t in templates if not t.available_in_zones or network.zone_id in t.available_in_zones)
    body = {
        "name": name,
        "templateId": template.id,
        "computeOfferingId": offerings[0].id,
        "networkId": network.id,
        **extra,
    }
    task = await compute.create_instance(body)
    assert task.status == "PENDING" and task.id
    done = await api.wait_for_task(task)
    instance = await compute.get_instance(done.result["id"])
    return compute, instance


async def test_environments_carry_service_codes(api: CloudCAClient) -> None:
    environments = await api.list_environments()
    connections = await api.list_service_connections()
    assert {not_none(e.service_connection).service_code for e in environments} == {"compute-on", "compute-qc"}
    assert {c.service_code for c in connections} >= {"compute-on", "compute-qc"}
    one = await api.get_environment(environments[0].id)
    assert one.id == environments[0].id


async def test_whole_life_of_an_instance(api: CloudCAClient) -> None:
    compute, instance = await create_running(api, portsToForward=["22", "8080"])
    assert instance.state == "Running"
    assert instance.public_ips and {"22", "8080"} <= set(instance.public_ips[0].ports)
    rules = await compute.list_port_forwarding_rules(instance_id=instance.id)
    assert {r.private_port_start for r in rules} == {"22", "8080"}
    nics = await compute.list_nics(instance_id=instance.id)
    assert [n.is_default for n in nics] == [True]

    await api.wait_for_task(await compute.stop_instance(instance.id))
    assert (await compute.get_instance(instance.id)).state == "Stopped"
    await api.wait_for_task(await compute.start_instance(instance.id))
    await api.wait_for_task(await compute.reboot_instance(instance.id))
    assert (await compute.get_instance(instance.id)).state == "Running"

    offerings = await compute.list_compute_offerings()
    custom = next(o for o in offerings if o.custom)
    await api.wait_for_task(
        await compute.change_compute_offering(instance.id, custom.id, cpu_count=2, memory_in_mb=4096)
    )
    resized = await compute.get_instance(instance.id)
    assert (resized.compute_offering_id, resized.cpu_count, resized.memory_in_mb) == (custom.id, 2, 4096)

    password_task = await api.wait_for_task(await compute.reset_password(instance.id))
    assert len(password_task.result["password"]) >= 8

    same_zone = [
        n for n in await compute.list_networks() if n.zone_id == resized.zone_id and n.id != resized.network_id
    ]
    await api.wait_for_task(await compute.change_network(instance.id, same_zone[0].id))
    moved = await compute.get_instance(instance.id)
    assert moved.network_id == same_zone[0].id
    assert await compute.list_port_forwarding_rules(instance_id=instance.id) == []

    key = (await compute.list_ssh_keys())[0]
    await api.wait_for_task(await compute.associate_ssh_key(instance.id, key.name))

    await api.wait_for_task(await compute.update_instance(instance.id, name="life-renamed", hostname="life-host"))
    renamed = await compute.get_instance(instance.id)
    assert (renamed.name, renamed.hostname) == ("life-renamed", "life-host")

    ips = [not_none(ip.id) for ip in renamed.public_ips or []]
    await api.wait_for_task(await compute.destroy_instance(instance.id, public_ip_ids=ips))
    assert (await compute.get_instance(instance.id)).state == "Destroyed"
    remaining = {ip.id for ip in await compute.list_public_ips()}
    assert not set(ips) & remaining

    await api.wait_for_task(await compute.recover_instance(instance.id))
    assert (await compute.get_instance(instance.id)).state == "Stopped"
    await api.wait_for_task(await compute.destroy_instance(instance.id))
    await api.wait_for_task(await compute.purge_instance(instance.id))
    with pytest.raises(NotFoundError):
        await compute.get_instance(instance.id)


async def test_destroy_with_purge_removes_at_once(api: CloudCAClient) -> None:
    compute, instance = await create_running(api, name="gone-1")
    await api.wait_for_task(await compute.destroy_instance(instance.id, purge=True))
    assert instance.id not in {i.id for i in await compute.list_instances()}


OPERATIONS = {
    "start": lambda c, i: c.start_instance(i),
    "stop": lambda c, i: c.stop_instance(i),
    "reboot": lambda c, i: c.reboot_instance(i),
    "destroy": lambda c, i: c.destroy_instance(i),
    "purge": lambda c, i: c.purge_instance(i),
    "recover": lambda c, i: c.recover_instance(i),
}


@pytest.mark.parametrize("action", list(OPERATIONS))
async def test_every_refused_state_gate(api: CloudCAClient, action: str) -> None:
    """Each gated operation, from each seeded state it does not allow, answers 400 2012 with
    the state context of the reference's example, and changes nothing."""
    compute = api.compute(CODE, ENV)
    instances = await compute.list_instances()
    refused_from = {i.state: i for i in instances if i.state not in SEED_GATES[action]}
    assert refused_from, "the seed should hold instances in refused states"
    for state, instance in refused_from.items():
        with pytest.raises(ApiError) as caught:
            await OPERATIONS[action](compute, instance.id)
        error = caught.value
        assert error.status == 400
        detail = not_none(error.first)
        assert detail.code == 2012
        assert detail.context["currentState"] == state
        assert sorted(detail.context["expectedStates"]) == sorted(SEED_GATES[action])
        assert detail.context["id"] == instance.id
        assert (await compute.get_instance(instance.id)).state == state


async def test_create_validation_names_the_field(api: CloudCAClient) -> None:
    compute = api.compute(CODE, ENV)
    templates = await compute.list_templates()
    not_ready = next(t for t in templates if not t.is_ready)
    offering = next(o for o in await compute.list_compute_offerings() if not o.custom)
    network = (await compute.list_networks())[0]
    with pytest.raises(ApiError) as caught:
        await compute.create_instance(
            {"name": "x1", "templateId": not_ready.id, "computeOfferingId": offering.id, "networkId": network.id}
        )
    assert caught.value.status == 400 and not_none(caught.value.first).context.get("field") == "templateId"
    with pytest.raises(ApiError) as caught:
        await compute.create_instance({"templateId": not_ready.id})
    assert not_none(caught.value.first).context.get("field") == "name"


async def test_custom_offering_ratio_is_enforced(api: CloudCAClient) -> None:
    compute = api.compute(CODE, ENV)
    custom = next(o for o in await compute.list_compute_offerings() if o.custom)
    template = next(t for t in await compute.list_templates() if t.is_ready)
    network = next(
        n
        for n in await compute.list_networks()
        if not template.available_in_zones or n.zone_id in template.available_in_zones
    )
    too_much = max(custom.available_memory_in_mb_values)
    body = {
        "name": "ratio",
        "templateId": template.id,
        "computeOfferingId": custom.id,
        "networkId": network.id,
        "cpuCount": min(custom.available_cpu_count_values),
        "memoryInMB": too_much,
    }
    with pytest.raises(ApiError) as caught:
        await compute.create_instance(body)
    assert not_none(caught.value.first).context.get("field") == "memoryInMB"


async def test_failed_task_raises_with_message(api: CloudCAClient, sim: SimServer) -> None:
    compute = api.compute(CODE, ENV)
    stopped = next(i for i in await compute.list_instances() if i.state == "Stopped")
    sim.world.fail_next_task("host capacity exhausted")
    with pytest.raises(TaskFailed) as caught:
        await api.wait_for_task(await compute.start_instance(stopped.id))
    assert "host capacity exhausted" in str(caught.value)
    assert (await compute.get_instance(stopped.id)).state == "Stopped"


async def test_ssh_key_register_get_delete(api: CloudCAClient) -> None:
    compute = api.compute(CODE, ENV)
    existing = (await compute.list_ssh_keys())[0]
    fetched = await compute.get_ssh_key(existing.name)
    assert fetched.fingerprint == existing.fingerprint and len(not_none(fetched.fingerprint).split(":")) == 16


async def test_paging_follows_the_server_cap(sim_factory: SimFactory) -> None:
    sim = sim_factory(SimOptions(task_delay=0, instances=1234, page_cap=100))
    async with CloudCAClient(sim.url, sim.api_key) as api:
        instances = await api.compute("compute-on", "production").list_instances()
    assert len(instances) == 1234
    assert len({i.id for i in instances}) == 1234


@pytest.mark.parametrize("status", [403, 401])
async def test_wrong_key_is_auth_error_without_the_key(sim_factory: SimFactory, status: int) -> None:
    sim = sim_factory(SimOptions(task_delay=0, rejected_key_status=status))
    async with CloudCAClient(sim.url, "not-the-key-123") as api:
        with pytest.raises(AuthError) as caught:
            await api.list_environments()
    assert caught.value.status == status
    assert "not-the-key-123" not in str(caught.value) and "not-the-key-123" not in repr(caught.value)


async def test_dropped_connections_are_transport_errors_and_gets_retry(sim: SimServer) -> None:
    sim.offline = True
    async with CloudCAClient(sim.url, sim.api_key, max_retries=2, backoff=0.01) as api:
        with pytest.raises(TransportError):
            await api.list_environments()
        sim.offline = False
        assert await api.list_environments()


async def test_gets_ride_out_injected_5xx_and_throttling(sim_factory: SimFactory) -> None:
    sim = sim_factory(SimOptions(task_delay=0, error_rate=0.3, throttle_rate=0.2, seed=7))
    sleeps: list[float] = []

    async def no_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async with CloudCAClient(sim.url, sim.api_key, max_retries=8, sleep=no_sleep) as api:
        for _ in range(10):
            assert len(await api.list_environments()) == 4
    assert sleeps, "faults were injected, so the client must have waited and retried"
    assert 1.0 in sleeps  # the simulator's Retry-After: 1 was honoured


async def test_mutations_are_never_retried(sim_factory: SimFactory) -> None:
    sim = sim_factory(SimOptions(task_delay=0, error_rate=1.0))
    sent: list[str] = []

    async def count(request: httpx.Request) -> None:
        sent.append(request.method)

    async with CloudCAClient(sim.url, sim.api_key, max_retries=5, backoff=0.0) as api:
        api.http._http.event_hooks["request"].append(count)
        compute = api.compute(CODE, ENV)
        with pytest.raises(ApiError) as caught:
            await compute.start_instance("whatever")
        assert sent == ["POST"]
        with pytest.raises(ApiError):
            await compute.list_instances()
        assert sent == ["POST"] + ["GET"] * 6  # a GET is tried 1 + max_retries times
    assert caught.value.status == 503


async def test_transport_errors_never_quote_the_key(sim: SimServer) -> None:
    """A key httpx refuses to put in a header: its complaint quotes the header; ours must not."""
    secret = "SECRETKEY123\nurl: example.com"
    async with CloudCAClient(sim.url, secret, max_retries=0) as api:
        with pytest.raises(Exception) as caught:
            await api.list_environments()
    text = f"{caught.value} {caught.value!r}"
    assert "SECRETKEY123" not in text


async def test_post_operations_send_a_json_body(sim: SimServer) -> None:
    seen: list[tuple[str, str | None, bytes]] = []

    async def record(request: httpx.Request) -> None:
        seen.append((request.method, request.headers.get("content-type"), request.content))

    async with CloudCAClient(sim.url, sim.api_key) as api:
        api.http._http.event_hooks["request"].append(record)
        compute = api.compute(CODE, ENV)
        stopped = next(i for i in await compute.list_instances() if i.state == "Stopped")
        await compute.start_instance(stopped.id)
    method, content_type, body = seen[-1]
    assert (method, content_type, body) == ("POST", "application/json", b"{}")


async def test_wait_for_task_times_out_and_can_be_cancelled(sim_factory: SimFactory) -> None:
    import asyncio

    from cca_tui.api.errors import TaskTimeout

    sim = sim_factory(SimOptions(task_delay=60))
    async with CloudCAClient(sim.url, sim.api_key, task_poll_interval=0.01) as api:
        compute = api.compute(CODE, ENV)
        stopped = [i for i in await compute.list_instances() if i.state == "Stopped"]
        task = await compute.start_instance(stopped[0].id)
        with pytest.raises(TaskTimeout):
            await api.wait_for_task(task, timeout=0.2)
        polls: list[str] = []
        waiter = asyncio.create_task(api.wait_for_task(task, on_poll=lambda t: polls.append(t.status)))
        while not polls:
            await asyncio.sleep(0.01)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert set(polls) == {"PENDING"}
        # the server's task goes on: the instance is still on its way up
        assert (await compute.get_instance(stopped[0].id)).state == "Starting"


async def test_static_nat_gives_a_plain_ssh_command(api: CloudCAClient) -> None:
    """A static-NAT address maps every port to the instance: `ssh USER@IP`, port 22."""
    from cca_tui.ui.format import ssh_commands

    compute = api.compute("compute-on", "production")
    api_2 = next(i for i in await compute.list_instances() if i.name == "api-2")
    detail = await compute.get_instance(api_2.id)
    static = [ip for ip in detail.public_ips or [] if "STATIC_NAT" in ip.purposes]
    assert len(static) == 1
    rules = await compute.list_port_forwarding_rules(instance_id=api_2.id)
    assert rules == []
    assert ssh_commands(detail, rules) == [f"ssh cca-user@{static[0].ip_address}"]
    # Given explicitly (say from the public IP list), the same; forwarded 22 still listed after.
    bastion = next(i for i in await compute.list_instances() if i.name == "bastion")
    bastion_detail = await compute.get_instance(bastion.id)
    bastion_rules = await compute.list_port_forwarding_rules(instance_id=bastion.id)
    assert ssh_commands(bastion_detail, bastion_rules, public_ips=static) == [
        f"ssh cca-user@{static[0].ip_address}",
        f"ssh cca-user@{bastion_rules[0].ip_address} -p 22",
    ]
    # A list item has no public IPs: only the rules speak.
    assert ssh_commands(bastion, bastion_rules) == [f"ssh cca-user@{bastion_rules[0].ip_address} -p 22"]
