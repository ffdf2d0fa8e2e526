"""Run a profile's api_key_command and return what it prints.

Errors describe the exit code and the first line of stderr, never stdout:
stdout is where the key is, even when the command fails half-way.
"""

import contextlib
import subprocess
from collections.abc import Mapping

KEY_COMMAND_TIMEOUT_SECONDS = 10.0
_MAX_STDERR_CHARS = 200


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
            text=True,
            errors="replace",
        )
    except OSError as e:
        raise KeyCommandError(f"could not be started: {e.strerror}") from None

    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _abandon(proc)
        raise KeyCommandError(f"timed out after {timeout:g} s") from None

    # Password managers print the secret on the first line and metadata after it
    # (`pass show` does): the key is the first non-empty line.
    key = next((line.strip() for line in stdout.splitlines() if line.strip()), "")
    if proc.returncode != 0:
        detail = _first_line(stderr, scrub=key)
        raise KeyCommandError(
            f"failed with exit code {proc.returncode}" + (f": {detail}" if detail else " (no stderr)")
        )
    if not key:
        raise KeyCommandError("succeeded but printed nothing on stdout")
    return key


def _abandon(proc: subprocess.Popen) -> None:
    """Kill the shell and stop listening, without waiting on its children.

    A grandchild (say, a hung password manager) can keep the pipes open after
    the shell dies; waiting for EOF would then block past the timeout.
    """
    proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=1)
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()


def _first_line(stderr: str, *, scrub: str) -> str:
    line = next((text.strip() for text in stderr.splitlines() if text.strip()), "")
    if scrub and scrub in line:  # a chatty tool might echo what it printed
        line = line.replace(scrub, "***")
    if len(line) > _MAX_STDERR_CHARS:
        line = line[:_MAX_STDERR_CHARS] + "…"
    return line
