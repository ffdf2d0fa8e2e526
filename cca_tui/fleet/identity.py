"""Who a row is: an instance id is only unique within its environment.

Two environments may each have a `web-1`, even with the same id. Everything done for one row
(the view, the selection, busy marks, tasks, the journal, the detail pane, actions and
notifications) takes a `RowKey`: the environment and the id together. The instances the
loaders hand to a view are `LocatedInstance`s: the instance as the server sent it, plus the
environment it was listed in, so a row can always say where it lives.
"""

from __future__ import annotations

from functools import lru_cache
from types import MappingProxyType
from typing import Any, ClassVar, Final, NamedTuple, overload

from pydantic import InstanceOf, ValidationInfo, model_validator

from cca_tui.api.models import Instance


# NamedTuples, not dataclasses: a row key is hashed at every lookup of every row (filter,
# sort, cursor), and a tuple's hash and comparison run in C.
class EnvironmentRef(NamedTuple):
    """One environment: its service connection's code and its name (both any text)."""

    service_code: str
    name: str

    def __str__(self) -> str:
        return f"{self.service_code}/{self.name}"


class RowKey(NamedTuple):
    """One instance of the fleet: (environment, instance id)."""

    environment: EnvironmentRef
    id: str

    def __str__(self) -> str:
        return f"{self.environment}:{self.id}"


# The validation context of a row that is already what the validator below would make of it:
# no null values, and the environment under "environment". The instance loader makes its rows
# so in the loop it runs over every value anyway, and the validator has nothing left to do
# (copying each row cost a fifth of parsing a list).
ROW_READY: Final = MappingProxyType({"row_ready": True})


class _RowKeyOf:
    """`instance.key`: made on first use and kept in the instance's `__dict__`, where every later
    read finds it before this (non-data) descriptor, as `functools.cached_property` does, without
    its lock (Python 3.11) and its frames: the loader asks it of every row it reads (~3 us a row
    in a 100,000-row load, now ~1)."""

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> _RowKeyOf: ...
    @overload
    def __get__(self, instance: LocatedInstance, owner: type[Any]) -> RowKey: ...
    def __get__(self, instance: LocatedInstance | None, owner: type[Any]) -> RowKey | _RowKeyOf:
        if instance is None:
            return self
        # tuple.__new__: RowKey(...) in one C call (a NamedTuple's own __new__ is Python).
        key = instance.__dict__["key"] = tuple.__new__(RowKey, (instance.environment, instance.id))
        return key


class LocatedInstance(Instance):
    """An instance as listed by one environment (the environment is ours, never the server's).

    Parse a row with `LocatedInstance.model_validate(row, context={"environment": ref})`: the
    environment is added while the row is validated, not by a copy afterwards.
    """

    # Checked as an instance, not validated field by field: one object shared by every row.
    environment: InstanceOf[EnvironmentRef]

    @model_validator(mode="before")
    @classmethod
    def _nulls_are_absent(cls, data: Any, info: ValidationInfo) -> Any:
        """ApiModel's own, plus the environment from the context: one copy of the row."""
        if not isinstance(data, dict) or info.context is ROW_READY:
            return data
        cleaned = {key: value for key, value in data.items() if value is not None}
        context = info.context
        if isinstance(context, dict) and "environment" in context:
            cleaned["environment"] = context["environment"]
        return cleaned

    key: ClassVar[_RowKeyOf] = _RowKeyOf()  # a RowKey, made once


def located(instance: Instance, environment: EnvironmentRef) -> LocatedInstance:
    """An instance the server returned on its own (a retrieve), placed in its environment."""
    if isinstance(instance, LocatedInstance) and instance.environment == environment:
        return instance
    return LocatedInstance(**dict(instance), environment=environment)


@lru_cache(maxsize=1024)
def environment_text(environment: EnvironmentRef | None) -> str:
    """How a row's environment reads ("code/name"), made once per environment, not per row."""
    return str(environment) if environment is not None else ""


def environment_of(instance: Instance) -> EnvironmentRef | None:
    return instance.environment if isinstance(instance, LocatedInstance) else None
