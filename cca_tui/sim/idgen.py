"""Deterministic identifiers: every id, MAC and password comes from one seeded RNG,
so a given seed always yields the same world (and the same ids in screenshots)."""

from __future__ import annotations

import random
import string
import uuid

_PASSWORD_ALPHABET = string.ascii_letters + string.digits
_CLEAR_VERSION_AND_VARIANT = ~((0xF000 << 64) | (0xC000 << 48))
_VERSION_4_AND_VARIANT = (4 << 76) | (0x8000 << 48)


class IdSource:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self._namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"cca-tui-sim:{seed}")

    def uuid(self) -> str:
        # What str(uuid.UUID(int=bits, version=4)) gives, without its object: seeding
        # 100,000 instances draws 300,000 of these.
        bits = self.rng.getrandbits(128)
        bits = (bits & _CLEAR_VERSION_AND_VARIANT) | _VERSION_4_AND_VARIANT
        h = f"{bits:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def mac(self) -> str:
        # 02:00 marks a locally administered unicast address, as CloudStack uses.
        tail = self.rng.getrandbits(32)
        return f"02:00:{tail >> 24:02x}:{(tail >> 16) & 255:02x}:{(tail >> 8) & 255:02x}:{tail & 255:02x}"

    def password(self, length: int = 12) -> str:
        return "".join(self.rng.choice(_PASSWORD_ALPHABET) for _ in range(length))

    def derived(self, name: str) -> str:
        """A stable id for `name` that draws nothing from the RNG, so adding derived records
        to the world leaves every drawn id (and the screenshots) as it was."""
        return str(uuid.uuid5(self._namespace, name))
