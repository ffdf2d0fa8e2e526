"""Reading cloud.ca replies: the success envelope, the error envelope and both task shapes."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
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
    return _checked(payload, status, method=method, path=path)


async def decode_reply_in_slices(status: int, body: bytes, *, method: str, path: str) -> dict[str, Any] | None:
    """`decode_reply` for a reply that may be large: a successful one over SLICE_BYTES is
    decoded a piece at a time (`decode_json_in_slices`), giving the event loop back between
    pieces. The same answers and the same errors as `decode_reply`."""
    if len(body) <= SLICE_BYTES or not 200 <= status < 300:
        return decode_reply(httpx.Response(status, content=body), method=method, path=path)
    try:
        payload = await decode_json_in_slices(body)
    except ValueError:
        raise ProtocolError("reply is not JSON", status=status, method=method, path=path) from None
    return _checked(payload, status, method=method, path=path)


def _checked(payload: Any, status: int, *, method: str, path: str) -> dict[str, Any]:
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


# Bytes of a reply decoded in one call at most (page cap 500, 330 KB: 1.4 ms on a quiet 2-core
# machine, ~3.5 ms in the loaded app; 1 MiB ~9 ms quiet). A server that ignores the page size may send 20,000 rows at once:
# 13 MB, 140-190 ms in one call, during which nothing else runs (a worker thread would not
# help: the decoder holds the GIL throughout).
SLICE_BYTES = 512 * 1024
_WS = rb"[ \t\n\r]*"  # JSON's whitespace (bytes regex `\s` would take more)
# How every list reply starts: an object whose first member is the `data` array.
_DATA_ARRAY_START = re.compile(_WS + rb"\{" + _WS + rb'"data"' + _WS + rb":" + _WS + rb"\[")
# Where one row of the array may end and the next begin (it may also be inside a string:
# each piece is checked by decoding it, below).
_ROW_BOUNDARY = re.compile(rb"\}" + _WS + rb"," + _WS + rb"\{")
SEAM_TRIES = 8  # seams tried for one piece before decoding the body whole


async def decode_json_in_slices(body: bytes, piece: int = SLICE_BYTES) -> Any:
    """`decode_json(body)`, decoded `piece` bytes of rows at a time when `body` is a list reply
    (`{"data": [rows...], ...}`) larger than that, yielding to the event loop between pieces.

    Why the pieces decode to what the whole does. JSON's grammar has no lookahead: after
    `{"data":[` the decoder is inside an array, expecting a value, exactly as after a lone
    `[`. A piece of the rows that decodes on its own as `[` + piece + `]` is therefore a
    complete run of values whose end the whole decoder reaches in the same state (inside the
    array, after a value): the next piece starts after its comma. A cut inside a string or a
    nested value leaves that piece unterminated, so it fails: the piece is extended to the
    next seam, a few times (rows whose strings look like seams), and then the whole body is
    decoded in one call as before (a hostile body may cost that stall; it is never misread).
    The last piece, the rest of the array and whatever members follow it, is decoded after
    `{"<random>":[` (a key the server cannot know): a later `data` member replaces the rows,
    as `json.loads` keeps the last of repeated keys.
    """
    start = _DATA_ARRAY_START.match(body)
    if len(body) <= piece or start is None:
        return decode_json(body)
    rows: list[Any] = []
    at = start.end()
    try:
        while (seam := _ROW_BOUNDARY.search(body, at + piece)) is not None:
            for _ in range(SEAM_TRIES):
                try:
                    rows.extend(from_json(b"[" + body[at : seam.start() + 1] + b"]", cache_strings=True))
                    break
                except ValueError:  # a cut inside a string, say: try the next seam
                    seam = _ROW_BOUNDARY.search(body, seam.end() - 1)
                    if seam is None:
                        break
            else:
                return decode_json(body)
            if seam is None:
                break
            at = seam.end() - 1  # the next row's `{`
            await asyncio.sleep(0)
        placeholder = secrets.token_hex(16)
        rest = from_json(b'{"' + placeholder.encode() + b'":[' + body[at:], cache_strings=True)
    except ValueError:  # a body from_json refuses (see decode_json): read it whole
        return decode_json(body)
    rows.extend(rest.pop(placeholder))
    decoded: dict[str, Any] = {"data": rows}
    decoded.update(rest)  # members after the array, a repeated `data` included
    return decoded


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
