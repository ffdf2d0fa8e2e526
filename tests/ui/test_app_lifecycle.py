"""The whole life of an instance driven from the instance screen, as an operator would:
keys open the forms, the forms send, the task log follows, the table shows the result."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

from cca_tui.sim import entities
from cca_tui.sim.environment import Environment
from cca_tui.sim.server import SimServer
from cca_tui.ui.forms import AssociateKeyForm, CreateInstanceForm, DestroyForm, PurgeForm
from cca_tui.ui.screens.instances import InstanceScreen
from tests.conftest import SimFactory
from tests.typed import not_none
from tests.ui.app_harness import SIZE, instance_screen, instance_shown, make_app, select, settle, told, top_screen

ENV = "compute-on/production"


def world_env(sim: SimServer) -> Environment:
    return sim.world.environment("compute-on", "production")


def task_rows(screen: InstanceScreen) -> list[tuple[str, str, str]]:
    return [(t.action, t.instance, t.status) for t in screen.view.tasks]


async def fill_create_form(form: CreateInstanceForm, pilot: Pilot[None], name: str) -> None:
    form.query_one("#name", Input).value = name
    network = next(n for n in form.networks.values() if n.name.startswith("Web"))
    template = next(t for t in form.templates.values() if network.zone_id in t.available_in_zones)
    form.query_one("#templateId", Select).value = template.id
    form.query_one("#networkId", Select).value = network.id
    offering = form.query_one("#computeOfferingId", Select)
    offering.value = next(value for _, value in offering._options if isinstance(value, str) and value)
    await pilot.pause()


async def test_create_then_destroy_recover_purge(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        before = len(screen.view.instances)

        # create: a name the server refuses (already taken) keeps the form open with the error
        await pilot.press("n")
        await settle(app, pilot)
        form = top_screen(app, CreateInstanceForm)
        await fill_create_form(form, pilot, "web-1")
        await pilot.click("#submit")
        await settle(app, pilot)
        assert app.screen is form
        assert "2003" in str(form.query_one("#form-error", Static).render())
        assert form.query_one("#name", Input).value == "web-1"  # nothing typed is lost

        form.query_one("#name", Input).value = "ops-new-1"
        await pilot.click("#submit")
        await settle(app, pilot, rounds=6)
        assert isinstance(app.screen, InstanceScreen)
        created = next(i for i in screen.view.instances.values() if i.name == "ops-new-1")
        assert created.state == "Running"
        assert len(screen.view.instances) == before + 1
        assert ("Create", "ops-new-1", "SUCCESS") in task_rows(screen)

        # destroy (no purge): Destroyed, recoverable
        select(screen, created.id)
        await pilot.press("d")
        await settle(app, pilot)
        assert isinstance(app.screen, DestroyForm)
        await pilot.click("#submit")
        await settle(app, pilot, rounds=6)
        assert instance_shown(screen, created.id).state == "Destroyed"

        # recover: back to Stopped
        await pilot.press("v")
        await settle(app, pilot, rounds=6)
        assert instance_shown(screen, created.id).state == "Stopped"

        # destroy again, then purge with the name typed
        await pilot.press("d")
        await settle(app, pilot)
        await pilot.click("#submit")
        await settle(app, pilot, rounds=6)
        await pilot.press("p")
        await settle(app, pilot)
        assert isinstance(app.screen, PurgeForm)
        app.screen.query_one("#confirm-name", Input).value = "ops-new-1"
        await pilot.pause()
        await pilot.click("#submit")
        await settle(app, pilot, rounds=6)
        assert created.id not in screen.view.instances
        assert sim.world.instance(created.id) is None
        actions = [a for a, name, status in task_rows(screen) if name == "ops-new-1" and status == "SUCCESS"]
        assert actions == ["Create", "Destroy", "Recover", "Destroy", "Purge"]


async def test_associate_ssh_key_marks_and_uses_the_operators_key(sim: SimServer, tmp_path: Path) -> None:
    env = world_env(sim)
    with sim.world.session():
        key = next(iter(env.ssh_keys.values()))
        target = next(i for i in env.instances.values() if i.state == "Running")
    ssh_dir = tmp_path / "ssh"
    ssh_dir.mkdir()
    (ssh_dir / "id_ed25519.pub").write_text(key.public_key + "\n")
    app = make_app(sim, tmp_path, environment=ENV, ssh_dir=ssh_dir)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select(instance_screen(app), target.id)
        await pilot.press("K")
        await settle(app, pilot)
        form = top_screen(app, AssociateKeyForm)
        assert form.query_one("#sshKeyName", Select).value == key.name
        await pilot.click("#submit")
        await settle(app, pilot, rounds=6)
        assert isinstance(app.screen, InstanceScreen)
        assert ("Associate SSH key", target.name, "SUCCESS") in task_rows(app.screen)
    assert not_none(sim.world.instance(target.id)).ssh_key_name == key.name


async def test_failed_task_is_reported_and_state_kept(sim: SimServer, tmp_path: Path) -> None:
    env = world_env(sim)
    with sim.world.session():
        stopped = next(i for i in env.instances.values() if i.state == "Stopped")
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select(instance_screen(app), stopped.id)
        sim.world.fail_next_task("no capacity on host")
        await pilot.press("s")
        await settle(app, pilot, rounds=6)
        screen = instance_screen(app)
        entry = screen.view.tasks[0]
        assert entry.status == "FAILED" and "no capacity on host" in entry.outcome
        assert told(app).containing("no capacity on host")
        assert instance_shown(screen, stopped.id).state == "Stopped"


async def test_a_form_closed_while_sending_still_reaches_the_task_log(sim_factory: SimFactory, tmp_path: Path) -> None:
    """Double Escape while the create request is on its way: the form closes at once, and
    the tracker still follows what the server accepted to its end."""
    from cca_tui.sim.options import SimOptions
    from tests.ui.app_harness import wait_until

    sim = sim_factory(SimOptions(task_delay=0, latency=0.5))
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        await pilot.press("n")
        await settle(app, pilot)
        form = top_screen(app, CreateInstanceForm)
        await fill_create_form(form, pilot, "sent-then-closed")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: form.sending)
        await pilot.press("escape", "escape")
        await wait_until(pilot, lambda: app.screen is screen)
        await wait_until(pilot, lambda: ("Create", "sent-then-closed", "SUCCESS") in task_rows(screen))
        assert any(i.name == "sent-then-closed" for i in env_instances_of(sim))


def env_instances_of(sim: SimServer) -> list[entities.Instance]:
    return list(world_env(sim).instances.values())
