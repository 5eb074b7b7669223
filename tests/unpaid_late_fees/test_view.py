"""미납내역집계 on screen: the 연체료 column shows only where the contract has a late-fee policy; a waived
fee reads 감면 and stays out of the sums. Figures: test_outstanding.py (as of 2026-11-30).

The screens are saved as pictures at 1366×768 in /tmp/work/shots/unpaid (KSCMS_SHOTS) to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from sqlalchemy import update

from app.models import LateFeePolicy
from app.views.aggregates.aggregates_view import (
    LATE_FEE_COLUMN,
    REFUNDED_COLUMN,
    WAIVED_COLUMN,
    OutstandingAggregatePage,
)
from app.views.common.context import AppContext
from tests.apartment.complex import Complex
from tests.unpaid_late_fees.conftest import AUTUMN, CHOI, LEE, NOW, policy, waive

SHOTS = Path(os.environ.get("KSCMS_SHOTS", "/tmp/work/shots")) / "unpaid"


def _shot(widget: QWidget, name: str, place: Complex) -> None:
    if place.db.is_sqlite:
        SHOTS.mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(SHOTS / name))


def _page(qtbot, place: Complex) -> OutstandingAggregatePage:  # type: ignore[no-untyped-def]
    page = OutstandingAggregatePage(AppContext(place.db, place.clerk, place.contract_id, clock=lambda: NOW))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.show()
    page.set_period(AUTUMN.start, AUTUMN.end)
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.search()
    return page


def _cell(page: OutstandingAggregatePage, row: int, column: int) -> str:
    return str(page.summary_model.index(row, column).data())


def _headers(model) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(model.columnCount())]


def _shown_headers(page: OutstandingAggregatePage) -> list[str]:
    return [h for c, h in enumerate(_headers(page.summary_model)) if not page.summary_table.isColumnHidden(c)]


def _open_group(qtbot, page: OutstandingAggregatePage) -> list[tuple[str, ...]]:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(page.detail_opened):
        page.open_row(0, 0)
    model = page.detail_model
    return [tuple(str(model.index(r, c).data()) for c in (0, 4, 9, *range(10, model.columnCount())))
            for r in range(model.rowCount())]


BASE = ["집금항목", "청구건수", "청구금액(할인 후)", "수납금액", "미납건수", "미납금액"]


def test_no_policy_no_late_fee_column(qtbot, autumn: Complex) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, autumn)
    assert _headers(page.summary_model) == [*BASE, "반환금액"] and _shown_headers(page) == BASE
    assert page.summary_table.isColumnHidden(REFUNDED_COLUMN)
    assert _cell(page, 1, 5) == "890,000원" and "연체료" not in page.status.text()
    rows = _open_group(qtbot, page)
    assert _headers(page.detail_model)[-1] == "미납금액" and rows[0] == (LEE, "2026-09", "180,000원")
    assert "연체료" not in page.detail_total.text()
    _shot(page, "screen_detail_no_policy.png", autumn)


def test_the_late_fee_column_with_a_policy_and_a_waiver(qtbot, autumn: Complex) -> None:  # type: ignore[no-untyped-def]
    policy(autumn)
    page = _page(qtbot, autumn)
    assert _shown_headers(page) == [*BASE, "연체료"]  # nothing waived: no 연체료 감면 column
    assert (_cell(page, 0, 0), _cell(page, 0, LATE_FEE_COLUMN)) == ("관리비", "15,660원")
    assert (_cell(page, 1, 0), _cell(page, 1, LATE_FEE_COLUMN)) == ("합계", "15,660원")
    assert "연체료 15,660원 (2026-11-30 현재)" in page.status.text()
    _shot(page, "screen_summary_late_fees.png", autumn)

    waive(autumn, LEE, "2026-09")
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.search()
    assert _shown_headers(page) == [*BASE, "연체료", "연체료 감면"]
    assert (_cell(page, 1, LATE_FEE_COLUMN), _cell(page, 1, WAIVED_COLUMN)) == ("10,440원", "5,220원")
    _shot(page, "screen_summary_waived.png", autumn)
    rows = _open_group(qtbot, page)
    assert _headers(page.detail_model)[-2:] == ["미납금액", "연체료"]
    assert rows == [
        (LEE, "2026-09", "180,000원", "5,220원 (감면)"), (LEE, "2026-10", "180,000원", "2,700원"),
        (CHOI, "2026-09", "210,000원", "6,090원"), (CHOI, "2026-10", "110,000원", "1,650원"),
        (CHOI, "2026-11", "210,000원", "0원"),
    ]
    assert "연체료 합계 10,440원 (감면 5,220원 제외)" in page.detail_total.text()
    _shot(page, "screen_detail_late_fees.png", autumn)

    # the office turns its policy off: the next 조회 shows the table without 연체료 again
    with autumn.db.session() as s:
        s.execute(update(LateFeePolicy).values(enabled=False))
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.search()
    assert _shown_headers(page) == BASE and _headers(page.summary_model) == [*BASE, "반환금액"]
    assert _open_group(qtbot, page)[0] == (LEE, "2026-09", "180,000원")
