"""Transport-level rules: the key, unknown paths and verbs, bodies, and error shape."""

from __future__ import annotations

from typing import Never

import httpx
import pytest

from cca_tui.sim import errors
from cca_tui.sim.server import SimServer
from tests.conftest import SimFactory
from tests.sim.simhelp import PROD, Api, the_error


def test_missing_or_wrong_key_is_403_as_the_reference_lists(sim: SimServer) -> None:
    for headers in ({}, {"MC-Api-Key": "wrong"}):
        reply = httpx.get(f"{sim.url}/environments", headers=headers)
        the_error(reply, 403, errors.INVALID_API_KEY)


def test_rejected_key_status_can_be_401(sim_factory: SimFactory) -> None:
    from cca_tui.sim.options import SimOptions

    server = sim_factory(SimOptions(task_delay=0, rejected_key_status=401))
    for headers in ({}, {"MC-Api-Key": "wrong"}):
        the_error(httpx.get(f"{server.url}/environments", headers=headers), 401, errors.INVALID_API_KEY)


def test_unknown_path_is_404(api: Api) -> None:
    the_error(api.get("/nothing/here"), 404, errors.UNKNOWN_ENDPOINT)
    the_error(api.get(f"{PROD}/spaceships"), 404, errors.UNKNOWN_ENDPOINT)


def test_wrong_verb_is_405(api: Api) -> None:
    the_error(api.delete("/environments"), 405, errors.METHOD_NOT_ALLOWED)
    the_error(api.post(f"{PROD}/templates", {}), 405, errors.METHOD_NOT_ALLOWED)
    template_id = api.data(f"{PROD}/templates")[0]["id"]
    the_error(api.put(f"{PROD}/templates/{template_id}", {}), 405, errors.METHOD_NOT_ALLOWED)


def test_unknown_environment_is_404(api: Api) -> None:
    error = the_error(api.get("/services/compute-on/nowhere/instances"), 404, errors.ENTITY_NOT_FOUND)
    assert error["context"]["type"] == "environments"
    # The environment exists, but under the other service code.
    the_error(api.get("/services/compute-qc/production/instances"), 404, errors.ENTITY_NOT_FOUND)


def test_unknown_ids_are_404_with_context(api: Api) -> None:
    error = the_error(api.get(f"{PROD}/instances/no-such-id"), 404, errors.ENTITY_NOT_FOUND)
    assert error["context"] == {"id": "no-such-id", "type": "instances"}
    the_error(api.get("/environments/no-such-id"), 404, errors.ENTITY_NOT_FOUND)
    the_error(api.get("/services/connections/no-such-id"), 404, errors.ENTITY_NOT_FOUND)
    the_error(api.get("/tasks/no-such-id"), 404, errors.ENTITY_NOT_FOUND)
    the_error(api.operate("no-such-id", "stop"), 404, errors.ENTITY_NOT_FOUND)


def test_malformed_bodies_are_400(api: Api) -> None:
    instance_id = api.instance("web-1")["id"]
    url = f"{PROD}/instances/{instance_id}"
    bad_json = api.http.post(url, params={"operation": "stop"}, content=b"{not json")
    the_error(bad_json, 400, errors.MALFORMED_BODY)
    not_object = api.http.post(f"{PROD}/instances", json=["a", "list"])
    the_error(not_object, 400, errors.MALFORMED_BODY)


def test_unexpected_exception_is_500_without_traceback(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from cca_tui.sim import views

    def explode(env: object, record: object) -> Never:
        raise RuntimeError("secret internals")

    monkeypatch.setitem(views.LIST_VIEWS, "zones", explode)
    reply = api.get(f"{PROD}/zones")
    error = the_error(reply, 500, errors.INTERNAL_ERROR)
    assert "secret" not in reply.text and "Traceback" not in reply.text
    assert error["message"]


def test_environments_and_connections(api: Api, sim: SimServer) -> None:
    envs = api.data("/environments")
    assert [(e["serviceConnection"]["serviceCode"], e["name"]) for e in envs] == [
        ("compute-on", "production"),
        ("compute-on", "test_area"),
        ("compute-qc", "dev"),
        ("compute-qc", "dr-site"),
    ]
    for env in envs:
        assert set(env) == {
            "id",
            "name",
            "description",
            "membership",
            "creationDate",
            "organization",
            "serviceConnection",
            "roles",
        }
        assert set(env["organization"]) == {"id", "name", "entryPoint"}
        assert set(env["serviceConnection"]) == {"id", "name", "serviceCode"}
        for role in env["roles"]:
            assert set(role) == {"id", "name", "isDefault", "users"}
            assert all(set(user) == {"id", "name"} for user in role["users"])
        assert sum(role["isDefault"] for role in env["roles"]) == 1
        detail = api.data(f"/environments/{env['id']}")
        assert {k: v for k, v in detail.items() if k != "users"} == env
        members = {u["id"]: u["name"] for role in env["roles"] for u in role["users"]}
        assert {u["id"]: u["userName"] for u in detail["users"]} == members
    connections = api.data("/services/connections")
    assert {c["serviceCode"]: c["name"] for c in connections} == {
        "compute-on": "cloud.ca ON",
        "compute-qc": "cloud.ca QC",
    }
    assert all(c["status"]["reachable"] for c in connections)
    sim.world.set_connection_reachable("compute-qc", False)
    qc = next(c for c in connections if c["serviceCode"] == "compute-qc")
    assert api.data(f"/services/connections/{qc['id']}")["status"]["reachable"] is False


def test_zones_per_connection(api: Api) -> None:
    assert [z["name"] for z in api.data(f"{PROD}/zones")] == ["ON-1"]
    assert [z["name"] for z in api.data("/services/compute-qc/dev/zones")] == ["QC-1", "QC-2"]


def test_server_binds_a_free_port_and_stops() -> None:
    from cca_tui.sim.options import DEMO_API_KEY, SimOptions
    from cca_tui.sim.server import SimServer

    with SimServer(SimOptions(task_delay=0)) as server:
        assert server.port > 0 and server.url == f"http://127.0.0.1:{server.port}/v1"
        assert server.api_key == DEMO_API_KEY
        assert httpx.get(f"{server.url}/environments", headers={"MC-Api-Key": DEMO_API_KEY}).status_code == 200
    try:
        httpx.get(f"{server.url}/environments", headers={"MC-Api-Key": DEMO_API_KEY}, timeout=1)
        raise AssertionError("the server still answers after stop()")
    except httpx.TransportError:
        pass


def test_custom_api_key(sim_factory: SimFactory) -> None:
    from cca_tui.sim.options import SimOptions

    server = sim_factory(SimOptions(task_delay=0, api_key="s3cret"))
    assert server.api_key == "s3cret"
    assert httpx.get(f"{server.url}/environments", headers={"MC-Api-Key": "s3cret"}).status_code == 200
    the_error(
        httpx.get(f"{server.url}/environments", headers={"MC-Api-Key": "demo-0000-cca-tui-key"}),
        403,
        errors.INVALID_API_KEY,
    )
