"""Serving the simulator over real HTTP on loopback, in a background thread."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType

import uvicorn

from .app import build_app
from .options import SimOptions
from .transport import offline_aware_protocol
from .world import World

STARTUP_TIMEOUT = 10.0
SHUTDOWN_GRACE = 1.0
POLL = 0.005
TICK = 0.1  # uvicorn's own: it updates the Date header every 10 ticks
KEEP_ALIVE = 75  # seconds an idle connection stays open (uvicorn's default is 5)


class _PromptServer(uvicorn.Server):
    """uvicorn.Server that stops as soon as it is told: tests start and stop a server each,
    and 0.2 s per stop would dominate the suite.

    Between its ticks (uvicorn's 0.1 s) it waits on a wake-up rather than polling: polling
    every 5 ms cost 4-6 % of a core while idle, and Textual's pilot, which waits after every
    key until the process uses under 5 %, then waited up to a second per key in tests that
    run the simulator in their own process."""

    _loop: asyncio.AbstractEventLoop | None = None
    _wake: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), TICK)

    def exit_now(self) -> None:
        """From any thread: exit, without waiting for the next tick."""
        self.should_exit = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed already: it has exited
                loop.call_soon_threadsafe(wake.set)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()  # idle keep-alive connections close now, busy ones after their reply
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SHUTDOWN_GRACE
        while (self.server_state.connections or self.server_state.tasks) and loop.time() < deadline:
            await asyncio.sleep(POLL)
        for task in self.server_state.tasks:
            task.cancel()
        for server in self.servers:
            await server.wait_closed()


class SimServer:
    """A started SimServer answers at `url` with key `api_key`; `world` is its state.

    Set `offline = True` to make it drop every connection without a reply.
    """

    def __init__(
        self,
        options: SimOptions | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.options = options or SimOptions()
        self.host = host
        self.port = port
        self.api_key = self.options.api_key
        self.world = World(self.options, clock=clock)
        self.offline = False
        self._server: _PromptServer | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def _is_offline(self) -> bool:
        return self.offline

    def start(self) -> SimServer:
        # Bind first so port 0 becomes a known port before anyone reads `url`.
        # Naming IPPROTO_TCP matters: asyncio only turns Nagle off (TCP_NODELAY) on
        # sockets that say they are TCP, and with Nagle on every reply stalls ~40 ms.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        self._socket = sock
        config = uvicorn.Config(
            build_app(self.world, self._is_offline),
            log_level="warning",
            access_log=False,
            lifespan="off",
            http=offline_aware_protocol(self._is_offline),
            # Longer than any client's idle expiry (cca-tui's is 2 s, httpx's default 5 s):
            # a server that closes first races the client's next request on that connection.
            timeout_keep_alive=KEEP_ALIVE,
        )
        self._server = _PromptServer(config)
        # uvicorn installs signal handlers only on the main thread, so this thread
        # leaves Ctrl-C to whoever owns the process.
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=f"cca-sim:{self.port}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the simulator failed to start on {self.host}:{self.port}")
            time.sleep(POLL)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.exit_now()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
