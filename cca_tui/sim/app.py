"""The HTTP face of the world: routes, request bodies, and error replies.

Handlers are plain functions run under the world's session (lock held, due task
steps applied). Anything they raise becomes an `errors` body: a SimError with its
own status, anything else a 500 that never leaks a traceback.

Paths are read with runs of slashes collapsed (`/v1//environments` is `/v1/environments`),
as the real API evidently does: the official Go client sends the doubled slash.

Outside the API, `POST /_sim/churn` (same key header) changes a share of an environment's
instances at once: body `{"serviceCode", "environment", "share", "seed"}`, reply
`{"changed": N, "ids": [...]}`. Faults and latency never apply to `/_sim/` paths.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from . import instance_ops, listing, sshkey_ops
from .auth import ApiKeyGate
from .environment import Environment
from .errors import (
    INTERNAL_ERROR,
    INVALID_FIELD,
    MALFORMED_BODY,
    METHOD_NOT_ALLOWED,
    NOT_AUTHORISED,
    TASK_FAILED,
    UNKNOWN_ENDPOINT,
    SimError,
    error_body,
)
from .faults import FaultInjector
from .tasks import FAILED, Task
from .views import DETAIL_VIEWS, LIST_VIEWS, connection_view, environment_detail, environment_view
from .world import World

log = logging.getLogger(__name__)

Handler = Callable[[World, Request, dict[str, Any]], Any]

# Which verbs each compute entity answers beyond GET; the rest get a 405.
COLLECTION_POST = {"instances", "sshkeys"}
ITEM_VERBS = {"instances": {"GET", "PUT", "DELETE", "POST"}, "sshkeys": {"GET", "DELETE"}}


def build_app(world: World, is_offline: Callable[[], bool]) -> ASGIApp:
    def endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def respond(request: Request) -> Response:
            try:
                body = await _json_body(request)
                with world.session():
                    reply = handler(world, request, body)
                    if isinstance(reply, Response):
                        return reply
                    return JSONResponse(reply)
            except SimError as exc:
                return JSONResponse(exc.body(), status_code=exc.status)
            except Exception:
                log.exception("simulator bug while answering %s %s", request.method, request.url.path)
                return JSONResponse(error_body(INTERNAL_ERROR, "Unexpected server error."), status_code=500)

        return respond

    routes = [
        Route("/v1/environments", endpoint(list_environments), methods=["GET"]),
        Route("/v1/environments/{id}", endpoint(get_environment), methods=["GET"]),
        Route("/v1/services/connections", endpoint(list_connections), methods=["GET"]),
        Route("/v1/services/connections/{id}", endpoint(get_connection), methods=["GET"]),
        Route("/v1/tasks/{id}", endpoint(get_task), methods=["GET"]),
        Route("/v1/services/tasks/{id}", endpoint(get_task), methods=["GET"]),
        Route("/v1/services/{code}/{env}/{entity}", endpoint(collection), methods=["GET", "POST"]),
        Route("/v1/services/{code}/{env}/{entity}/{id}", endpoint(item), methods=["GET", "POST", "PUT", "DELETE"]),
        Route(f"{ADMIN_PREFIX}churn", endpoint(churn), methods=["POST"]),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
    gate = ApiKeyGate(app, world.options.api_key, world.options.rejected_key_status)
    return CollapseSlashes(FaultInjector(gate, world.options, is_offline))


ADMIN_PREFIX = "/_sim/"


class CollapseSlashes:
    """Read `/v1//environments` as `/v1/environments` (outermost, before anything looks at the path)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "//" in scope["path"]:
            scope = dict(scope)
            scope["path"] = re.sub(r"/{2,}", "/", scope["path"])
            raw = scope.get("raw_path")
            if isinstance(raw, bytes):
                scope["raw_path"] = re.sub(rb"/{2,}", b"/", raw)
        await self.app(scope, receive, send)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 (no route) and 405 (wrong verb), in the API's error shape."""
    assert isinstance(exc, HTTPException)
    code = METHOD_NOT_ALLOWED if exc.status_code == 405 else UNKNOWN_ENDPOINT
    message = f"{request.method} is not allowed here." if exc.status_code == 405 else f"No endpoint {request.url.path}."
    return JSONResponse(error_body(code, message, {"path": request.url.path}), exc.status_code, headers=exc.headers)


