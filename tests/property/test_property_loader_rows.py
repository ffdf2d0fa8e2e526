"""The instance loader reads a row on its own fast path (nulls dropped and the environment
added in its loop, the row kept as tuples to compare with the next load's). Whatever the row,
it must give what `LocatedInstance.model_validate` gives for the row as cut by `cap_fields`,
refuse what it refuses, in the same words, and never take a changed row for the one it had."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from cca_tui.api.envelope import decode_json
from cca_tui.api.errors import TransportError
from cca_tui.api.field_caps import FIELD_LIMIT, FieldTooLong, cap_fields
from cca_tui.api.models import PublicIp
from cca_tui.api.page_reuse import PageReader
from cca_tui.fleet.identity import EnvironmentRef, LocatedInstance
from cca_tui.ui.loading import InstanceLoader

PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
ENV = EnvironmentRef("compute-on", "production")

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["", "ON-1", "Running", "web-1", "x" * (FIELD_LIMIT + 3), "[/]\x1b[2J"])
    | st.text(max_size=12)
)
ANYTHING = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(["id", "ipAddress"]), children),
    max_leaves=6,
)
WORDS = (
    st.none()
    | st.sampled_from(["ON-1", "ON-2", "Running", "Stopped", "", "x" * (FIELD_LIMIT + 3)])
    | st.text(max_size=6)
)
NUMBERS = st.none() | st.integers(0, 64) | st.sampled_from([1.0, 2.5, True, "2"])
PUBLIC_IPS = st.none() | st.lists(
    st.fixed_dictionaries({"id": st.sampled_from(["p1", "p2"])}, optional={"ipAddress": WORDS, "purposes": ANYTHING}),
    max_size=2,
)
# The keys an instance row has (camelCase), a few it may have, and some nobody knows: mostly
# with values of their kind (so that most rows can be read), now and then with anything.
FIELDS = {
    "state": WORDS,
    "zoneId": WORDS,
    "zoneName": WORDS,
    "templateName": WORDS,
    "computeOfferingName": WORDS,
    "cpuCount": NUMBERS,
    "memoryInMB": NUMBERS,
    "ipAddress": WORDS,
    "isPasswordEnabled": st.none() | st.booleans() | st.sampled_from([0, 1]),
    "hostname": WORDS,
    "affinityGroupIds": st.none() | st.lists(st.text(max_size=3), max_size=2),
    "publicIps": PUBLIC_IPS,
    "publicIPs": PUBLIC_IPS,
    "nics": st.none() | st.lists(st.fixed_dictionaries({"id": st.text(max_size=2)}), max_size=1),
    "environment": ANYTHING,
    "somethingNew": ANYTHING,
}
# Most rows can be read (an id and a name, the fields of their kind); some cannot.
IDS = st.sampled_from(["i-1", "i-1", "i-1", "i-2", None, 7, "i" * (FIELD_LIMIT + 1)]) | st.text(max_size=4)
NAMES = st.one_of(st.text(max_size=6), st.sampled_from(["web-1", "x" * (FIELD_LIMIT + 3)]), ANYTHING)
ROWS = st.fixed_dictionaries({"id": IDS, "name": NAMES}, optional=FIELDS)


@dataclass
class _Page:
    rows: list[Any]
    total: int | None


def rows_of(body: bytes, reader: PageReader | None) -> list[Any]:
    """A page's rows as the transport hands them over: read by the loader's page reader when
    it reads this page (the rows it knew by their text not decoded), else decoded whole."""
    payload = reader(body, lambda _raw: False) if reader is not None else None
    return (payload if payload is not None else decode_json(body))["data"]  # type: ignore[no-any-return]


def page_body(rows: list[Any]) -> bytes:
    """A list page as the reference's servers write it (compact: the reader's form)."""
    return json.dumps({"data": rows, "metadata": {"recordCount": len(rows)}}, separators=(",", ":")).encode()


class _OneRow:
    """A compute scope whose instance list is one row, decoded as the transport decodes it,
    and whose public IP list fails."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.body = page_body([row])

    async def iter_raw_pages(self, entity: str, reader: PageReader | None = None) -> AsyncIterator[_Page]:
        yield _Page(rows_of(self.body, reader), 1)

    async def list_public_ips(self) -> list[PublicIp]:
        # Not known: the loader leaves each row's own public IPs as they are (it joins the
        # environment's list to the rows otherwise, which is not reading a row).
        raise TransportError("not asked here", method="GET", path="publicipaddresses")


