"""The contract: one operator's scenario over raw HTTP (httpx, no cca_tui client) against the
simulator with its default task delay, checking every reply's exact keys against the reference
page (absent and null told apart). The official Go client's spelling (a base URL ending in `/`
joined with another `/`) runs the same scenario.

Tasks are followed by polling in a bounded loop while moving the simulator's clock: no sleeps.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Set
from pathlib import Path
from typing import Any

import httpx
import pytest

from cca_tui.sim.options import SimOptions
from cca_tui.sim.server import SimServer

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "instances.md"
POLL_STEP = 0.25  # seconds of simulator clock per poll
MAX_POLLS = 100


def _reference_examples() -> list[dict[str, Any]]:
    text = REFERENCE.read_text(encoding="utf-8")
    blocks = [json.loads(b) for b in re.findall(r"```json\s*\n(.*?)```", text, re.DOTALL)]
    return [b for b in blocks if isinstance(b, dict)]


EXAMPLES = _reference_examples()
LIST_EXAMPLE = next(e["data"][0] for e in EXAMPLES if isinstance(e.get("data"), list))
GET_EXAMPLE = next(e["data"] for e in EXAMPLES if isinstance(e.get("data"), dict))
LIST_KEYS = set(LIST_EXAMPLE)
GET_KEYS = set(GET_EXAMPLE)
PUBLIC_IP_KEYS = set(GET_EXAMPLE["publicIps"][0])
NIC_KEYS = set(GET_EXAMPLE["nics"][0])
CREATE_EXAMPLE = next(e for e in EXAMPLES if "templateId" in e and "data" not in e)

# The pages around the instances page (cloud.ca's API reference), as API.md lists them.
ENVIRONMENT_KEYS = {
    "id",
    "name",
    "description",
    "membership",
    "creationDate",
    "organization",
    "serviceConnection",
    "roles",
}
TEMPLATE_KEYS = {
    "id",
    "name",
    "description",
    "size",
    "isPublic",
    "isReady",
    "isDynamicallyScalable",
    "sshKeyEnabled",
    "created",
    "osType",
    "availableInZones",
}
OFFERING_KEYS = {"id", "name", "cpuCount", "memoryInMB", "custom"}
CUSTOM_OFFERING_KEYS = {
    "id",
    "name",
    "custom",
    "availableCpuCountValues",
    "availableMemoryInMBValues",
    "maxMemoryInMBToCpuRatio",
}
TASK_REPLY_KEYS = {"taskId", "taskStatus"}
ERROR_KEYS = {"code", "message", "context"}


def assert_no_null(value: Any, where: str = "reply") -> None:
    """The reference never shows null: a key without a value is absent."""
    assert value is not None, f"{where} is null"
    if isinstance(value, dict):
        for key, item in value.items():
            assert_no_null(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            assert_no_null(item, f"{where}[{index}]")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Contract:
    """Raw HTTP with the chores of the scenario: the key, the clock, and key-set checks."""

    def __init__(self, http: httpx.Client, clock: Clock, prefix: str) -> None:
        self.http, self.clock, self.prefix = http, clock, prefix
        self.env_path = ""

    def url(self, path: str) -> str:
        return self.prefix + path

    def get(self, path: str, **params: Any) -> httpx.Response:
        reply = self.http.get(self.url(path), params=params)
        assert_no_null(reply.json(), f"GET {path}")
        return reply

    def data(self, path: str) -> Any:
        reply = self.get(path)
        assert reply.status_code == 200, reply.text
        assert "errors" not in reply.json()
        return reply.json()["data"]

    def mutate(self, method: str, path: str, body: Any = None, **params: Any) -> str:
        """Send a mutation; check it answers exactly {taskId, taskStatus: PENDING}; its id."""
        reply = self.http.request(method, self.url(path), params=params, json=body)
        assert reply.status_code == 200, reply.text
        payload = reply.json()
        assert_no_null(payload, f"{method} {path}")
        assert set(payload) == TASK_REPLY_KEYS and payload["taskStatus"] == "PENDING", payload
        task_id: str = payload["taskId"]
        return task_id

    def operate(self, instance_id: str, operation: str, body: Any = None) -> str:
        return self.mutate("POST", f"{self.env_path}/instances/{instance_id}", body, operation=operation)

    def wait(self, task_id: str) -> Any:
        """Poll until the task ends (advancing the clock between polls); its result."""
        for _ in range(MAX_POLLS):
            task = self.data_task(task_id)
            if task["taskStatus"] != "PENDING":
                assert task["taskStatus"] == "SUCCESS", task
                assert set(task) == {"taskId", "taskStatus", "result", "data"}
                assert set(task["data"]) == {"id", "status", "created", "result"}
                assert task["data"]["result"] == task["result"]
                return task["result"]
            # Pending: the Go client crashes on a null result, so there must be no key at all.
            assert set(task) == {"taskId", "taskStatus", "data"}, task
            assert set(task["data"]) == {"id", "status", "created"}, task
            self.clock.now += POLL_STEP
        raise AssertionError(f"task {task_id} still pending after {MAX_POLLS} polls")

    def data_task(self, task_id: str) -> dict[str, Any]:
        reply = self.get(f"/tasks/{task_id}")
        assert reply.status_code == 200, reply.text
        task: dict[str, Any] = reply.json()
        return task

    def instance(self, instance_id: str, extra: Set[str] = frozenset()) -> dict[str, Any]:
        detail = self.data(f"{self.env_path}/instances/{instance_id}")
        assert set(detail) == GET_KEYS | extra, set(detail) ^ (GET_KEYS | extra)
        for ip in detail["publicIps"]:
            assert set(ip) == PUBLIC_IP_KEYS
        for nic in detail["nics"]:
            assert set(nic) == NIC_KEYS
        listed = [i for i in self.data(f"{self.env_path}/instances") if i["id"] == instance_id]
        assert len(listed) == 1 and set(listed[0]) == LIST_KEYS
        assert {k: v for k, v in detail.items() if k in LIST_KEYS} == listed[0]
        shown: dict[str, Any] = detail
        return shown


@pytest.fixture(params=["plain", "go-client"])
def contract(request: pytest.FixtureRequest) -> Iterator[Contract]:
    clock = Clock()
    options = SimOptions()  # the defaults: task delay 1 s, a refused key is 403
    assert options.task_delay > 0
    server = SimServer(options, clock=clock).start()
    headers = {"MC-Api-Key": server.api_key}
    if request.param == "plain":
        http, prefix = httpx.Client(base_url=server.url, headers=headers, timeout=10), ""
    else:
        # The Go client's default base URL ends in "/" and it appends "/path": ".../v1//path".
        http, prefix = httpx.Client(headers=headers, timeout=10), server.url + "/"
    try:
        yield Contract(http, clock, prefix)
    finally:
        http.close()
        server.stop()


def test_an_instance_from_creation_to_purge(contract: Contract) -> None:
    c = contract
    if c.prefix.endswith("/v1/"):
        assert c.url("/environments").endswith("/v1//environments")

    # Environments, and the service code from the environment itself.
    environments = c.data("/environments")
    assert environments and all(set(e) == ENVIRONMENT_KEYS for e in environments)
    for env in environments:
        for role in env["roles"]:
            assert set(role) == {"id", "name", "isDefault", "users"}
    production = next(e for e in environments if e["name"] == "production")
    retrieved = c.data(f"/environments/{production['id']}")
    assert set(retrieved) == ENVIRONMENT_KEYS | {"users"}
    code = retrieved["serviceConnection"]["serviceCode"]
    assert code == "compute-on"
    c.env_path = f"/services/{code}/{production['name']}"

    # The catalogue.
    templates = c.data(f"{c.env_path}/templates")
    assert all(set(t) == TEMPLATE_KEYS for t in templates)
    offerings = c.data(f"{c.env_path}/computeofferings")
    for offering in offerings:
        assert set(offering) == (CUSTOM_OFFERING_KEYS if offering["custom"] else OFFERING_KEYS)
    networks = c.data(f"{c.env_path}/networks")
    keys = c.data(f"{c.env_path}/sshkeys")
    template = next(t for t in templates if t["isReady"] and networks[0]["zoneId"] in t["availableInZones"])
    standard = [o for o in offerings if not o["custom"]]

    # Create with a name and ids: the minimum the reference's example shows as required.
    body = {"name": "contract-1", "templateId": template["id"], "computeOfferingId": standard[0]["id"]}
    body["networkId"] = networks[0]["id"]
    assert set(body) <= set(CREATE_EXAMPLE)
    created = c.wait(c.mutate("POST", f"{c.env_path}/instances", body))
    assert set(created) == GET_KEYS and created["state"] == "Running" and created["name"] == "contract-1"
    instance_id = created["id"]
    assert c.instance(instance_id)["state"] == "Running"

    # Stop; a second stop is refused at once with the reference's context.
    stop = c.operate(instance_id, "stop")
    assert c.instance(instance_id)["state"] == "Stopping"
    assert c.wait(stop)["state"] == "Stopped"
    refused = c.http.post(c.url(f"{c.env_path}/instances/{instance_id}"), params={"operation": "stop"}, json={})
    assert refused.status_code == 400 and set(refused.json()) == {"errors"}
    assert_no_null(refused.json())
    error = refused.json()["errors"][0]
    assert set(error) == ERROR_KEYS and error["code"] == 2012
    assert error["context"] == {
        "id": instance_id,
        "currentState": "Stopped",
        "expectedStates": ["Running"],
        "type": "instances",
    }

    # Start, reboot.
    assert c.wait(c.operate(instance_id, "start"))["state"] == "Running"
    assert c.wait(c.operate(instance_id, "reboot"))["state"] == "Running"

    # Associate a key: the instance then carries sshKeyName (the Go client's field).
    c.wait(c.operate(instance_id, "associateSSHKey", {"sshKeyName": keys[0]["name"]}))
    assert c.instance(instance_id, {"sshKeyName"})["sshKeyName"] == keys[0]["name"]

    # Change offering (a reboot), reset the password (in the task result).
    c.wait(c.operate(instance_id, "changeComputeOffering", {"computeOfferingId": standard[1]["id"]}))
    resized = c.instance(instance_id, {"sshKeyName"})
    assert (resized["computeOfferingId"], resized["cpuCount"]) == (standard[1]["id"], standard[1]["cpuCount"])
    assert resized["state"] == "Running"
    password = c.wait(c.operate(instance_id, "resetPassword"))
    assert set(password) == {"password"} and password["password"]

    # Destroy (recoverable), recover, destroy with purge: gone.
    destroyed = c.wait(c.mutate("DELETE", f"{c.env_path}/instances/{instance_id}", {"purgeImmediately": False}))
    assert destroyed["state"] == "Destroyed" and set(destroyed) == GET_KEYS | {"sshKeyName"}
    assert c.wait(c.operate(instance_id, "recover"))["state"] == "Stopped"
    purged = c.wait(c.mutate("DELETE", f"{c.env_path}/instances/{instance_id}", {"purgeImmediately": True}))
    assert purged == {"id": instance_id}
    gone = c.get(f"{c.env_path}/instances/{instance_id}")
    assert gone.status_code == 404 and set(gone.json()) == {"errors"}
    assert set(gone.json()["errors"][0]) == ERROR_KEYS
    assert gone.json()["errors"][0]["context"] == {"id": instance_id, "type": "instances"}
    assert instance_id not in {i["id"] for i in c.data(f"{c.env_path}/instances")}


def test_a_refused_key_is_403_by_default() -> None:
    with SimServer(SimOptions()) as server:
        reply = httpx.get(f"{server.url}/environments", headers={"MC-Api-Key": "not-it"})
        assert reply.status_code == 403 and set(reply.json()) == {"errors"}
        assert set(reply.json()["errors"][0]) == ERROR_KEYS


def test_a_finished_task_expires_after_half_an_hour() -> None:
    clock = Clock()
    with SimServer(SimOptions(), clock=clock) as server:
        http = httpx.Client(base_url=server.url, headers={"MC-Api-Key": server.api_key})
        c = Contract(http, clock, "")
        c.env_path = "/services/compute-on/production"
        web = next(i for i in c.data(f"{c.env_path}/instances") if i["name"] == "web-2")
        task_id = c.operate(web["id"], "stop")
        c.wait(task_id)
        clock.now += 29 * 60
        assert c.get(f"/tasks/{task_id}").status_code == 200
        clock.now += 2 * 60
        gone = c.get(f"/tasks/{task_id}")
        assert gone.status_code == 404 and set(gone.json()["errors"][0]) == ERROR_KEYS
        # The entity tells the outcome the task no longer can.
        assert c.instance(web["id"])["state"] == "Stopped"
        http.close()
