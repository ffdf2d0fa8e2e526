"""Fitting the status line's segments into one row (status_fit): no Textual, no app."""

from __future__ import annotations

import pytest
from rich.text import Text

from cca_tui.ui.status_fit import fit, segment


def test_with_room_every_segment_keeps_its_full_form() -> None:
    line = fit([segment("default", "", ranks=[50]), segment("every 20 s", "", ranks=[10])], 80)
    assert line.plain == "default │ every 20 s"


def test_the_lowest_rank_gives_way_first_and_only_as_far_as_needed() -> None:
    segments = [
        segment("default", "", ranks=[50]),
        segment("6000 instances", "6000", ranks=[35]),
        segment("refreshed 07:46:49", "07:46:49", "", ranks=[20, 40]),
        segment("every 20 s", "", ranks=[10]),
    ]
    widths = {
        "default │ 6000 instances │ refreshed 07:46:49 │ every 20 s": 60,
        "default │ 6000 instances │ refreshed 07:46:49": 50,
        "default │ 6000 instances │ 07:46:49": 40,
        "default │ 6000 │ 07:46:49": 30,
        "default │ 6000": 20,
        "6000": 10,
    }
    for expected, width in widths.items():
        assert fit(segments, width).plain == expected, width


def test_a_cuttable_segment_is_cut_at_its_end_but_keeps_what_it_must() -> None:
    named = "STALE 1 of 3 (E): compute-qc/dev"
    stale = segment(f"{named}: HTTP 503 down for maintenance", keep=len(named))
    line = fit([segment("✓ 2 marked"), stale], 50)
    assert line.plain == "✓ 2 marked │ STALE 1 of 3 (E): compute-qc/dev: HT…"
    assert line.cell_len == 50
    # Cut down to what it keeps, and the ellipsis that says it was cut.
    assert fit([segment("✓ 2 marked"), stale], 46).plain == f"✓ 2 marked │ {named}…"
    assert fit([segment("✓ 2 marked"), stale], 45 + 1).cell_len == 46
    # Narrower than what it must keep: the line itself is cut, never wrapped.
    narrow = fit([segment("✓ 2 marked"), stale], 30)
    assert narrow.cell_len == 30 and narrow.plain.startswith("✓ 2 marked │ STALE 1 of 3")


@pytest.mark.parametrize("width", [1, 5, 17, 33, 80])
def test_wide_characters_never_make_the_line_wider_than_the_row(width: int) -> None:
    # A name in CJK takes two cells a character: measured in cells, not characters.
    segments = [segment("東京/本番環境", keep=4), segment("12/6000 instances", "12/6000", ranks=[35])]
    assert fit(segments, width).cell_len <= width


def test_server_text_stays_literal() -> None:
    line = fit([segment(Text("[b]prod[/b] [@click=app.quit]x[/]"))], 80)
    assert line.plain == "[b]prod[/b] [@click=app.quit]x[/]" and not line.spans


def test_a_segment_says_how_it_gives_way_in_ascending_ranks() -> None:
    with pytest.raises(ValueError):
        segment("refreshed 07:46:49", "07:46:49", "", ranks=[40, 20])
    with pytest.raises(ValueError):
        segment("every 20 s", "", ranks=[])
