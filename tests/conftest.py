"""Fixtures shared by every test: hermetic environment and simulator servers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Protocol

import pytest

from cca_tui.sim.options import SimOptions
from cca_tui.sim.server import SimServer


@pytest.fixture(autouse=True)
def hermetic_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may read or write the user's config, state or cache, nor pick up their key."""
    # A directory of its own, not tmp_path: tests may assert what their tmp_path holds.
    root = tmp_path_factory.mktemp("hermetic")
    for variable in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        directory = root / variable.lower()
        directory.mkdir()
        monkeypatch.setenv(variable, str(directory))
    home = root / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for variable in ("CCA_API_KEY", "CCA_API_URL", "CCA_PROFILE", "CCA_SIM_API_KEY", "SSH_AUTH_SOCK"):
        monkeypatch.delenv(variable, raising=False)


class SimFactory(Protocol):
    """What the `sim_factory` fixture is: start a simulator (default options: tasks done at once)."""

    def __call__(self, options: SimOptions | None = None, *, clock: Callable[[], float] = ...) -> SimServer: ...


@pytest.fixture
def sim_factory() -> Iterator[SimFactory]:
    """Start simulators with chosen options (`sim_factory(SimOptions(...), clock=...)`);
    all of them are stopped when the test ends."""
    started: list[SimServer] = []

    def start(options: SimOptions | None = None, *, clock: Callable[[], float] = time.monotonic) -> SimServer:
        server = SimServer(options or SimOptions(task_delay=0), clock=clock).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def sim(sim_factory: SimFactory) -> SimServer:
    """A started simulator whose tasks finish on the next request."""
    return sim_factory(SimOptions(task_delay=0))
