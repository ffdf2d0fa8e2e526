"""Loading at scale: pages streamed as they arrive, unchanged rows not parsed again (their
instance keeps its object), two lists per refresh whatever the size, and the table
measuring only what changed. Real HTTP against the simulator, with a small page cap."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from datetime import datetime
from typing import Any

import httpx
import pytest
from textual.app import ComposeResult

from cca_tui.api.client import CloudCAClient, ComputeScope
from cca_tui.api.errors import ApiError
from cca_tui.api.models import Instance
from cca_tui.fleet.identity import RowKey
from cca_tui.sim.options import SimOptions
from cca_tui.sim.server import SimServer
from cca_tui.ui import loading
from cca_tui.ui.loading import Batch, InstanceLoader
from cca_tui.ui.state import EnvironmentRef, EnvironmentView
from cca_tui.ui.widgets import instance_table
from tests.conftest import SimFactory
from tests.fake_api_server import FakeRequest, FakeServer, Reply
from tests.ui.app_harness import count_widths

# When a list arrived, for views built by hand (no time is shown by what is tested here).
LOADED_AT = datetime(2026, 12, 1, 12, 0)

ENV = ("compute-on", "production")


class Counting(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path.rsplit("/", 1)[-1])
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
def big_sim(sim_factory: SimFactory) -> SimServer:
    return sim_factory(SimOptions(task_delay=0, instances=450, page_cap=50))


def row_keys(instances: Mapping[Hashable, Instance]) -> list[RowKey]:
    """The keys of a load's rows: each a RowKey (environment and id)."""
    keys = [key for key in instances if isinstance(key, RowKey)]
    assert len(keys) == len(instances)
    return keys


async def load_all(loader: InstanceLoader, compute: ComputeScope) -> list[Batch]:
    return [batch async for batch in loader.stream(compute)]


