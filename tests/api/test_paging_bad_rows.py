"""One malformed row must not hide the others: every list of the client keeps the rows that
parse and says which could not be read, and why, in its own words (never the server's)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from cca_tui.api.client import BadRow, CloudCAClient, Listing
from cca_tui.fleet.identity import EnvironmentRef
from cca_tui.ui.loading import InstanceLoader
from tests.fake_api_server import FakeRequest, FakeServer, Handler, Reply
from tests.typed import not_none

KEY = "test-key-0001"
CODE, ENV = "compute-on", "env1"
HOSTILE = "[@click=app.quit]two[/]\x1b]0;owned\x07"

GOOD = {"id": "good-1", "name": "good", "serviceCode": "compute-on", "state": "Running"}
# `id` is a list where every model wants a string: no model can read this row.
BAD = {"id": [HOSTILE], "name": HOSTILE, "serviceCode": "compute-on"}
NOT_AN_OBJECT = HOSTILE


def list_calls(api: CloudCAClient) -> dict[str, Callable[[], Awaitable[Listing[Any]]]]:
    compute = api.compute(CODE, ENV)
    return {
        "environments": api.list_environments,
        "connections": api.list_service_connections,
        "instances": compute.list_instances,
        "templates": compute.list_templates,
        "compute offerings": compute.list_compute_offerings,
        "disk offerings": compute.list_disk_offerings,
        "networks": compute.list_networks,
        "zones": compute.list_zones,
        "affinity groups": compute.list_affinity_groups,
        "volumes": compute.list_volumes,
        "ssh keys": compute.list_ssh_keys,
        "public ips": compute.list_public_ips,
        "port forwarding rules": compute.list_port_forwarding_rules,
        "nics": compute.list_nics,
    }


LIST_NAMES = [
    "environments",
    "connections",
    "instances",
    "templates",
    "compute offerings",
    "disk offerings",
    "networks",
    "zones",
    "affinity groups",
    "volumes",
    "ssh keys",
    "public ips",
    "port forwarding rules",
    "nics",
]


def serve(rows: list[object]) -> Handler:
    def handler(request: FakeRequest) -> Reply:
        return Reply(200, {"data": rows, "metadata": {"recordCount": len(rows)}})

    return handler


@pytest.mark.parametrize("name", LIST_NAMES)
async def test_every_list_keeps_the_rows_that_parse(name: str) -> None:
    async with FakeServer(serve([GOOD, BAD, NOT_AN_OBJECT])) as server, CloudCAClient(server.url, KEY) as api:
        assert sorted(list_calls(api)) == sorted(LIST_NAMES)
        listing = await asyncio.wait_for(list_calls(api)[name](), 20)
    assert isinstance(listing, Listing)
    assert [getattr(item, "id", None) or item.name for item in listing] == ["good-1"]
    assert len(listing.bad_rows) == 2 and listing.total == 3
    for bad in listing.bad_rows:
        assert isinstance(bad, BadRow)
        for ours in (bad.field, bad.reason, str(bad)):
            assert HOSTILE not in ours and "[@click" not in ours and "\x1b" not in ours
    by_row = {bad.index: bad for bad in listing.bad_rows}
    assert by_row[1].field.startswith("id") and by_row[1].page == 1
    assert by_row[2].field == "row" and by_row[2].label is None


async def test_a_cpu_count_of_two_hides_one_instance_not_the_environment() -> None:
    rows = [
        {"id": "a", "name": "web-1", "cpuCount": 2},
        {"id": "b", "name": "web-2", "cpuCount": "two"},
        {"id": "c", "name": "web-3", "cpuCount": 4},
    ]
    async with FakeServer(serve(rows)) as server, CloudCAClient(server.url, KEY) as api:
        instances = await api.compute(CODE, ENV).list_instances()
        pages = [page async for page in api.compute(CODE, ENV).iter_instance_pages()]
    assert [i.name for i in instances] == ["web-1", "web-3"]
    (bad,) = instances.bad_rows
    assert (bad.label, bad.field, bad.page, bad.index) == ("b", "cpuCount", 1, 1)
    assert "integer" in bad.reason and "two" not in bad.reason
    assert [len(p.items) for p in pages] == [2] and pages[0].bad_rows == [bad]


async def test_bad_rows_are_counted_on_every_page() -> None:
    total, size = 30, 10

    def handler(request: FakeRequest) -> Reply:
        number = request.int_param("page_number", 1)
        rows: list[object] = [{"id": f"p{number}-{i}", "name": "ok"} for i in range(size - 1)]
        rows.append({"id": f"p{number}-bad", "name": "x", "memoryInMB": {"a": 1}})
        return Reply(200, {"data": rows, "metadata": {"recordCount": total}})

    async with FakeServer(handler) as server, CloudCAClient(server.url, KEY, page_size=size) as api:
        instances = await api.compute(CODE, ENV).list_instances()
    assert len(instances) == 27
    assert sorted(not_none(b.label) for b in instances.bad_rows) == ["p1-bad", "p2-bad", "p3-bad"]
    assert {b.field for b in instances.bad_rows} == {"memoryInMB"}


async def test_the_apps_loader_keeps_the_rows_that_parse_and_counts_the_rest() -> None:
    """The instance screen's loader, as the client's lists: entries that are no JSON object at
    all (a string, null, a number, a list) are counted among the unreadable rows, in our words,
    and the row that parses is shown. (They raised AttributeError out of the load.)"""
    rows: list[object] = [GOOD, BAD, NOT_AN_OBJECT, None, 5, [HOSTILE]]

    def handler(request: FakeRequest) -> Reply:
        if not request.path.endswith("/instances"):
            return Reply(200, {"data": []})  # public IPs: none
        return Reply(200, {"data": rows, "metadata": {"recordCount": len(rows)}})

    async with FakeServer(handler) as server, CloudCAClient(server.url, KEY) as api:
        loader = InstanceLoader(EnvironmentRef(CODE, ENV))
        batches = [batch async for batch in loader.stream(api.compute(CODE, ENV))]
    last = batches[-1]
    assert last.complete and last.received == len(rows)
    assert [instance.id for instance in last.instances.values()] == ["good-1"]
    reason = not_none(last.unreadable)
    assert reason.startswith("5 row(s) could not be read, e.g. id")
    assert HOSTILE not in reason and "[@click" not in reason and "\x1b" not in reason
