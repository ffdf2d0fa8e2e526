"""A uvicorn HTTP protocol that can go silent: while the simulator is offline, any
bytes a client sends make the server abort the connection without a reply, which
is what an unreachable API looks like to a client (a transport error)."""

from __future__ import annotations

from collections.abc import Callable

from uvicorn.protocols.http.h11_impl import H11Protocol


def offline_aware_protocol(is_offline: Callable[[], bool]) -> type[H11Protocol]:
    class OfflineAwareH11Protocol(H11Protocol):
        def data_received(self, data: bytes) -> None:
            if is_offline():
                self.transport.abort()
                return
            super().data_received(data)

    return OfflineAwareH11Protocol
