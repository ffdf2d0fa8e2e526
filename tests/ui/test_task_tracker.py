"""The task tracker against the simulator over real HTTP, with the network breaking on purpose.

A task's outcome is known or said to be unknown, never guessed: reading failures never fail
a task, a lost reply is OUTCOME UNKNOWN with what the instance's state says, a 429 is NOT
DONE with a retry that only the operator triggers, an expired task says so.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from cca_tui.api.client import CloudCAClient
from cca_tui.fleet.identity import RowKey
from cca_tui.sim import entities
from cca_tui.sim.server import SimServer
from cca_tui.ui.actions import Action
from cca_tui.ui.state import EnvironmentRef
from cca_tui.ui.tasks.journal import TaskJournal
from cca_tui.ui.tasks.records import TaskStatus, TrackedTask
from cca_tui.ui.tasks.tracker import TaskTracker
from tests.typed import not_none
from tests.ui.faulty_transport import Fault, FaultyTransport, is_mutation, is_task_read

REF = EnvironmentRef("compute-on", "test_area")


class Harness:
    def __init__(self, sim: SimServer, tmp_path: Path, transport: FaultyTransport) -> None:
        self.sim = sim

        async def no_wait(_seconds: float) -> None:
            await asyncio.sleep(0)

        # Backoff and polling without waiting: the faults are counted, not timed.
        self.client = CloudCAClient(
            sim.url, sim.api_key, transport=transport, max_retries=0, task_poll_interval=0, sleep=no_wait
        )
        self.spawned: list[asyncio.Task[object]] = []
        self.seen: list[tuple[str, str, str]] = []
        self.passwords: list[str] = []
        self.journal = TaskJournal(tmp_path / "tasks.json", "test")
        self.tracker = self.new_tracker()

    def new_tracker(self) -> TaskTracker:
        tracker = TaskTracker(
            self.client,
            spawn=lambda coroutine: self.spawned.append(asyncio.create_task(coroutine)),
            clock=lambda: datetime(2026, 11, 29, 12, 0),
            journal=self.journal,
        )
        tracker.subscribe(lambda r: self.seen.append((r.key, str(r.status), r.outcome)))
        tracker.on_password = lambda _record, password: self.passwords.append(password)
        return tracker

    async def finish(self) -> None:
        while any(not t.done() for t in self.spawned):
            await asyncio.gather(*self.spawned, return_exceptions=True)

    def instance(self, state: str) -> entities.Instance:
        env = self.sim.world.environment(REF.service_code, REF.name)
        return next(i for i in env.instances.values() if i.state == state)

    def stop(self, instance: entities.Instance) -> TrackedTask:
        compute = self.client.compute(REF.service_code, REF.name)
        return self.tracker.submit(
            REF, Action.STOP, instance.id, instance.name, lambda: compute.stop_instance(instance.id)
        )

    def statuses(self, record: TrackedTask) -> list[str]:
        return [status for key, status, _ in self.seen if key == record.key]


@pytest.fixture
def transport() -> FaultyTransport:
    return FaultyTransport()


@pytest.fixture
async def harness(sim: SimServer, tmp_path: Path, transport: FaultyTransport) -> AsyncIterator[Harness]:
    h = Harness(sim, tmp_path, transport)
    yield h
    await h.finish()
    await h.client.aclose()


async def test_a_task_that_cannot_be_read_for_a_while_is_unknown_then_done(
    harness: Harness, transport: FaultyTransport
) -> None:
    running = harness.instance("Running")
    failures = {"left": 3}

    def flaky_task_reads(request: httpx.Request) -> Fault | None:
        if is_task_read(request) and failures["left"] > 0:
            failures["left"] -= 1
            return Fault(status=503, body={"errors": [{"code": 9000, "message": "down"}]})
        return None

    transport.add(flaky_task_reads)
    record = harness.stop(running)
    await harness.finish()
    record = harness.tracker.latest(record)  # a record is a value: what became of it
    statuses = harness.statuses(record)
    assert TaskStatus.CHECKING in statuses and TaskStatus.FAILED not in statuses
    assert record.status == TaskStatus.SUCCESS
    assert not_none(harness.sim.world.instance(running.id)).state == "Stopped"


async def test_connection_lost_while_following_then_back(harness: Harness, transport: FaultyTransport) -> None:
    running = harness.instance("Running")
    failures = {"left": 2}

    def refuse_task_reads(request: httpx.Request) -> Fault | None:
        if is_task_read(request) and failures["left"] > 0:
            failures["left"] -= 1
            return Fault(refuse=True)
        return None

    transport.add(refuse_task_reads)
    record = harness.stop(running)
    await harness.finish()
    record = harness.tracker.latest(record)  # a record is a value: what became of it
    assert TaskStatus.CHECKING in harness.statuses(record)
    assert record.status == TaskStatus.SUCCESS


async def test_a_lost_reply_is_outcome_unknown_and_the_instance_state_is_said(
    harness: Harness, transport: FaultyTransport
) -> None:
    running = harness.instance("Running")
    transport.add(lambda request: Fault(lose_reply=True) if is_mutation(request) else None)
    record = harness.stop(running)
    await harness.finish()
    record = harness.tracker.latest(record)  # a record is a value: what became of it
    assert record.status == TaskStatus.OUTCOME_UNKNOWN
    state = not_none(harness.sim.world.instance(running.id)).state
    assert state in ("Stopping", "Stopped")  # the server did the work
    assert f"{running.name} is now {state}: it was done" in record.outcome
    assert TaskStatus.FAILED not in harness.statuses(record)


async def test_throttled_mutation_is_not_done_and_retried_only_when_asked(
    harness: Harness, transport: FaultyTransport
) -> None:
    running = harness.instance("Running")
    throttled = {"left": 1}

    def throttle_once(request: httpx.Request) -> Fault | None:
        if is_mutation(request) and throttled["left"] > 0:
            throttled["left"] -= 1
            return Fault(status=429, body={"errors": [{"code": 429, "message": "slow down"}]})
        return None

    transport.add(throttle_once)
    record = harness.stop(running)
    await harness.finish()
    record = harness.tracker.latest(record)  # a record is a value: what became of it
    assert record.status == TaskStatus.NOT_DONE and record.retry_possible
    assert not_none(harness.sim.world.instance(running.id)).state == "Running"  # nothing was done
    mutations = [s for s in transport.seen if not s.startswith("GET")]
    assert len(mutations) == 1  # no automatic retry
    again = harness.tracker.retry(record)
    assert again is not None and not harness.tracker.latest(record).retry_possible
    assert again.first_started == record.started  # R says when it was first tried
    later = harness.tracker.superseded_by(record)
    assert later is not None and later.key == again.key  # the resend reached the server
    await harness.finish()
    record = harness.tracker.latest(record)  # a record is a value: what became of it
    again = harness.tracker.latest(again)  # a record is a value: what became of it
    assert again.status == TaskStatus.SUCCESS
    assert not_none(harness.sim.world.instance(running.id)).state == "Stopped"


async def test_a_request_that_never_left_is_not_done(harness: Harness, transport: FaultyTransport) -> None:
    running = harness.instance("Running")
    transport.add(lambda request: Fault(refuse=True) if is_mutation(request) else None)
    record = harness.stop(running)
    await harness.finish()
    record = harness.tracker.latest(record)  # a record is a value: what became of it
    assert record.status == TaskStatus.NOT_DONE and "not sent" in record.outcome


async def test_an_expired_task_says_so_and_shows_the_instance(harness: Harness, transport: FaultyTransport) -> None:
    running = harness.instance("Running")
    transport.add(
        lambda request: (
            Fault(status=404, body={"errors": [{"code": 404, "message": "gone"}]}) if is_task_read(request) else None
        )
    )
    record = harness.stop(running)
    await harness.finish()
    record = harness.tracker.latest(record)  # a record is a value: what became of it
    assert record.status == TaskStatus.EXPIRED
    assert "expired" in record.outcome and f"{running.name} is now" in record.outcome


async def test_an_unknown_task_status_is_shown_as_it_came(harness: Harness, transport: FaultyTransport) -> None:
    running = harness.instance("Running")
    rewrites = {"left": 2}

    def queued(payload: dict[str, Any]) -> dict[str, Any]:
        rewrites["left"] -= 1
        if isinstance(payload.get("data"), dict):
            payload["data"]["status"] = "QUEUED"
        payload["taskStatus"] = "QUEUED"
        return payload

    transport.add(lambda request: Fault(rewrite=queued) if is_task_read(request) and rewrites["left"] > 0 else None)
    record = harness.stop(running)
    await harness.finish()
    record = harness.tracker.latest(record)  # a record is a value: what became of it
    assert "server: QUEUED" in harness.statuses(record)
    assert record.status == TaskStatus.SUCCESS


async def test_a_refusal_is_recorded_as_refused(harness: Harness) -> None:
    stopped = harness.instance("Stopped")
    record = harness.stop(stopped)  # stop needs Running: 400 2012
    with pytest.raises(Exception) as caught:
        await harness.tracker.sent(record)
    assert "2012" in str(caught.value)
    await harness.finish()
    record = harness.tracker.latest(record)  # a record is a value: what became of it
    assert record.status == TaskStatus.REFUSED and "2012" in record.outcome


async def test_the_task_goes_on_when_its_waiter_gives_up(harness: Harness) -> None:
    """A form closed while sending stops waiting; the tracker still follows the task."""
    running = harness.instance("Running")
    record = harness.stop(running)
    waiter = asyncio.create_task(harness.tracker.sent(record))
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)
    await harness.finish()
    record = harness.tracker.latest(record)  # a record is a value: what became of it
    assert record.status == TaskStatus.SUCCESS


async def test_a_restarted_app_resumes_following_from_the_journal(harness: Harness, transport: FaultyTransport) -> None:
    running = harness.instance("Running")
    transport.add(lambda request: Fault(refuse=True) if is_task_read(request) else None)
    record = harness.stop(running)
    # Let it be sent and journaled, then "quit": cancel everything it was doing.
    while harness.tracker.latest(record).task_id is None:
        await asyncio.sleep(0)
    record = harness.tracker.latest(record)
    for task in harness.spawned:
        task.cancel()
    await asyncio.gather(*harness.spawned, return_exceptions=True)
    assert [r.task_id for r in harness.journal.load()] == [record.task_id]
    transport.clear()
    fresh = harness.new_tracker()
    resumed = fresh.resume_journaled()
    assert [(r.task_id, r.instance_name) for r in resumed] == [(record.task_id, running.name)]
    await harness.finish()
    assert fresh.latest(resumed[0]).status == TaskStatus.SUCCESS
    assert harness.journal.load() == []  # ended: no longer journaled
    assert oct(harness.journal.path.stat().st_mode & 0o777) == "0o600"


async def test_reset_password_reveals_once_and_keeps_it_out_of_the_record(harness: Harness) -> None:
    running = next(
        i
        for i in harness.sim.world.environment(REF.service_code, REF.name).instances.values()
        if i.state == "Running" and i.is_password_enabled
    )
    compute = harness.client.compute(REF.service_code, REF.name)
    record = harness.tracker.submit(
        REF,
        Action.RESET_PASSWORD,
        running.id,
        running.name,
        lambda: compute.reset_password(running.id),
        reveal_password=True,
    )
    await harness.finish()
    record = harness.tracker.latest(record)  # a record is a value: what became of it
    assert record.status == TaskStatus.SUCCESS and len(harness.passwords) == 1
    assert harness.passwords[0] not in record.outcome
    assert harness.passwords[0] not in harness.journal.path.read_text() if harness.journal.path.exists() else True


# --- honest outcomes: only a 4xx is a refusal ----------------------------------------------


@pytest.mark.parametrize(
    "status, body",
    [
        (500, {"errors": [{"code": 9999, "message": "internal error"}]}),
        (502, None),
        (200, {"errors": [{"code": 1234, "message": "something went wrong"}]}),
    ],
    ids=["500", "502", "200-with-errors"],
)
async def test_a_done_post_answered_5xx_or_errors_is_outcome_unknown_with_the_state(
    harness: Harness, transport: FaultyTransport, status: int, body: dict[str, list[dict[str, int | str]]] | None
) -> None:
    """The server did the work, then answered an error: not REFUSED, but OUTCOME UNKNOWN with
    what the instance's state says (as for a lost reply)."""
    running = harness.instance("Running")
    transport.add(lambda request: Fault(status=status, body=body, pass_through=True) if is_mutation(request) else None)
    record = harness.stop(running)
    with pytest.raises(Exception):  # noqa: B017 - the form sees the error; the tracker words it
        await harness.tracker.sent(record)
    await harness.finish()
    record = harness.tracker.latest(record)  # a record is a value: what became of it
    assert not_none(harness.sim.world.instance(running.id)).state in ("Stopping", "Stopped")  # it was done
    assert record.status == TaskStatus.OUTCOME_UNKNOWN, record.outcome
    assert TaskStatus.REFUSED not in harness.statuses(record)
    assert f"{running.name} is now Stop" in record.outcome and "it was done" in record.outcome
    assert f"HTTP {status}" in record.outcome


