"""The client scrubs the key from every reply it reads, over real HTTP on loopback: list rows,
one entity, a mutation's task result; the requests it then sends and logs carry no key
either (an id that held it is sent scrubbed)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from cca_tui import requestlog
from cca_tui.api.client import CloudCAClient
from cca_tui.api.errors import SCRUB_MARK, _echo_pattern
from cca_tui.api.field_caps import FIELD_LIMIT
from tests.fake_api_server import FakeRequest, FakeServer, Reply

KEY = "Zq7vK2mPx9sLw4iTn8bRc5yHd3fGj6uE"
CODE, ENV = "compute-on", "env1"
INSTANCES = f"/v1/services/{CODE}/{ENV}/instances"
ESCAPED = "".join(f"\\u{ord(char):04X}" for char in KEY)


def rows() -> list[dict[str, object]]:
    return [
        {"id": f"i-{KEY}", "name": KEY, "state": "Running", "hostname": KEY.lower()},
        {"id": "i-2", "name": KEY.upper(), "state": "Running", "templateName": f"tpl {KEY[9:17]} x"},
        {"id": "i-3", "name": "ESCAPED", "state": "Stopped"},
        {"id": "i-4", "name": KEY * 200_000, "state": "Stopped"},  # 6.4 MB of the key
    ]


def handler(request: FakeRequest) -> Reply:
    if request.method == "POST":
        return Reply(200, {"taskId": "t-1", "taskStatus": "SUCCESS", "result": {"name": KEY, "note": KEY.upper()}})
    if request.path == INSTANCES:
        body = Reply(200, {"data": rows(), "metadata": {"recordCount": 4}}).encoded()
        return Reply(200, body.replace(b'"ESCAPED"', f'"{ESCAPED}"'.encode()))
    if request.path.startswith(INSTANCES + "/"):
        return Reply(200, {"data": {"id": "i-2", "name": f"x{KEY}y", "state": "Running", "nics": [{"id": KEY}]}})
    return Reply(200, {"data": []})


@pytest.fixture
def request_log(tmp_path: Path) -> Iterator[Path]:
    logger = logging.getLogger(requestlog.LOGGER)
    saved = (list(logger.handlers), logger.level, logger.propagate)
    path = requestlog.start_request_log(tmp_path / "requests.log", debug=True)
    assert path is not None
    yield path
    for handler in logger.handlers:
        handler.close()
    logger.handlers, logger.level, logger.propagate = saved[0], saved[1], saved[2]


def assert_no_key(text: str) -> None:
    found = _echo_pattern(KEY).search(text)
    assert found is None, text[max(0, found.start() - 40) : found.start() + 48]


async def test_lists_entities_and_task_results_come_back_scrubbed(request_log: Path) -> None:
    async with FakeServer(handler) as server, CloudCAClient(server.url, KEY, max_retries=0) as api:
        compute = api.compute(CODE, ENV)
        listing = await compute.list_instances()
        one = await compute.get_instance("i-2")
        task = await compute.stop_instance(listing[0].id)
        sent = [f"{r.method} {r.path}" for r in server.requests]
    for instance in listing:
        assert_no_key(instance.model_dump_json())
    names = [instance.name for instance in listing]
    assert names[:3] == [SCRUB_MARK, SCRUB_MARK, SCRUB_MARK]
    assert names[3].startswith(SCRUB_MARK) and len(names[3]) < FIELD_LIMIT  # one mark, and cut
    assert listing[1].template_name == f"tpl {SCRUB_MARK} x"
    assert listing[0].id == f"i-{SCRUB_MARK}"
    assert_no_key(one.model_dump_json())
    assert one.name == f"x{SCRUB_MARK}y"
    assert task.result == {"name": SCRUB_MARK, "note": SCRUB_MARK}
    # The id the server gave is the scrubbed one: what goes back out holds no key either.
    assert f"POST {INSTANCES}/i-%2A%2A%2A" in sent  # quoted as a path segment
    for line in sent:
        assert_no_key(line)
    assert_no_key(request_log.read_text())
