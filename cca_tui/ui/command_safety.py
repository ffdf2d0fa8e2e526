"""The one rule for every command built from server text, copied or run. No Textual here.

A user name, an address or a port that came from the server goes into a command only when it
is plainly one: a POSIX-style user name, an IP address or a DNS host name, a port number.
Anything else is refused with a reason, never quoted, escaped or guessed at: a quoted
`-oProxyCommand=...` is still an option to ssh, and a pasted `; rm -rf ~` still runs.

The operator's own template (`ssh_command` of the profile) is trusted: it is theirs. Only
the values put into it are checked, each one a whole argument of its own.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass

# A user name as useradd takes it: letters, digits, `_`, `.`, `-`, not starting with `-`
# or `.`, at most 32 characters (cloud-init defaults such as `cca-user` pass).
_USER = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,31}")
# One label of a DNS host name (RFC 1123): letters, digits and inner hyphens.
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")

DEFAULT_SSH_TEMPLATE = "ssh -p {port} {user}@{ip}"
PLACEHOLDERS = ("user", "ip", "port")


class UnsafeCommand(ValueError):
    """A value is not plainly what it should be: the command is not built. str() says why."""


def _shown(value: str) -> str:
    # Imported here: safe_text pulls in rich, which the checks themselves do not need.
    from cca_tui.ui.safe_text import printable

    return printable(value, limit=60)


def check_user(user: str) -> str:
    if not _USER.fullmatch(user):
        raise UnsafeCommand(f"the user name {_shown(user)!r} is not a plain user name")
    return user


def check_host(host: str) -> str:
    """An IPv4 or IPv6 address, or a DNS host name; nothing that ssh could read as an option."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    labels = host.split(".")
    if len(host) <= 253 and all(_LABEL.fullmatch(label) for label in labels) and not host.isdigit():
        return host
    raise UnsafeCommand(f"the address {_shown(host)!r} is not an IP address or a host name")


def check_port(port: str | int) -> str:
    text = str(port)
    if not text.isascii() or not text.isdigit() or not 0 < int(text) < 65536:
        raise UnsafeCommand(f"the port {_shown(text)!r} is not a port number")
    return str(int(text))


def check_jump(jump: str) -> str:
    """A jump host as `ssh -J` takes it: `[user@]host[:port]`, each part checked."""
    user, at, rest = jump.rpartition("@")
    host, port = rest, ""
    if rest.count(":") == 1:  # host:port; an IPv6 address has more colons and no port here
        host, _, port = rest.partition(":")
    parts = [check_user(user)] if at else []
    text = check_host(host)
    if port:
        text = f"{text}:{check_port(port)}"
    return "@".join([*parts, text])


@dataclass(frozen=True)
class SshTarget:
    """Where ssh goes: all from the server except `jump` and `identity` (the operator's)."""

    user: str
    host: str
    port: str = "22"
    jump: str | None = None
    identity: str | None = None


def ssh_argv(target: SshTarget, template: str | None = None) -> list[str]:
    """The argv of `template` for this target, every server value checked.

    Raises UnsafeCommand with the reason when a value is not plain, or when the template
    cannot be read. `-J JUMP` and `-i IDENTITY` go right after the program name when set.
    """
    values = {"user": check_user(target.user), "ip": check_host(target.host), "port": check_port(target.port)}
    try:
        words = shlex.split(template or DEFAULT_SSH_TEMPLATE)
    except ValueError as exc:
        raise UnsafeCommand(f"the ssh_command template cannot be read: {exc}") from None
    if not words:
        raise UnsafeCommand("the ssh_command template is empty")
    argv = [_fill(word, values) for word in words]
    extra: list[str] = []
    if target.jump:
        extra += ["-J", check_jump(target.jump)]
    if target.identity:
        extra += ["-i", target.identity]
    return [argv[0], *extra, *argv[1:]]


def _fill(word: str, values: Mapping[str, str]) -> str:
    try:
        return word.format_map(values)
    except (KeyError, IndexError, ValueError) as exc:
        known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
        raise UnsafeCommand(f"the ssh_command template has {word!r}: only {known} are filled in ({exc})") from None


def shell_line(argv: list[str]) -> str:
    """argv as one line to paste into a POSIX shell (each word quoted where it needs it)."""
    return shlex.join(argv)
