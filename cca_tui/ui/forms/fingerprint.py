"""MD5 fingerprints of OpenSSH public keys, the form cloud.ca shows (`91:8d:71:...`).

No Textual here. The associate-key form uses it to recognise which of the environment's keys
is the operator's own, by comparing fingerprints of the `~/.ssh/*.pub` files.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path


def md5_fingerprint(public_key: str) -> str:
    """Colon hex of the MD5 of the base64-decoded key blob of an OpenSSH one-line key.

    Raises ValueError when the line is not `type base64 [comment]`.
    """
    parts = public_key.strip().split()
    if len(parts) < 2:
        raise ValueError("not an OpenSSH public key line")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the key data is not valid base64") from None
    if not blob:
        raise ValueError("the key data is empty")
    digest = hashlib.md5(blob).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def same_fingerprint(a: str | None, b: str | None) -> bool:
    """Servers differ in case and in an optional 'MD5:' prefix; compare what matters."""
    if not a or not b:
        return False
    return _normal(a) == _normal(b)


def _normal(fingerprint: str) -> str:
    text = fingerprint.strip().lower()
    return text[4:] if text.startswith("md5:") else text


@dataclass(frozen=True)
class LocalKey:
    path: Path
    public_key: str
    fingerprint: str

    @property
    def file_name(self) -> str:
        return self.path.name


def local_public_keys(ssh_dir: Path) -> list[LocalKey]:
    """The operator's readable, well-formed `*.pub` keys in `ssh_dir`, sorted by file name.

    A missing directory or an unreadable or malformed file is skipped: it is not this
    form's business to complain about the operator's ~/.ssh.
    """
    keys: list[LocalKey] = []
    try:
        paths = sorted(ssh_dir.glob("*.pub"))
    except OSError:
        return keys
    for path in paths:
        try:
            line = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[0]
            keys.append(LocalKey(path, line, md5_fingerprint(line)))
        except (OSError, IndexError, ValueError):
            continue
    return keys


def sha256_fingerprint(public_key: str) -> str:
    """`SHA256:...` as `ssh-keygen -l` shows it: unpadded base64 of the blob's SHA-256."""
    parts = public_key.strip().split()
    if len(parts) < 2:
        raise ValueError("not an OpenSSH public key line")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the key data is not valid base64") from None
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


@dataclass(frozen=True)
class AgentKey:
    """A public key the operator's SSH agent holds (forwarded agents included)."""

    public_key: str
    comment: str
    md5: str
    sha256: str


AGENT_TIMEOUT = 5.0  # seconds: a forwarded agent over a slow link still answers in that


def agent_public_keys(environ: dict[str, str] | None = None) -> tuple[list[AgentKey], str | None]:
    """The keys of the agent at SSH_AUTH_SOCK, as `ssh-add -L` lists them, and a note when
    there are none to list (no agent, ssh-add missing, agent refused). Blocking: run it in
    a thread."""
    env = dict(os.environ if environ is None else environ)
    if not env.get("SSH_AUTH_SOCK"):
        return [], "no SSH agent (SSH_AUTH_SOCK is not set)"
    try:
        done = subprocess.run(
            ["ssh-add", "-L"],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=AGENT_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        return [], "ssh-add is not installed"
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [], f"the SSH agent did not answer ({type(exc).__name__})"
    if done.returncode == 1:
        return [], "the SSH agent holds no keys"
    if done.returncode != 0:
        return [], "the SSH agent could not be read"
    keys = []
    for line in done.stdout.splitlines():
        parts = line.strip().split(None, 2)
        try:
            keys.append(
                AgentKey(
                    line.strip(), parts[2] if len(parts) > 2 else "", md5_fingerprint(line), sha256_fingerprint(line)
                )
            )
        except (ValueError, IndexError):
            continue
    return keys, None
