"""Checks of what an operator types into a form, with messages written for them.

No Textual here: the forms call these on every keystroke and on submit, and the unit tests
call them directly. Each parser returns the clean value or raises `FieldInvalid` with the
sentence to show under the field.
"""

from __future__ import annotations

import base64
import binascii
import struct

# The reference states no pattern or length for names and no range for disk sizes or IOPS:
# those are the server's to judge, and its refusal is shown under the field it names.
# Checked here is only what the reference says: a name is required, sizes are ints.
PORT = (1, 65535)


class FieldInvalid(ValueError):
    """What is wrong with one field, worded for the operator."""


def check_name(text: str, what: str = "Name") -> str:
    """An instance name (or hostname): required, kept without surrounding whitespace."""
    name = text.strip()
    if not name:
        raise FieldInvalid(f"{what} is required")
    return name


def parse_whole_number(text: str, what: str) -> int:
    """An `int` field of the reference (a size, IOPS): any whole number; the server judges its range."""
    raw = text.strip()
    try:
        return int(raw)
    except ValueError:
        raise FieldInvalid(f"{what} must be a whole number") from None


def parse_optional_whole_number(text: str, what: str) -> int | None:
    """Blank means 'not given'; anything else must be a whole number."""
    return None if not text.strip() else parse_whole_number(text, what)


def parse_int_in_range(text: str, low: int, high: int, what: str, unit: str = "") -> int:
    raw = text.strip()
    suffix = f" {unit}" if unit else ""
    try:
        value = int(raw)
    except ValueError:
        raise FieldInvalid(f"{what} must be a whole number from {low} to {high}{suffix}") from None
    if not low <= value <= high:
        raise FieldInvalid(f"{what} must be from {low} to {high}{suffix}, not {value}")
    return value


def parse_optional_int(text: str, low: int, high: int, what: str, unit: str = "") -> int | None:
    """Blank means 'not given'; anything else must be a number in range."""
    return None if not text.strip() else parse_int_in_range(text, low, high, what, unit)


def parse_ports(text: str) -> list[str]:
    """Comma-separated ports such as '22, 80,443'; blank gives no ports. Duplicates are dropped.

    The API takes `portsToForward` as an array of strings (["80", "9999"]), so the ports come
    back as their plain decimal text ('080' becomes '80'), each checked to be in 1-65535.
    """
    ports: list[str] = []
    for piece in text.split(","):
        raw = piece.strip()
        if not raw:
            if text.strip():
                # "22,,80" or a trailing comma: almost surely a slip, say so rather than guess.
                raise FieldInvalid("Ports are numbers separated by commas, e.g. 22, 80, 443")
            continue
        try:
            port = int(raw)
        except ValueError:
            raise FieldInvalid(f"'{raw}' is not a port: use numbers separated by commas, e.g. 22, 80") from None
        if not PORT[0] <= port <= PORT[1]:
            raise FieldInvalid(f"Port {port} is out of range: {PORT[0]}-{PORT[1]}")
        if str(port) not in ports:
            ports.append(str(port))
    return ports


def check_custom_size(cpu_count: int | None, memory_in_mb: int | None, max_ratio: int | None) -> None:
    """A custom offering's vCPU/memory pair must respect its memory-per-vCPU ceiling."""
    if cpu_count is None:
        raise FieldInvalid("Pick a number of vCPUs")
    if memory_in_mb is None:
        raise FieldInvalid("Pick an amount of memory")
    if max_ratio and memory_in_mb > max_ratio * cpu_count:
        raise FieldInvalid(f"{max_ratio} MB per vCPU at most: pick more vCPUs or less memory")


# The key types OpenSSH writes in a `.pub` file (and cloud.ca accepts).
SSH_KEY_TYPES = frozenset(
    {
        "ssh-ed25519",
        "ssh-rsa",
        "ssh-dss",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    }
)
PUBLIC_KEY_MAX = 16384  # an 8192-bit RSA key is about 1400 characters


def check_public_key(text: str) -> str:
    """An OpenSSH public key line (`ssh-ed25519 AAAA... comment`), returned stripped.

    The key data must be base64 whose first field names the same type as the line does:
    a truncated paste, a private key or a fingerprint is refused here, not by the server.
    """
    key = text.strip()
    if not key:
        raise FieldInvalid("Paste a public key, e.g. the content of ~/.ssh/id_ed25519.pub")
    if len(key) > PUBLIC_KEY_MAX:
        raise FieldInvalid(f"This is {len(key)} characters long: not a public key")
    if "PRIVATE KEY" in key:
        raise FieldInvalid("This is a private key: paste the .pub file's content instead")
    parts = key.split()
    if len(parts) < 2:
        raise FieldInvalid("A public key reads 'ssh-ed25519 AAAA… comment': type, key data, optional comment")
    kind, data = parts[0], parts[1]
    if kind not in SSH_KEY_TYPES:
        shown = kind if len(kind) <= 30 else kind[:29] + "…"
        raise FieldInvalid(f"'{shown}' is not an SSH key type (ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256…)")
    try:
        blob = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise FieldInvalid("The key data is not valid base64: was the key cut or wrapped?") from None
    if len(blob) < 4:
        raise FieldInvalid("The key data is cut short")
    (length,) = struct.unpack(">I", blob[:4])
    if blob[4 : 4 + length] != kind.encode():
        raise FieldInvalid(f"The key data is not a {kind} key: check the type at the start of the line")
    # The rest is more length-prefixed fields (the key's numbers): each must be whole.
    at, fields = 4 + length, 1
    while at < len(blob):
        if at + 4 > len(blob):
            raise FieldInvalid("The key data is cut short")
        (length,) = struct.unpack(">I", blob[at : at + 4])
        at += 4 + length
        fields += 1
    if at > len(blob) or fields < 2:
        raise FieldInvalid("The key data is cut short")
    return key
