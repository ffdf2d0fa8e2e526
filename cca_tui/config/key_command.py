"""Run a profile's api_key_command and return what it prints.

Errors describe the exit code and the first line of stderr, never stdout:
stdout is where the key is, even when the command fails half-way. The
stderr line is scrubbed of everything the command printed on stdout and of
anything that looks like a key, since a chatty tool may echo its secret.
"""

import contextlib
import os
import re
import selectors
import subprocess
import time
from collections.abc import Mapping

from .value_checks import escape_controls

KEY_COMMAND_TIMEOUT_SECONDS = 10.0
MAX_OUTPUT_BYTES = 64 * 1024  # per stream: a key is a line, not a flood
_MAX_STDERR_CHARS = 200
_REDACTED = "***"

# The stdout tokens to scrub: long enough that scrubbing them cannot eat ordinary words.
_MIN_SCRUB_TOKEN = 6

# What the stderr line is cut into: runs of anything but blanks, controls (escaped later) and
# the punctuation that separates a value from its name (`key=...`, `token: ...`, `'...'`).
_TOKEN = re.compile(r"""[^\s'"`=:,;()\[\]{}<>\x00-\x1f\x7f-\x9f]+""")
# Words an error message is made of: letters (hyphenated parts allowed), each part short and
# written as words are (lower, Title or UPPER case), or a small number (an exit code, a line).
_WORD_PART = re.compile(r"[A-Za-z]{1,15}")
_NUMBER = re.compile(r"\d{1,6}")
# A path whose parts are plain file names (`/home/op/.password-store/prod.gpg`).
_PATH = re.compile(r"(~|\.{1,2})?(/[A-Za-z0-9._-]{1,40})+/?")
# Names after which the value is a secret whatever it looks like (`password: hunter`).
_SECRET_NAMES = re.compile(r"(?i)(key|token|secret|passw(or)?d|pwd|pass|credentials?|auth)\s*[:=]\s*$")


class KeyCommandError(Exception):
    """The command failed; ``str(error)`` says how, without the key."""


def run_key_command(
    command: str,
    *,
    environ: Mapping[str, str],
    timeout: float | None = None,
) -> str:
    """Run ``command`` through the shell; return the first non-empty line it prints.

    ``environ`` is the whole environment for the command, so callers (and
    tests) decide exactly what it sees. stdin is /dev/null so a command that
    unexpectedly prompts fails at once instead of waiting for the timeout.
    Output beyond MAX_OUTPUT_BYTES on either stream stops the command.
    """
    timeout = KEY_COMMAND_TIMEOUT_SECONDS if timeout is None else timeout
    try:
        proc = subprocess.Popen(
            command,
            shell=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(environ),
        )
    except (OSError, ValueError) as e:  # ValueError: a NUL byte in the command or environment
        raise KeyCommandError(f"could not be started: {getattr(e, 'strerror', None) or 'invalid command'}") from None

    try:
        stdout_bytes, stderr_bytes = _read_bounded(proc, deadline=time.monotonic() + timeout, timeout=timeout)
    except BaseException:  # a timeout, too much output, or Ctrl-C: never leave the command running
        _abandon(proc)
        raise

    stdout = stdout_bytes.decode("utf-8", errors="replace")
    stderr = stderr_bytes.decode("utf-8", errors="replace")
    # Password managers print the secret on the first line and metadata after it
    # (`pass show` does): the key is the first non-empty line.
    key = next((line.strip() for line in stdout.splitlines() if line.strip()), "")
    if proc.returncode != 0:
        detail = _first_line(stderr, secrets=_secrets_in(stdout))
        raise KeyCommandError(
            f"failed with exit code {proc.returncode}" + (f": {detail}" if detail else " (no stderr)")
        )
    if not key:
        raise KeyCommandError("succeeded but printed nothing on stdout")
    return key


def _read_bounded(proc: subprocess.Popen[bytes], *, deadline: float, timeout: float) -> tuple[bytes, bytes]:
    """Read both pipes until EOF and the process has exited, within the deadline and the size cap."""
    assert proc.stdout is not None and proc.stderr is not None
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    buffers: dict[int, bytearray] = {out_fd: bytearray(), err_fd: bytearray()}
    with selectors.DefaultSelector() as selector:
        for fd in (out_fd, err_fd):
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise KeyCommandError(f"timed out after {timeout:g} s")
            for event, _ in selector.select(remaining):
                chunk = os.read(event.fd, 65536)
                if not chunk:
                    selector.unregister(event.fd)
                    continue
                buffers[event.fd] += chunk
                if len(buffers[event.fd]) > MAX_OUTPUT_BYTES:
                    raise KeyCommandError(f"printed more than {MAX_OUTPUT_BYTES // 1024} KiB; a key is one line")
    try:
        proc.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        raise KeyCommandError(f"timed out after {timeout:g} s") from None
    for pipe in (proc.stdout, proc.stderr):
        pipe.close()
    return bytes(buffers[out_fd]), bytes(buffers[err_fd])


def _abandon(proc: subprocess.Popen[bytes]) -> None:
    """Kill the shell and stop listening, without waiting on its children.

    A grandchild (say, a hung password manager) can keep the pipes open after
    the shell dies; waiting for EOF would then block past the timeout.
    """
    with contextlib.suppress(OSError):
        proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=1)
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()


def _secrets_in(stdout: str) -> list[str]:
    """Everything the command printed on stdout that could be (part of) the key."""
    lines = [line.strip() for line in stdout.splitlines() if line.strip()]
    words = [word for line in lines for word in line.split() if len(word) >= _MIN_SCRUB_TOKEN]
    # Longest first, so a whole line is replaced before a word inside it.
    return sorted({*lines, *words}, key=len, reverse=True)


def _plain(token: str) -> bool:
    """Whether a token reads as ordinary error text rather than as (part of) a secret."""
    word = token.rstrip(".,!?")
    if _NUMBER.fullmatch(word):
        return True
    if _PATH.fullmatch(word):
        return all(not _looks_random(part) for part in word.split("/"))
    parts = word.split("-")
    return all(_WORD_PART.fullmatch(part) and (part.islower() or part.istitle() or part.isupper()) for part in parts)


def _looks_random(part: str) -> bool:
    return len(part) >= 16 and any(ch.isdigit() for ch in part) and any(ch.isalpha() for ch in part)


def scrub_key_like(text: str) -> str:
    """Replace by *** every token that does not read as ordinary words, numbers or paths:
    long letter+digit runs, but also short (`ab12`), dotted (`sk.live.abc`), letter-only
    mixed-case or over-long ones, and any value after `key=`, `token:`, `password:`..."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if _SECRET_NAMES.search(text[: match.start()]) or not _plain(token):
            return _REDACTED
        return token

    # Base64 padding left after a masked token (`***==`) is part of it.
    return re.sub(r"\*\*\*=+", _REDACTED, _TOKEN.sub(replace, text))


def _first_line(stderr: str, *, secrets: list[str]) -> str:
    line = next((text.strip() for text in stderr.splitlines() if text.strip()), "")
    for secret in secrets:  # a chatty tool might echo what it printed
        line = line.replace(secret, _REDACTED)
    line = escape_controls(scrub_key_like(line))
    if len(line) > _MAX_STDERR_CHARS:
        line = line[:_MAX_STDERR_CHARS] + "…"
    return line
