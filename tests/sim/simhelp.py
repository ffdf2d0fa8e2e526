"""Helpers for talking to the simulator over real HTTP in the sim tests."""

from __future__ import annotations

from typing import Any

import httpx

from cca_tui.sim.server import SimServer

PROD = "/services/compute-on/production"


class FakeClock:
    """A clock the test moves by hand, so timed tasks need no sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Api:
    """A thin httpx client with the chores of the tests: key, JSON, task polling."""

    def __init__(self, server: SimServer) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.url, headers={"MC-Api-Key": server.api_key}, timeout=5)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        return self.http.post(path, json=body, **kwargs)

    def put(self, path: str, body: Any = None) -> httpx.Response:
        return self.http.put(path, json=body)

    def delete(self, path: str, body: Any = None) -> httpx.Response:
        return self.http.request("DELETE", path, json=body)

    def data(self, path: str, **params: Any) -> Any:
        reply = self.get(path, params=params)
        assert reply.status_code == 200, reply.text
        return reply.json()["data"]

    def instance(self, name: str, env: str = PROD) -> dict[str, Any]:
        return next(i for i in self.data(f"{env}/instances") if i["name"] == name)

    def detail(self, instance_id: str, env: str = PROD) -> dict[str, Any]:
        detail: dict[str, Any] = self.data(f"{env}/instances/{instance_id}")
        return detail

    def task_of(self, reply: httpx.Response) -> str:
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["taskStatus"] == "PENDING"
        task_id: str = body["taskId"]
        return task_id

    def finish(self, reply: httpx.Response) -> dict[str, Any]:
        """Wait for the task a mutation started; return the task reply (any final status)."""
        task_id = self.task_of(reply)
        for _ in range(50):
            task: dict[str, Any] = self.get(f"/tasks/{task_id}").json()
            if task["taskStatus"] != "PENDING":
                return task
        raise AssertionError(f"task {task_id} never finished")

    def succeed(self, reply: httpx.Response) -> Any:
        task = self.finish(reply)
        assert task["taskStatus"] == "SUCCESS", task
        return task["result"]

    def operate(self, instance_id: str, operation: str, body: Any = None, env: str = PROD) -> httpx.Response:
        return self.post(f"{env}/instances/{instance_id}", body, params={"operation": operation})

    def close(self) -> None:
        self.http.close()


def the_error(reply: httpx.Response, status: int, code: int) -> dict[str, Any]:
    """The single error entry of a refusal, after checking its status and code."""
    assert reply.status_code == status, reply.text
    errors = reply.json()["errors"]
    assert len(errors) == 1 and set(errors[0]) == {"code", "message", "context"}, errors
    assert errors[0]["code"] == code, errors
    error: dict[str, Any] = errors[0]
    return error