async def _json_body(request: Request) -> dict[str, Any]:
    if request.method not in ("POST", "PUT", "DELETE"):
        return {}
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise SimError(400, MALFORMED_BODY, "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise SimError(400, MALFORMED_BODY, "The request body must be a JSON object.")
    return body


def _listing(
    records: list[Any], request: Request, render: Callable[[Any], dict[str, Any]], world: World
) -> dict[str, Any]:
    rows = listing.page(records, request.query_params, world.options.page_cap)
    return {"data": [render(r) for r in rows], "metadata": {"recordCount": len(records)}}


def _task_reply(task: Task, world: World | None = None) -> Any:
    """A mutation's reply: the task, or (by SimOptions.taskless_reply, for the operations it
    names) the finished work itself, as 204 or as `{"data": result}`."""
    options = world.options if world is not None else None
    if options is None or options.taskless_reply is None or task.operation not in options.taskless_operations:
        return {"taskId": task.id, "taskStatus": task.status}
    assert world is not None
    world.finish_now(task)
    if task.status == FAILED:
        message = task.result.get("message", "The operation failed.") if isinstance(task.result, dict) else None
        raise SimError(500, TASK_FAILED, message or "The operation failed.", {"operation": task.operation})
    if options.taskless_reply == "204":
        return Response(status_code=204)
    return {"data": task.result}


# -- administration ------------------------------------------------------------------------


def list_environments(world: World, request: Request, body: dict[str, Any]) -> Any:
    return _listing(world.visible_environments(request.query_params.get("org_id")), request, environment_view, world)


def get_environment(world: World, request: Request, body: dict[str, Any]) -> Any:
    env = world.environment_by_id(request.path_params["id"], request.query_params.get("org_id"))
    return {"data": environment_detail(env)}


def list_connections(world: World, request: Request, body: dict[str, Any]) -> Any:
    return _listing(world.connections, request, connection_view, world)


def get_connection(world: World, request: Request, body: dict[str, Any]) -> Any:
    return {"data": connection_view(world.connection(request.path_params["id"]))}


def get_task(world: World, request: Request, body: dict[str, Any]) -> Any:
    return world.task(request.path_params["id"]).to_json()


# -- compute -------------------------------------------------------------------------------


def _compute_target(world: World, request: Request, verbs_allowed: bool) -> tuple[Environment, str]:
    entity = request.path_params["entity"]
    if entity not in LIST_VIEWS:
        raise SimError(404, UNKNOWN_ENDPOINT, f"No endpoint {request.url.path}.", {"path": request.url.path})
    if not verbs_allowed:
        raise SimError(
            405, METHOD_NOT_ALLOWED, f"{request.method} is not allowed on {entity}.", {"path": request.url.path}
        )
    code, name = request.path_params["code"], request.path_params["env"]
    if (code, name) in world.forbidden:
        raise SimError(
            403, NOT_AUTHORISED, f"Not authorised in environment {code}/{name}.", {"environment": f"{code}/{name}"}
        )
    return world.environment(code, name, request.query_params.get("org_id")), entity


def collection(world: World, request: Request, body: dict[str, Any]) -> Any:
    entity = request.path_params["entity"]
    env, entity = _compute_target(world, request, request.method == "GET" or entity in COLLECTION_POST)
    if request.method == "POST":
        if entity == "instances":
            return _task_reply(instance_ops.create(world, env, body), world)
        return _task_reply(sshkey_ops.register(world, env, body), world)
    render = LIST_VIEWS[entity]
    source = env.collection(entity)
    if not listing.has_filters(entity, request.query_params):
        rows = listing.page_of(source, request.query_params, world.options.page_cap)
        return {"data": [render(env, r) for r in rows], "metadata": {"recordCount": len(source)}}
    records = listing.filtered(env, entity, list(source.values()), request.query_params)
    return _listing(records, request, lambda r: render(env, r), world)


def item(world: World, request: Request, body: dict[str, Any]) -> Any:
    entity, method = request.path_params["entity"], request.method
    env, entity = _compute_target(world, request, method == "GET" or method in ITEM_VERBS.get(entity, set()))
    record = env.get(entity, request.path_params["id"])
    if method == "GET":
        return {"data": DETAIL_VIEWS[entity](env, record)}
    if entity == "sshkeys":
        return _task_reply(sshkey_ops.delete(world, env, record), world)
    if method == "DELETE":
        return _task_reply(instance_ops.destroy(world, env, record, body), world)
    operation = request.query_params.get("operation")
    if method == "PUT" or not operation:
        # Update: the reference's method line says POST, its example PUT; both are served.
        return _task_reply(instance_ops.update(world, env, record, body), world)
    return _task_reply(instance_ops.operate(world, env, record, operation, body), world)


# -- administration of the simulator itself (outside the API) --------------------------------


def churn(world: World, request: Request, body: dict[str, Any]) -> Any:
    """POST /_sim/churn {"serviceCode", "environment", "share", "seed"?}: see World.churn.
    Without serviceCode and environment, the same share of every environment changes."""
    code, name, share = body.get("serviceCode"), body.get("environment"), body.get("share")
    seed = body.get("seed", 0)
    everywhere = code is None and name is None
    if not everywhere and (not isinstance(code, str) or not isinstance(name, str)):
        raise SimError(400, INVALID_FIELD, "Give 'serviceCode' and 'environment'.", {"field": "environment"})
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
        raise SimError(400, INVALID_FIELD, "'share' must be a number from 0 to 1.", {"field": "share"})
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise SimError(400, INVALID_FIELD, "'seed' must be an integer.", {"field": "seed"})
    if everywhere:
        ids = [
            iid
            for env in world.environments
            for iid in world.churn(env.connection.service_code, env.name, float(share), seed=seed)
        ]
    else:
        ids = world.churn(str(code), str(name), float(share), seed=seed)
    return {"changed": len(ids), "ids": ids}
