"""The operator's way onto an instance: the copy menu (`c`) and ssh straight in (`S`).

What reaches the clipboard is read from the OSC 52 sequence written to the terminal driver,
what would run from a fake `ssh` on PATH that records its argv: not only what the screen says.
"""

from __future__ import annotations

import base64
import json
import os
import re
import stat
import sys
from pathlib import Path

import httpx
import pytest
from textual.drivers.headless_driver import HeadlessDriver
from textual.pilot import Pilot

from cca_tui.sim import entities
from cca_tui.sim.environment import Environment
from cca_tui.sim.options import SimOptions
from cca_tui.sim.server import SimServer
from cca_tui.ui.app import CcaApp
from cca_tui.ui.forms import ConfirmModal
from cca_tui.ui.screens.copy_menu import CopyMenu
from cca_tui.ui.screens.instances import InstanceScreen
from tests.conftest import SimFactory
from tests.typed import not_none
from tests.ui.app_harness import (
    SIZE,
    instance_screen,
    make_app,
    select,
    selected_id,
    settle,
    told,
    top_screen,
    wait_until,
)
from tests.ui.hostile import SHELL_HOSTILE, assert_terminal_clean, terminal_output

ENV = "compute-on/production"
OSC52 = re.compile("\x1b\\]52;c;([A-Za-z0-9+/=]*)\x07")


def capture_terminal(app: CcaApp) -> list[str]:
    """Everything the app writes to its terminal driver from now on."""
    written: list[str] = []
    driver = not_none(app._driver)
    original = driver.write

    def write(data: str) -> None:
        written.append(data)
        original(data)

    driver.write = write  # type: ignore[method-assign]  # a spy on what reaches the terminal
    return written


def clipboard_payloads(written: list[str]) -> list[str]:
    return [base64.b64decode(m).decode() for chunk in written for m in OSC52.findall(chunk)]


