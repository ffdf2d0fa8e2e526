"""Arbitrary text to every form validator: a clean value or a FieldInvalid, never anything else.

The forms call these on every keystroke, with whatever was typed or pasted.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cca_tui.api.models import ComputeOffering, DiskOffering, Network, Template
from cca_tui.ui.forms.create_request import CreateInstanceInput, build_create_request
from cca_tui.ui.forms.fingerprint import md5_fingerprint, same_fingerprint
from cca_tui.ui.forms.validation import (
    PORT,
    FieldInvalid,
    check_custom_size,
    check_name,
    parse_int_in_range,
    parse_optional_int,
    parse_ports,
)

PROPERTY_SETTINGS = settings(
    max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

# Arbitrary text, and text made of what these parsers look at: digits (ASCII and not),
# signs, separators, whitespace of every kind, and huge numbers.
TYPED = st.text() | st.from_regex(r"[0-9\u0660-\u0669\uff10-\uff19 ,+_\-.\t\n\u00a0\u2028eE]{0,30}", fullmatch=True)
# Digit strings past Python's int-conversion limit (4300 digits) raise a plain ValueError in int().
HUGE = st.builds(lambda sign, n: sign + "7" * n, st.sampled_from(["", "-", "+", " "]), st.integers(4290, 4400))
TEXT = TYPED | st.integers().map(str) | HUGE
BOUNDS = st.integers(min_value=-(10**6), max_value=10**6)


@PROPERTY_SETTINGS
@given(text=TEXT, what=st.text(max_size=10))
def test_check_name(text: str, what: str) -> None:
    try:
        name = check_name(text, what)
    except FieldInvalid as error:
        assert str(error)
        return
    assert name and name == text.strip()


@PROPERTY_SETTINGS
@given(text=TEXT, low=BOUNDS, high=BOUNDS, what=st.text(max_size=10), unit=st.text(max_size=4))
def test_parse_int_in_range(text: str, low: int, high: int, what: str, unit: str) -> None:
    try:
        value = parse_int_in_range(text, low, high, what, unit)
    except FieldInvalid as error:
        assert str(error)
        return
    assert isinstance(value, int) and low <= value <= high


@PROPERTY_SETTINGS
@given(text=TEXT, low=BOUNDS, high=BOUNDS)
def test_parse_optional_int(text: str, low: int, high: int) -> None:
    try:
        value = parse_optional_int(text, low, high, "Size", "GB")
    except FieldInvalid:
        return
    if not text.strip():
        assert value is None
    else:
        assert value is not None and low <= value <= high


@PROPERTY_SETTINGS
@given(text=TEXT | st.lists(TYPED, max_size=5).map(",".join))
def test_parse_ports(text: str) -> None:
    try:
        ports = parse_ports(text)
    except FieldInvalid as error:
        assert str(error)
        return
    assert len(set(ports)) == len(ports)
    assert all(port.isdigit() and PORT[0] <= int(port) <= PORT[1] and str(int(port)) == port for port in ports)


@PROPERTY_SETTINGS
@given(
    cpu=st.none() | st.integers(min_value=-4, max_value=1024),
    memory=st.none() | st.integers(min_value=-4, max_value=10**7),
    ratio=st.none() | st.integers(min_value=0, max_value=10**5),
)
def test_check_custom_size(cpu: int | None, memory: int | None, ratio: int | None) -> None:
    try:
        check_custom_size(cpu, memory, ratio)
    except FieldInvalid as error:
        assert str(error)


@PROPERTY_SETTINGS
@given(text=TEXT | st.builds(lambda t, b, c: f"{t} {b} {c}", st.text(max_size=8), TYPED, st.text(max_size=8)))
def test_md5_fingerprint(text: str) -> None:
    try:
        fingerprint = md5_fingerprint(text)
    except ValueError as error:  # the function's documented error
        assert str(error)
        return
    assert re.fullmatch(r"([0-9a-f]{2}:){15}[0-9a-f]{2}", fingerprint)


@PROPERTY_SETTINGS
@given(a=st.none() | TEXT, b=st.none() | TEXT)
def test_same_fingerprint(a: str | None, b: str | None) -> None:
    assert isinstance(same_fingerprint(a, b), bool)


# --- the create form as a whole --------------------------------------------------------

IDS = st.text(max_size=6)
TEMPLATES = st.none() | st.builds(
    lambda i, n, zones: Template.model_validate({"id": i, "name": n, "availableInZones": zones}),
    IDS,
    st.text(max_size=6),
    st.lists(IDS, max_size=2),
)
OFFERINGS = st.none() | st.builds(
    lambda i, custom, ratio: ComputeOffering.model_validate(
        {"id": i, "name": "o", "custom": custom, "maxMemoryInMbToCpuRatio": ratio}
    ),
    IDS,
    st.booleans(),
    st.none() | st.integers(min_value=0, max_value=10**5),
)
NETWORKS = st.none() | st.builds(
    lambda i, zone: Network.model_validate({"id": i, "name": "n", "zoneId": zone}), IDS, st.none() | IDS
)
DISKS = st.none() | st.builds(
    lambda i, size, iops: DiskOffering.model_validate({"id": i, "name": "d", "customSize": size, "customIops": iops}),
    IDS,
    st.booleans(),
    st.booleans(),
)


@PROPERTY_SETTINGS
@given(
    form=st.builds(
        CreateInstanceInput,
        name=TEXT,
        template=TEMPLATES,
        offering=OFFERINGS,
        cpu_count=st.none() | st.integers(min_value=-2, max_value=256),
        memory_in_mb=st.none() | st.integers(min_value=-2, max_value=10**6),
        network=NETWORKS,
        ssh_key_name=st.none() | st.text(max_size=8),
        disk_offering=DISKS,
        disk_size_gb=TEXT,
        disk_iops=TEXT,
        root_volume_size_gb=TEXT,
        ports=TEXT,
        user_data=st.text(max_size=20),
        affinity_group_id=st.none() | IDS,
    )
)
def test_build_create_request(form: CreateInstanceInput) -> None:
    body, errors = build_create_request(form)
    assert isinstance(body, dict) and isinstance(errors, dict)
    assert all(isinstance(key, str) and isinstance(message, str) and message for key, message in errors.items())
    if not errors:
        assert body.get("name") and body.get("templateId") and body.get("computeOfferingId")
