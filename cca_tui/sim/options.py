"""The knobs of one simulator run: the API key, timing, paging and injected faults."""

from __future__ import annotations

from dataclasses import dataclass

# Printed by `cca-tui sim` so an operator can paste it into a profile.
DEMO_API_KEY = "demo-0000-cca-tui-key"


@dataclass
class SimOptions:
    api_key: str = DEMO_API_KEY
    task_delay: float = 1.0  # seconds a task takes in total; 0 in tests
    page_cap: int | None = None  # list replies never carry more rows than this per page
    instances: int | None = None  # seed this many instances in the FIRST environment (scale tests)
    latency: float = 0.0  # seconds added to every request
    error_rate: float = 0.0  # share (0..1) of requests answered 503 with an errors body
    drop_rate: float = 0.0  # share of requests whose connection is dropped mid-reply
    throttle_rate: float = 0.0  # share of requests answered 429 with Retry-After: 1
    seed: int = 42  # RNG seed: the world and fault draws are deterministic
