"""The app's data layer: where a row's data comes from, and the reads forms and panes need.

One `FleetData` lives on the app. It maps an environment to its compute scope (made once,
kept), and a row to its environment's (`scope_of`: the one place that looks it up). Forms,
the detail pane and the screens ask it for what they show (offerings, networks, keys,
volumes, templates, an instance's detail) by environment or by row; none of them holds a
client. Mutations go to `scope(environment)`, through the task tracker. No Textual.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from dataclasses import dataclass, field

from cca_tui.api.client import CloudCAClient, ComputeScope, Listing, is_path_segment
from cca_tui.api.errors import CloudCAError, InvalidId
from cca_tui.api.models import (
    AffinityGroup,
    ComputeOffering,
    DiskOffering,
    Instance,
    Network,
    Nic,
    PortForwardingRule,
    PublicIp,
    SSHKey,
    Task,
    Template,
    Volume,
    Zone,
)
from cca_tui.fleet.environments import EnvironmentList, join_environments
from cca_tui.fleet.identity import EnvironmentRef, RowKey, environment_of, located


@dataclass
class InstanceDetail:
    """What the detail pane shows; `complete` once the full retrieve and the side lists are in."""

    instance: Instance
    nics: list[Nic] = field(default_factory=list)
    rules: list[PortForwardingRule] = field(default_factory=list)
    volumes: list[Volume] = field(default_factory=list)
    # The environment's affinity groups by id (names for the instance's ids), once fetched.
    affinity_groups: dict[str, AffinityGroup] = field(default_factory=dict)
    complete: bool = False
    error: str | None = None

    @property
    def key(self) -> Hashable:
        """The row shown (environment and id)."""
        return self.instance.key


class NotPlaced(ValueError):
    """A row that no loader placed in an environment: there is nowhere to ask about it."""


class FleetData:
    def __init__(self, client: CloudCAClient) -> None:
        self.client = client
        self._scopes: dict[EnvironmentRef, ComputeScope] = {}
        # The last list of environments read (None: never read): what the palette offers
        # without asking the server again at each opening.
        self.known_environments: EnvironmentList | None = None

    # --- which environments there are -------------------------------------------------

    async def environments(self) -> EnvironmentList:
        """The environments the key can see, each with its service code (two requests: the
        environments and the service connections). Raises what the client raised."""
        environments, connections = await asyncio.gather(
            self.client.list_environments(), self.client.list_service_connections()
        )
        listed = EnvironmentList(join_environments(environments, connections), len(environments.bad_rows))
        self.known_environments = listed
        return listed

    # --- where a row lives --------------------------------------------------------------

    def scope(self, environment: EnvironmentRef) -> ComputeScope:
        """The compute scope of an environment: where its rows' actions and reads go."""
        scope = self._scopes.get(environment)
        if scope is None:
            scope = self._scopes[environment] = self.client.compute(environment.service_code, environment.name)
        return scope

    def scope_of(self, row: Instance | RowKey) -> ComputeScope:
        """The compute scope of the environment a row lives in (the one place that says it)."""
        environment = row.environment if isinstance(row, RowKey) else environment_of(row)
        if environment is None:
            raise NotPlaced(f"{row.id} was not listed by any environment")
        return self.scope(environment)

    # --- what forms read ------------------------------------------------------------------

    async def instance(self, environment: EnvironmentRef, instance_id: str) -> Instance:
        """The instance as the server has it now, placed in its environment."""
        return located(await self.scope(environment).get_instance(instance_id), environment)

    async def templates(self, environment: EnvironmentRef) -> Listing[Template]:
        return await self.scope(environment).list_templates()

    async def compute_offerings(self, environment: EnvironmentRef) -> Listing[ComputeOffering]:
        return await self.scope(environment).list_compute_offerings()

    async def disk_offerings(self, environment: EnvironmentRef) -> Listing[DiskOffering]:
        return await self.scope(environment).list_disk_offerings()

    async def networks(self, environment: EnvironmentRef, *, zone_id: str | None = None) -> Listing[Network]:
        return await self.scope(environment).list_networks(zone_id=zone_id)

    async def zones(self, environment: EnvironmentRef) -> Listing[Zone]:
        return await self.scope(environment).list_zones()

    async def affinity_groups(self, environment: EnvironmentRef) -> Listing[AffinityGroup]:
        return await self.scope(environment).list_affinity_groups()

    async def ssh_keys(self, environment: EnvironmentRef) -> Listing[SSHKey]:
        return await self.scope(environment).list_ssh_keys()

    async def ssh_key(self, environment: EnvironmentRef, name: str) -> SSHKey:
        return await self.scope(environment).get_ssh_key(name)

    async def volumes(self, environment: EnvironmentRef, *, instance_id: str | None = None) -> Listing[Volume]:
        return await self.scope(environment).list_volumes(instance_id=instance_id)

    async def public_ips(self, environment: EnvironmentRef, *, instance_id: str | None = None) -> Listing[PublicIp]:
        return await self.scope(environment).list_public_ips(instance_id=instance_id)

    async def port_forwarding_rules(self, environment: EnvironmentRef, instance_id: str) -> Listing[PortForwardingRule]:
        return await self.scope(environment).list_port_forwarding_rules(instance_id=instance_id)

    async def wait_for_task(self, task: Task) -> Task:
        """A task a form waits on before its own request (a key registered, then associated)."""
        return await self.client.wait_for_task(task)

    # --- what the detail pane reads -----------------------------------------------------------

    async def detail(self, row: Instance) -> InstanceDetail:
        """Everything about one row: the full retrieve, its NICs, rules, volumes and affinity
        groups' names. Raises CloudCAError when the instance itself cannot be read."""
        environment = environment_of(row)
        if environment is None:
            raise NotPlaced(f"{row.id} was not listed by any environment")
        compute = self.scope(environment)
        instance_id = row.id
        if not is_path_segment(instance_id):
            # Nothing sent: the retrieve would refuse it, and `instance_id=` (empty) filters
            # nothing, so the side lists would ask for every NIC, rule and volume there is.
            raise InvalidId(instance_id)
        wants_groups = bool(row.affinity_group_ids)
        try:
            # Together; when one fails the others are cancelled and awaited (asyncio.gather
            # left them running: a list answered 5xx went on retrying for seconds).
            async with asyncio.TaskGroup() as reads:
                fetching = reads.create_task(compute.get_instance(instance_id))
                listing_nics = reads.create_task(compute.list_nics(instance_id=instance_id))
                listing_rules = reads.create_task(compute.list_port_forwarding_rules(instance_id=instance_id))
                listing_volumes = reads.create_task(compute.list_volumes(instance_id=instance_id))
                naming_groups = reads.create_task(self._group_names(environment) if wants_groups else _nothing())
        except BaseExceptionGroup as failed:
            raise failed.exceptions[0] from None  # the first failure, as the pane expects it
        fetched, nics, rules, volumes = (
            fetching.result(),
            listing_nics.result(),
            listing_rules.result(),
            listing_volumes.result(),
        )
        groups = naming_groups.result()
        if fetched.affinity_group_ids and not wants_groups:  # the list did not say it had any
            groups = await self._group_names(environment)
        return InstanceDetail(
            instance=located(fetched, environment),
            nics=list(nics),
            rules=list(rules),
            # A server that ignores the filter sends every volume: keep this one's.
            volumes=[v for v in volumes if v.instance_id in (None, instance_id)],
            affinity_groups={g.id: g for g in groups},
            complete=True,
        )

    async def _group_names(self, environment: EnvironmentRef) -> list[AffinityGroup]:
        """Only for their names: a failure leaves the ids shown, never the whole detail."""
        try:
            return list(await self.affinity_groups(environment))
        except CloudCAError:
            return []


async def _nothing() -> list[AffinityGroup]:
    return []
