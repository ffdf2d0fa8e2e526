"""Tasks: both reply shapes, lazy advancement on a fake clock, failures, one at a time."""

from __future__ import annotations

from cca_tui.sim import errors
from cca_tui.sim.options import SimOptions
from cca_tui.sim.server import SimServer
from tests.conftest import SimFactory
from tests.sim.simhelp import PROD, Api, FakeClock, the_error


def test_task_reply_carries_both_shapes(api: Api) -> None:
    reply = api.operate(api.instance("web-2")["id"], "stop")
    assert set(reply.json()) == {"taskId", "taskStatus"}
    task_id = api.task_of(reply)
    for path in (f"/tasks/{task_id}", f"/services/tasks/{task_id}"):
        task = api.get(path).json()
        assert task["taskId"] == task_id and task["taskStatus"] == "SUCCESS"
        assert task["data"]["id"] == task_id and task["data"]["status"] == "SUCCESS"
        assert task["data"]["created"]
        assert task["result"] == task["data"]["result"]
        assert task["result"]["state"] == "Stopped"


def test_with_no_delay_a_task_finishes_on_the_next_request(api: Api) -> None:
    web = api.instance("web-2")
    reply = api.operate(web["id"], "stop")
    assert api.task_of(reply)
    assert api.instance("web-2")["state"] == "Stopped"


def test_transitional_states_follow_the_clock(sim_factory: SimFactory, clock: FakeClock) -> None:
    client = Api(sim_factory(SimOptions(task_delay=10), clock=clock))
    web = client.instance("web-1")
    task_id = client.task_of(client.operate(web["id"], "reboot"))
    assert client.instance("web-1")["state"] == "Stopping"
    clock.advance(4.9)
    assert client.instance("web-1")["state"] == "Stopping"
    assert client.get(f"/tasks/{task_id}").json()["taskStatus"] == "PENDING"
    clock.advance(0.2)
    assert client.instance("web-1")["state"] == "Starting"
    clock.advance(5)
    assert client.instance("web-1")["state"] == "Running"
    assert client.get(f"/tasks/{task_id}").json()["taskStatus"] == "SUCCESS"
    client.close()


def test_an_instance_takes_one_task_at_a_time(sim_factory: SimFactory, clock: FakeClock) -> None:
    client = Api(sim_factory(SimOptions(task_delay=10), clock=clock))
    web = client.instance("web-1")
    task_id = client.task_of(client.operate(web["id"], "stop"))
    error = the_error(client.operate(web["id"], "reboot"), 400, errors.TASK_IN_PROGRESS)
    assert error["context"]["taskId"] == task_id and "stop" in error["message"]
    clock.advance(10)
    client.task_of(client.operate(web["id"], "start"))
    client.close()


def test_fail_next_task_restores_the_prior_state(sim: SimServer, api: Api) -> None:
    web = api.instance("web-2")
    sim.world.fail_next_task("hypervisor on fire")
    task = api.finish(api.operate(web["id"], "stop"))
    assert task["taskStatus"] == "FAILED" and task["data"]["status"] == "FAILED"
    assert task["result"]["message"] == "hypervisor on fire" and task["result"]["code"] == errors.TASK_FAILED
    assert api.instance("web-2")["state"] == "Running"
    # Only the next task fails.
    assert api.succeed(api.operate(web["id"], "stop"))["state"] == "Stopped"


def test_failed_change_leaves_the_instance_unchanged(sim: SimServer, api: Api) -> None:
    web = api.instance("web-2")
    offering = next(o for o in api.data(f"{PROD}/computeofferings") if o["name"] == "4vCPU.8GB")
    sim.world.fail_next_task()
    task = api.finish(api.operate(web["id"], "changeComputeOffering", {"computeOfferingId": offering["id"]}))
    assert task["taskStatus"] == "FAILED"
    after = api.instance("web-2")
    assert (after["state"], after["computeOfferingId"]) == ("Running", web["computeOfferingId"])