def fake_ssh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, wait_for: Path | None = None) -> Path:
    """An `ssh` first on PATH that writes its argv to a file (and optionally waits for a file)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "ssh-argv.json"
    wait = ""
    if wait_for is not None:
        # Bounded: the test creates the file once what it waits for happened.
        wait = f"for _ in range(3000):\n    if os.path.exists({str(wait_for)!r}): break\n    time.sleep(0.01)\n"
    script = bin_dir / "ssh"
    # Written whole, then renamed into place: the test waits for the file to exist, and an
    # open-then-write could be read between the two (an empty file, seen once in CI).
    partial = f"{record}.partial"
    script.write_text(
        f"#!{sys.executable}\nimport json, os, sys, time\n{wait}"
        f"open({partial!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
        f"os.replace({partial!r}, {str(record)!r})\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    # The headless driver cannot hand the terminal over; a real one can: pretend it can.
    monkeypatch.setattr(HeadlessDriver, "can_suspend", property(lambda self: True))
    return record


# The simulator cannot serve a lone surrogate (starlette encodes its JSON as UTF-8): this
# marker in a reply becomes the JSON escape "\ud800" on its way to the app, as a hostile
# server would send it.
SURROGATE_MARKER = "LONE-SURROGATE"


class SurrogateTransport(httpx.AsyncHTTPTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        body = (await response.aread()).replace(SURROGATE_MARKER.encode(), b"\\ud800")
        headers = [
            (k, v) for k, v in response.headers.items() if k.lower() not in ("content-length", "content-encoding")
        ]
        return httpx.Response(response.status_code, headers=headers, content=body)


def forwarded_instance(
    sim: SimServer,
) -> tuple[Environment, entities.PortForwardingRule, entities.Instance, str]:
    env = sim.world.environment("compute-on", "production")
    with sim.world.session():
        rule = next(r for r in env.pf_rules.values() if r.private_port_start == 22)
        owner = env.instances[rule.instance_id]
        address = env.public_ips[rule.public_ip_id].ip_address
    return env, rule, owner, address


async def open_on(app: CcaApp, pilot: Pilot[None], instance_id: str) -> None:
    await settle(app, pilot)
    select(instance_screen(app), instance_id)
    await settle(app, pilot, rounds=4)


async def test_copy_menu_sends_each_value_and_says_what_was_sent(sim: SimServer, tmp_path: Path) -> None:
    _env, rule, owner, address = forwarded_instance(sim)
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await open_on(app, pilot, owner.id)
        written = capture_terminal(app)
        expected = {
            "i": owner.id,
            "p": owner.ip_address,
            "u": address,
            "s": f"ssh -p {rule.public_port_start} {owner.username}@{address}",
        }
        for key, value in expected.items():
            await pilot.press("c")
            await wait_until(pilot, lambda: isinstance(app.screen, CopyMenu))
            await pilot.press(key)
            await wait_until(pilot, lambda: isinstance(app.screen, InstanceScreen))
            assert clipboard_payloads(written)[-1] == value
            note = told(app).notes[-1]
            assert value in note.message and "may refuse it silently" in note.message
            assert "copied" not in (note.title or "").lower()  # never claims more than was sent


async def test_copy_menu_says_why_there_is_no_ssh_command(sim: SimServer, tmp_path: Path) -> None:
    env = sim.world.environment("compute-on", "production")
    with sim.world.session():
        forwarded = {r.instance_id for r in env.pf_rules.values()}
        nat = {ip.static_nat_instance_id for ip in env.public_ips.values()}
        without = next(i for i in env.instances.values() if i.id not in forwarded | nat)
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await open_on(app, pilot, without.id)
        written = capture_terminal(app)
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, CopyMenu))
        menu = top_screen(app, CopyMenu)
        ssh = next(c for c in menu.choices if c.key == "s")
        assert ssh.value is None and "No way in" in ssh.reason
        await pilot.press("s")  # a refused line cannot be chosen
        await pilot.pause()
        assert isinstance(app.screen, CopyMenu) and clipboard_payloads(written) == []
        await pilot.press("escape")


@pytest.mark.parametrize("user", [*SHELL_HOSTILE[:4], f"lone{SURROGATE_MARKER}x"])
async def test_hostile_user_reaches_neither_clipboard_nor_ssh(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, user: str
) -> None:
    """The issue's `-oProxyCommand=...` and `; rm -rf ~` users (and a lone surrogate, which
    crashed `c`): the copy menu refuses the ssh line, `S` runs nothing, both say why."""
    _env, _rule, owner, _address = forwarded_instance(sim)
    with sim.world.session():
        owner.username = user
        owner.name = f"lone{SURROGATE_MARKER}x"
    record = fake_ssh(tmp_path, monkeypatch)
    app = make_app(sim, tmp_path, environment=ENV, transport=SurrogateTransport())
    async with app.run_test(size=SIZE) as pilot:
        await open_on(app, pilot, owner.id)
        written = capture_terminal(app)
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, CopyMenu))
        ssh = next(c for c in top_screen(app, CopyMenu).choices if c.key == "s")
        assert ssh.value is None and "not a plain user name" in ssh.reason
        await pilot.pause()
        assert_terminal_clean(terminal_output(app))  # the menu shows the reason, escaped
        await pilot.press("s")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, InstanceScreen))
        await pilot.press("S")
        await wait_until(pilot, lambda: told(app).containing("not a plain user name"))
        await settle(app, pilot)
        assert clipboard_payloads(written) == []
        assert not record.exists()
        assert app.is_running and app.return_code is None


async def test_a_lone_surrogate_never_crashes_the_clipboard(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        written = capture_terminal(app)
        app.copy_to_clipboard("lone\ud800x")
        await pilot.pause()
        assert clipboard_payloads(written) == []
        assert told(app).containing("cannot receive")


async def test_ssh_in_runs_the_template_and_comes_back_to_the_same_row(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _env, rule, owner, address = forwarded_instance(sim)
    record = fake_ssh(tmp_path, monkeypatch)
    app = make_app(sim, tmp_path, environment=ENV)
    app.settings = app.settings.model_copy(
        update={"ssh_command": "ssh -o ServerAliveInterval=30 {user}@{ip} -p {port}"}
    )
    async with app.run_test(size=SIZE) as pilot:
        await open_on(app, pilot, owner.id)
        await pilot.press("S")
        await wait_until(pilot, lambda: record.exists() and any("ended" in title for title in told(app).titles))
        assert json.loads(record.read_text()) == [
            "-o",
            "ServerAliveInterval=30",
            f"{owner.username}@{address}",
            "-p",
            str(rule.public_port_start),
        ]
        await settle(app, pilot)
        assert selected_id(instance_screen(app)) == owner.id
        sessions = [e for e in not_none(app.tasks.history).load() if e.action == "ssh"]
        assert [(e.instance_id, e.status) for e in sessions] == [(owner.id, "EXIT 0")]
        assert f"{owner.username}@{address}" in sessions[0].outcome and not sessions[0].resendable


async def test_tasks_are_followed_while_ssh_runs(
    sim_factory: SimFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stop sent before `S` ends while ssh still holds the terminal: the tracker went on."""
    sim = sim_factory(SimOptions(task_delay=8.0))
    env, _rule, owner, _address = forwarded_instance(sim)
    with sim.world.session():
        other = next(i for i in env.instances.values() if i.state == "Running" and i.id != owner.id)
    release = tmp_path / "release-ssh"
    record = fake_ssh(tmp_path, monkeypatch, wait_for=release)
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await open_on(app, pilot, other.id)
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")  # stop asks first
        await wait_until(pilot, lambda: any(r.task_id for r in app.tasks.records.values()))
        select(instance_screen(app), owner.id)
        await pilot.pause()
        await pilot.press("S")
        stop = next(iter(app.tasks.records.values()))
        assert stop.in_flight
        await wait_until(pilot, lambda: app.tasks.latest(stop).status == "SUCCESS")  # a record is a value
        assert not record.exists()  # ssh was still running when the stop ended
        release.touch()
        await wait_until(pilot, record.exists)
        await settle(app, pilot)
        assert selected_id(instance_screen(app)) == owner.id