async def test_a_400_is_still_refused(harness: Harness, transport: FaultyTransport) -> None:
    running = harness.instance("Running")
    refusal = {"errors": [{"code": 2012, "message": "wrong state"}]}
    transport.add(lambda request: Fault(status=400, body=refusal) if is_mutation(request) else None)
    record = harness.stop(running)
    await harness.finish()
    record = harness.tracker.latest(record)  # a record is a value: what became of it
    assert record.status == TaskStatus.REFUSED and "2012" in record.outcome
    assert not_none(harness.sim.world.instance(running.id)).state == "Running"


async def test_a_server_status_called_refused_is_the_servers_and_still_followed(
    harness: Harness, transport: FaultyTransport
) -> None:
    running = harness.instance("Running")
    rewrites = {"left": 3}
    seen: list[tuple[str, bool, int]] = []
    harness.tracker.subscribe(lambda r: seen.append((str(r.status), r.in_flight, len(harness.tracker.in_flight))))

    def refused(payload: dict[str, Any]) -> dict[str, Any]:
        rewrites["left"] -= 1
        if isinstance(payload.get("data"), dict):
            payload["data"]["status"] = "REFUSED"
        payload["taskStatus"] = "REFUSED"
        return payload

    transport.add(lambda request: Fault(rewrite=refused) if is_task_read(request) and rewrites["left"] > 0 else None)
    record = harness.stop(running)
    await harness.finish()
    record = harness.tracker.latest(record)  # a record is a value: what became of it
    while_refused = [entry for entry in seen if "REFUSED" in entry[0]]
    assert while_refused, seen
    for status, in_flight, followed in while_refused:
        assert status != TaskStatus.REFUSED  # never shown as ours
        assert status == "server: REFUSED"
        assert in_flight and followed == 1  # quitting asks: it is still followed
    assert record.status == TaskStatus.SUCCESS


