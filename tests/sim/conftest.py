"""Fixtures of the sim tests: an HTTP client on the simulator and a hand-moved clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cca_tui.sim.server import SimServer
from tests.sim.simhelp import Api, FakeClock


@pytest.fixture
def api(sim: SimServer) -> Iterator[Api]:
    client = Api(sim)
    yield client
    client.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
