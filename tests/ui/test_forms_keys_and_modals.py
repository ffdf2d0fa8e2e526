"""Associate an SSH key (recognising the operator's own), the password modal and the confirm modal."""

from __future__ import annotations

import base64
import struct
from pathlib import Path

from textual.widgets import Button, Input, Select, Static

from cca_tui.api.client import ComputeScope
from cca_tui.api.models import Task
from cca_tui.sim.environment import Environment
from cca_tui.ui.forms import AssociateKeyForm, ConfirmModal, PasswordModal
from cca_tui.ui.forms.fingerprint import md5_fingerprint
from tests.ui.app_harness import told
from tests.ui.conftest import FormHostFactory, InstanceNamed, LoggingTransport, SettleForm
from tests.ui.form_contexts import form_context


def fresh_public_key(comment: str = "me@laptop") -> str:
    """A well-formed ed25519 public key no environment knows (fixed bytes: deterministic)."""
    kind = b"ssh-ed25519"
    blob = struct.pack(">I", len(kind)) + kind + struct.pack(">I", 32) + bytes(range(100, 132))
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {comment}"


async def test_marks_and_preselects_the_operators_key(
    tmp_path: Path,
    sim_compute: ComputeScope,
    http_log: LoggingTransport,
    sim_env: Environment,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    theirs = list(sim_env.ssh_keys.values())
    mine = theirs[-1]
    (tmp_path / "id_ed25519.pub").write_text(mine.public_key + "\n")
    (tmp_path / "other.pub").write_text(fresh_public_key() + "\n")
    web2 = await instance_named(sim_compute, "web-2")
    form = AssociateKeyForm(form_context(sim_compute, web2, ssh_dir=tmp_path))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        select = form.query_one("#sshKeyName", Select)
        assert select.value == mine.name
        labels = {value: str(label) for label, value in select._options}
        assert labels[mine.name] == f"{mine.name}  ← yours: id_ed25519.pub  {mine.fingerprint}"
        assert all("yours" not in labels[k.name] for k in theirs if k.name != mine.name)
        # A match exists, so there is nothing to register.
        assert not any(str(v).startswith("register:") for v in labels)
        assert not form.query_one("#name-row").display
        await pilot.press("ctrl+s")
        await settle_form(pilot)
        assert len(app.results) == 1 and isinstance(app.results[0], Task)
    assert http_log.bodies == [{"sshKeyName": mine.name}]
    await sim_compute.client.wait_for_task(app.results[0])
    assert sim_env.instances[web2.id].ssh_key_name == mine.name


async def test_registers_the_local_key_when_none_matches(
    tmp_path: Path,
    sim_compute: ComputeScope,
    http_log: LoggingTransport,
    sim_env: Environment,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    public_key = fresh_public_key()
    (tmp_path / "id_work.pub").write_text(public_key + "\n")
    web2 = await instance_named(sim_compute, "web-2")
    form = AssociateKeyForm(form_context(sim_compute, web2, ssh_dir=tmp_path))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        select = form.query_one("#sshKeyName", Select)
        assert str(select.value).startswith("register:")
        assert form.query_one("#name-row").display
        name = form.query_one("#name", Input)
        assert name.value == "id_work"
        name.value = "my key"
        await pilot.press("ctrl+s")
        await settle_form(pilot)
        assert "no spaces" in str(form.query_one("#name-error", Static).render())
        assert http_log.mutations() == []
        name.value = "me-laptop"
        await pilot.press("ctrl+s")
        await settle_form(pilot)
        assert len(app.results) == 1 and isinstance(app.results[0], Task)
    assert http_log.bodies == [{"name": "me-laptop", "publicKey": public_key}, {"sshKeyName": "me-laptop"}]
    assert sim_env.ssh_keys["me-laptop"].fingerprint == md5_fingerprint(public_key)
    await sim_compute.client.wait_for_task(app.results[0])
    assert sim_env.instances[web2.id].ssh_key_name == "me-laptop"


async def test_register_refused_keeps_the_form_open(
    tmp_path: Path,
    sim_compute: ComputeScope,
    sim_env: Environment,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    (tmp_path / "id_work.pub").write_text(fresh_public_key() + "\n")
    taken = next(iter(sim_env.ssh_keys))
    web2 = await instance_named(sim_compute, "web-2")
    form = AssociateKeyForm(form_context(sim_compute, web2, ssh_dir=tmp_path))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        form.query_one("#name", Input).value = taken  # a name the environment already uses
        await pilot.press("ctrl+s")
        await settle_form(pilot)
        assert app.results == [] and app.screen is form
        assert "HTTP 400" in str(form.query_one("#form-error", Static).render())
        assert form.query_one("#name", Input).value == taken


async def test_password_modal_shows_and_copies_without_notifying(
    form_host: FormHostFactory, settle_form: SettleForm
) -> None:
    modal = PasswordModal("web-1", "Xq7-very-secret")
    app = form_host(modal)
    notifications = told(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        assert str(modal.query_one("#password", Static).render()) == "Xq7-very-secret"
        assert "Xq7" not in repr(modal)
        assert app.focused is modal.query_one("#copy", Button)
        await pilot.press("enter")
        await pilot.pause()
        assert app.clipboard == "Xq7-very-secret"
        assert "Copied" in str(modal.query_one("#copied", Static).render())
        assert not notifications.notes  # never shown in a toast
        await pilot.click("#close")
        await settle_form(pilot)
        assert app.results == [None]


async def test_confirm_modal_defaults_to_no(form_host: FormHostFactory, settle_form: SettleForm) -> None:
    app = form_host(ConfirmModal("Reset password", "Reset the password of web-1?", "Reset"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        assert app.focused is app.screen.query_one("#cancel", Button)
        await pilot.press("enter")
        await settle_form(pilot)
        assert app.results == [False]

    app = form_host(ConfirmModal("Reset password", "Reset the password of web-1?", "Reset"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        await pilot.press("escape")
        await settle_form(pilot)
        assert app.results == [False]

    app = form_host(ConfirmModal("Reset password", "Reset the password of web-1?", "Reset"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        assert str(app.screen.query_one("#confirm", Button).label) == "Reset"
        await pilot.click("#confirm")
        await settle_form(pilot)
        assert app.results == [True]


async def test_enter_shows_a_preselected_key_before_sending(
    tmp_path: Path,
    sim_compute: ComputeScope,
    http_log: LoggingTransport,
    sim_env: Environment,
    instance_named: InstanceNamed,
    form_host: FormHostFactory,
    settle_form: SettleForm,
) -> None:
    """`k`, Enter once replaced the key without the list ever being shown. Enter now opens
    the list on the preselected key; only the Enter after it (the key seen) sends."""
    mine = list(sim_env.ssh_keys.values())[-1]
    (tmp_path / "id_ed25519.pub").write_text(mine.public_key + "\n")
    web2 = await instance_named(sim_compute, "web-2")
    form = AssociateKeyForm(form_context(sim_compute, web2, ssh_dir=tmp_path))
    app = form_host(form)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        select = form.query_one("#sshKeyName", Select)
        assert select.value == mine.name and app.focused is select
        await pilot.press("enter")
        await settle_form(pilot)
        assert http_log.mutations() == [] and app.results == []
        assert select.expanded  # the list is open, the preselected key highlighted in it
        await pilot.press("enter")  # keeps the highlighted key, closes the list
        await settle_form(pilot)
        assert http_log.mutations() == [] and not select.expanded
        await pilot.press("enter")
        await settle_form(pilot)
        assert len(app.results) == 1
    assert http_log.bodies == [{"sshKeyName": mine.name}]


async def test_typed_confirmation_unlocks_only_on_the_exact_text(
    form_host: FormHostFactory, settle_form: SettleForm
) -> None:
    """The hook of protected environments for bulk actions: the count must be typed."""
    from cca_tui.ui.forms import TypedConfirmModal

    app = form_host(TypedConfirmModal("Stop 3 instances?", "Type 3 to stop them.", "Stop", expected="3"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        confirm = app.screen.query_one("#confirm", Button)
        assert confirm.disabled
        await pilot.press("y", "enter")  # neither a yes nor Enter unlocks it
        await settle_form(pilot)
        assert app.results == [] and confirm.disabled
        await pilot.press("backspace", "3")
        await settle_form(pilot)
        assert not confirm.disabled
        await pilot.press("enter")
        await settle_form(pilot)
        assert app.results == [True]

    app = form_host(TypedConfirmModal("Stop 3 instances?", "Type 3 to stop them.", "Stop", expected="3"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_form(pilot)
        await pilot.press("3", "escape")
        await settle_form(pilot)
        assert app.results == [False]
