"""Failing to read a task never fails the task: following goes on with backoff until it ends,
expires or the caller stops. Unknown statuses are kept as they came and followed on."""

from __future__ import annotations

import asyncio

import pytest

from cca_tui.api.client import CloudCAClient, TaskUnreadable
from cca_tui.api.errors import NotFoundError, OutcomeUnknown, TaskExpired, TaskTimeout
from cca_tui.api.models import Task
from cca_tui.sim.options import SimOptions
from tests.conftest import SimFactory
from tests.fake_api_server import Drop, FakeRequest, FakeServer, Handler, Reply

KEY = "test-key-0001"
GUARD = 20.0


def task_reply(task_id: str, status: str, **extra: object) -> Reply:
    # both documented shapes at once, as a server serving both clients does
    data = {"id": task_id, "status": status, "created": "2026-01-01T00:00:00Z", **extra}
    return Reply(200, {"taskId": task_id, "taskStatus": status, "data": data, **extra})


def scripted(*answers: Reply | Drop) -> Handler:
    """Answer task reads from a script; the last answer repeats."""
    queue = list(answers)

    def handler(request: FakeRequest) -> Reply | Drop:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return handler


class Sleeps:
    """An injected sleep that records the pauses and yields to the loop without waiting."""

    def __init__(self) -> None:
        self.pauses: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)
        await asyncio.sleep(0)


async def test_get_task_on_404_is_task_expired() -> None:
    async with (
        FakeServer(lambda request: Reply(404, {"errors": [{"code": 404, "message": "no task"}]})) as server,
        CloudCAClient(server.url, KEY) as api,
    ):
        with pytest.raises(TaskExpired) as caught:
            await api.get_task("t-gone")
        with pytest.raises(TaskExpired):
            await api.wait_for_task("t-gone")
    assert isinstance(caught.value, NotFoundError) and caught.value.task_id == "t-gone"
    assert "expired or never existed" in str(caught.value)


async def test_an_unknown_status_is_kept_and_followed_on() -> None:
    handler = scripted(task_reply("t-1", "RUNNING"), task_reply("t-1", "QUEUED"), task_reply("t-1", "SUCCESS"))
    async with FakeServer(handler) as server, CloudCAClient(server.url, KEY, sleep=Sleeps()) as api:
        seen = [update.status async for update in api.follow_task("t-1") if isinstance(update, Task)]
        polls: list[str] = []
        server_handler = scripted(task_reply("t-1", "RUNNING"), task_reply("t-1", "SUCCESS"))
        server.handler = server_handler
        done = await api.wait_for_task("t-1", on_poll=lambda task: polls.append(task.status))
    assert seen == ["RUNNING", "QUEUED", "SUCCESS"]
    assert polls == ["RUNNING", "SUCCESS"] and done.succeeded


async def test_an_unknown_status_at_the_deadline_is_a_timeout_that_says_it() -> None:
    async with (
        FakeServer(scripted(task_reply("t-1", "WEIRD"))) as server,
        CloudCAClient(server.url, KEY, task_poll_interval=0.01) as api,
    ):
        with pytest.raises(TaskTimeout) as caught:
            await api.wait_for_task("t-1", timeout=0.3)
    assert caught.value.status == "WEIRD" and "'WEIRD'" in str(caught.value)


@pytest.mark.parametrize(
    "failure",
    [
        Reply(429, {"errors": [{"code": 429, "message": "slow down"}]}, headers={"Retry-After": "1"}),
        Reply(503, {"errors": [{"code": 503, "message": "down"}]}),
        Reply(500, b"oops"),
        Reply(200, b"<html>proxy</html>"),
        Drop(),
    ],
    ids=["429", "503", "500", "garbage", "dropped"],
)
async def test_failing_to_read_a_task_never_fails_it(failure: Reply | Drop) -> None:
    """The 'Stop bastion FAILED HTTP 429' of issue 7: the task succeeded all along."""
    handler = scripted(task_reply("t-1", "PENDING"), failure, failure, failure, task_reply("t-1", "SUCCESS"))
    unreadable: list[TaskUnreadable] = []
    async with FakeServer(handler) as server, CloudCAClient(server.url, KEY, max_retries=0, sleep=Sleeps()) as api:
        done = await asyncio.wait_for(api.wait_for_task("t-1", on_unreadable=unreadable.append), GUARD)
    assert done.succeeded
    assert [u.failures for u in unreadable] == [1, 2, 3]
    assert "still checking" in str(unreadable[0])


async def test_backoff_doubles_and_is_capped() -> None:
    handler = scripted(*[Drop()] * 8, task_reply("t-1", "SUCCESS"))
    sleeps = Sleeps()
    async with (
        FakeServer(handler) as server,
        CloudCAClient(server.url, KEY, max_retries=0, task_poll_interval=1.0, sleep=sleeps) as api,
    ):
        updates = [u async for u in api.follow_task("t-1", max_backoff=10.0)]
    assert [u.retry_in for u in updates if isinstance(u, TaskUnreadable)] == [1, 2, 4, 8, 10, 10, 10, 10]
    assert sleeps.pauses == [1, 2, 4, 8, 10, 10, 10, 10]
    assert isinstance(updates[-1], Task) and updates[-1].succeeded


async def test_api_down_while_following_then_back(sim_factory: SimFactory) -> None:
    sim = sim_factory(SimOptions(task_delay=0))
    async with CloudCAClient(sim.url, sim.api_key, max_retries=0, task_poll_interval=0.01) as api:
        compute = api.compute("compute-on", "test_area")
        stopped = next(i for i in await compute.list_instances() if i.state == "Stopped")
        task = await compute.start_instance(stopped.id)
        sim.offline = True
        seen: list[Task | TaskUnreadable] = []
        async for update in api.follow_task(task):
            seen.append(update)
            if isinstance(update, TaskUnreadable) and update.failures == 2:
                sim.offline = False  # the API comes back
        assert [type(u) for u in seen] == [TaskUnreadable, TaskUnreadable, Task]
        last = seen[-1]
        assert isinstance(last, Task) and last.status == "SUCCESS"
        assert (await compute.get_instance(stopped.id)).state == "Running"


async def test_following_stops_when_the_caller_cancels() -> None:
    async with (
        FakeServer(scripted(Drop())) as server,
        CloudCAClient(server.url, KEY, max_retries=0, task_poll_interval=0.01) as api,
    ):
        failures: list[int] = []
        waiter = asyncio.create_task(api.wait_for_task("t-1", on_unreadable=lambda u: failures.append(u.failures)))
        while len(failures) < 2:
            await asyncio.sleep(0.01)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter


async def test_a_pending_task_without_an_id_cannot_be_followed() -> None:
    async with CloudCAClient("http://127.0.0.1:9/v1", KEY) as api:
        with pytest.raises(OutcomeUnknown, match="no task id"):
            await api.wait_for_task(Task(id="", status="PENDING"))


async def test_a_task_that_cannot_be_read_until_the_deadline_says_so() -> None:
    async with (
        FakeServer(scripted(Drop())) as server,
        CloudCAClient(server.url, KEY, max_retries=0, task_poll_interval=0.01) as api,
    ):
        with pytest.raises(TaskTimeout) as caught:
            await api.wait_for_task("t-1", timeout=0.3)
    assert caught.value.status is None and "could not be read" in str(caught.value)
