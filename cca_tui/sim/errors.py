"""The simulator's error vocabulary.

Every refusal the server makes is a `SimError`; the HTTP layer turns it into
`{"errors": [{"code", "message", "context"}]}` with the matching status. The codes
the real API documents (2012 for a state error) are kept; the rest are ours and
listed here so the client and the tests read them from one place.
"""

from __future__ import annotations

from typing import Any

INVALID_API_KEY = 1001
NOT_AUTHORISED = 1003
MALFORMED_BODY = 2000
INVALID_FIELD = 2001
MISSING_FIELD = 2002
DUPLICATE_NAME = 2003
ENTITY_NOT_FOUND = 2004
UNKNOWN_OPERATION = 2005
WRONG_STATE = 2012
TASK_IN_PROGRESS = 2013
PASSWORD_NOT_ENABLED = 2014
UNKNOWN_ENDPOINT = 4004
METHOD_NOT_ALLOWED = 4005
THROTTLED = 4029
INTERNAL_ERROR = 5000
SERVICE_UNAVAILABLE = 5003
TASK_FAILED = 5010


class SimError(Exception):
    """A refusal with an HTTP status and one API error entry."""

    def __init__(self, status: int, code: int, message: str, context: dict[str, Any] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.context = context or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.context)


def error_body(code: int, message: str, context: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"errors": [{"code": code, "message": message, "context": context or {}}]}


def not_found(entity_type: str, entity_id: str) -> SimError:
    return SimError(
        404,
        ENTITY_NOT_FOUND,
        f"No {entity_type} with id '{entity_id}' in this environment.",
        {"id": entity_id, "type": entity_type},
    )


def missing_field(field: str) -> SimError:
    return SimError(400, MISSING_FIELD, f"The field '{field}' is required.", {"field": field})


def invalid_field(field: str, reason: str) -> SimError:
    return SimError(400, INVALID_FIELD, f"The field '{field}' is invalid: {reason}.", {"field": field})


def wrong_state(entity_id: str, current: str, expected: list[str], entity_type: str = "instances") -> SimError:
    return SimError(
        400,
        WRONG_STATE,
        f"The {entity_type[:-1]} is {current}; this operation needs it to be {' or '.join(expected)}.",
        {"id": entity_id, "currentState": current, "expectedStates": expected, "type": entity_type},
    )
