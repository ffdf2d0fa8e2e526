"""Hostile server text: a corpus, a helper that plants it into the simulator's world, and the
checks that the app shows it literally and writes nothing of it raw to the terminal.

Reusable for every screen (table, detail pane, task log...):

    from tests.ui.hostile import HOSTILE, plant_environment, terminal_output, assert_terminal_clean

    plant_environment(sim.world.environment("compute-on", "test_area"))
    ... open the screen ...
    assert_terminal_clean(terminal_output(app))

`terminal_output(app)` is what Textual would write to a real terminal for the current screen
(its compositor's full update rendered by `render_segments`, the same call `App._display`
makes); the headless driver used by `run_test` writes nothing, so this is how a test sees
the bytes. `assert_terminal_clean` removes the sequences Textual itself writes (colours and
cursor moves) and then refuses any other escape, BEL, C1 control or bidi mark.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import cycle
from typing import Any

import httpx

from cca_tui.api.errors import _echo_pattern
from cca_tui.ui.safe_text import printable

ESC, BEL = "\x1b", "\x07"

# Each entry is something a hostile or broken server could send as a name or a message.
HOSTILE: list[str] = [
    "[/]",  # closes a tag that was never opened: MarkupError
    "[/bold]",
    "[@click=app.quit]y[/]",  # a live action: one click quits
    "[link=https://x]x[/link]",  # a hyperlink (OSC 8)
    "[b red]styled[/]",
    f"{ESC}]0;pwned title{BEL}",  # sets the terminal's title
    f"{ESC}[2J",  # clears the screen
    f"{ESC}]52;c;cHduZWQ={BEL}",  # rewrites the operator's clipboard
    "\x9b31mC1",  # C1 CSI, an 8-bit escape
    "evil\u202etxt.exe",  # bidi override: reads otherwise than it is
    "zero\u200bwidth\u2066isolate",
    "x" * 400,  # very long
    "",  # empty
    "two words",
    "a/b",
    "日本語 ünïcödé ﷽",
    "tab\there\nnewline\r",
    "trailing space ",
]

# What a hostile server could send as a user name, an address or a port, to get a copied or
# run command to do something else (the two examples first).
SHELL_HOSTILE: list[str] = [
    "-oProxyCommand=touch /tmp/pwned-x",
    "; rm -rf ~",
    "$(touch /tmp/pwned)",
    "`id`",
    "x' || id || '",
    "a b",
    "user\nname",
    "-p",
    "--",
    "root@evil.example",
    "host:2222",
    "lone\ud800x",
    "*",
    "~",
    "|id",
    "&id",
    ">out",
    "-J",
    "1.2.3.4 -oProxyCommand=id",
    "a\x00b",
    "\u202eevil",
]

# The wider corpus, for the places where every name is tried one by one (the forms prefilled
# from the server): HOSTILE, then every C0 control, DEL and every C1 control inside a name,
# the escape sequences a terminal acts on, every bidi / zero-width / invisible mark, and a
# lone surrogate.
_SEQUENCES = [
    f"{ESC}[6n",  # asks the terminal to report the cursor: the reply lands as typed input
    f"{ESC}P1$r{ESC}\\",  # DCS (request status string)
    f"{ESC}c",  # full reset
    f"{ESC}]8;;https://x{ESC}\\x{ESC}]8;;{ESC}\\",  # OSC 8 hyperlink, raw
    f"{ESC}[?1049h",  # alternate screen
    f"{ESC}[?1000h",  # mouse reporting on
    f"{ESC}[31mred",
    f"{ESC}7{ESC}8",  # save / restore cursor
    f"{ESC}_apc{ESC}\\",
    f"{ESC}^pm{ESC}\\",
    f"{ESC}Xsos{ESC}\\",
    f"{ESC}[>c",  # device attributes request
    f"{ESC}]4;1;?{BEL}",  # colour query
    "\x90dcs-c1\x9c",  # DCS and ST as C1 bytes
]
_MARKS = "\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff\U000e0041"
HOSTILE_NAMES: list[str] = [
    *HOSTILE,
    *(f"c0-{code:02x}{chr(code)}x" for code in range(0x20)),
    *(f"c1-{code:02x}{chr(code)}x" for code in range(0x7F, 0xA0)),
    *_SEQUENCES,
    *(f"mark{mark}x" for mark in _MARKS),
    "lone\ud800x",
]

# The code points a server string must never put on the terminal as they are.
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028\u2029\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff\U000e0000-\U000e007f\ud800-\udfff]"
)
# What Textual itself writes: SGR colours/styles and absolute cursor moves.
_TEXTUAL_OWN = re.compile(r"\x1b\[[0-9;]*m|\x1b\[[0-9]+;[0-9]+H")


def hostile_values() -> Iterator[str]:
    """The corpus, over and over: plant one per field so every field gets some."""
    return cycle(HOSTILE)


def plant_environment(env: Any, *, keep_instance_names: bool = False, values: Iterator[str] | None = None) -> None:
    """Put hostile text in every field of every entity of a simulator Environment that the
    app shows: instance names and hostnames, templates, offerings, networks, VPCs, zones,
    SSH keys, affinity groups, volumes. Ids, states and addresses stay valid (the simulator
    works on them), and SSH keys are re-keyed by their new names as the simulator keys them.
    `values`: another corpus to plant (cycled), HOSTILE by default.
    """
    values = hostile_values() if values is None else values
    for template in env.templates.values():
        template.name, template.description, template.os_type = next(values), next(values), next(values)
    for offering in env.compute_offerings.values():
        offering.name = next(values)
    for disk in env.disk_offerings.values():
        disk.name = next(values)
    for vpc in env.vpcs.values():
        vpc.name = next(values)
    for network in env.networks.values():
        network.name, network.description = next(values), next(values)
    for zone in env.zones:
        zone.name = next(values)
    keys = list(env.ssh_keys.values())
    env.ssh_keys.clear()
    for key in keys:
        key.name = next(values)
        while key.name in env.ssh_keys:  # names key the dict: keep them distinct
            key.name += "'"
        env.ssh_keys[key.name] = key
    for group in env.affinity_groups.values():
        group.name, group.description = next(values), next(values)
    for volume in env.volumes.values():
        volume.name = next(values)
    for instance in env.instances.values():
        if not keep_instance_names:
            instance.name = next(values)
        instance.hostname, instance.username, instance.user_data = next(values), next(values), next(values)


def plant_world(world: Any) -> None:
    """Hostile environment, organization and connection names and descriptions (what the
    picker shows), then every environment's contents."""
    values = hostile_values()
    with world.lock:
        for connection in world.connections:
            connection.name = next(values)
        for env in world.environments:
            env.name, env.description = next(values), next(values)
            env.organization.name = next(values)
            plant_environment(env)