@pytest.mark.parametrize("bad_id", ["", ".", ".."])
async def test_an_id_that_is_no_path_segment_is_refused_and_nothing_is_sent(
    harness: Harness, transport: FaultyTransport, bad_id: str
) -> None:
    compute = harness.client.compute(REF.service_code, REF.name)
    record = harness.tracker.submit(REF, Action.STOP, bad_id, "odd", lambda: compute.stop_instance(bad_id))
    await harness.finish()
    record = harness.tracker.latest(record)  # a record is a value: what became of it
    assert record.status == TaskStatus.REFUSED and "not sent" in record.outcome
    assert not [seen for seen in transport.seen if not seen.startswith("GET")]


def key_echoes(key: str) -> list[str]:
    return [key, key.upper(), key.lower(), key[2:12]]


async def test_a_task_failure_quoting_the_key_in_any_case_is_scrubbed(harness: Harness) -> None:
    running = harness.instance("Running")
    key = harness.sim.api_key
    harness.sim.world.fail_next_task("denied for " + " / ".join(key_echoes(key)))
    record = harness.stop(running)
    await harness.finish()
    record = harness.tracker.latest(record)  # a record is a value: what became of it
    assert record.status == TaskStatus.FAILED and "denied for *** / *** / *** / ***" in record.outcome
    shown = " ".join(outcome for _, _, outcome in harness.seen)
    for echo in key_echoes(key):
        assert echo not in shown, echo


