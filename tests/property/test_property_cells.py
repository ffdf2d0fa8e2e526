"""The table reads a row's cells on a fast path (the plain columns in one C call, a row of
short printable ASCII checked whole): whatever an instance holds, its cells and widths must be
each column's text made printable and cut, cell by cell, as the terminal shows it."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from cca_tui.api.models import InstancePublicIp
from cca_tui.fleet.identity import EnvironmentRef, LocatedInstance
from cca_tui.ui.rows import COLUMNS, FLEET_COLUMNS, _key_maker, keys_of, tie_key
from cca_tui.ui.safe_text import printable
from cca_tui.ui.widgets.instance_table import CELL_LIMIT, cells_of, column_widths

PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

TEXT = st.one_of(
    st.text(st.characters(codec="ascii"), max_size=20),
    st.text(max_size=12),  # wide, combining, control, bidi, surrogate-free Unicode
    st.sampled_from(["web-1", "x" * (CELL_LIMIT + 1), "x" * CELL_LIMIT, "\x1b[2J", "名前", "a\u202eb", ""]),
)
OPTIONAL = st.none() | TEXT


@st.composite
def instances(draw: st.DrawFn) -> LocatedInstance:
    ips = draw(st.none() | st.lists(st.builds(InstancePublicIp, id=st.just("p"), ip_address=OPTIONAL), max_size=2))
    return LocatedInstance(
        id="i-1",
        name=draw(TEXT),
        state=draw(TEXT),
        ip_address=draw(OPTIONAL),
        compute_offering_name=draw(OPTIONAL),
        template_name=draw(OPTIONAL),
        zone_name=draw(OPTIONAL),
        network_name=draw(OPTIONAL),
        cpu_count=draw(st.none() | st.integers(0, 64)),
        memory_in_mb=draw(st.none() | st.integers(0, 1 << 20)),
        public_ips=ips,
        environment=EnvironmentRef(draw(TEXT), draw(TEXT)),
    )


@PROPERTY_SETTINGS
@given(instances())
def test_cells_are_each_columns_text_made_printable_and_cut(instance: LocatedInstance) -> None:
    for columns in (COLUMNS, FLEET_COLUMNS):
        expected = tuple(printable(column.text(instance), limit=CELL_LIMIT) for column in columns)
        texts, widths = cells_of(instance, columns)
        assert texts == expected
        assert widths == tuple(cell_len(text) for text in expected)


@PROPERTY_SETTINGS
@given(st.lists(instances(), max_size=6))
def test_widths_measured_column_by_column_are_each_rows_own(rows: list[LocatedInstance]) -> None:
    """The table counts widths a column of many rows at a time: the same as row by row."""
    for columns in (COLUMNS, FLEET_COLUMNS):
        by_column = column_widths(rows, columns)
        by_row = [cells_of(instance, columns)[1] for instance in rows]
        assert by_column == [[widths[n] for widths in by_row] for n in range(len(columns))]


@PROPERTY_SETTINGS
@given(st.lists(instances(), max_size=6))
def test_sort_keys_read_a_column_at_a_time_are_each_rows_own(rows: list[LocatedInstance]) -> None:
    """A first sort reads a plain column's keys in C: the same keys as one row at a time."""
    for column in (*FLEET_COLUMNS, None):
        make = _key_maker(column)
        assert keys_of(column, rows) == [make(instance) for instance in rows]


PART = st.text(st.sampled_from(["\x00", "\x01", "a", "B", "-", "é", "\uffff"]), max_size=4)


@PROPERTY_SETTINGS
@given(st.lists(st.tuples(PART, PART, PART, PART), min_size=2, max_size=8, unique=True))
def test_a_tie_key_sorts_as_the_tuple_of_its_parts(rows: list[tuple[str, str, str, str]]) -> None:
    """Name, environment (code, name), id: one string per row, in the order of the tuples,
    NULs and prefixes included."""
    instances = [
        LocatedInstance(id=instance_id, name=name, state="Running", environment=EnvironmentRef(code, env_name))
        for name, code, env_name, instance_id in rows
    ]
    by_tuple = sorted(instances, key=lambda i: (i.name.lower(), i.environment.service_code, i.environment.name, i.id))
    assert sorted(instances, key=tie_key) == by_tuple
    assert len({tie_key(instance) for instance in instances}) == len(instances)
