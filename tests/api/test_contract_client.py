"""The client's side of the contract: mutations answered without a task are done, the base URL
gives the same requests however it is typed, and the documented list filters are sent."""

from __future__ import annotations

import httpx
import pytest

from cca_tui.api.client import CloudCAClient
from cca_tui.api.envelope import parse_task
from cca_tui.api.errors import ProtocolError
from cca_tui.sim.options import SimOptions
from cca_tui.sim.server import SimServer
from tests.conftest import SimFactory

PROD = ("compute-on", "production")


# -- replies without a task ------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_a_mutation_answered_204_is_a_done_task(method: str) -> None:
    task = parse_task(None, status=204, method=method, path="x")
    assert task.done and task.succeeded and task.result is None and task.id == ""


def test_a_mutation_answered_with_data_only_is_done_with_that_result() -> None:
    instance = {"id": "i", "name": "web", "state": "Stopped"}
    task = parse_task({"data": instance}, status=200, method="POST", path="x")
    assert task.succeeded and task.result == instance
    empty = parse_task({"data": None}, status=200, method="DELETE", path="x")
    assert empty.succeeded and empty.result is None


def test_an_entity_with_a_status_field_is_not_mistaken_for_a_task() -> None:
    connection = {"id": "c", "status": {"reachable": True}, "name": "ON"}
    task = parse_task({"data": connection}, status=200, method="PUT", path="x")
    assert task.succeeded and task.id == "" and task.result == connection


def test_reading_a_task_gets_no_such_leniency() -> None:
    with pytest.raises(ProtocolError):
        parse_task(None, status=204, method="GET", path="tasks/t")
    with pytest.raises(ProtocolError):
        parse_task({"data": {"id": "i", "name": "web"}}, status=200, method="GET", path="tasks/t")


def test_both_task_shapes_still_read_as_tasks() -> None:
    go = parse_task({"data": {"id": "t", "status": "PENDING", "created": "c"}}, status=200, method="POST", path="x")
    assert (go.id, go.status, go.done) == ("t", "PENDING", False)
    reference = parse_task({"taskId": "t", "taskStatus": "PENDING"}, status=200, method="POST", path="x")
    assert (reference.id, reference.done) == ("t", False)


@pytest.mark.parametrize("reply", ["204", "data"])
async def test_the_client_treats_taskless_replies_as_done(sim_factory: SimFactory, reply: str) -> None:
    sim = sim_factory(SimOptions(task_delay=30, taskless_reply=reply))
    async with CloudCAClient(sim.url, sim.api_key, task_poll_interval=0.01) as api:
        compute = api.compute(*PROD)
        web = next(i for i in await compute.list_instances() if i.name == "web-2")
        task = await compute.stop_instance(web.id)
        assert task.succeeded
        done = await api.wait_for_task(task)  # nothing to poll: it returns at once
        assert done.succeeded
        if reply == "data":
            assert done.result["id"] == web.id and done.result["state"] == "Stopped"
        assert (await compute.get_instance(web.id)).state == "Stopped"
        renamed = await api.wait_for_task(await compute.update_instance(web.id, name="web-two"))
        assert renamed.succeeded and (await compute.get_instance(web.id)).name == "web-two"


# -- the base URL -----------------------------------------------------------------------------


async def _requests_made(base_url: str) -> list[str]:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url}")
        if request.method == "GET":
            return httpx.Response(200, json={"data": [], "metadata": {"recordCount": 0}})
        return httpx.Response(200, json={"taskId": "t", "taskStatus": "PENDING"})

    async with CloudCAClient(base_url, "k", transport=httpx.MockTransport(handler)) as api:
        await api.list_environments()
        compute = api.compute("compute-on", "test area")
        await compute.list_instances()
        await compute.stop_instance("i-1")
    return seen


async def test_the_same_requests_whatever_the_base_url_ends_with() -> None:
    # MockTransport: nothing leaves the process.
    reference = await _requests_made("http://127.0.0.1:9/v1")
    assert reference[0] == "GET http://127.0.0.1:9/v1/environments?page_number=1&page_size=500"
    assert reference[1].startswith("GET http://127.0.0.1:9/v1/services/compute-on/test%20area/instances?")
    for spelling in (
        "http://127.0.0.1:9/v1/",
        "http://127.0.0.1:9/v1//",
        "http://127.0.0.1:9//v1",
        " http://127.0.0.1:9/v1 ",
    ):
        assert await _requests_made(spelling) == reference, spelling


async def test_the_go_clients_base_url_works_against_the_simulator(sim: SimServer) -> None:
    for base in (sim.url + "/", sim.url.replace("/v1", "//v1//")):
        async with CloudCAClient(base, sim.api_key) as api:
            assert len(await api.list_environments()) == 4


# -- documented list filters -------------------------------------------------------------------


async def test_list_filters_are_sent_and_honoured(sim: SimServer) -> None:
    async with CloudCAClient(sim.url, sim.api_key) as api:
        compute = api.compute(*PROD)
        db = next(i for i in await compute.list_instances() if i.name == "db-primary")
        data = await compute.list_volumes(instance_id=db.id, type="DATA")
        assert [(v.name, v.type, v.disk_offering_name) for v in data] == [("db-primary-data", "data", "100GB")]
        assert {v.type for v in await compute.list_volumes(type="OS")} == {"os"}
        nics = await compute.list_nics(network_id=db.network_id)
        assert nics and {n.network_id for n in nics} == {db.network_id}
        assert db.id in {n.instance_id for n in nics}
        assert all(n.vpc_name == db.vpc_name for n in nics)


async def test_list_filters_go_in_the_query_string() -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, json={"data": [], "metadata": {"recordCount": 0}})

    async with CloudCAClient("http://127.0.0.1:9/v1", "k", transport=httpx.MockTransport(handler)) as api:
        compute = api.compute(*PROD)
        await compute.list_volumes(instance_id="i-1", type="DATA")
        await compute.list_nics(network_id="n-1")
        await compute.list_volumes()
    assert (seen[0].params["instance_id"], seen[0].params["type"]) == ("i-1", "DATA")
    assert seen[1].params["network_id"] == "n-1"
    assert "type" not in seen[2].params and "instance_id" not in seen[2].params
