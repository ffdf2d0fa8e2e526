"""Deterministic identifiers: every id, MAC and password comes from one seeded RNG,
so a given seed always yields the same world (and the same ids in screenshots)."""

from __future__ import annotations

import random
import string
import uuid

_PASSWORD_ALPHABET = string.ascii_letters + string.digits


class IdSource:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self._namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"cca-tui-sim:{seed}")

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def mac(self) -> str:
        # 02:00 marks a locally administered unicast address, as CloudStack uses.
        tail = self.rng.getrandbits(32).to_bytes(4, "big")
        return "02:00:" + ":".join(f"{b:02x}" for b in tail)

    def password(self, length: int = 12) -> str:
        return "".join(self.rng.choice(_PASSWORD_ALPHABET) for _ in range(length))

    def derived(self, name: str) -> str:
        """A stable id for `name` that draws nothing from the RNG, so adding derived records
        to the world leaves every drawn id (and the screenshots) as it was."""
        return str(uuid.uuid5(self._namespace, name))