async def test_pages_stream_and_unchanged_rows_keep_their_objects(
    big_sim: SimServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    transport = Counting()
    parsed: list[object] = []
    kept_row = loading.kept_row

    def counting_kept_row(row: dict[str, Any]) -> dict[str, Any]:
        parsed.append(row)  # every row that is parsed is first cut to its bounds, here
        return kept_row(row)

    monkeypatch.setattr(loading, "kept_row", counting_kept_row)
    async with CloudCAClient(big_sim.url, big_sim.api_key, transport=transport, max_retries=0) as client:
        compute = client.compute(*ENV)
        loader = InstanceLoader(EnvironmentRef(*ENV))
        batches = await load_all(loader, compute)
        # Page 1 is handed over before the other eight pages are in.
        assert len(batches) == 9
        assert [b.complete for b in batches] == [False] * 8 + [True]
        assert len(batches[0].instances) == 50 and batches[0].total == 450
        first = batches[-1].instances
        assert len(first) == 450 and len(parsed) == 450
        # Two lists: the instance pages and the public IPs, nothing per row.
        assert sorted(set(transport.paths)) == ["instances", "publicipaddresses"]
        assert transport.paths.count("instances") == 9 and transport.paths.count("publicipaddresses") == 1

        # 1 % changes on the server: only those rows are parsed, the others keep their object.
        env = big_sim.world.environment(*ENV)
        changed = sorted(env.instances)[::100]
        with big_sim.world.lock:
            for instance_id in changed:
                env.instances[instance_id].name += "-renamed"
        parsed.clear()
        again = (await load_all(loader, compute))[-1].instances
        assert sorted(row_keys(again)) == sorted(row_keys(first))
        assert len(parsed) == len(changed)
        for key, instance in again.items():
            assert key == RowKey(EnvironmentRef(*ENV), instance.id)  # rows know where they live
            if instance.id in changed:
                assert instance is not first[key] and instance.name.endswith("-renamed")
            else:
                assert instance is first[key]
        # Public IPs are joined (the seed forwards ports on some instances).
        assert any(instance.public_ips for instance in again.values())


async def test_a_refresh_with_one_change_measures_one_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """The state says which instances changed; the table re-measures those alone."""
    from textual.app import App

    instances = [Instance(id=f"i{n}", name=f"vm-{n}", state="Running") for n in range(2000)]
    view = EnvironmentView.of(EnvironmentRef("c", "e")).with_instances(instances, when=LOADED_AT)
    measured = count_widths(monkeypatch)

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield instance_table.InstanceTable()

    app = Host()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(instance_table.InstanceTable)
        table.view = view
        await pilot.pause()
        assert len(measured.counted_in) == 2000
        measured.clear()
        changed = list(instances)
        changed[1234] = instances[1234].model_copy(update={"name": "a-much-longer-name-than-any-other"})
        table.view = view.with_instances(changed, when=LOADED_AT)
        await pilot.pause()
        assert measured.counted_in == ["i1234"]
        assert table._widths[0] == len("a-much-longer-name-than-any-other")
        # It leaves: the column narrows back.
        table.view = table.view.with_instances(instances[:1234] + instances[1235:], when=LOADED_AT)
        await pilot.pause()
        assert table._widths[0] == len("vm-1999")
        assert measured.counted_in == ["i1234"]  # leaving costs no measuring


async def test_a_public_ip_change_reaches_an_unchanged_instance(big_sim: SimServer) -> None:
    """The row of the instance is the same; only the address list says it lost its IP."""
    async with CloudCAClient(big_sim.url, big_sim.api_key, max_retries=0) as client:
        compute = client.compute(*ENV)
        loader = InstanceLoader(EnvironmentRef(*ENV))
        first = (await load_all(loader, compute))[-1].instances
        with_ips = sorted(key for key in row_keys(first) if first[key].public_ips)
        assert with_ips
        target = with_ips[0]
        target_id = target.id
        env = big_sim.world.environment(*ENV)
        with big_sim.world.lock:
            for rule_id in [r.id for r in env.pf_rules.values() if r.instance_id == target_id]:
                del env.pf_rules[rule_id]
        again = (await load_all(loader, compute))[-1].instances
        assert not again[target].public_ips
        assert all(again[iid] is first[iid] for iid in with_ips[1:] if iid != target)


async def test_a_refresh_says_what_changed_and_the_index_trusts_it(big_sim: SimServer) -> None:
    """The loader knows which rows it parsed again: the complete list of a refresh says so
    (a Revised of the last one), and the row index built from it skips its walk through
    every instance yet gives the rows `arrange` gives."""
    from cca_tui.ui.rows import COLUMN_KEYS, Revised, RowIndex, arrange

    async with CloudCAClient(big_sim.url, big_sim.api_key, max_retries=0) as client:
        compute = client.compute(*ENV)
        loader = InstanceLoader(EnvironmentRef(*ENV))
        first = (await load_all(loader, compute))[-1].instances
        index = RowIndex(first)
        index.arrange("", "name", False)
        env = big_sim.world.environment(*ENV)
        with big_sim.world.lock:
            renamed = sorted(env.instances)[10:13]
            for iid in renamed:
                env.instances[iid].name = f"zz-{iid[:4]}"
            gone = sorted(env.instances)[20]
            del env.instances[gone]
        again = (await load_all(loader, compute))[-1].instances
        assert isinstance(again, Revised) and again.base is first
        assert sorted(key.id for key in again.changed) == renamed and [key.id for key in again.departed] == [gone]
        revised = RowIndex(again, previous=index)
        assert sorted(key.id for key in revised.changed or [] if isinstance(key, RowKey)) == renamed
        assert [key.id for key in revised.departed if isinstance(key, RowKey)] == [gone]
        for column in COLUMN_KEYS:
            for text in ("", "zz", "web"):
                assert revised.arrange(text, column, False) == arrange(again.values(), text, column, False)


async def test_the_first_load_ends_with_a_revision_of_what_was_shown(big_sim: SimServer) -> None:
    """The complete list of a first load says what differs from the pages shown so far (the
    last page, the instances given their public IPs): applying it walks none of the rest."""
    from cca_tui.ui.rows import Revised

    async with CloudCAClient(big_sim.url, big_sim.api_key, max_retries=0) as client:
        compute = client.compute(*ENV)
        shown = None
        async for batch in InstanceLoader(EnvironmentRef(*ENV)).stream(compute):
            instances = batch.instances  # as the screen does: each batch when it comes
            if not batch.complete:
                shown = instances
        assert shown is not None and len(shown) < len(instances) == 450
        assert isinstance(instances, Revised) and instances.base is shown
        differ = {iid for iid, instance in instances.items() if shown.get(iid) is not instance}
        assert set(instances.changed) == differ and instances.departed == []
        assert any(instance.public_ips for instance in instances.values())


async def test_a_load_that_fails_part_way_leaves_its_rows_to_the_next_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Page 5 of 5 fails (503) the first time: the retry parses that page's rows alone, and
    the rows it reuses are new to the list like any other (their public IPs joined). Each
    retry parsed every page again."""
    fail_once = {"page 5": True}
    ip = {"id": "ip-1", "ipAddress": "203.0.113.7", "instances": [{"id": "p1-0"}], "purposes": ["STATIC_NAT"]}

    def handler(request: FakeRequest) -> Reply:
        if not request.path.endswith("/instances"):
            return Reply(200, {"data": [ip], "metadata": {"recordCount": 1}})
        number = request.int_param("page_number", 1)
        if number == 5 and fail_once.pop("page 5", False):
            return Reply(503, {"errors": [{"code": 503, "message": "busy"}]})
        rows = [{"id": f"p{number}-{i}", "name": f"vm-{number}-{i}", "state": "Running"} for i in range(10)]
        return Reply(200, {"data": rows, "metadata": {"recordCount": 50}})

    parsed: list[object] = []
    kept_row = loading.kept_row

    def counting_kept_row(row: dict[str, Any]) -> dict[str, Any]:
        parsed.append(row)
        return kept_row(row)

    monkeypatch.setattr(loading, "kept_row", counting_kept_row)
    async with (
        FakeServer(handler) as server,
        # One page at a time, in order: pages 1 to 4 are read, then page 5 fails.
        CloudCAClient(server.url, "test-key-0001", max_retries=0, page_size=10, page_concurrency=1) as api,
    ):
        loader = InstanceLoader(EnvironmentRef(*ENV))
        with pytest.raises(ApiError):
            await load_all(loader, api.compute(*ENV))
        assert len(parsed) == 40
        parsed.clear()
        last = (await load_all(loader, api.compute(*ENV)))[-1]
    assert last.complete and len(last.instances) == 50
    assert len(parsed) == 10  # page 5's rows: the others were read by the failed load
    by_id = {instance.id: instance for instance in last.instances.values()}
    assert [address.ip_address for address in by_id["p1-0"].public_ips or []] == ["203.0.113.7"]
