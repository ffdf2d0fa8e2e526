"""A mutation's failure says what the server did: not sent, not done (429/503), or unknown
(sent, no reply). And a server that echoes the API key never gets it onto the screen."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from cca_tui.api.client import CloudCAClient, ComputeScope
from cca_tui.api.errors import (
    ApiError,
    AuthError,
    NotDone,
    NotSent,
    OutcomeUnknown,
    ServerBusy,
    TaskFailed,
    TransportError,
)
from cca_tui.sim.options import SimOptions
from tests.conftest import SimFactory
from tests.fake_api_server import Drop, FakeRequest, FakeServer, Handler, Reply

KEY = "K3Y-s3cret/with+odd chars"
CODE, ENV = "compute-on", "env1"


def compute(api: CloudCAClient) -> ComputeScope:
    return api.compute(CODE, ENV)


async def test_a_post_whose_reply_is_lost_has_an_unknown_outcome() -> None:
    async with FakeServer(lambda request: Drop()) as server, CloudCAClient(server.url, KEY, max_retries=3) as api:
        with pytest.raises(OutcomeUnknown) as caught:
            await compute(api).stop_instance("i-1")
    assert not isinstance(caught.value, TransportError | NotDone)
    assert "may have done it" in str(caught.value)
    assert [r.method for r in server.requests] == ["POST"]  # sent once, never repeated


async def test_a_lost_reply_from_the_simulator_is_an_unknown_outcome(sim_factory: SimFactory) -> None:
    sim = sim_factory(SimOptions(task_delay=0))
    async with CloudCAClient(sim.url, sim.api_key) as api:
        stopped = next(i for i in await api.compute("compute-on", "test_area").list_instances() if i.state == "Stopped")
        sim.offline = True
        with pytest.raises(OutcomeUnknown):
            await api.compute("compute-on", "test_area").start_instance(stopped.id)


async def test_a_mutation_that_cannot_connect_was_not_sent() -> None:
    with socket.socket() as probe:  # a loopback port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with CloudCAClient(f"http://127.0.0.1:{port}/v1", KEY) as api:
        with pytest.raises(NotSent) as caught:
            await compute(api).stop_instance("i-1")
    assert isinstance(caught.value, NotDone) and isinstance(caught.value, TransportError)
    assert "not sent" in str(caught.value)


@pytest.mark.parametrize("status", [429, 503])
async def test_throttled_or_unavailable_means_not_done(status: int) -> None:
    def busy(request: FakeRequest) -> Reply:
        body = {"errors": [{"code": 9000, "message": "slow down"}]}
        return Reply(status, body, headers={"Retry-After": "7"})

    async with FakeServer(busy) as server, CloudCAClient(server.url, KEY, max_retries=3) as api:
        with pytest.raises(ServerBusy) as caught:
            await compute(api).stop_instance("i-1")
    error = caught.value
    assert isinstance(error, NotDone) and isinstance(error, ApiError)
    assert (error.status, error.retry_after) == (status, 7.0)
    assert "not done" in str(error) and "slow down" in str(error) and "retry after 7 s" in str(error)
    assert len(server.requests) == 1  # never retried automatically


@pytest.mark.parametrize("status", [502, 504])
async def test_a_gateway_that_gave_up_leaves_the_outcome_unknown(status: int) -> None:
    async with (
        FakeServer(lambda request: Reply(status, b"<html>gateway</html>")) as server,
        CloudCAClient(server.url, KEY) as api,
    ):
        with pytest.raises(OutcomeUnknown, match=f"HTTP {status}"):
            await compute(api).destroy_instance("i-1")


async def test_a_mutation_answered_204_or_with_data_and_no_task_is_done() -> None:
    replies = iter([Reply(204), Reply(200, {"data": {"id": "i-1", "name": "renamed"}})])
    async with FakeServer(lambda request: next(replies)) as server, CloudCAClient(server.url, KEY) as api:
        first = await compute(api).stop_instance("i-1")
        second = await compute(api).update_instance("i-1", name="renamed")
    assert (first.status, first.id) == ("SUCCESS", "")
    assert (second.status, second.result) == ("SUCCESS", {"id": "i-1", "name": "renamed"})
    assert await api.wait_for_task(first) is first


async def test_a_2xx_that_is_not_a_task_leaves_the_outcome_unknown() -> None:
    async with FakeServer(lambda request: Reply(200, b"not json")) as server, CloudCAClient(server.url, KEY) as api:
        with pytest.raises(OutcomeUnknown):
            await compute(api).stop_instance("i-1")


# --- the key, echoed ---------------------------------------------------------------------


def echo(status: int) -> Handler:
    def handler(request: FakeRequest) -> Reply:
        key = request.headers["mc-api-key"]
        body = {
            "errors": [
                {
                    "code": 4000,
                    "message": f"bad key {key}!",
                    "context": {"apiKey": key, "nested": [{"k": f"={key}"}], key: "as a name"},
                }
            ]
        }
        return Reply(status, body)

    return handler


def assert_no_key(error: BaseException) -> None:
    text = f"{error} {error!r}"
    assert KEY not in text
    if isinstance(error, ApiError):
        text += repr(error.errors) + str([e.context for e in error.errors])
        assert KEY not in text
        assert "***" in str(error)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 500])
async def test_an_echoed_key_is_scrubbed_from_get_errors(status: int) -> None:
    async with FakeServer(echo(status)) as server, CloudCAClient(server.url, KEY, max_retries=0) as api:
        with pytest.raises(ApiError) as caught:
            await compute(api).get_instance("i-1")
    assert_no_key(caught.value)
    if status in (401, 403):
        assert isinstance(caught.value, AuthError)


@pytest.mark.parametrize("status", [400, 429, 503])
async def test_an_echoed_key_is_scrubbed_from_mutation_errors(status: int) -> None:
    async with FakeServer(echo(status)) as server, CloudCAClient(server.url, KEY) as api:
        with pytest.raises(ApiError) as caught:
            await compute(api).stop_instance("i-1")
    assert_no_key(caught.value)


async def test_an_echoed_key_in_a_list_error_is_scrubbed() -> None:
    async with FakeServer(echo(400)) as server, CloudCAClient(server.url, KEY) as api:
        with pytest.raises(ApiError) as caught:
            await compute(api).list_instances()
    assert_no_key(caught.value)


async def test_an_echoed_key_in_a_task_failure_is_scrubbed() -> None:
    def failed(request: FakeRequest) -> Reply:
        key = request.headers["mc-api-key"]
        return Reply(200, {"taskId": "t-1", "taskStatus": "FAILED", "result": {"message": f"key {key} refused"}})

    async with FakeServer(failed) as server, CloudCAClient(server.url, KEY) as api:
        with pytest.raises(TaskFailed) as caught:
            await api.wait_for_task("t-1")
    assert KEY not in str(caught.value) and "key *** refused" in str(caught.value)


# --- only a 4xx is a refusal --------------------------------------------------------------


@pytest.mark.parametrize(
    "reply",
    [
        Reply(500, {"errors": [{"code": 9999, "message": "internal"}]}),
        Reply(500, b"<html>oops</html>"),
        Reply(200, {"errors": [{"code": 1234, "message": "partly"}], "taskId": "t-1", "taskStatus": "PENDING"}),
    ],
    ids=["500", "500-html", "200-with-errors"],
)
async def test_a_5xx_or_a_2xx_with_errors_after_a_mutation_is_an_unknown_outcome(reply: Reply) -> None:
    async with FakeServer(lambda request: reply) as server, CloudCAClient(server.url, KEY) as api:
        with pytest.raises(OutcomeUnknown) as caught:
            await compute(api).stop_instance("i-1")
    assert not isinstance(caught.value, ApiError)  # not a refusal
    assert caught.value.status == reply.status and f"HTTP {reply.status}" in str(caught.value)
    assert len(server.requests) == 1  # never repeated


async def test_an_id_is_one_quoted_path_segment() -> None:
    async with FakeServer(lambda request: Reply(204)) as server, CloudCAClient(server.url, KEY) as api:
        await compute(api).stop_instance("a/b?c#d ..")
    assert server.requests[0].path == f"/v1/services/{CODE}/{ENV}/instances/a%2Fb%3Fc%23d%20.."
    assert server.requests[0].query == {"operation": "stop"}


@pytest.mark.parametrize("bad_id", ["", ".", ".."])
async def test_an_id_that_cannot_be_a_segment_sends_nothing(bad_id: str) -> None:
    from cca_tui.api.errors import InvalidId

    async with FakeServer(lambda request: Reply(204)) as server, CloudCAClient(server.url, KEY) as api:
        for call in (
            lambda: compute(api).stop_instance(bad_id),
            lambda: compute(api).destroy_instance(bad_id),
            lambda: compute(api).update_instance(bad_id, name="x"),
            lambda: compute(api).get_instance(bad_id),
            lambda: api.get_task(bad_id),
        ):
            with pytest.raises(InvalidId, match="not sent"):
                await call()
    assert server.requests == []


@pytest.mark.parametrize(
    "echo",
    [str.upper, str.lower, lambda key: key[1:10], lambda key: key[-9:].swapcase()],
    ids=["upper", "lower", "cut", "tail"],
)
async def test_a_key_echoed_in_another_case_or_cut_is_scrubbed(echo: Callable[[str], str]) -> None:
    def handler(request: FakeRequest) -> Reply:
        shown = echo(request.headers["mc-api-key"])
        return Reply(400, {"errors": [{"code": 1, "message": f"bad key <{shown}>"}]})

    async with FakeServer(handler) as server, CloudCAClient(server.url, KEY) as api:
        with pytest.raises(ApiError) as caught:
            await compute(api).stop_instance("i-1")
    assert echo(KEY) not in str(caught.value) and "bad key <***>" in str(caught.value)
