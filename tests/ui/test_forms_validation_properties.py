"""Arbitrary text into every form validator: a clean value or FieldInvalid, never anything else.

And arbitrary text through printable(): nothing a terminal acts on survives.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from hypothesis import given, settings
from hypothesis import strategies as st

from cca_tui.ui.forms.create_request import CreateInstanceInput, build_create_request
from cca_tui.ui.forms.validation import (
    FieldInvalid,
    check_custom_size,
    check_name,
    check_public_key,
    parse_optional_whole_number,
    parse_ports,
    parse_whole_number,
)
from cca_tui.ui.safe_text import ELLIPSIS, printable

TEXT = st.text(max_size=300)
P = ParamSpec("P")
T = TypeVar("T")
# Raw controls, bidi marks, lone surrogates: what a terminal or a reader would act on.
_DANGEROUS = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def value_or_field_invalid(check: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
    """What the validator gives, or None where it refused with a FieldInvalid."""
    try:
        return check(*args, **kwargs)
    except FieldInvalid as exc:
        assert str(exc)  # a sentence for the operator, never empty
        return None


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_text_validators_give_a_value_or_a_field_error(text: str) -> None:
    name = value_or_field_invalid(check_name, text)
    if name is not None:
        assert isinstance(name, str) and name == text.strip() and name
    number = value_or_field_invalid(parse_whole_number, text, "Size")
    assert number is None or isinstance(number, int)
    optional = value_or_field_invalid(parse_optional_whole_number, text, "Size")
    assert optional is None or isinstance(optional, int)
    ports = value_or_field_invalid(parse_ports, text)
    assert ports is None or all(1 <= int(p) <= 65535 and str(int(p)) == p for p in ports)
    key = value_or_field_invalid(check_public_key, text)
    assert key is None or key == key.strip()


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.none(), st.integers()), st.one_of(st.none(), st.integers()), st.one_of(st.none(), st.integers()))
def test_custom_size_gives_nothing_or_a_field_error(cpu: int | None, memory: int | None, ratio: int | None) -> None:
    value_or_field_invalid(check_custom_size, cpu, memory, ratio)


@settings(max_examples=200, deadline=None)
@given(TEXT, TEXT, TEXT, TEXT, TEXT)
def test_create_request_from_any_text(name: str, root: str, ports: str, key: str, user_data: str) -> None:
    body, errors = build_create_request(
        CreateInstanceInput(name=name, root_volume_size_gb=root, ports=ports, public_key=key, user_data=user_data)
    )
    assert isinstance(body, dict) and isinstance(errors, dict)
    assert all(isinstance(message, str) and message for message in errors.values())
    assert not set(body) & set(errors)  # a field is sent or flagged, not both


# Hypothesis leaves lone surrogates out of text(): mix them (and the usual suspects) in.
ANY_TEXT = st.text(
    st.one_of(st.characters(), st.sampled_from(["\ud800", "\udfff", "\x1b", "\x9b", "\u202e", "\U000e0041"]))
)


@settings(max_examples=500, deadline=None)
@given(ANY_TEXT, st.one_of(st.none(), st.integers(min_value=0, max_value=200)), st.booleans())
def test_printable_leaves_nothing_a_terminal_acts_on(text: str, limit: int | None, keep_newlines: bool) -> None:
    shown = printable(text, limit=limit, keep_newlines=keep_newlines)
    rest = shown.replace("\n", "") if keep_newlines else shown
    assert _DANGEROUS.search(rest) is None
    shown.encode("utf-8")  # always encodable for the terminal
    if limit is not None:
        assert len(shown) <= limit
        if len(printable(text, keep_newlines=keep_newlines)) > limit > 0:
            assert shown.endswith(ELLIPSIS)
