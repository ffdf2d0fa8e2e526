"""Arbitrary JSON to every model of cca_tui/api/models.py: a model or a ValidationError.

Whatever a server sends, parsing one row either gives a value or raises
pydantic.ValidationError (which the client turns into "row could not be read");
never a TypeError, an AttributeError or anything else that would escape as a crash.
"""

from __future__ import annotations

import inspect
import json
import types
from typing import Any, Literal, Union, get_args, get_origin

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import AliasChoices, BaseModel, ValidationError

from cca_tui.api import models
from cca_tui.api.models import ApiModel

MODELS = sorted(
    (
        obj
        for obj in vars(models).values()
        if inspect.isclass(obj) and issubclass(obj, ApiModel) and obj is not ApiModel
    ),
    key=lambda model: model.__name__,
)

# What json.loads can produce, NaN and Infinity included (Python's json accepts them).
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["", "0", "1", "true", "false", "null", "2026-11-29T03:00:00Z", "Running", "PENDING", "-1"])
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
# For the values of known keys, of which an object has many: small, so each example stays cheap.
SMALL_JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=2) | st.dictionaries(st.text(max_size=6), children, max_size=2),
    max_leaves=3,
)

# Tuned so the whole tests/property folder stays well under 20 s on a busy 2-core machine.
PROPERTY_SETTINGS = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def field_keys(model: type[BaseModel]) -> list[str]:
    """Every key a server may use for the model's fields: aliases, alias choices, names."""
    keys: set[str] = set()
    for name, info in model.model_fields.items():
        keys.add(name)
        if info.alias:
            keys.add(info.alias)
        alias = info.validation_alias
        if isinstance(alias, str):
            keys.add(alias)
        elif isinstance(alias, AliasChoices):
            keys.update(choice for choice in alias.choices if isinstance(choice, str))
    return sorted(keys)


def typed(annotation: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values of roughly the field's type (so whole rows can parse), else arbitrary JSON."""
    origin, args = get_origin(annotation), get_args(annotation)
    if annotation is type(None):
        return st.none()
    if annotation is str:
        return st.text(max_size=12)
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        return st.integers()
    if annotation is float:
        return st.floats() | st.integers()
    if origin in (Union, types.UnionType):
        return st.one_of(*(typed(arg, depth) for arg in args))
    if origin is Literal:
        return st.sampled_from(args)
    if origin is list and args:
        return st.lists(typed(args[0], depth), max_size=2)
    if origin is dict and len(args) == 2:
        return st.dictionaries(st.text(max_size=6), typed(args[1], depth), max_size=2)
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return st.none() if depth > 2 else shaped(annotation, depth + 1)
    return SMALL_JSON


def shaped(model: type[BaseModel], depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """Objects using the model's own keys, with values of about the right type or arbitrary.

    Required fields are present, so many rows parse and every field validator is reached
    with both plausible and hostile values.
    """
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        value = typed(info.annotation, depth) | SMALL_JSON
        (required if info.is_required() else optional)[key] = value
    return st.fixed_dictionaries(required, optional=optional)


def parses_or_validation_error(model: type[BaseModel], data: Any) -> None:
    try:
        value = model.model_validate(data)
    except ValidationError as error:
        # Building the message must not fail either: it is shown to the operator.
        str(error)
        error.errors()
        return
    assert isinstance(value, model)
    repr(value)


SHAPED = {
    model: shaped(model) | st.dictionaries(st.sampled_from(field_keys(model)) | st.text(max_size=8), SMALL_JSON)
    for model in MODELS
}


def test_every_model_is_covered() -> None:
    assert len(MODELS) >= 20 and {m.__name__ for m in MODELS} >= {"Instance", "Task", "Environment", "Template"}


@PROPERTY_SETTINGS
@given(model=st.sampled_from(MODELS), data=JSON)
def test_arbitrary_json(model: type[ApiModel], data: object) -> None:
    parses_or_validation_error(model, data)


@PROPERTY_SETTINGS
@given(pair=st.sampled_from(MODELS).flatmap(lambda model: st.tuples(st.just(model), SHAPED[model])))
def test_objects_with_the_models_own_keys(pair: tuple[type[ApiModel], object]) -> None:
    """Objects with the model's keys, plausible or hostile values, and extra keys."""
    model, data = pair
    parses_or_validation_error(model, data)


@settings(PROPERTY_SETTINGS, max_examples=60)
@given(model=st.sampled_from(MODELS), text=st.text(max_size=120))
def test_arbitrary_json_text(model: type[ApiModel], text: str) -> None:
    """What the client does with a body: json.loads (may fail with ValueError), then validate."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return
    parses_or_validation_error(model, data)
