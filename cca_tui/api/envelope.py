"""Reading cloud.ca replies: the success envelope, the error envelope and both task shapes."""

from __future__ import annotations

import json
from typing import Any

import httpx
from pydantic_core import from_json

from cca_tui.api.errors import (
    ApiError,
    AuthError,
    ErrorDetail,
    NotFoundError,
    ProtocolError,
)
from cca_tui.api.models import Task


def decode_reply(response: httpx.Response, *, method: str, path: str) -> dict[str, Any] | None:
    """Return the JSON object of a reply, or raise the error it describes.

    204 and empty 2xx bodies give None.
    """
    status = response.status_code
    body = response.content
    if not body.strip():
        if 200 <= status < 300:
            return None
        raise _error_for(status, [], method=method, path=path)
    try:
        payload = decode_json(body)
    except ValueError:
        if 200 <= status < 300:
            raise ProtocolError("reply is not JSON", status=status, method=method, path=path) from None
        # A proxy's HTML error page, say: still an error of that status.
        raise _error_for(status, [], method=method, path=path) from None
    if not isinstance(payload, dict):
        raise ProtocolError("reply is not a JSON object", status=status, method=method, path=path)
    if not 200 <= status < 300 or ("errors" in payload and payload.get("errors")):
        raise _error_for(status, parse_errors(payload.get("errors")), method=method, path=path)
    return payload


def decode_json(body: bytes) -> Any:
    """`body` decoded as `json.loads` decodes it, at two thirds of its cost, with the strings
    that repeat across rows (zone, template, offering and network names and ids, state, and
    every key) made one object each: 0.9 KiB less an instance kept.

    pydantic_core's decoder (jiter, in Rust) shares short strings (64 bytes at most) through a
    fixed cache. It refuses some documents that `json.loads` reads: UTF-16 or UTF-32 text, a
    UTF-8 BOM, lone surrogates (an escaped one or raw bytes), nesting deeper than ~200. Those
    are read again by `json.loads`, so what is refused, and how, stays `json.loads`'s
    (RecursionError included). None of the documents `json.loads` refuses does it accept.
    """
    try:
        return from_json(body, cache_strings=True)
    except ValueError:
        return json.loads(body)


def parse_errors(raw: Any) -> list[ErrorDetail]:
    """Read an `errors` array; the reference says `code`, the Go client `errorCode`."""
    if not isinstance(raw, list):
        return []
    details = []
    for entry in raw:
        if not isinstance(entry, dict):
            continue
        code = entry.get("code")
        if code is None or isinstance(code, bool):  # `code: null` beside an `errorCode`
            code = entry.get("errorCode")
        if not isinstance(code, int | str) or isinstance(code, bool):
            code = None  # a code we cannot show as a number or a word
        context = entry.get("context")
        details.append(
            ErrorDetail(
                code=code,
                message=str(entry.get("message") or "no message"),
                context=context if isinstance(context, dict) else {},
            )
        )
    return details


def _error_for(status: int, errors: list[ErrorDetail], *, method: str, path: str) -> ApiError:
    if status in (401, 403):
        kind: type[ApiError] = AuthError
    elif status == 404:
        kind = NotFoundError
    else:
        # A 2xx carrying `errors` is still an error; report it as a 400-class answer of its status.
        kind = ApiError
    return kind(status, errors, method=method, path=path)


def data_of(payload: dict[str, Any] | None, *, status: int, method: str, path: str) -> Any:
    if payload is None or "data" not in payload:
        raise ProtocolError("reply has no 'data' field", status=status, method=method, path=path)
    return payload["data"]


TASK_STATUSES = frozenset({"PENDING", "SUCCESS", "FAILED"})
MUTATING_METHODS = frozenset({"POST", "PUT", "DELETE", "PATCH"})


def parse_task(payload: dict[str, Any] | None, *, status: int, method: str, path: str) -> Task:
    """Read a task from either documented shape.

    Reference: `{"taskId", "taskStatus", "result"}` at top level.
    Go client: `{"data": {"id", "status", "created", "result"}}`.
    A mutation may also answer `{"taskStatus": "SUCCESS", "data": <entity>}` with no task id.
    The reference lists 204 as a success: a mutation answered 204 (no body) or with `data`
    (an object) and no task is done, a SUCCESS with no id whose result is that data (None
    for 204).
    A GET (reading a task) gets no such leniency: an empty or task-less reply is an error.
    """
    mutation = method.upper() in MUTATING_METHODS
    if payload is None:
        if mutation and 200 <= status < 300:
            return Task(id="", status="SUCCESS", result=None)
        raise ProtocolError("empty reply where a task was expected", status=status, method=method, path=path)
    inner = payload.get("data")
    if isinstance(inner, dict) and "id" in inner and str(inner.get("status", "")).upper() in TASK_STATUSES:
        return Task(
            id=str(inner["id"]),
            status=str(inner["status"]).upper(),
            created=inner.get("created"),
            result=inner.get("result"),
        )
    if "taskStatus" in payload:
        task_id = payload.get("taskId")
        result = payload.get("result", inner if inner not in ({}, None, "") else None)
        return Task(
            id=str(task_id) if task_id else "",
            status=str(payload["taskStatus"]).upper(),
            created=payload.get("created"),
            result=result,
        )
    if mutation and "data" in payload and (inner is None or isinstance(inner, dict)):
        # The entity the mutation made or changed (a list here would be no known reply).
        return Task(id="", status="SUCCESS", result=inner or None)
    raise ProtocolError("reply is not a task", status=status, method=method, path=path)
