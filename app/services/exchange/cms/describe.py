"""A masked, human-readable view of a decoded file, for the ``decode`` command and a screen.

One row per record (header, data, trailer), keyed by the spec's Korean 항목 names in layout order,
FILLER left out. Account numbers, holder IDs and phones are masked (``masking``), so printing a
bank file never shows a personal number in full; amounts get thousands separators, dates ISO form,
reason codes their text. An EI13 is described by ``ei13.describe_ei13``: its evidence appears as
length and SHA-256, never as bytes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .ei13 import Ei13File, describe_ei13
from .fields import FieldSpec, Value
from .layout import Layout
from .reasons import reason
from .records import CmsFile
from .tables import LAYOUTS

RECORD_KIND_KEY = "레코드"


def describe(file: CmsFile | Ei13File) -> list[dict[str, str]]:
    """Rows of display strings: ``[{'레코드': '헤더', 'Record 구분': 'H', ...}, ...]``."""
    if isinstance(file, Ei13File):
        return describe_ei13(file)
    layouts = LAYOUTS[file.kind]
    context = {"institution_code": file.header.institution_code, "file_name": file.file_name}
    rows = [_row("헤더", layouts.header, file.header, context)]
    rows.extend(_row("데이터", layouts.data, rec, context) for rec in file.records)
    rows.append(_row("트레일러", layouts.trailer, file.trailer, context))
    return rows


def _row(record_kind: str, layout: Layout, record: Any, context: dict[str, str]) -> dict[str, str]:
    row = {RECORD_KIND_KEY: record_kind}
    for f in layout.fields:
        if f.is_filler:
            continue
        if f.value is Value.FIXED:
            row[f.name_ko] = f.fixed or ""
        elif f.context:
            row[f.name_ko] = context[f.attr]
        else:
            row[f.name_ko] = display(f, getattr(record, f.attr))
    return row


def display(field: FieldSpec, value: Any) -> str:
    """One field's value as a clerk should see it (masked where personal)."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if field.value is Value.INT:
        return f"{value:,}" if field.attr != "sequence" else str(value)
    if field.attr == "reason_code":
        return reason(value).label
    return field.show(str(value))