def terminal_output(app: Any) -> str:
    """What Textual would write to a terminal to draw the current screen (and what shows
    through it: a modal's background), as `App._display` does it."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    output: str = update.render_segments(app.console)
    return output


def screen_text(app: Any) -> str:
    """The characters on screen, without Textual's own sequences."""
    return _TEXTUAL_OWN.sub("", terminal_output(app))


def assert_terminal_clean(output: str) -> None:
    """Nothing but Textual's own sequences may carry an escape; no control or bidi mark at all."""
    rest = _TEXTUAL_OWN.sub("", output)
    found = _FORBIDDEN.search(rest)
    assert found is None, (
        f"raw {found.group()!r} reaches the terminal: …{rest[max(0, found.start() - 40) : found.end() + 40]!r}…"
    )
    assert "\x1b" not in rest
    assert "]8;" not in rest or "\\x1b]8;" in rest  # no OSC 8 hyperlink opened


def shown_as(value: str, limit: int | None = None) -> str:
    """How a hostile value reads on screen: escaped (and cut, when the widget cuts it)."""
    return printable(value, limit=limit)


# What a hostile server could send back of the operator's own key, for any name it sends: the
# key as it is, upper- and lower-cased, a run of 8 of it inside other text, and the key spelled
# with JSON escapes (ESCAPED_KEY, which KeyEscapingTransport turns into `\\u0041...` on the wire).
ESCAPED_KEY = "key-spelled-by-json-escapes"


def key_echoes(key: str) -> list[str]:
    return [key, key.upper(), key.lower(), f"web-{key[5:13]}-x", ESCAPED_KEY]


class KeyEscapingTransport(httpx.AsyncHTTPTransport):
    """Real HTTP to the simulator; in every reply, ESCAPED_KEY becomes the key written as JSON
    escapes (which the simulator's encoder never writes), as a hostile server would send it."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.escaped = "".join(f"\\u{ord(char):04x}" for char in key).encode()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        body = (await response.aread()).replace(ESCAPED_KEY.encode(), self.escaped)
        headers = [
            (k, v) for k, v in response.headers.items() if k.lower() not in ("content-length", "content-encoding")
        ]
        return httpx.Response(response.status_code, headers=headers, content=body)


def assert_no_key(text: str, key: str) -> None:
    """No run of 8 characters of `key`, in any letter case, in `text`."""
    found = _echo_pattern(key).search(text)
    assert found is None, f"the key reaches the operator: …{text[max(0, found.start() - 40) : found.start() + 48]!r}…"
