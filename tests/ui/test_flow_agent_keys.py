"""Keys from where the operator is: the associate-key form lists the keys of the SSH agent
(a real `ssh-agent` started here, holding a key generated here), marks the registered ones by
fingerprint, and registers and associates one in a single step."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Input, Select

from cca_tui.api.client import ComputeScope
from cca_tui.sim.environment import Environment
from cca_tui.ui.forms import AssociateKeyForm
from cca_tui.ui.forms.fingerprint import agent_public_keys, md5_fingerprint
from tests.ui.conftest import FormHostFactory, InstanceNamed, LoggingTransport, SettleForm
from tests.ui.form_contexts import form_context

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("ssh-agent", "ssh-add", "ssh-keygen")),
    reason="openssh-client (ssh-agent, ssh-add, ssh-keygen) is not installed",
)


@pytest.fixture
def agent(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    """A running ssh-agent with one fresh ed25519 key; SSH_AUTH_SOCK points at it."""
    # A short directory: a unix socket path has a ~100 byte limit.
    home = Path(tmp_path_factory.mktemp("agent"))
    socket = home / "s"
    process = subprocess.Popen(
        ["ssh-agent", "-D", "-a", str(socket)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        key = home / "id_agent"
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ops@jump-host", "-f", str(key)], check=True
        )
        env = {**os.environ, "SSH_AUTH_SOCK": str(socket)}
        for _ in range(500):  # the agent creates its socket right after starting
            if socket.exists():
                break
            subprocess.run(["ssh-add", "-l"], env=env, capture_output=True, check=False, timeout=5)
        subprocess.run(["ssh-add", str(key)], env=env, check=True, capture_output=True, timeout=10)
        fingerprint = subprocess.run(
            ["ssh-keygen", "-l", "-f", f"{key}.pub"], capture_output=True, text=True, check=True
        ).stdout.split()[1]
        monkeypatch.setenv("SSH_AUTH_SOCK", str(socket))
        yield key, fingerprint
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_agent_keys_are_listed_as_ssh_add_shows_them(agent: tuple[Path, str]) -> None:
    key, sha256 = agent
    keys, note = agent_public_keys()
    assert note is None
    assert [(k.comment, k.sha256) for k in keys] == [("ops@jump-host", sha256)]
    assert keys[0].md5 == md5_fingerprint(Path(f"{key}.pub").read_text())


def test_no_agent_is_said(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    assert agent_public_keys() == ([], "no SSH agent (SSH_AUTH_SOCK is not set)")


async def test_an_agent_key_is_offered_registered_and_associated(
    agent: tuple[Path, str],
    tmp_path: Path,
    sim_compute: ComputeScope,
    http_log: LoggingTransport,
    sim_env: Environment,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    key, sha256 = agent
    public_key = Path(f"{key}.pub").read_text().strip()
    web2 = await instance_named(sim_compute, "web-2")
    form = AssociateKeyForm(form_context(sim_compute, web2, ssh_dir=tmp_path / "no-ssh-dir"))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        select = form.query_one("#sshKeyName", Select)
        labels = {str(value): str(label) for label, value in select._options}
        offered = [label for label in labels.values() if "Register agent key ops@jump-host" in label]
        assert len(offered) == 1 and sha256 in offered[0] and f"MD5 {md5_fingerprint(public_key)}" in offered[0]
        assert str(select.value).startswith("register:agent:")
        assert form.query_one("#name", Input).value == "ops-jump-host"
        await pilot.press("ctrl+s")
        await settle_form(pilot)
        assert len(app.results) == 1
    assert http_log.bodies == [{"name": "ops-jump-host", "publicKey": public_key}, {"sshKeyName": "ops-jump-host"}]
    await sim_compute.client.wait_for_task(app.results[0])
    assert sim_env.instances[web2.id].ssh_key_name == "ops-jump-host"

    # Opened again: the registered key is marked as the agent's, and not offered twice.
    form = AssociateKeyForm(form_context(sim_compute, web2, ssh_dir=tmp_path / "no-ssh-dir"))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        select = form.query_one("#sshKeyName", Select)
        labels = {str(value): str(label) for label, value in select._options}
        assert f"in your agent: {sha256}" in labels["ops-jump-host"]
        assert not any("Register agent key" in label for label in labels.values())
        assert select.value == "ops-jump-host"