def reference(row: dict[str, Any]) -> LocatedInstance | str:
    """What the plain path makes of a decoded row: the instance, or why it cannot be read."""
    try:
        return LocatedInstance.model_validate(cap_fields(row), context={"environment": ENV})
    except ValidationError as exc:
        first = exc.errors()[0]
        return f"{'.'.join(str(p) for p in first['loc']) or 'row'}: {first['msg']}"
    except FieldTooLong as exc:
        return str(exc)


async def load(loader: InstanceLoader, row: dict[str, Any]) -> LocatedInstance | str:
    """The loader's reading of a list of that one row (reusing what it read before)."""
    batches = [batch async for batch in loader.stream(_OneRow(row))]  # type: ignore[arg-type]
    last = batches[-1]
    if last.unreadable is not None:
        prefix = "1 row(s) could not be read, e.g. "
        assert last.unreadable.startswith(prefix) and not last.instances
        return last.unreadable.removeprefix(prefix)
    (instance,) = last.instances.values()
    assert isinstance(instance, LocatedInstance)
    return instance


def assert_same(got: LocatedInstance | str, expected: LocatedInstance | str) -> None:
    if isinstance(expected, str):
        assert got == expected
        return
    assert isinstance(got, LocatedInstance)
    assert got.model_dump() == expected.model_dump()
    assert got.model_fields_set == expected.model_fields_set
    assert got.environment is ENV and got.key == expected.key


@PROPERTY_SETTINGS
@given(ROWS)
async def test_any_row_reads_as_model_validate_reads_it(row: dict[str, Any]) -> None:
    decoded = decode_json(json.dumps(row).encode())
    assert_same(await load(InstanceLoader(ENV), row), reference(decoded))


@st.composite
def listed_again(draw: st.DrawFn, row: dict[str, Any]) -> dict[str, Any]:
    """`row` as the next load lists it: the same, or changed in one way."""
    again = dict(row)
    keys = [key for key in again if key != "id"]
    change = draw(st.sampled_from(["none", "value", "gone", "new", "moved", "renamed"] if keys else ["none", "new"]))
    if change == "value":
        key = draw(st.sampled_from(keys))
        again[key] = draw(FIELDS.get(key, NAMES))
    elif change == "gone":
        del again[draw(st.sampled_from(keys))]
    elif change == "new":
        key = draw(st.sampled_from(sorted(FIELDS)))
        again[key] = draw(FIELDS[key])
    elif change == "moved":  # the same keys and values, in another order
        key = draw(st.sampled_from(keys))
        again[key] = again.pop(key)
        again = dict(reversed(list(again.items()))) if draw(st.booleans()) else again
    elif change == "renamed" and set(FIELDS) - set(again):  # the same values, under other keys
        key = draw(st.sampled_from(keys))
        other = draw(st.sampled_from(sorted(set(FIELDS) - set(again))))
        again = {other if k == key else k: v for k, v in again.items()}
    return again


@PROPERTY_SETTINGS
@given(st.data())
async def test_a_row_that_changed_is_read_again_and_one_that_did_not_keeps_its_instance(data: st.DataObject) -> None:
    first = data.draw(ROWS)
    second = data.draw(listed_again(first))
    loader = InstanceLoader(ENV)
    before = await load(loader, first)
    assert_same(before, reference(decode_json(json.dumps(first).encode())))
    # Listed again as it was: now read by its text (see page_reuse.py), and known by it next.
    assert_same(await load(loader, first), reference(decode_json(json.dumps(first).encode())))
    after = await load(loader, second)
    assert_same(after, reference(decode_json(json.dumps(second).encode())))
    decoded = decode_json(json.dumps(first).encode())
    if (
        isinstance(before, LocatedInstance)
        and json.dumps(second) == json.dumps(first)
        and cap_fields(decoded) is decoded
    ):
        assert after is before  # listed again unchanged (and nothing cut): not parsed again
