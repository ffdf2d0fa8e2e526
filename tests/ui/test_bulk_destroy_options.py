"""Bulk destroy with every option of the destroy form: public IPs and data volumes are each
instance's own, listed per environment (one listing each), shown per instance in the
confirmation, and each DELETE carries exactly that instance's ids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Static

from cca_tui.fleet.identity import EnvironmentRef
from cca_tui.sim.server import SimServer
from cca_tui.ui.app import CcaApp
from cca_tui.ui.forms.bulk_destroy import BulkDestroyModal
from cca_tui.ui.screens.instances import InstanceScreen
from tests.ui.app_harness import SIZE, make_app, select, settle, told, wait_until
from tests.ui.test_fleet import DEV, DR_SITE, Recording, fleet_app, opened

PRODUCTION = EnvironmentRef("compute-on", "production")
PAGE = "page_number=1&page_size=500"  # a listing of the whole environment: no instance_id filter


def sim_instance(sim: SimServer, env: EnvironmentRef, name: str) -> Any:
    return next(i for i in sim.world.environment(env.service_code, env.name).instances.values() if i.name == name)


def own_ips(sim: SimServer, env: EnvironmentRef, instance_id: str) -> tuple[list[Any], list[Any]]:
    """The simulator's public IPs serving this instance: (its alone, shared with others)."""
    world = sim.world.environment(env.service_code, env.name)
    serving = [ip for ip in world.public_ips.values() if instance_id in world.ip_instance_ids(ip)]
    alone = [ip for ip in serving if world.ip_instance_ids(ip) == [instance_id] and not ip.is_source_nat]
    return alone, [ip for ip in serving if ip not in alone]


def data_volumes(sim: SimServer, env: EnvironmentRef, instance_id: str) -> list[Any]:
    world = sim.world.environment(env.service_code, env.name)
    return [v for v in world.volumes.values() if v.instance_id == instance_id and v.type == "DATA"]


def batch_summaries(app: CcaApp) -> list[str]:
    return told(app).containing("succeeded")


async def mark(app: CcaApp, pilot: Pilot[None], instance_id: str, environment: str | None = None) -> None:
    screen = app.screen
    assert isinstance(screen, InstanceScreen)
    select(screen, instance_id, environment)
    await pilot.pause()
    await pilot.press("space")
    await pilot.pause()


async def destroy_dialog(app: CcaApp, pilot: Pilot[None]) -> BulkDestroyModal:
    await pilot.press("d")
    await wait_until(pilot, lambda: isinstance(app.screen, BulkDestroyModal))
    modal = app.screen
    assert isinstance(modal, BulkDestroyModal)
    await wait_until(pilot, lambda: modal.attached is not None)
    await pilot.pause()
    return modal


async def tick(pilot: Pilot[None], modal: BulkDestroyModal, *ids: str) -> None:
    for checkbox_id in ids:
        modal.query_one(f"#{checkbox_id}", Checkbox).value = True
    await pilot.pause()


