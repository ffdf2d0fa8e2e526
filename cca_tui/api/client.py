"""The async cloud.ca client: administration endpoints, tasks, and one environment's compute.

async with CloudCAClient(url, key) as api:
    envs = await api.list_environments()
    compute = api.compute("compute-on", "test_area")
    task = await compute.stop_instance(instance_id)
    await api.wait_for_task(task)
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import AsyncGenerator, Callable, Iterable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from cca_tui.api.envelope import parse_task
from cca_tui.api.errors import (
    CloudCAError,
    InvalidId,
    NotFoundError,
    OutcomeUnknown,
    ProtocolError,
    TaskExpired,
    TaskFailed,
    TaskTimeout,
)
from cca_tui.api.field_caps import FieldTooLong, cap_fields
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
from cca_tui.api.page_reuse import PageReader
from cca_tui.api.transport import DEFAULT_DEADLINE, DEFAULT_PAGE_CONCURRENCY, HttpTransport, RawPage, Sleep

M = TypeVar("M", bound=BaseModel)

LABEL_LIMIT = 200  # characters of a bad row's id or name kept in BadRow.label
REASON_LIMIT = 200  # characters of a parse error's reason
# The longest a list's parsing holds the event loop before giving it back (seconds).
PARSE_SLICE = 0.008
DEFAULT_MAX_TASK_BACKOFF = 30.0


def is_path_segment(value: str) -> bool:
    """Whether `value`, quoted, addresses one entity: not empty, not `.` or `..` (which a
    URL resolves to the collection or its parent). Anything else is quoted into one segment
    (`/`, `?`, `#` become %2F, %3F, %23)."""
    return value not in ("", ".", "..")


def segment(value: str, what: str = "id") -> str:
    """`value` quoted as one path segment; InvalidId (nothing sent) when it cannot be one."""
    if not isinstance(value, str) or not is_path_segment(value):
        raise InvalidId(str(value), what)
    return quote(value, safe="")


def _parse(model: type[M], raw: Any, path: str) -> M:
    try:
        return model.model_validate(cap_fields(raw))
    except FieldTooLong as exc:
        raise ProtocolError(
            f"unexpected {model.__name__} in reply: {exc}", status=200, method="GET", path=path
        ) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "reply"
        raise ProtocolError(
            f"unexpected {model.__name__} in reply: {where}: {first['msg']}",
            status=200,
            method="GET",
            path=path,
        ) from None


@dataclass(frozen=True)
class BadRow:
    """A row of a list reply that could not be read as its model.

    `field` (the API's name, e.g. "cpuCount", or "row" when the row is not an object) and
    `reason` (pydantic's wording) are our text. `label` is the row's id or name as the
    server sent it, cut to 200 characters: untrusted, show it escaped, never as markup.
    `page` is the page it came on and `index` its position among that page's new rows.
    """

    page: int
    index: int
    label: str | None
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


class Listing(list[M], Generic[M]):
    """What every list method returns: a list of the rows that parsed (iterate, index and
    len() it as before), plus `bad_rows` (the rows that did not, with why) and `total` (the
    server's recordCount, None if it sent none)."""

    bad_rows: list[BadRow]
    total: int | None

    def __init__(self, items: Iterable[M] = (), bad_rows: Iterable[BadRow] = (), total: int | None = None) -> None:
        super().__init__(items)
        self.bad_rows = list(bad_rows)
        self.total = total


@dataclass(frozen=True)
class Page(Generic[M]):
    """One page of a list as it arrives: the rows that parsed, those that did not, and the
    server's total (first page's recordCount). Pages after the first may come out of order."""

    number: int
    items: list[M]
    bad_rows: list[BadRow] = field(default_factory=list)
    total: int | None = None


@dataclass(frozen=True)
class TaskUnreadable:
    """follow_task's signal that reading the task failed: its outcome is still unknown and
    it will be read again in `retry_in` seconds. `failures` counts consecutive failures;
    `error` is why (its text is scrubbed of the key; show it escaped)."""

    task_id: str
    error: CloudCAError
    failures: int
    retry_in: float

    def __str__(self) -> str:
        return f"task {self.task_id}: status unknown, still checking (retry in {self.retry_in:g} s): {self.error}"


async def parse_rows(model: type[M], raw: RawPage) -> Page[M]:
    """Parse a page row by row: one malformed row must not hide the others.

    In slices of at most PARSE_SLICE seconds, giving the event loop back between them: a
    server may ignore paging and send thousands of rows in one page (20,000 templates are
    a second of parsing), and the screen must keep answering keys meanwhile."""
    items: list[M] = []
    bad: list[BadRow] = []
    started = time.perf_counter()
    for index, row in enumerate(raw.rows):
        try:
            items.append(model.model_validate(cap_fields(row)))
        except ValidationError as exc:
            bad.append(_bad_row(raw.number, index, row, exc))
        except FieldTooLong as exc:
            bad.append(BadRow(raw.number, index, None, exc.field, str(exc)))
        except RecursionError:  # pragma: no cover - json.loads gives up first
            bad.append(BadRow(raw.number, index, None, "row", "nested too deeply"))
        if time.perf_counter() - started > PARSE_SLICE:
            await asyncio.sleep(0)
            started = time.perf_counter()
    return Page(raw.number, items, bad, raw.total)


def _bad_row(page: int, index: int, row: Any, exc: ValidationError) -> BadRow:
    first = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(p) for p in first["loc"]) or "row"
    reason = first["msg"] if exc.error_count() == 1 else f"{first['msg']} (and {exc.error_count() - 1} more)"
    label = None
    if isinstance(row, dict):
        raw_label = row.get("id") or row.get("name")
        if isinstance(raw_label, str | int):
            label = str(raw_label)[:LABEL_LIMIT]
    return BadRow(page, index, label, where[:LABEL_LIMIT], reason[:REASON_LIMIT])


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
        max_task_backoff: float = DEFAULT_MAX_TASK_BACKOFF,
        deadline: float = DEFAULT_DEADLINE,
        page_concurrency: int = DEFAULT_PAGE_CONCURRENCY,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        """`deadline`: seconds one request, or one whole list load, may take (a server that
        drips its reply ends there). `page_concurrency`: pages fetched at once after the
        first. `max_task_backoff`: the longest pause between reads of a task that could not
        be read."""
        self.base_url = base_url
        self.org_id = org_id
        self.task_poll_interval = task_poll_interval
        self.max_task_backoff = max_task_backoff
        self._sleep = sleep
        self.http = HttpTransport(
            base_url,
            api_key,
            timeout=timeout,
            verify=verify,
            max_retries=max_retries,
            backoff=backoff,
            page_size=page_size,
            deadline=deadline,
            page_concurrency=page_concurrency,
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

    async def list_environments(self) -> Listing[Environment]:
        return await self._listing(Environment, "environments", self._org_params())

    async def get_environment(self, environment_id: str) -> Environment:
        path = f"environments/{segment(environment_id)}"
        return _parse(Environment, await self.http.get_data(path), path)

    async def list_service_connections(self) -> Listing[ServiceConnection]:
        return await self._listing(ServiceConnection, "services/connections")

    # --- lists ----------------------------------------------------------------------

    async def iter_pages(
        self, model: type[M], path: str, params: dict[str, Any] | None = None
    ) -> AsyncGenerator[Page[M], None]:
        """The pages of any list, parsed row by row, as they arrive (see HttpTransport.iter_pages).

        Raises ListIncomplete (deadline, page or byte cap, repeated page) after the pages it
        could get; use `contextlib.aclosing` if you may stop early.
        """
        async with aclosing(self.http.iter_pages(path, params)) as pages:
            async for raw in pages:
                yield await parse_rows(model, raw)

    async def _listing(self, model: type[M], path: str, params: dict[str, Any] | None = None) -> Listing[M]:
        listing: Listing[M] = Listing()
        async with aclosing(self.iter_pages(model, path, params)) as pages:
            async for page in pages:
                listing.extend(page.items)
                listing.bad_rows.extend(page.bad_rows)
                listing.total = page.total
        return listing

    # --- tasks ----------------------------------------------------------------------

    async def get_task(self, task_id: str) -> Task:
        """Read a task; raise TaskExpired on 404 (expired, or never existed)."""
        path = f"tasks/{segment(task_id, 'task id')}"
        try:
            status, payload = await self.http.request("GET", path)
        except NotFoundError as exc:
            raise TaskExpired(task_id, exc.errors, method="GET", path=path) from None
        return parse_task(payload, status=status, method="GET", path=path)

    async def follow_task(
        self,
        task: Task | str,
        *,
        interval: float | None = None,
        max_backoff: float | None = None,
    ) -> AsyncGenerator[Task | TaskUnreadable, None]:
        """Yield each observed state of a task until it ends (SUCCESS or FAILED: the last
        item yielded; a FAILED task is yielded, not raised).

        A failure to *read* the task (transport error, 5xx, 429, garbage) never fails it: a
        TaskUnreadable is yielded and reading resumes after a backoff (doubling from
        `interval`, capped at `max_backoff`). A status other than PENDING, SUCCESS and FAILED
        is yielded as it came and the task is followed on. Raises TaskExpired when the
        server no longer knows the task (404), OutcomeUnknown when there is no task id to
        follow. Stop by cancelling or by closing the iterator: the server's task goes on.
        """
        interval = self.task_poll_interval if interval is None else interval
        max_backoff = self.max_task_backoff if max_backoff is None else max_backoff
        if isinstance(task, Task):
            if task.done:
                yield task
                return
            task_id = task.id
        else:
            task_id = task
        if not task_id:
            raise OutcomeUnknown("the server accepted the request but gave no task id to follow")
        failures = 0
        while True:
            try:
                current = await self.get_task(task_id)
            except TaskExpired:
                raise
            except CloudCAError as exc:
                failures += 1
                delay = min(max_backoff, max(interval, 0.05) * 2 ** (failures - 1))
                yield TaskUnreadable(task_id, exc, failures, delay)
                await self._sleep(delay)
                continue
            failures = 0
            yield current
            if current.done:
                return
            await self._sleep(interval)

    async def wait_for_task(
        self,
        task: Task | str,
        *,
        timeout: float = 600.0,
        interval: float | None = None,
        on_poll: Callable[[Task], None] | None = None,
        on_unreadable: Callable[[TaskUnreadable], None] | None = None,
    ) -> Task:
        """Follow a task until it ends; return it on SUCCESS, raise TaskFailed or TaskTimeout.

        Built on follow_task: failures to read the task are retried with backoff (reported to
        `on_unreadable`), an unknown status counts as not done, a 404 raises TaskExpired.
        Cancel the awaiting coroutine to stop following it (the server's task goes on).
        """
        task_id = task.id if isinstance(task, Task) else task
        last: Task | None = task if isinstance(task, Task) else None
        unreadable = False
        try:
            async with asyncio.timeout(timeout):
                async with aclosing(self.follow_task(task, interval=interval)) as updates:
                    async for update in updates:
                        if isinstance(update, TaskUnreadable):
                            unreadable = True
                            if on_unreadable is not None:
                                on_unreadable(update)
                            continue
                        unreadable = False
                        last = update
                        if on_poll is not None and update is not task:
                            on_poll(update)
        except TimeoutError:
            raise TaskTimeout(task_id, timeout, status=last.status if last else None, unreadable=unreadable) from None
        assert last is not None and last.done  # follow_task ends only on an ended task
        if last.failed:
            message = self.http.scrub(task_failure_message(last.result))
            raise TaskFailed(last.id, message, last.result)
        return last

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


@dataclass(frozen=True)
class SentRequest:
    """A mutation as it was sent (for the action history; the caller strips secrets)."""

    method: str
    path: str
    operation: str | None
    body: Any


# Set by a caller that wants to know which mutations a call sent (the task tracker, for the
# history): each `_mutate` in the same asyncio task appends to the list.
sent_requests: contextvars.ContextVar[list[SentRequest] | None] = contextvars.ContextVar("sent_requests", default=None)


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
        # `is not None`: an empty id must not fall back to the collection's URL.
        return f"{path}/{segment(entity_id)}" if entity_id is not None else path

    async def _list(self, model: type[M], entity: str, **filters: Any) -> Listing[M]:
        return await self.client._listing(model, self._path(entity), self.client._org_params(filters))

    def iter_pages(self, model: type[M], entity: str, **filters: Any) -> AsyncGenerator[Page[M], None]:
        """The pages of one entity's list as they arrive (see CloudCAClient.iter_pages)."""
        return self.client.iter_pages(model, self._path(entity), self.client._org_params(filters))

    def iter_raw_pages(
        self, entity: str, *, reader: PageReader | None = None, **filters: Any
    ) -> AsyncGenerator[RawPage, None]:
        """The pages of one entity's list as they arrive, rows unparsed: for a caller that
        parses them itself (the instance loader reuses the rows that did not change), through
        its `reader` when it has one (see page_reuse.py)."""
        return self.client.http.iter_pages(self._path(entity), self.client._org_params(filters), reader=reader)

    async def _get(self, model: type[M], entity: str, entity_id: str) -> M:
        path = self._path(entity, entity_id)
        data = await self.client.http.get_data(path, self.client._org_params())
        return _parse(model, data, path)

    async def _mutate(self, method: str, path: str, body: Any = None, operation: str | None = None) -> Task:
        """Send a mutation once; return its task.

        Raises NotSent / ServerBusy (both NotDone: the server did not do it) or OutcomeUnknown
        (it may have). A 2xx with no body, or with `data` and no task, is done: a SUCCESS
        task without id. A 2xx whose body is not a task is OutcomeUnknown.
        """
        params = self.client._org_params({"operation": operation})
        seen = sent_requests.get()
        if seen is not None:
            seen.append(SentRequest(method, path, operation, body))
        try:
            status, payload = await self.client.http.request(method, path, params=params, body=body)
        except ProtocolError as exc:
            if 200 <= exc.status < 300:  # accepted, but we cannot read what it became
                raise OutcomeUnknown(f"unreadable reply: {exc}", method=method, path=path) from None
            raise
        if payload is None:
            return Task(id="", status="SUCCESS")
        try:
            return parse_task(payload, status=status, method=method, path=path)
        except ProtocolError:
            if "data" in payload and "taskStatus" not in payload:
                return Task(id="", status="SUCCESS", result=payload["data"])
            raise OutcomeUnknown("the reply is not a task", method=method, path=path) from None

    # instances
    async def list_instances(self) -> Listing[Instance]:
        return await self._list(Instance, "instances")

    def iter_instance_pages(self) -> AsyncGenerator[Page[Instance], None]:
        """The instances page by page as they arrive: show page 1 while the rest load."""
        return self.iter_pages(Instance, "instances")

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
    async def list_templates(self) -> Listing[Template]:
        return await self._list(Template, "templates")

    async def list_compute_offerings(self) -> Listing[ComputeOffering]:
        return await self._list(ComputeOffering, "computeofferings")

    async def list_disk_offerings(self) -> Listing[DiskOffering]:
        return await self._list(DiskOffering, "diskofferings")

    async def list_networks(self, *, vpc_id: str | None = None, zone_id: str | None = None) -> Listing[Network]:
        return await self._list(Network, "networks", vpc_id=vpc_id, zone_id=zone_id)

    async def list_zones(self) -> Listing[Zone]:
        return await self._list(Zone, "zones")

    async def list_affinity_groups(self) -> Listing[AffinityGroup]:
        return await self._list(AffinityGroup, "affinitygroups")

    async def list_volumes(self, *, instance_id: str | None = None, type: str | None = None) -> Listing[Volume]:
        """`type` is OS or DATA; with `instance_id` the server sends only that instance's volumes."""
        return await self._list(Volume, "volumes", instance_id=instance_id, type=type)

    # SSH keys
    async def list_ssh_keys(self) -> Listing[SSHKey]:
        return await self._list(SSHKey, "sshkeys")

    async def get_ssh_key(self, name: str) -> SSHKey:
        return await self._get(SSHKey, "sshkeys", name)

    async def register_ssh_key(self, name: str, public_key: str) -> Task:
        return await self._mutate("POST", self._path("sshkeys"), body={"name": name, "publicKey": public_key})

    # networking around an instance
    async def list_public_ips(self, *, instance_id: str | None = None, vpc_id: str | None = None) -> Listing[PublicIp]:
        return await self._list(PublicIp, "publicipaddresses", instance_id=instance_id, vpc_id=vpc_id)

    async def list_port_forwarding_rules(self, *, instance_id: str | None = None) -> Listing[PortForwardingRule]:
        return await self._list(PortForwardingRule, "portforwardingrules", instance_id=instance_id)

    async def list_nics(self, *, instance_id: str | None = None, network_id: str | None = None) -> Listing[Nic]:
        return await self._list(Nic, "nics", instance_id=instance_id, network_id=network_id)
