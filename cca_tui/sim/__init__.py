"""A cloud.ca API simulator: a real HTTP server on loopback that enforces the API's rules.

It is the demo backend and the test backend. It never imports textual, nor the
client in cca_tui.api: it is an independent reading of the API, so tests that run
the client against it check something.
"""

from .options import DEMO_API_KEY, SimOptions

__all__ = ["DEMO_API_KEY", "SimOptions", "SimServer", "World"]


def __getattr__(name: str) -> type:  # the server pulls in uvicorn; only load it when asked
    if name == "SimServer":
        from .server import SimServer

        return SimServer
    if name == "World":
        from .world import World

        return World
    raise AttributeError(name)
