"""Who a row is: an instance id is only unique within its environment.

Two environments may each have a `web-1`, even with the same id. Everything done for one row
(the view, the selection, busy marks, tasks, the journal, the detail pane, actions and
notifications) takes a `RowKey`: the environment and the id together. The instances the
loaders hand to a view are `LocatedInstance`s: the instance as the server sent it, plus the
environment it was listed in, so a row can always say where it lives.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pydantic import ValidationInfo, model_validator

from cca_tui.api.models import Instance


@dataclass(frozen=True, order=True)
class EnvironmentRef:
    """One environment: its service connection's code and its name (both any text)."""

    service_code: str
    name: str

    def __str__(self) -> str:
        return f"{self.service_code}/{self.name}"


@dataclass(frozen=True, order=True)
class RowKey:
    """One instance of the fleet: (environment, instance id)."""

    environment: EnvironmentRef
    id: str

    def __str__(self) -> str:
        return f"{self.environment}:{self.id}"


class LocatedInstance(Instance):
    """An instance as listed by one environment (the environment is ours, never the server's).

    Parse a row with `LocatedInstance.model_validate(row, context={"environment": ref})`: the
    environment is added while the row is validated, not by a copy afterwards.
    """

    environment: EnvironmentRef

    @model_validator(mode="before")
    @classmethod
    def _placed(cls, data: Any, info: ValidationInfo) -> Any:
        context = info.context
        if isinstance(data, dict) and isinstance(context, dict) and "environment" in context:
            return {**data, "environment": context["environment"]}
        return data

    @cached_property
    def key(self) -> RowKey:
        return RowKey(self.environment, self.id)


def located(instance: Instance, environment: EnvironmentRef) -> LocatedInstance:
    """An instance the server returned on its own (a retrieve), placed in its environment."""
    if isinstance(instance, LocatedInstance) and instance.environment == environment:
        return instance
    return LocatedInstance(**dict(instance), environment=environment)


def environment_of(instance: Instance) -> EnvironmentRef | None:
    return instance.environment if isinstance(instance, LocatedInstance) else None
