"""Environments as the key sees them: each joined with its service connection (the picker's
rows, what `--env all` and globs match, the palette's entries)."""

from __future__ import annotations

from dataclasses import dataclass

from cca_tui.api.models import Environment, ServiceConnection


@dataclass(frozen=True)
class EnvironmentChoice:
    environment_id: str
    name: str
    description: str
    organization: str
    connection_name: str
    service_code: str
    reachable: bool | None

    @property
    def ref(self) -> str:
        """The `SERVICE_CODE/ENV_NAME` form used by --env and the remembered state."""
        return f"{self.service_code}/{self.name}"


def join_environments(environments: list[Environment], connections: list[ServiceConnection]) -> list[EnvironmentChoice]:
    """Attach each environment's service code and reachability.

    The code comes from the environment's embedded service connection when the server sends
    it (the real one does), else from the connection list by id.
    """
    by_id = {c.id: c for c in connections}
    choices = []
    for env in environments:
        ref = env.service_connection
        connection = by_id.get(ref.id) if ref else None
        code = (ref.service_code if ref else None) or (connection.service_code if connection else None)
        if not code:
            continue  # not a compute environment we can address
        choices.append(
            EnvironmentChoice(
                environment_id=env.id,
                name=env.name,
                description=env.description or "",
                organization=(env.organization.name or "") if env.organization else "",
                connection_name=(ref.name if ref and ref.name else None)
                or (connection.name if connection else "")
                or "",
                service_code=code,
                reachable=connection.status.reachable if connection and connection.status else None,
            )
        )
    choices.sort(key=lambda c: (c.service_code, c.name))
    return choices


@dataclass(frozen=True)
class EnvironmentList:
    """The environments the key can see, and how many rows of the server's list could not be read."""

    choices: list[EnvironmentChoice]
    unreadable: int = 0
