"""Injected faults and the offline switch, as a client sees them over the wire."""

from __future__ import annotations

import logging
import socket
import time

import httpx
import pytest

from cca_tui.sim import errors
from cca_tui.sim.options import SimOptions
from cca_tui.sim.server import SimServer
from tests.conftest import SimFactory
from tests.sim.simhelp import Api, the_error


def test_offline_drops_connections_until_back_online(sim: SimServer, api: Api) -> None:
    assert api.get("/environments").status_code == 200  # a pooled keep-alive connection now exists
    sim.offline = True
    for _ in range(3):
        with pytest.raises(httpx.TransportError):
            api.get("/environments")
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{sim.url}/environments", headers={"MC-Api-Key": sim.api_key})
    sim.offline = False
    assert api.get("/environments").status_code == 200


def test_error_rate_answers_503(sim_factory: SimFactory) -> None:
    client = Api(sim_factory(SimOptions(task_delay=0, error_rate=1.0)))
    the_error(client.get("/environments"), 503, errors.SERVICE_UNAVAILABLE)
    client.close()


def test_throttle_rate_answers_429_with_retry_after(sim_factory: SimFactory) -> None:
    client = Api(sim_factory(SimOptions(task_delay=0, throttle_rate=1.0)))
    reply = client.get("/environments")
    the_error(reply, 429, errors.THROTTLED)
    assert reply.headers["Retry-After"] == "1"
    client.close()


def test_drop_rate_breaks_the_reply_quietly(sim_factory: SimFactory) -> None:
    records: list[logging.LogRecord] = []

    class Recording(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Recording()
    uvicorn_errors = logging.getLogger("uvicorn.error")
    server = sim_factory(SimOptions(task_delay=0, drop_rate=1.0))
    uvicorn_errors.addHandler(handler)
    try:
        client = Api(server)
        for _ in range(3):
            with pytest.raises(httpx.RemoteProtocolError):
                client.get("/environments")
        client.close()
    finally:
        uvicorn_errors.removeHandler(handler)
    assert records == []  # deliberate drops are not reported as server errors


def test_latency_delays_every_reply(sim_factory: SimFactory) -> None:
    client = Api(sim_factory(SimOptions(task_delay=0, latency=0.2)))
    started = time.perf_counter()
    client.get("/environments")
    assert time.perf_counter() - started >= 0.2
    client.close()


def test_fault_draws_are_deterministic_and_partial(sim_factory: SimFactory) -> None:
    def outcomes() -> list[int | str]:
        client = Api(sim_factory(SimOptions(task_delay=0, error_rate=0.3, throttle_rate=0.2, drop_rate=0.1, seed=3)))
        seen: list[int | str] = []
        for _ in range(60):
            try:
                seen.append(client.get("/environments").status_code)
            except httpx.TransportError:
                seen.append("drop")  # the pool discards the broken connection and dials again
        client.close()
        return seen

    first = outcomes()
    assert first == outcomes()
    assert {200, 503, 429, "drop"} <= set(first)


def test_offline_sends_not_a_single_byte(sim: SimServer) -> None:
    sim.offline = True
    with socket.create_connection(("127.0.0.1", sim.port), timeout=2) as raw:
        raw.sendall(b"GET /v1/environments HTTP/1.1\r\nHost: sim\r\nMC-Api-Key: " + sim.api_key.encode() + b"\r\n\r\n")
        try:
            received = raw.recv(1024)
        except ConnectionResetError:
            received = b""
    assert received == b""
