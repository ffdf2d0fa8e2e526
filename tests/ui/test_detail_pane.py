"""The detail pane: every value whole at 120x40, ids never broken, following the list."""

from __future__ import annotations

from pathlib import Path

from cca_tui.sim import entities
from cca_tui.sim.entities import Volume
from cca_tui.sim.server import SimServer
from cca_tui.ui.widgets.detail_pane import DetailPane
from tests.typed import not_none
from tests.ui.app_harness import SIZE, env_instances, instance_screen, make_app, select, settle, wait_until
from tests.ui.faulty_transport import Fault, FaultyTransport

ENV = "compute-on/production"


def pane_lines(pane: DetailPane) -> list[str]:
    """Every line the pane draws, scrolled through from top to bottom as an operator would."""
    lines: dict[int, str] = {}
    height = pane.scrollable_content_region.height
    total = pane.virtual_size.height
    for top in range(0, total, height):
        pane.scroll_to(y=top, animate=False, immediate=True)
        offset = int(pane.scroll_offset.y)
        for y in range(height):
            if offset + y < total:
                lines[offset + y] = pane.render_line(y).text
    pane.scroll_to(y=0, animate=False, immediate=True)
    return [lines[n].rstrip() for n in sorted(lines)]


def _dress_up(
    sim: SimServer,
) -> tuple[entities.Instance, entities.PortForwardingRule, entities.AffinityGroup, Volume, Volume]:
    """An instance with everything the pane must show whole: the custom offering, an
    affinity group, a data volume, a NIC and a port forwarded to 22."""
    env = sim.world.environment("compute-on", "production")
    with sim.world.session():
        rule = next(r for r in env.pf_rules.values() if r.private_port_start == 22)
        owner = env.instances[rule.instance_id]
        custom = next(o for o in env.compute_offerings.values() if o.custom)
        owner.compute_offering_id, owner.cpu_count, owner.memory_in_mb = custom.id, 2, 4096
        group = next(iter(env.affinity_groups.values()))
        owner.affinity_group_ids = [group.id]
        offering = next(d for d in env.disk_offerings.values() if d.gb_size)
        data = Volume(
            id=sim.world.ids.uuid(),
            name="owner-data",
            type="DATA",
            size_gb=offering.gb_size,
            zone_id=env.networks[owner.network_id].zone_id,
            created="2024-01-01T00:00:00Z",
            instance_id=owner.id,
            disk_offering_id=offering.id,
        )
        env.add_volume(data)
        root = next(v for v in env.volumes.values() if v.instance_id == owner.id and v.type.lower() == "os")
        return owner, rule, group, data, root


async def test_detail_pane_shows_every_value_whole_at_120x40(sim: SimServer, tmp_path: Path) -> None:
    owner, rule, group, data, root = _dress_up(sim)
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        select(instance_screen(app), owner.id)
        await settle(app, pilot, rounds=4)
        pane = app.screen.query_one(DetailPane)
        assert pane.detail is not None and pane.detail.complete and pane.detail.instance.id == owner.id
        lines = pane_lines(pane)
        text = "\n".join(lines)
        network = sim.world.environment("compute-on", "production").networks[owner.network_id].name
        public_ip = pane.detail.rules[0].ip_address
        assert any(line.split()[:2] == ["Offering", "Custom"] for line in lines), text
        assert any(network in line and owner.ip_address in line for line in lines), text  # the NIC, whole
        assert f"{public_ip}:{rule.public_port_start}" in text  # the public port, whole
        assert any(line.split()[:2] == ["Affinity", group.name] for line in lines), text
        assert group.id not in text
        assert f"root {root.size_gb} GB" in text and f"data {data.size_gb} GB {data.name}" in text, text
        # Ids and the MAC address on one line each, never broken in the middle.
        for value in (owner.id, owner.mac_address, owner.template_id, owner.network_id):
            assert any(value in line for line in lines), (value, text)


async def test_instances_in_the_list_show_their_own_values(sim: SimServer, tmp_path: Path) -> None:
    """The pane follows the list: an instance renamed behind our back shows its new name."""
    app = make_app(sim, tmp_path, environment=ENV)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot, rounds=4)
        screen = instance_screen(app)
        selected = not_none(screen.view.selected)
        instance = next(i for i in env_instances(sim) if i.id == selected.id)
        with sim.world.session():
            instance.name = "renamed-behind-our-back"
        await pilot.press("ctrl+r")
        await settle(app, pilot, rounds=4)
        pane = screen.query_one(DetailPane)
        assert any(i.name == "renamed-behind-our-back" for i in screen.view.instances.values())
        # The pane shows the selected row as the list has it now (not a name it kept).
        now_selected = not_none(screen.view.selected)
        assert not_none(pane.detail).instance.name == now_selected.name
        assert now_selected.name in str(pane.border_title)


async def test_a_detail_that_failed_is_read_again_once_the_list_is_read_again(sim: SimServer, tmp_path: Path) -> None:
    """The API goes away, the operator moves: the pane says its parts are unknown, and why.
    The API comes back and the list is read again: the pane reads the detail again by
    itself (it stayed "unknown" until the operator moved away and back)."""
    transport = FaultyTransport()
    down = {"now": False}
    transport.add(lambda request: Fault(refuse=True) if down["now"] else None)
    app = make_app(sim, tmp_path, environment=ENV, transport=transport)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = instance_screen(app)
        pane = screen.query_one(DetailPane)
        down["now"] = True
        await pilot.press("down")
        await wait_until(pilot, lambda: pane.detail is not None and pane.detail.error is not None)
        moved_to = not_none(pane.detail).instance.key
        down["now"] = False
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: pane.detail is not None and pane.detail.complete)
        detail = not_none(pane.detail)
        assert detail.error is None and detail.instance.key == moved_to
