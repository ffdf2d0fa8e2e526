"""The knobs of one simulator run: the API key, timing, paging, reply dialect and injected faults."""

from __future__ import annotations

from dataclasses import dataclass

# The seed's bounds (here, not in seed.py: the app's command line names them in its help,
# and importing the seed or the server costs every start a quarter of a second).
MAX_INSTANCES = 1_000_000
MAX_ENVIRONMENTS = 60  # each has VPC blocks of its own in 10.100.0.0 - 10.255.255.255

# Printed by `cca-tui sim` so an operator can paste it into a profile.
DEMO_API_KEY = "demo-0000-cca-tui-key"

# The operations `taskless_reply` applies to by default: quick ones a server may answer at once.
TASKLESS_OPERATIONS = ("start", "stop", "reboot", "associateSSHKey", "update", "deleteSSHKey")


@dataclass
class SimOptions:
    api_key: str = DEMO_API_KEY
    task_delay: float = 1.0  # seconds a task takes in total; 0 in tests
    page_cap: int | None = None  # list replies never carry more rows than this per page
    instances: int | None = None  # seed this many instances in the FIRST environment (scale tests)
    # None: the five seeded environments. N: N environments visible to the key, across both
    # service connections, sharing `instances` (or twelve each).
    environments: int | None = None
    latency: float = 0.0  # seconds added to every request
    error_rate: float = 0.0  # share (0..1) of requests answered 503 with an errors body
    drop_rate: float = 0.0  # share of requests whose connection is dropped mid-reply
    throttle_rate: float = 0.0  # share of requests answered 429 with Retry-After: 1
    seed: int = 42  # RNG seed: the world and fault draws are deterministic
    task_ttl: float = 1800.0  # seconds (of the simulator's clock) a task stays readable after it ends
    rejected_key_status: int = 403  # status of a missing or wrong key: 403 as the reference lists, or 401
    # None: every mutation answers with a task. "204": the operations in `taskless_operations`
    # do their work at once and answer 204 with no body; "data": they answer {"data": result}.
    taskless_reply: str | None = None
    taskless_operations: tuple[str, ...] = TASKLESS_OPERATIONS

    def __post_init__(self) -> None:
        if self.rejected_key_status not in (401, 403):
            raise ValueError("rejected_key_status must be 401 or 403")
        if self.taskless_reply not in (None, "204", "data"):
            raise ValueError("taskless_reply must be None, '204' or 'data'")
