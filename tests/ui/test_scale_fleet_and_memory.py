"""A fleet at scale: one environment's pages or refresh patch the fleet's rows (not a walk of
the whole fleet), orders stay exactly `arrange`'s whichever way they are brought up to date,
and a loaded row keeps its values once (shared strings, pydantic's shared fields set)."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator, Hashable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from cca_tui.api.envelope import decode_json
from cca_tui.api.field_caps import FIELD_LIMIT, FieldTooLong, cap_fields
from cca_tui.api.models import Instance, InstancePublicIp, PublicIp
from cca_tui.fleet.identity import EnvironmentRef, LocatedInstance
from cca_tui.ui.loading import Batch, InstanceLoader, kept_row
from cca_tui.ui.rows import COLUMN_KEYS, Grown, Revised, RowIndex, arrange
from cca_tui.ui.state import EnvironmentView

WHEN = datetime(2026, 1, 1)
STATES = ["Running", "Stopped", "Starting", "Error"]


def located(env: EnvironmentRef, n: int, rng: random.Random, suffix: str = "") -> Instance:
    row = {
        "id": f"i-{n:05d}",  # the same ids in every environment: only the row key tells them apart
        "name": f"{rng.choice(['web', 'db', 'Web'])}-{rng.randrange(40)}{suffix}",
        "state": rng.choice(STATES),
        "ipAddress": f"10.0.{rng.randrange(3)}.{rng.randrange(256)}",
        "computeOfferingName": rng.choice(["small", "large"]),
    }
    return LocatedInstance.model_validate(row, context={"environment": env})


def assert_rows_as_arrange(view: EnvironmentView) -> None:
    everything = list(view.instances.values())
    assert list(view.rows) == arrange(everything, view.filter_text, view.sort_column, view.sort_reverse)


def test_a_fleets_pages_and_refreshes_patch_the_combined_rows() -> None:
    rng = random.Random(5)
    envs = [EnvironmentRef("compute-on", "prod"), EnvironmentRef("compute-qc", "dev"), EnvironmentRef("x", "y")]
    view = EnvironmentView.of(*envs).with_sort("state")
    handed: dict[EnvironmentRef, Mapping[Hashable, Instance]] = {env: {} for env in envs}
    # First loads, pages interleaved as environments answer: each page a Grown of the last.
    for page in range(4):
        for env in envs:
            rows = [located(env, page * 30 + n, rng) for n in range(30)]
            grown: Grown[Hashable] = Grown(handed[env], [(i.key, i) for i in rows])
            before = view.instances
            view = view.with_instances(grown, when=WHEN, environment=env, complete=False)
            handed[env] = grown
            if len(view.by_environment) > 1:
                # The fleet's rows grew by this page alone: the index extends, no walk.
                assert isinstance(view.instances, Grown) and view.instances.base is before
                assert view.row_index is not None and view.row_index.changed == [i.key for i in rows]
            assert_rows_as_arrange(view)
    # Each load completes (nothing new), then the second environment refreshes: 2 changed,
    # 1 gone, 1 new; the other environments' rows keep their objects.
    for env in envs:
        done: Revised[Hashable] = Revised(handed[env], [], [])
        done.update(handed[env])
        view = view.with_instances(done, when=WHEN, environment=env)
        handed[env] = done
        assert_rows_as_arrange(view)
    dev = envs[1]
    keys = list(handed[dev])
    refreshed: Revised[Hashable] = Revised(handed[dev], [], [keys[0]])
    refreshed.update((k, i) for k, i in handed[dev].items() if k != keys[0])
    for key in keys[1:3]:
        changed = located(dev, int(str(handed[dev][key].id)[2:]), rng, suffix="-renamed")
        refreshed[key] = changed
        refreshed.changed.append(key)
    new = located(dev, 999, rng)
    refreshed[new.key] = new
    refreshed.changed.append(new.key)
    before = view.instances
    for sort in ("state", "name"):
        after = view.with_sort(sort) if view.sort_column != sort else view
        after = after.with_instances(refreshed, when=WHEN, environment=dev)
        assert isinstance(after.instances, Revised) and after.instances.base is before
        index = after.row_index
        assert index is not None and index.departed == [keys[0]]
        assert sorted(map(str, index.changed or [])) == sorted(map(str, [keys[1], keys[2], new.key]))
        assert keys[0] not in after.instances and new.key in after.instances
        assert all(after.instances[k] is i for k, i in before.items() if k[0] != dev)  # type: ignore[index]
        assert_rows_as_arrange(after)
        for column in COLUMN_KEYS:
            for reverse in (False, True):
                rows = index.arrange("", column, reverse)
                assert rows == arrange(after.instances.values(), "", column, reverse)


def plain(rng: random.Random, n: int, suffix: str = "") -> Instance:
    return Instance(
        id=f"id-{n:05d}",
        name=f"{rng.choice(['web', 'db', 'app'])}-{rng.randrange(60)}{suffix}",
        state=rng.choice(STATES),
        ip_address=f"10.0.{rng.randrange(3)}.{rng.randrange(256)}",
        cpu_count=rng.choice([1, 2, None]),
    )


@pytest.mark.parametrize("share", [0.001, 0.02, 0.3, 0.6])
def test_orders_brought_up_to_date_by_patch_or_sort_are_arranges(share: float) -> None:
    """Sorted by any column, a refresh that changes few or many rows (patched, merged or
    sorted again, depending on the share) gives exactly `arrange`'s rows."""
    rng = random.Random(int(share * 1000))
    instances: dict[Hashable, Instance] = {i.id: i for i in (plain(rng, n) for n in range(3000))}
    index = RowIndex(instances)
    for column in COLUMN_KEYS:
        index.arrange("", column, False)
        index.arrange("", column, True)
    refreshed: dict[Hashable, Instance] = dict(instances)
    for victim in rng.sample(sorted(map(str, instances)), max(1, int(share * len(instances)))):
        refreshed[victim] = plain(rng, int(victim[3:]), suffix="x")
    del refreshed[next(iter(refreshed))]
    after = RowIndex(refreshed, previous=index)
    for column in COLUMN_KEYS:
        for reverse in (True, False):
            assert after.arrange("", column, reverse) == arrange(refreshed.values(), "", column, reverse)
            assert after.arrange("web", column, reverse) == arrange(refreshed.values(), "web", column, reverse)


