"""The layout tables: self-consistent, and equal to the spec's tables where the spec is at hand."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from app.services.exchange.cms import tables
from app.services.exchange.cms.fields import FieldSpec, Kind, Value
from app.services.exchange.cms.layout import Layout, LayoutError
from app.services.exchange.cms.records import DebitTrailer
from app.services.exchange.cms.tables import LAYOUTS

ALL_LAYOUTS = [
    layout for kind in LAYOUTS.values() for layout in (kind.header, kind.data, kind.trailer)
]

SPEC = Path("/work/shared/cms-file-format.md")


@pytest.mark.parametrize("layout", ALL_LAYOUTS, ids=lambda layout: layout.name)
def test_fields_are_contiguous_and_sum_to_the_record_length(layout: Layout) -> None:
    position = 1
    for f in layout.fields:
        assert f.start == position, f.name_en
        position += f.length
    assert position - 1 == layout.length == sum(f.length for f in layout.fields)
    assert layout.struct.size == layout.length
    layout.check()


def test_record_lengths() -> None:
    assert {k: v.record_length for k, v in LAYOUTS.items()} == {"EB13": 120, "EB14": 120, "EB21": 150, "EB22": 150}


def test_self_check_catches_a_gap_an_overlap_and_a_wrong_sum() -> None:
    fields = list(tables.EB21_TRAILER.fields)
    gap = fields[:]
    gap[4] = dataclasses.replace(gap[4], start=gap[4].start + 1)
    with pytest.raises(LayoutError, match="starts at"):
        Layout("broken", 150, DebitTrailer, gap)
    short = fields[:]
    short[-2] = dataclasses.replace(short[-2], length=short[-2].length - 1, fixed=" " * (short[-2].length - 1))
    with pytest.raises(LayoutError):
        Layout("broken", 150, DebitTrailer, short)
    with pytest.raises(LayoutError, match="sum"):
        Layout("broken", 151, DebitTrailer, fields)
    missing = [f for f in fields if f.attr != "mac"] + [
        FieldSpec("filler_mac", "FILLER", "filler", 141, 10, Kind.AN, Value.FIXED, fixed=" " * 10)
    ]
    with pytest.raises(LayoutError, match="differ"):
        Layout("broken", 150, DebitTrailer, missing)


def test_results_share_the_request_positions() -> None:
    for result, request in (("EB14", "EB13"), ("EB22", "EB21")):
        for part in ("header", "data"):
            a = getattr(LAYOUTS[result], part).fields
            b = getattr(LAYOUTS[request], part).fields
            assert [(f.attr, f.start, f.length, f.kind) for f in a] == [(f.attr, f.start, f.length, f.kind) for f in b]


# ----------------------------------------------------------------------------- against the spec text

SECTIONS = {
    "### 2.1 Header": tables.EB13_HEADER,
    "### 2.2 Data": tables.EB13_DATA,
    "### 2.3 Trailer": tables.EB13_TRAILER,
    "### 3.1 Header": tables.EB21_HEADER,
    "### 3.2 Data": tables.EB21_DATA,
    "### 3.3 Trailer": tables.EB21_TRAILER,
    "### 3.5 EB22 content": tables.EB22_TRAILER,
}


def _spec_rows(text: str, heading: str) -> list[tuple[int, int, str]]:
    """(pos, len, type) of each table row under ``heading`` (first table only)."""
    body = text.split(heading, 1)[1]
    rows: list[tuple[int, int, str]] = []
    started = False
    for line in body.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if len(cells) > 5 and cells[3].isdigit():
                rows.append((int(cells[3]), int(cells[4]), cells[5]))
            started = True
        elif started:
            break
    return rows


@pytest.mark.skipif(not SPEC.exists(), reason="shared spec not available")
@pytest.mark.parametrize("heading", list(SECTIONS), ids=list(SECTIONS))
def test_tables_match_the_spec(heading: str) -> None:
    rows = _spec_rows(SPEC.read_text(encoding="utf-8"), heading)
    ours = [(f.start, f.length, str(f.kind)) for f in SECTIONS[heading].fields]
    if rows and rows[0][:2] == (1, 27):  # the EB22 trailer row "1–4: as EB21"
        head = [(f.start, f.length, str(f.kind)) for f in tables.EB21_TRAILER.fields[:4]]
        rows = head + rows[1:]
    assert rows, f"no rows parsed under {heading}"
    assert ours == rows
