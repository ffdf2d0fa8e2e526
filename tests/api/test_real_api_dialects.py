"""The client reads every dialect the real API speaks (issue 16): the reference docs and the
official Go client disagree on paging metadata, public IP fields, error codes and which nested
fields are always there. Each test is a server (scripted, over HTTP on loopback) speaking one
of them."""

from __future__ import annotations

import asyncio

import pytest

from cca_tui.api.client import CloudCAClient
from cca_tui.api.errors import ApiError, ListIncomplete
from cca_tui.ui.loading import public_ips_by_instance
from tests.fake_api_server import FakeRequest, FakeServer, Reply

KEY = "test-key-0001"
CODE, ENV = "compute-on", "env1"
BASE = f"/v1/services/{CODE}/{ENV}"
GUARD = 20.0  # a client that pages forever fails instead of hanging


def instance(row_id: str) -> dict[str, object]:
    return {"id": row_id, "name": f"vm-{row_id}", "state": "Running"}


def no_metadata_server(rows: int) -> tuple[FakeServer, list[int]]:
    """Pages of `rows` instances with no `metadata` at all (paging is undocumented)."""
    asked: list[int] = []

    def handler(request: FakeRequest) -> Reply:
        number, size = request.int_param("page_number", 1), request.int_param("page_size", 500)
        asked.append(number)
        start = (number - 1) * size
        return Reply(200, {"data": [instance(f"i{n}") for n in range(start, min(rows, start + size))]})

    return FakeServer(handler), asked


# -- paging without metadata.recordCount --------------------------------------------------------


@pytest.mark.parametrize(("rows", "pages_read"), [(25, 3), (20, 3), (7, 1), (0, 1)])
async def test_a_list_without_record_count_is_read_while_pages_come_back_full(rows: int, pages_read: int) -> None:
    server, asked = no_metadata_server(rows)
    async with server, CloudCAClient(server.url, KEY, page_size=10, max_retries=0) as api:
        listing = await asyncio.wait_for(api.compute(CODE, ENV).list_instances(), GUARD)
    assert sorted(i.id for i in listing) == sorted(f"i{n}" for n in range(rows))
    assert listing.total is None
    assert sorted(asked) == list(range(1, pages_read + 1))  # stops at the short or empty page


async def test_a_server_that_ignores_paging_and_sends_everything_is_read_once() -> None:
    def everything(request: FakeRequest) -> Reply:
        return Reply(200, {"data": [instance(f"i{n}") for n in range(25)]})

    async with FakeServer(everything) as server, CloudCAClient(server.url, KEY, page_size=10, max_retries=0) as api:
        listing = await asyncio.wait_for(api.compute(CODE, ENV).list_instances(), GUARD)
    assert len(listing) == 25 and len(server.requests) == 1


async def test_full_pages_without_end_stop_at_the_row_cap() -> None:
    def endless(request: FakeRequest) -> Reply:
        number = request.int_param("page_number", 1)
        return Reply(200, {"data": [instance(f"p{number}-{n}") for n in range(10)]})

    async with FakeServer(endless) as server, CloudCAClient(server.url, KEY, page_size=10, max_retries=0) as api:
        api.http.max_rows = 95
        with pytest.raises(ListIncomplete) as caught:
            await asyncio.wait_for(api.compute(CODE, ENV).list_instances(), GUARD)
    assert caught.value.total is None and caught.value.rows <= 110
    assert len(server.requests) <= 95 // 10 + 4


async def test_a_repeated_page_without_record_count_is_reported_not_looped() -> None:
    def same(request: FakeRequest) -> Reply:
        return Reply(200, {"data": [instance(f"i{n}") for n in range(10)]})

    async with FakeServer(same) as server, CloudCAClient(server.url, KEY, page_size=10, max_retries=0) as api:
        with pytest.raises(ListIncomplete, match="repeated a page"):
            await asyncio.wait_for(api.compute(CODE, ENV).list_instances(), GUARD)
    assert len(server.requests) == 2


# -- public IPs in either shape -----------------------------------------------------------------


