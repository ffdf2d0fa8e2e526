"""The async cloud.ca client: administration endpoints, tasks, and one environment's compute.

async with CloudCAClient(url, key) as api:
    envs = await api.list_environments()
    compute = api.compute("compute-on", "test_area")
    task = await compute.stop_instance(instance_id)
    await api.wait_for_task(task)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from cca_tui.api.envelope import parse_task
from cca_tui.api.errors import ProtocolError, TaskFailed, TaskTimeout
from cca_tui.api.models import (
    AffinityGroup,
    ComputeOffering,
    DiskOffering,
    Environment,
    Instance,
    Network,
    Nic,
    PortForwardingRule,
    PublicIp,
    ServiceConnection,
    SSHKey,
    Task,
    Template,
    Volume,
    Zone,
)
from cca_tui.api.transport import HttpTransport, Sleep

M = TypeVar("M", bound=BaseModel)


def _parse(model: type[M], raw: Any, path: str) -> M:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "reply"
        raise ProtocolError(
            f"unexpected {model.__name__} in reply: {where}: {first['msg']}",
            status=200,
            method="GET",
            path=path,
        ) from None


class CloudCAClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 15.0,
        verify: bool = True,
        org_id: str | None = None,
        max_retries: int = 3,
        backoff: float = 0.5,
        page_size: int = 500,
        task_poll_interval: float = 1.0,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.base_url = base_url
        self.org_id = org_id
        self.task_poll_interval = task_poll_interval
        self._sleep = sleep
        self.http = HttpTransport(
            base_url,
            api_key,
            timeout=timeout,
            verify=verify,
            max_retries=max_retries,
            backoff=backoff,
            page_size=page_size,
            transport=transport,
            sleep=sleep,
        )

    def __repr__(self) -> str:
        return f"CloudCAClient(base_url={self.base_url!r})"

    async def __aenter__(self) -> CloudCAClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()

    # --- administration -------------------------------------------------------------

    async def list_environments(self) -> list[Environment]:
        rows = await self.http.get_all("environments", self._org_params())
        return [_parse(Environment, row, "environments") for row in rows]

    async def get_environment(self, environment_id: str) -> Environment:
        path = f"environments/{quote(environment_id, safe='')}"
        return _parse(Environment, await self.http.get_data(path), path)

    async def list_service_connections(self) -> list[ServiceConnection]:
        rows = await self.http.get_all("services/connections")
        return [_parse(ServiceConnection, row, "services/connections") for row in rows]

    async def get_service_connection(self, connection_id: str) -> ServiceConnection:
        path = f"services/connections/{quote(connection_id, safe='')}"
        return _parse(ServiceConnection, await self.http.get_data(path), path)

    # --- tasks ----------------------------------------------------------------------

    async def get_task(self, task_id: str) -> Task:
        path = f"tasks/{quote(task_id, safe='')}"
        status, payload = await self.http.request("GET", path)
        return parse_task(payload, status=status, method="GET", path=path)

    async def wait_for_task(
        self,
        task: Task | str,
        *,
        timeout: float = 600.0,
        interval: float | None = None,
        on_poll: Callable[[Task], None] | None = None,
    ) -> Task:
        """Poll a task until it ends; return it on SUCCESS, raise TaskFailed or TaskTimeout.

        Cancel the awaiting coroutine to stop following it (the server's task goes on).
        """
        interval = self.task_poll_interval if interval is None else interval
        current = task if isinstance(task, Task) else Task(id=task, status="PENDING")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if current.done or not current.id:
                break
            current = await self.get_task(current.id)
            if on_poll is not None:
                on_poll(current)
            if current.done:
                break
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TaskTimeout(current.id, timeout)
            await self._sleep(min(interval, remaining))
        if current.failed:
            raise TaskFailed(current.id, task_failure_message(current.result), current.result)
        return current

    # --- compute --------------------------------------------------------------------

    def compute(self, service_code: str, environment_name: str) -> ComputeScope:
        return ComputeScope(self, service_code, environment_name)

    def _org_params(self, params: dict[str, Any] | None = None) -> dict[str, Any]:
        merged = {k: v for k, v in (params or {}).items() if v is not None}
        if self.org_id:
            merged["org_id"] = self.org_id
        return merged


def task_failure_message(result: Any) -> str:
    if isinstance(result, dict):
        for key in ("message", "errorMessage", "error"):
            if result.get(key):
                code = result.get("code", result.get("errorCode"))
                return f"[{code}] {result[key]}" if code is not None else str(result[key])
        errors = result.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return task_failure_message(errors[0])
    if isinstance(result, str) and result:
        return result
    return "task failed"


class ComputeScope:
    """The compute entities of one environment: /services/{code}/{environment}/..."""

    def __init__(self, client: CloudCAClient, service_code: str, environment_name: str) -> None:
        self.client = client
        self.service_code = service_code
        self.environment_name = environment_name
        self._base = f"services/{quote(service_code, safe='')}/{quote(environment_name, safe='')}"

    def __repr__(self) -> str:
        return f"ComputeScope({self.service_code}/{self.environment_name})"

    def _path(self, entity: str, entity_id: str | None = None) -> str:
        path = f"{self._base}/{entity}"
        return f"{path}/{quote(entity_id, safe='')}" if entity_id else path

    async def _list(self, model: type[M], entity: str, **filters: Any) -> list[M]:
        path = self._path(entity)
        rows = await self.client.http.get_all(path, self.client._org_params(filters))
        return [_parse(model, row, path) for row in rows]

    async def _get(self, model: type[M], entity: str, entity_id: str) -> M:
        path = self._path(entity, entity_id)
        data = await self.client.http.get_data(path, self.client._org_params())
        return _parse(model, data, path)

    async def _mutate(self, method: str, path: str, body: Any = None, operation: str | None = None) -> Task:
        params = self.client._org_params({"operation": operation})
        status, payload = await self.client.http.request(method, path, params=params, body=body)
        return parse_task(payload, status=status, method=method, path=path)

    # instances
    async def list_instances(self) -> list[Instance]:
        return await self._list(Instance, "instances")

    async def get_instance(self, instance_id: str) -> Instance:
        return await self._get(Instance, "instances", instance_id)

    async def create_instance(self, request: dict[str, Any]) -> Task:
        """`request` uses the API's camelCase names (see CreateInstanceRequest)."""
        return await self._mutate("POST", self._path("instances"), body=request)

    async def update_instance(self, instance_id: str, *, name: str | None = None, hostname: str | None = None) -> Task:
        body = {k: v for k, v in {"name": name, "hostname": hostname}.items() if v is not None}
        return await self._mutate("PUT", self._path("instances", instance_id), body=body)

    async def destroy_instance(
        self,
        instance_id: str,
        *,
        purge: bool = False,
        delete_snapshots: bool = False,
        public_ip_ids: Iterable[str] = (),
        volume_ids: Iterable[str] = (),
    ) -> Task:
        body = {
            "purgeImmediately": purge,
            "deleteSnapshots": delete_snapshots,
            "publicIpIdsToRelease": list(public_ip_ids),
            "volumeIdsToDelete": list(volume_ids),
        }
        return await self._mutate("DELETE", self._path("instances", instance_id), body=body)

    async def operate(self, instance_id: str, operation: str, body: dict[str, Any] | None = None) -> Task:
        """POST instances/{id}?operation=NAME: the generic form of every instance operation."""
        return await self._mutate("POST", self._path("instances", instance_id), body=body, operation=operation)

    async def start_instance(self, instance_id: str) -> Task:
        return await self.operate(instance_id, "start")

    async def stop_instance(self, instance_id: str) -> Task:
        return await self.operate(instance_id, "stop")

    async def reboot_instance(self, instance_id: str) -> Task:
        return await self.operate(instance_id, "reboot")

    async def purge_instance(self, instance_id: str) -> Task:
        return await self.operate(instance_id, "purge")

    async def recover_instance(self, instance_id: str) -> Task:
        return await self.operate(instance_id, "recover")

    async def reset_password(self, instance_id: str) -> Task:
        return await self.operate(instance_id, "resetPassword")

    async def change_compute_offering(
        self, instance_id: str, offering_id: str, *, cpu_count: int | None = None, memory_in_mb: int | None = None
    ) -> Task:
        body: dict[str, Any] = {"computeOfferingId": offering_id}
        if cpu_count is not None:
            body["cpuCount"] = cpu_count
        if memory_in_mb is not None:
            body["memoryInMB"] = memory_in_mb
        return await self.operate(instance_id, "changeComputeOffering", body)

    async def change_network(self, instance_id: str, network_id: str) -> Task:
        return await self.operate(instance_id, "changeNetwork", {"networkId": network_id})

    async def associate_ssh_key(self, instance_id: str, ssh_key_name: str) -> Task:
        return await self.operate(instance_id, "associateSSHKey", {"sshKeyName": ssh_key_name})

    # catalogue
    async def list_templates(self) -> list[Template]:
        return await self._list(Template, "templates")

    async def get_template(self, template_id: str) -> Template:
        return await self._get(Template, "templates", template_id)

    async def list_compute_offerings(self) -> list[ComputeOffering]:
        return await self._list(ComputeOffering, "computeofferings")

    async def get_compute_offering(self, offering_id: str) -> ComputeOffering:
        return await self._get(ComputeOffering, "computeofferings", offering_id)

    async def list_disk_offerings(self) -> list[DiskOffering]:
        return await self._list(DiskOffering, "diskofferings")

    async def get_disk_offering(self, offering_id: str) -> DiskOffering:
        return await self._get(DiskOffering, "diskofferings", offering_id)

    async def list_networks(self, *, vpc_id: str | None = None, zone_id: str | None = None) -> list[Network]:
        return await self._list(Network, "networks", vpc_id=vpc_id, zone_id=zone_id)

    async def get_network(self, network_id: str) -> Network:
        return await self._get(Network, "networks", network_id)

    async def list_zones(self) -> list[Zone]:
        return await self._list(Zone, "zones")

    async def list_affinity_groups(self) -> list[AffinityGroup]:
        return await self._list(AffinityGroup, "affinitygroups")

    async def list_volumes(self, *, instance_id: str | None = None, type: str | None = None) -> list[Volume]:
        """`type` is OS or DATA; with `instance_id` the server sends only that instance's volumes."""
        return await self._list(Volume, "volumes", instance_id=instance_id, type=type)

    # SSH keys
    async def list_ssh_keys(self) -> list[SSHKey]:
        return await self._list(SSHKey, "sshkeys")

    async def get_ssh_key(self, name: str) -> SSHKey:
        return await self._get(SSHKey, "sshkeys", name)

    async def register_ssh_key(self, name: str, public_key: str) -> Task:
        return await self._mutate("POST", self._path("sshkeys"), body={"name": name, "publicKey": public_key})

    async def delete_ssh_key(self, key_id: str) -> Task:
        return await self._mutate("DELETE", self._path("sshkeys", key_id))

    # networking around an instance
    async def list_public_ips(self, *, instance_id: str | None = None, vpc_id: str | None = None) -> list[PublicIp]:
        return await self._list(PublicIp, "publicipaddresses", instance_id=instance_id, vpc_id=vpc_id)

    async def get_public_ip(self, ip_id: str) -> PublicIp:
        return await self._get(PublicIp, "publicipaddresses", ip_id)

    async def list_port_forwarding_rules(self, *, instance_id: str | None = None) -> list[PortForwardingRule]:
        return await self._list(PortForwardingRule, "portforwardingrules", instance_id=instance_id)

    async def list_nics(self, *, instance_id: str | None = None, network_id: str | None = None) -> list[Nic]:
        return await self._list(Nic, "nics", instance_id=instance_id, network_id=network_id)

    async def get_nic(self, nic_id: str) -> Nic:
        return await self._get(Nic, "nics", nic_id)
