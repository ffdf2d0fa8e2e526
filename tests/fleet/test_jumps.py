"""The palette's "Go to" search (fleet/jumps.py): string searches in a few long strings must
find exactly what comparing every name and id would, in the same order (no Textual)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cca_tui.api.models import Instance
from cca_tui.fleet import jumps
from cca_tui.fleet.identity import EnvironmentRef, LocatedInstance, RowKey

PROD = EnvironmentRef("compute-on", "prod")
DEV = EnvironmentRef("compute-qc", "dev")
PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
# Texts made of few letters (so that queries hit), the separator, case pairs and a letter
# whose lowercase is two characters long ("İ").
TEXT = st.text(alphabet="aAbB-1\x00İ\u0307 ", max_size=6)


def row(env: EnvironmentRef, instance_id: str, name: str) -> LocatedInstance:
    return LocatedInstance.model_validate({"id": instance_id, "name": name}, context={"environment": env})


def compared_one_by_one(
    lists: list[list[Instance]], needle: str, limit: int, exact_limit: int | None
) -> list[tuple[object, int, int, int]]:
    """What `find` must give, by comparing each text of each instance."""

    def text(instance: Instance, field: int) -> str:
        return (instance.name if field == jumps.NAME else instance.id).replace("\x00", "\ufffd").lower()

    def matches(value: str, closeness: int) -> bool:
        if closeness == jumps.EXACT:
            return value == needle
        return value.startswith(needle) if closeness == jumps.START else needle in value

    found: list[tuple[object, int, int, int]] = []
    seen: set[object] = set()
    for closeness in jumps.CLOSENESS:
        at_most = max(limit, exact_limit or 0) if closeness == jumps.EXACT else max(limit, len(found))
        for field in jumps.FIELDS:
            for source, instances in enumerate(lists):
                for instance in instances:
                    if len(found) < at_most and instance.key not in seen and matches(text(instance, field), closeness):
                        seen.add(instance.key)
                        found.append((instance.key, closeness, field, source))
    return found


@PROPERTY_SETTINGS
@given(
    names=st.lists(st.tuples(TEXT, TEXT, st.booleans()), max_size=12),
    query=TEXT,
    limit=st.integers(0, 8),
    exact_limit=st.none() | st.integers(0, 12),
)
def test_find_gives_what_comparing_every_name_and_id_gives(
    names: list[tuple[str, str, bool]], query: str, limit: int, exact_limit: int | None
) -> None:
    # Two lists (two screens), chunks of three rows: matches at chunk edges, in several chunks.
    lists: list[list[Instance]] = [[], []]
    for number, (name, instance_id, second) in enumerate(names):
        lists[second].append(row(DEV if second else PROD, f"{instance_id}#{number}", name))
    needle = jumps.normalised(query)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jumps, "CHUNK", 3)
        indexes = [jumps.JumpIndex.of(instances) for instances in lists]
        found = jumps.find(indexes, needle, limit, exact_limit)
    assert [(f.instance.key, f.closeness, f.field, f.source) for f in found] == compared_one_by_one(
        lists, needle, limit, exact_limit
    )


def test_the_same_row_in_two_lists_is_found_once_from_the_first() -> None:
    web = row(DEV, "i-1", "web-1")
    found = jumps.find([jumps.JumpIndex.of([web]), jumps.JumpIndex.of([web])], "web", 10)
    assert [(f.instance.key, f.source) for f in found] == [(RowKey(DEV, "i-1"), 0)]


def test_exact_names_come_first_and_are_not_cut_at_the_limit() -> None:
    holding = [row(PROD, f"a{n}", f"aweb-1-{n}") for n in range(30)]
    exact = [row(env, f"w{n}-{env.name}", "Web-1") for n in range(4) for env in (PROD, DEV)]
    index = jumps.JumpIndex.of([*holding, *exact])
    found = jumps.find([index], jumps.normalised("go to web-1"), 5, 100)
    assert [f.instance.id for f in found] == [instance.id for instance in exact]  # 8, past the limit of 5
    assert {f.closeness for f in found} == {jumps.EXACT}
    few = jumps.find([index], "web-1", 10, 100)
    assert [f.instance.id for f in few] == [*(instance.id for instance in exact), "a0", "a1"]


def test_the_query_is_what_follows_go_to() -> None:
    assert jumps.normalised("  Go To  Web-1 ") == "web-1"
    assert jumps.normalised("go to") == ""
    assert jumps.normalised("gopher") == "gopher"


def test_an_index_is_built_a_chunk_at_a_time() -> None:
    instances = [row(PROD, f"i{n}", f"n{n}") for n in range(5)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jumps, "CHUNK", 2)
        build = jumps.JumpIndexBuild(instances)
        steps = 1
        while not build.step():
            steps += 1
        assert steps == 3 and len(build.index.chunks) == 3
        assert [f.instance.id for f in jumps.find([build.index], "n4", 5)] == ["i4"]
    assert jumps.JumpIndexBuild([]).step()
