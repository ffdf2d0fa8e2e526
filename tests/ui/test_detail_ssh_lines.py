"""The detail pane's "SSH" lines are commands an operator selects and pastes into a shell:
built from the server's user name and address, they follow the rule of every command the app
copies or runs (cca_tui/ui/command_safety.py). A user or address that is not plainly one
gives the reason instead of a command that would run something else once pasted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from cca_tui.sim.entities import Instance as SimInstance
from cca_tui.sim.server import SimServer
from cca_tui.ui.screens.instances import InstanceScreen
from cca_tui.ui.widgets.detail_pane import DetailPane, render_detail
from tests.ui.app_harness import SIZE, make_app, select, settle
from tests.ui.hostile import SHELL_HOSTILE, assert_terminal_clean, screen_text, terminal_output

ENV = "compute-on/production"


def forwarded(sim: SimServer) -> Iterator[tuple[SimInstance, str]]:
    """Each instance with a port forwarding to its port 22, and that public address."""
    env = sim.world.environment("compute-on", "production")
    with sim.world.session():
        for rule in env.pf_rules.values():
            if rule.private_port_start == 22:
                yield env.instances[rule.instance_id], env.public_ips[rule.public_ip_id].ip_address


def pane_text(screen: InstanceScreen) -> str:
    pane = screen.query_one(DetailPane)
    assert pane.detail is not None and pane.detail.complete
    console = Console(width=200, color_system=None, legacy_windows=False, record=True)
    console.print(render_detail(pane.detail, width=200))
    return console.export_text()


@pytest.mark.parametrize("user", ["-oProxyCommand=touch /tmp/pwned-x", "; rm -rf ~", "$(touch /tmp/pwned)", "a b"])
async def test_a_hostile_user_gives_the_reason_not_a_command(sim: SimServer, tmp_path: Path, user: str) -> None:
    owner, address = next(forwarded(sim))
    with sim.world.session():
        owner.username = user
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, InstanceScreen)
        select(screen, owner.id)
        await settle(app, pilot, rounds=3)
        text = pane_text(screen)
        assert "SSH" in text and "not a plain user name" in text, text
        assert f"@{address}" not in text  # no command line at all, not even a quoted one
        assert_terminal_clean(terminal_output(app))
        assert "ssh " + user.split()[0] not in screen_text(app)


async def test_a_plain_user_still_gets_its_command(sim: SimServer, tmp_path: Path) -> None:
    owner, address = next(forwarded(sim))
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, InstanceScreen)
        select(screen, owner.id)
        await settle(app, pilot, rounds=3)
        assert f"ssh {owner.username}@{address} -p " in pane_text(screen)


def test_every_shell_hostile_user_is_refused_by_the_rule() -> None:
    from cca_tui.ui.command_safety import UnsafeCommand, check_user

    for user in SHELL_HOSTILE:
        if user in ("root@evil.example", "host:2222", "-p", "--", "-J", "*", "~", "|id", "&id", ">out"):
            continue  # addresses and options: the other checks' cases
        with pytest.raises(UnsafeCommand):
            check_user(user)