# --- rows as kept ---------------------------------------------------------------------------


def fresh(text: str) -> str:
    """An equal string that is another object (as a JSON decoder without a cache makes one per row)."""
    return "".join(list(text))


def test_kept_rows_are_cut_as_cap_fields_cuts() -> None:
    a = {"id": "a", "name": "web-1", "zoneName": fresh("ON-1"), "templateId": fresh("t-1"), "cpuCount": 2}
    assert kept_row(a) is a  # nothing to cut: the decoded row itself, no copy
    # Over-long values: cut and marked exactly as cap_fields does, nested ones too.
    long_row = {
        "id": "c",
        "name": "n" * (FIELD_LIMIT + 5),
        "zoneName": "ON-1",
        "publicIps": [{"ipAddress": "x" * (FIELD_LIMIT + 1)}],
        "affinityGroupIds": [],
    }
    assert kept_row(dict(long_row)) == cap_fields(dict(long_row))
    assert kept_row({"id": "z", "nested": {"note": "y" * (FIELD_LIMIT + 1)}}) == cap_fields(
        {"id": "z", "nested": {"note": "y" * (FIELD_LIMIT + 1)}}
    )
    with pytest.raises(FieldTooLong):
        kept_row({"id": "i" * (FIELD_LIMIT + 1), "name": "x"})


@dataclass
class _Page:
    rows: list[Any]
    total: int | None


class _Compute:
    """What the loader asks of a compute scope: raw pages, and the public IPs."""

    def __init__(self, pages: list[list[dict[str, Any]]], public_ips: list[PublicIp]) -> None:
        self.pages, self.public_ips = pages, public_ips

    async def iter_raw_pages(self, entity: str, reader: Any = None) -> AsyncIterator[_Page]:
        """Each page as the transport hands it over: its JSON decoded by `decode_json` (not by
        the loader's `reader`: these pages are not the lists the reader reads)."""
        total = sum(len(page) for page in self.pages)
        for page in self.pages:
            yield _Page(decode_json(json.dumps(page).encode()), total)

    async def list_public_ips(self) -> list[PublicIp]:
        return self.public_ips


async def test_loaded_instances_share_one_fields_set_and_copies_get_their_own() -> None:
    rows = [
        {"id": f"i-{n}", "name": f"web-{n}", "state": "Running", "zoneName": fresh("ON-1"), "cpuCount": 1}
        for n in range(4)
    ]
    rows.append({"id": "i-odd", "name": "odd", "hostname": "odd"})  # other fields: its own set
    ip = PublicIp(id="p1", ip_address="8.8.8.8", instance_id="i-0")
    loader = InstanceLoader(EnvironmentRef("compute-on", "production"))
    batches: list[Batch] = [b async for b in loader.stream(_Compute([rows[:2], rows[2:]], [ip]))]  # type: ignore[arg-type]
    instances = list(batches[-1].instances.values())
    by_id = {i.id: i for i in instances}
    assert by_id["i-1"].__pydantic_fields_set__ is by_id["i-2"].__pydantic_fields_set__
    assert by_id["i-1"].model_fields_set == {"id", "name", "state", "zone_name", "cpu_count", "environment"}
    assert by_id["i-odd"].model_fields_set == {"id", "name", "hostname", "environment"}
    # The instance with a public IP is a copy: its set has the field added, the others' not.
    assert by_id["i-0"].public_ips == [InstancePublicIp(id="p1", ip_address="8.8.8.8")]
    assert "public_ips" in by_id["i-0"].model_fields_set
    assert "public_ips" not in by_id["i-1"].model_fields_set
    assert by_id["i-3"].zone_name == "ON-1"


async def test_loaded_instances_keep_the_strings_rows_repeat_once() -> None:
    """Zone, template and the like are one object for every instance (0.9 KiB an instance
    otherwise): the reply's decoder shares them, and the models keep the decoder's strings."""
    rows = [
        {"id": f"i-{n}", "name": f"web-{n}", "zoneName": fresh("ON-1"), "templateName": fresh("Ubuntu 22.04")}
        for n in range(600)
    ]
    loader = InstanceLoader(EnvironmentRef("compute-on", "production"))
    batches: list[Batch] = [b async for b in loader.stream(_Compute([rows[:300], rows[300:]], []))]  # type: ignore[arg-type]
    instances = list(batches[-1].instances.values())
    assert len(instances) == 600
    # One object each; the decoder's cache is fixed-size, so an eviction may cost one more.
    assert len({id(i.zone_name) for i in instances}) <= 3
    assert len({id(i.template_name) for i in instances}) <= 3