DOCS_IP = {
    "id": "ip-1",
    "ipAddress": "199.215.0.17",
    "purposes": ["STATIC_NAT"],
    "instances": [{"id": "i1", "name": "web-1"}],
}
GO_IP = {
    "id": "ip-2",
    "ipAddress": "199.215.0.18",
    "purposes": ["PORT_FORWARDING"],
    "instanceId": "i2",
    "instanceNames": ["web-2"],
    "privateIpId": "nic-2",
}
# The reference marks a nested `id` present; a reply that leaves it out costs only that link.
NO_NESTED_ID_IP = {"id": "ip-3", "ipAddress": "199.215.0.19", "purposes": [], "instances": [{"name": "web-3"}]}


async def test_public_ips_are_read_in_the_docs_and_the_go_client_shapes() -> None:
    def ips(request: FakeRequest) -> Reply:
        return Reply(200, {"data": [DOCS_IP, GO_IP, NO_NESTED_ID_IP]})

    async with FakeServer(ips) as server, CloudCAClient(server.url, KEY, max_retries=0) as api:
        listing = await api.compute(CODE, ENV).list_public_ips()
    assert listing.bad_rows == [] and [ip.id for ip in listing] == ["ip-1", "ip-2", "ip-3"]
    go = listing[1]
    assert (go.instance_ids, go.private_ip_id, [r.name for r in go.instance_refs]) == ({"i2"}, "nic-2", ["web-2"])
    grouped = public_ips_by_instance(list(listing))
    assert {iid: [ip.ip_address for ip in ips] for iid, ips in grouped.items()} == {
        "i1": ["199.215.0.17"],
        "i2": ["199.215.0.18"],
    }


async def test_a_retrieved_instance_missing_nested_ids_keeps_its_other_values() -> None:
    detail = {
        **instance("i1"),
        "publicIps": [{"ipAddress": "199.215.0.17", "purposes": ["STATIC_NAT"], "ports": [22]}],
        "nics": [{"isDefault": True, "networkId": "n1"}],
    }

    def one(request: FakeRequest) -> Reply:
        if request.path.endswith("/nics"):
            return Reply(200, {"data": [{"name": "NIC-0", "ipAddress": "10.0.0.5", "isDefault": True}]})
        return Reply(200, {"data": detail})

    async with FakeServer(one) as server, CloudCAClient(server.url, KEY, max_retries=0) as api:
        compute = api.compute(CODE, ENV)
        got = await compute.get_instance("i1")
        nics = await compute.list_nics(instance_id="i1")
    assert got.public_ips is not None and got.public_ips[0].ip_address == "199.215.0.17"
    assert got.public_ips[0].id is None and got.nics is not None and got.nics[0].id is None
    assert nics.bad_rows == [] and nics[0].ip_address == "10.0.0.5" and nics[0].id is None


# -- errors: code or errorCode, string or integer -------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "shown"),
    [
        ({"code": 2012, "message": "Bad state", "context": {"currentState": "Stopped"}}, "[2012] Bad state"),
        ({"errorCode": "2012", "message": "Bad state"}, "[2012] Bad state"),
        ({"errorCode": 2012, "message": "Bad state"}, "[2012] Bad state"),
        ({"code": None, "errorCode": "INVALID_STATE", "message": "Bad state"}, "[INVALID_STATE] Bad state"),
        ({"code": "2012", "message": "Bad state", "context": "not an object"}, "[2012] Bad state"),
    ],
)
async def test_errors_are_read_with_code_or_error_code(entry: dict[str, object], shown: str) -> None:
    def refuse(request: FakeRequest) -> Reply:
        return Reply(400, {"errors": [entry]})

    async with FakeServer(refuse) as server, CloudCAClient(server.url, KEY, max_retries=0) as api:
        with pytest.raises(ApiError) as caught:
            await api.compute(CODE, ENV).stop_instance("i1")
    detail = caught.value.first
    assert detail is not None and str(detail) == shown
    assert isinstance(detail.context, dict)