async def test_no_way_in_is_said_and_nothing_runs(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = sim.world.environment("compute-on", "production")
    with sim.world.session():
        forwarded = {r.instance_id for r in env.pf_rules.values()}
        nat = {ip.static_nat_instance_id for ip in env.public_ips.values()}
        without = next(i for i in env.instances.values() if i.id not in forwarded | nat)
    record = fake_ssh(tmp_path, monkeypatch)
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await open_on(app, pilot, without.id)
        await pilot.press("S")
        await wait_until(pilot, lambda: told(app).containing("No way in"))
        assert not record.exists()
    # With a jump host, the private IP is reached through it.
    app = make_app(sim, tmp_path, environment=ENV)
    app.settings = app.settings.model_copy(update={"ssh_jump_host": "ops@127.0.0.1:2222"})
    async with app.run_test(size=SIZE) as pilot:
        await open_on(app, pilot, without.id)
        await pilot.press("S")
        await wait_until(pilot, record.exists)
        assert json.loads(record.read_text()) == [
            "-J",
            "ops@127.0.0.1:2222",
            "-p",
            "22",
            f"{without.username}@{without.ip_address}",
        ]


async def test_the_instances_own_key_pair_is_offered_as_identity(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The instance's key is one of the operator's ~/.ssh key pairs (same fingerprint): `-i`."""
    env, rule, owner, address = forwarded_instance(sim)
    with sim.world.session():
        key = next(iter(env.ssh_keys.values()))
        owner.ssh_key_name = key.name
    ssh_dir = tmp_path / "dot-ssh"
    ssh_dir.mkdir()
    (ssh_dir / "id_work.pub").write_text(key.public_key + "\n")
    (ssh_dir / "id_work").write_text("private half (never read by cca-tui)\n")
    (ssh_dir / "other.pub").write_text(
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKeyOtherKeyOtherKeyOtherKeyOtherKeyOth x\n"
    )
    record = fake_ssh(tmp_path, monkeypatch)
    app = make_app(sim, tmp_path, environment=ENV, ssh_dir=ssh_dir)
    async with app.run_test(size=SIZE) as pilot:
        await open_on(app, pilot, owner.id)
        await pilot.press("S")
        await wait_until(pilot, record.exists)
        assert json.loads(record.read_text()) == [
            "-i",
            str(ssh_dir / "id_work"),
            "-p",
            str(rule.public_port_start),
            f"{owner.username}@{address}",
        ]