async def test_records_are_values_and_each_change_publishes_only_its_environments_tasks(harness: Harness) -> None:
    """A transition replaces the record (the one in hand never changes under the reader)
    and publishes a new frozen snapshot of its own environment alone: a screen of another
    environment keeps the very same object, so it has nothing to look at."""
    other = EnvironmentRef("compute-qc", "elsewhere")
    elsewhere = harness.tracker.board(other)
    running = harness.instance("Running")
    sent = harness.stop(running)
    board_when_sent = harness.tracker.board(REF)
    assert [row.key for row in board_when_sent.rows] == [sent.key]
    assert dict(board_when_sent.busy) == {RowKey(REF, running.id): "Stop"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        sent.status = TaskStatus.SUCCESS  # type: ignore[misc]
    await harness.finish()
    done = harness.tracker.latest(sent)
    assert done is not sent and sent.status == TaskStatus.SENDING and done.status == TaskStatus.SUCCESS
    board = harness.tracker.board(REF)
    assert board is not board_when_sent and dict(board.busy) == {}
    assert [row.status for row in board.rows] == ["SUCCESS"]
    assert board_when_sent.rows[0].status == "SENDING"  # a published snapshot never changes
    assert harness.tracker.board(other) is elsewhere and elsewhere.rows == ()
    assert harness.tracker.in_flight == []
