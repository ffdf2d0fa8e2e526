"""A list page read again without decoding the rows whose text did not change (page_reuse.py):
it must read exactly what decoding the whole page reads, or give the page up (None) to the
whole decoder; and over HTTP, a refresh that reuses rows still scrubs a key echoed in a new
one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from cca_tui.api.client import CloudCAClient
from cca_tui.api.envelope import decode_json
from cca_tui.api.errors import SCRUB_MARK, TransportError
from cca_tui.api.page_reuse import JOIN_AT_MOST, DecodedRow, ReusedRow, digest_of, read_page
from cca_tui.fleet.identity import EnvironmentRef
from cca_tui.ui import loading
from cca_tui.ui.loading import InstanceLoader
from tests.fake_api_server import FakeRequest, FakeServer, Reply

KEY = "Zq7vK2mPx9sLw4iTn8bRc5yHd3fGj6uE"
CODE, ENV = "compute-on", "env1"
INSTANCES = f"/v1/services/{CODE}/{ENV}/instances"


def compact(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def row(n: int, **more: Any) -> dict[str, Any]:
    return {"id": f"i-{n}", "name": f"web-{n}", "state": "Running", **more}


# Rows that a cut at `},{"id":` could misread: nested objects that also start with "id" (the
# cut falls inside the row), text holding braces, quotes, the separator's own characters.
TRICKY = [
    row(1),
    row(2, nics=[{"id": "n-1", "isDefault": True}, {"id": "n-2"}, {"id": "n-3"}]),
    row(3, name='web},{"id":"i-9"} "quoted" \\ back', hostname="{}[],:"),
    row(4, publicIps=[{"id": "p-1", "purposes": ["SOURCE_NAT"]}, {"id": "p-2", "ports": [22, 80]}]),
    row(5, name="é 日本 \u2028 \x00"),
    row(6, affinityGroupIds=[], nested={"id": {"id": [{"id": 1}, {"id": 2}]}}),
]


def nothing(_digest: bytes) -> ReusedRow | None:
    return None


def no_key(_raw: bytes) -> bool:
    return False


def test_a_page_reads_as_decoding_it_whole() -> None:
    body = compact({"data": TRICKY, "metadata": {"recordCount": 6}})
    payload = read_page(body, nothing, no_key)
    whole = decode_json(body)
    assert payload is not None
    assert [type(item) for item in payload["data"]] == [DecodedRow] * len(TRICKY)
    assert [item.row for item in payload["data"]] == whole["data"]
    assert payload["metadata"] == whole["metadata"]


def test_rows_known_by_their_text_are_recalled_and_changed_ones_decoded() -> None:
    first = compact({"data": TRICKY, "metadata": {"recordCount": 6}})
    read = read_page(first, nothing, no_key)
    assert read is not None
    known = {item.digest: ReusedRow(item.row["id"], f"known {item.row['id']}", item.digest) for item in read["data"]}
    changed = [*TRICKY]
    changed[1] = {**TRICKY[1], "state": "Stopped"}
    changed.append(row(7))
    again = read_page(compact({"data": changed, "metadata": {"recordCount": 7}}), known.get, no_key)
    assert again is not None
    kinds = [type(item) for item in again["data"]]
    assert kinds == [ReusedRow, DecodedRow, ReusedRow, ReusedRow, ReusedRow, ReusedRow, DecodedRow]
    assert [item.known for item in again["data"] if type(item) is ReusedRow] == [
        "known i-1",
        "known i-3",
        "known i-4",
        "known i-5",
        "known i-6",
    ]
    assert again["data"][1].row == decode_json(compact(changed[1]))
    assert again["metadata"] == {"recordCount": 7}


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"data": [row(1), row(2)]}).encode(),  # spaces after the separators
        compact({"data": [{"name": "a", "id": "i-1"}, row(2)]}),  # rows not starting with their id
        compact({"metadata": {"recordCount": 2}, "data": [row(1), row(2)]}),  # data not first
        compact({"data": [row(1)], "metadata": {}}).replace(b"}}", b'},"data":[]}'),  # a second data
        compact({"data": [row(1)], "metadata": {"x": "d\\u0061ta"}}),  # an escape after the rows
        compact({"data": [row(1)], "errors": [{"code": 500, "message": "boom"}]}),
        compact({"data": [row(1), 7]}),  # a row that is no object
        compact({"data": [row(1), row(2)]})[:-5],  # cut short
        b'{"data":[{"id":"i-1"},{"id":"i-2"}]} trailing',
        b'[{"id":"i-1"}]',
        b"",
        # Python's whitespace that is not JSON's (the whole decoder refuses these pages)
        b'{"data":[{"id":"a"}\x0c]}',
        b'\x0b{"data":[{"id":"a"}]}',
        b'{"data":[\x0c]}',
    ],
)
def test_pages_not_in_the_compact_form_are_left_to_the_whole_decoder(body: bytes) -> None:
    assert read_page(body, nothing, no_key) is None


def test_an_empty_page_reads_as_empty() -> None:
    assert read_page(b'{"data":[],"metadata":{"recordCount":0}}', nothing, no_key) == {
        "data": [],
        "metadata": {"recordCount": 0},
    }


def test_a_row_cut_into_more_pieces_than_the_joins_reach_is_left_to_the_whole_decoder() -> None:
    deep = row(2, nics=[{"id": f"n-{n}"} for n in range(JOIN_AT_MOST + 1)])
    assert read_page(compact({"data": [row(1), deep]}), nothing, no_key) is None
    within = row(2, nics=[{"id": f"n-{n}"} for n in range(JOIN_AT_MOST - 1)])
    read = read_page(compact({"data": [row(1), within]}), nothing, no_key)
    assert read is not None and [item.row for item in read["data"]] == [row(1), within]


def test_a_key_echo_in_a_new_row_or_after_the_rows_gives_the_page_up() -> None:
    def suspect(raw: bytes) -> bool:
        return b"SECRET" in raw

    assert read_page(compact({"data": [row(1), row(2, name="SECRET")]}), nothing, suspect) is None
    assert read_page(compact({"data": [row(1)], "metadata": {"note": "SECRET"}}), nothing, suspect) is None
    # A row known by its text was read (and checked) before: not checked again.
    known_text = compact(row(2, name="SECRET"))[len(b'{"id":') : -1]
    known = {digest_of(known_text): ReusedRow("i-2", "known", digest_of(known_text))}
    read = read_page(compact({"data": [row(1), row(2, name="SECRET")]}), known.get, suspect)
    assert read is not None and type(read["data"][1]) is ReusedRow


async def test_a_refresh_that_reuses_rows_still_scrubs_a_key_echoed_in_a_changed_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Pages over SMALL_REPLY (16 KiB) only: smaller ones are decoded whole, in well under a ms.
    pad = "x" * 6000
    rows = [row(n, hostname=pad) for n in range(1, 5)]
    read: list[list[str] | None] = []  # what the loader's page reader made of each page

    def recorded(content: bytes, recall: Any, suspect: Any) -> dict[str, Any] | None:
        payload = read_page(content, recall, suspect)
        read.append(None if payload is None else [type(item).__name__ for item in payload["data"]])
        return payload

    monkeypatch.setattr(loading, "read_page", recorded)

    def handler(request: FakeRequest) -> Reply:
        if request.path == INSTANCES:
            return Reply(200, compact({"data": rows, "metadata": {"recordCount": len(rows)}}))
        return Reply(200, {"data": []})

    loader = InstanceLoader(EnvironmentRef(CODE, ENV))
    async with FakeServer(handler) as server, CloudCAClient(server.url, KEY, max_retries=0) as api:
        compute = api.compute(CODE, ENV)

        async def load() -> dict[str, Any]:
            batches = [batch async for batch in loader.stream(compute)]
            return {instance.id: instance for instance in batches[-1].instances.values()}

        first = await load()  # decoded whole
        second = await load()  # cut into rows, each recorded by its text
        rows[2] = row(3, hostname=pad, state="Stopped")
        third = await load()
        rows[2] = row(3, hostname=pad, name=f"x{KEY}y")
        fourth = await load()
    assert read == [
        ["DecodedRow"] * 4,
        ["ReusedRow", "ReusedRow", "DecodedRow", "ReusedRow"],
        None,  # the key in a row not known: the page is decoded whole, and scrubbed
    ]
    assert [second[f"i-{n}"] is first[f"i-{n}"] for n in range(1, 5)] == [True] * 4
    assert [third[f"i-{n}"] is second[f"i-{n}"] for n in range(1, 5)] == [True, True, False, True]
    assert third["i-3"].state == "Stopped"
    assert [fourth[f"i-{n}"] is third[f"i-{n}"] for n in (1, 2, 4)] == [True] * 3
    assert fourth["i-3"].name == f"x{SCRUB_MARK}y"


class _FailingAfterFirstPage:
    """A compute scope whose list sends one page, read by the loader's reader, then fails."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.body = compact({"data": rows, "metadata": {"recordCount": len(rows) + 1}})

    async def iter_raw_pages(self, entity: str, reader: Any = None) -> Any:
        payload = reader(self.body, no_key) if reader is not None else None
        rows = (payload if payload is not None else decode_json(self.body))["data"]
        yield _Page(rows, len(rows) + 1)
        raise TransportError("the second page did not come", method="GET", path="instances")

    async def list_public_ips(self) -> list[Any]:
        return []


@dataclass
class _Page:
    rows: list[Any]
    total: int | None


async def test_loads_that_keep_failing_keep_the_texts_of_the_rows_they_hold_only() -> None:
    """The texts read by a load that did not complete are kept for the next one, but only
    those of rows still held: rows whose text changed at each failed load were each kept
    before, with their instance (a fleet whose loads kept running past their deadline)."""
    loader = InstanceLoader(EnvironmentRef(CODE, ENV))

    def rows(turn: int) -> list[dict[str, Any]]:
        return [row(n, state=f"up {turn}") for n in range(50)]

    with pytest.raises(TransportError):
        async for _batch in loader.stream(_FailingAfterFirstPage(rows(0))):  # type: ignore[arg-type]
            pass
    sizes = []
    for turn in range(1, 6):
        with pytest.raises(TransportError):
            async for _batch in loader.stream(_FailingAfterFirstPage(rows(turn))):  # type: ignore[arg-type]
                pass
        sizes.append(len(loader._by_digest))
    assert sizes == [50] * 5  # the texts of the 50 rows held, not 50 more each load
