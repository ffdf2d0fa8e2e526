"""OpenSSH public keys: validation and the MD5 fingerprint cloud.ca shows.

The seed keys are real ones (generated once with ssh-keygen; the private halves
were thrown away) so that a client computing fingerprints itself agrees with us.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct

from .errors import invalid_field

SEED_PUBLIC_KEYS = {
    "alice-laptop": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBsB1hRL4H8Jp+pKrV+WzZ6Grw542zUXalDTGoH2QDHW alice-laptop@example.com",
    "ops-team": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKNIcjrMxsykpn05pdHSPX6hI9Ch9gBcnQtLOlrp/n0D ops-team@example.com",
    "deploy-bot": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICk9hjjnQSEosHiSpL8xQbIwQNeGySY40ryLH7xIQNKl deploy-bot@example.com",
    "ci-runner": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILcCOh8V/8P56qoSIGWP5IjHfXuVDfK+RqLHPLtUN3na ci-runner@example.com",
    "backup-admin": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOQI7R6yx7G0YiIHi8cTZJ9sdI+/RwtLGJCYixIUk+li backup-admin@example.com",
    "legacy": (
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCV6UZhmXv5izZBSR+LhafbzK5Yo2IGZt7zAw0xkrv+L9OiDF/tAVBGfn3Oc0q2S2ZU32Ziwk9J"
        "egxhXqfGKIvvxWPHijsob9Uqqt1zeuHyw4DHTnN7bRoLT+gjs5OnuHAU2zJ1hTkjmDlh8zSZbDDiPlQod++alM75j0G1UUAnjUZLFtAD2xEVi9qPu"
        "di+blkSK3TuLDVm9rXU+qCHR/TtB/lWeoVhv18HlyXBndAZBSX8gXt55mIoMIp/2lN+xGD7P6Rk4j1XsjZuW2QMgsv6DFJT+THJbDRp6sVqHsPn3W"
        "yADUPZqq9JBfE4tgQhu172R96Md4GJUVXIGzwmOuEl legacy@example.com"
    ),
}

KEY_TYPES = {
    "ssh-ed25519",
    "ssh-rsa",
    "ssh-dss",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
}


def key_blob(public_key: str, field: str = "publicKey") -> bytes:
    """The decoded key blob of an OpenSSH one-line public key, or a 400 naming `field`."""
    parts = public_key.strip().split()
    if len(parts) < 2:
        raise invalid_field(field, "expected an OpenSSH public key such as 'ssh-ed25519 AAAA... comment'")
    key_type, encoded = parts[0], parts[1]
    if key_type not in KEY_TYPES:
        raise invalid_field(field, f"unsupported key type '{key_type}'")
    try:
        blob = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise invalid_field(field, "the key data is not valid base64") from None
    # The blob starts with its own type name as a length-prefixed string: a key pasted
    # with the wrong label or truncated is caught here.
    if len(blob) < 4:
        raise invalid_field(field, "the key data is truncated")
    (name_length,) = struct.unpack(">I", blob[:4])
    if blob[4 : 4 + name_length].decode("ascii", "replace") != key_type or len(blob) <= 4 + name_length:
        raise invalid_field(field, "the key data does not match its type")
    return blob


def md5_fingerprint(blob: bytes) -> str:
    digest = hashlib.md5(blob).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))
