"""The cloud.ca API client. Knows nothing of Textual."""

from cca_tui.api.client import CloudCAClient, ComputeScope
from cca_tui.api.errors import (
    ApiError,
    AuthError,
    CloudCAError,
    ErrorDetail,
    NotFoundError,
    ProtocolError,
    TaskFailed,
    TaskTimeout,
    TransportError,
)

__all__ = [
    "ApiError",
    "AuthError",
    "CloudCAClient",
    "CloudCAError",
    "ComputeScope",
    "ErrorDetail",
    "NotFoundError",
    "ProtocolError",
    "TaskFailed",
    "TaskTimeout",
    "TransportError",
]