async def test_bulk_destroy_releases_and_deletes_exactly_what_each_instance_listed(
    sim: SimServer, tmp_path: Path
) -> None:
    web1, web2, db = (sim_instance(sim, PRODUCTION, name) for name in ("web-1", "web-2", "db-primary"))
    (web1_ip,), (shared_ip,) = own_ips(sim, PRODUCTION, web1.id)  # its port forwards; the LB with web-2
    assert own_ips(sim, PRODUCTION, web2.id) == ([], [shared_ip])
    (db_volume,) = data_volumes(sim, PRODUCTION, db.id)
    transport = Recording()
    app = make_app(sim, tmp_path, environment=str(PRODUCTION), transport=transport)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for instance in (web1, web2, db):
            await mark(app, pilot, instance.id)
        await settle(app, pilot)  # the detail pane's own requests are done
        before = len(transport.sent)
        modal = await destroy_dialog(app, pilot)
        # One listing of the environment's addresses and one of its volumes, for all three.
        assert [
            (path.rsplit("/", 1)[1], query) for method, path, query, _ in transport.sent[before:] if method == "GET"
        ] in (
            [("publicipaddresses", PAGE), ("volumes", PAGE)],
            [("volumes", PAGE), ("publicipaddresses", PAGE)],
        )
        listed = str(modal.query_one("#attached", Static).render())
        # Before ticking: what each has, kept.
        assert f"web-1: keeps {web1_ip.ip_address} · keeps {shared_ip.ip_address} (serves 2 instances)" in listed
        assert f"db-primary: keeps volume db-primary-data ({db_volume.size_gb} GB)" in listed
        assert f"web-2: keeps {shared_ip.ip_address} (serves 2 instances)" in listed
        await tick(pilot, modal, "releaseIps", "deleteVolumes")
        listed = str(modal.query_one("#attached", Static).render())
        assert f"web-1: releases {web1_ip.ip_address} · keeps {shared_ip.ip_address} (serves 2 instances)" in listed
        assert f"db-primary: deletes volume db-primary-data ({db_volume.size_gb} GB)" in listed
        mutations = len(transport.mutations())
        modal.query_one("#typed", Input).focus()
        await pilot.press("3", "enter")
        await wait_until(pilot, lambda: bool(batch_summaries(app)))
        sent = {path.rsplit("/", 1)[1]: (method, body) for method, path, _, body in transport.mutations()[mutations:]}
        assert sent == {
            web1.id: (
                "DELETE",
                {
                    "purgeImmediately": False,
                    "deleteSnapshots": False,
                    "publicIpIdsToRelease": [web1_ip.id],
                    "volumeIdsToDelete": [],
                },
            ),
            web2.id: (
                "DELETE",
                {
                    "purgeImmediately": False,
                    "deleteSnapshots": False,
                    "publicIpIdsToRelease": [],
                    "volumeIdsToDelete": [],
                },
            ),
            db.id: (
                "DELETE",
                {
                    "purgeImmediately": False,
                    "deleteSnapshots": False,
                    "publicIpIdsToRelease": [],
                    "volumeIdsToDelete": [db_volume.id],
                },
            ),
        }
        assert "Destroy: 3 succeeded" in batch_summaries(app)[0]
        world = sim.world.environment(PRODUCTION.service_code, PRODUCTION.name)
        assert web1_ip.id not in world.public_ips and shared_ip.id in world.public_ips
        assert db_volume.id not in world.volumes


async def test_bulk_destroy_across_environments_lists_each_once_and_sends_each_its_own(
    sim: SimServer, tmp_path: Path
) -> None:
    dev_db, dr_db = sim_instance(sim, DEV, "db-primary"), sim_instance(sim, DR_SITE, "db-primary")
    (dev_volume,), (dr_volume,) = data_volumes(sim, DEV, dev_db.id), data_volumes(sim, DR_SITE, dr_db.id)
    transport = Recording()
    app = fleet_app(sim, tmp_path, transport, environment="compute-qc/d*")
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot)
        await mark(app, pilot, dev_db.id, str(DEV))
        await mark(app, pilot, dr_db.id, str(DR_SITE))
        await settle(app, pilot)  # the detail pane's own requests are done
        before = len(transport.sent)
        modal = await destroy_dialog(app, pilot)
        listings = sorted(path for method, path, _, _ in transport.sent[before:] if method == "GET")
        assert listings == sorted(
            f"/v1/services/{env.service_code}/{env.name}/{entity}"
            for env in (DEV, DR_SITE)
            for entity in ("publicipaddresses", "volumes")
        )
        listed = str(modal.query_one("#attached", Static).render())
        assert f"db-primary ({DEV}): keeps volume db-primary-data" in listed
        assert f"db-primary ({DR_SITE}): keeps volume db-primary-data" in listed
        await tick(pilot, modal, "deleteVolumes", "purgeImmediately")
        mutations = len(transport.mutations())
        modal.query_one("#typed", Input).focus()
        await pilot.press("2", "enter")
        await wait_until(pilot, lambda: bool(batch_summaries(app)))
        sent = sorted((path, body) for _, path, _, body in transport.mutations()[mutations:])
        expected = [
            (f"/v1/services/compute-qc/{env.name}/instances/{instance.id}", volume.id)
            for env, instance, volume in ((DEV, dev_db, dev_volume), (DR_SITE, dr_db, dr_volume))
        ]
        assert sent == sorted(
            (
                path,
                {
                    "purgeImmediately": True,
                    "deleteSnapshots": False,
                    "publicIpIdsToRelease": [],
                    "volumeIdsToDelete": [volume_id],
                },
            )
            for path, volume_id in expected
        )
