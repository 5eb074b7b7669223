"""재처리의뢰 on screen: this month's failures, what can be retried, the retry date, the cut-off."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from sqlalchemy import select

from app.models import DebitRequest, RequestKind, RequestState
from app.views.collection.retries_view import CARRIED, NO_DATES, RetriesPage
from tests.collection_views.conftest import Clock
from tests.collection_views.helpers import add_payer, at, failed_fifth
from tests.factories import Office

LEFT = Qt.MouseButton.LeftButton


def _failures(office: Office, actor) -> None:
    db, cid = office.db, office.contract_id
    payers = [add_payer(db, cid, "2024001", "김민준"), add_payer(db, cid, "2024002", "이서연", monthly=250_000),
              add_payer(db, cid, "2024003", "박지호", monthly=280_000)]
    failed_fifth(db, actor, cid, payers, reasons={"2024001": "0021", "2024002": "0031"}, debited={"2024003": 280_000})


def _row(page: RetriesPage, customer_no: str) -> int:
    return next(i for i, r in enumerate(page.model.rows()) if r.customer_no == customer_no)


def _cell(page: RetriesPage, customer_no: str, header: str) -> str:
    return page.model.index(_row(page, customer_no), page.model.column_of(header)).data()


def test_failures_of_this_month_are_retried_on_a_later_date(qtbot, office: Office, clerk, open_page) -> None:
    _failures(office, clerk)
    page = open_page(RetriesPage, clerk)
    assert [r.customer_no for r in page.model.rows()] == ["2024001", "2024002"]  # the debited one is not here
    assert _cell(page, "2024001", "미처리 사유") == "0021 잔액부족"
    assert _cell(page, "2024001", "재처리") == "가능" and _cell(page, "2024001", "재처리금액") == "300,000원"
    # 계좌해지 cannot succeed by retrying: its outstanding goes to next month.
    assert _cell(page, "2024002", "재처리") == "불가" and _cell(page, "2024002", "상태") == CARRIED
    assert not page.model.tickable(page.model.row_at(_row(page, "2024002")))
    assert "이체처리미완료 2건 · 재처리 가능 1건 · 다음 달로 이월 1건" in page.totals.text()
    # The dates: business days left in November whose cut-off is ahead (11-20 10:00 → from the 23rd).
    offered = [page.date_combo.itemData(i) for i in range(page.date_combo.count())]
    assert offered[0] == "2026-11-23" and offered[-1] == "2026-11-30" and "2026-11-28" not in offered
    page.select_date(date(2026, 11, 24))
    assert "11-23(월) 14:00까지 이체의뢰할 수 있습니다" in page.cutoff_label.text()
    assert page.retry_button.isVisibleTo(page) and not page.retry_button.isEnabled()

    page.all_box.setChecked(True)
    assert [r.customer_no for r in page.model.checked_rows()] == ["2024001"]
    assert "선택 1건 · 재처리금액 합계 300,000원" in page.totals.text()
    qtbot.mouseClick(page.retry_button, LEFT)
    assert "재처리의뢰 1건(300,000원)을 이체의뢰대기로 넣었습니다" in page.status.text()
    assert _cell(page, "2024001", "재처리") == "불가" and "이미 재처리의뢰했습니다" in _cell(page, "2024001", "안내")
    page.table.selectRow(_row(page, "2024002"))
    assert "0031 계좌해지" in page.detail.text() and "다른 계좌로 계좌신청" in page.detail.text()
    with office.db.session() as s:
        retry = s.scalar(select(DebitRequest).where(DebitRequest.kind == RequestKind.RETRY))
        assert retry is not None
        assert (retry.debit_date, retry.amount, retry.state) == (date(2026, 11, 24), 300_000, RequestState.WAITING)


def test_past_the_last_cutoff_of_the_month_the_button_is_gone_and_failures_carry_over(office: Office, clerk,
                                                                                       open_page) -> None:
    _failures(office, clerk)
    clock = Clock(at(date(2026, 11, 27), 13, 59))  # Friday; the 30th's cut-off is 14:00 today
    page = open_page(RetriesPage, clerk, clock)
    assert page.retry_date() == date(2026, 11, 30) and page.retry_button.isVisibleTo(page)
    clock.moment = at(date(2026, 11, 27), 14, 1)
    page.refresh()
    assert page.retry_date() is None and not page.retry_button.isVisibleTo(page)
    assert page.cutoff_label.text() == NO_DATES and page.cutoff_label.objectName() == "warningText"
    assert {_cell(page, no, "상태") for no in ("2024001", "2024002")} == {CARRIED}


def test_a_viewer_reads_the_failures_without_acting(office: Office, clerk, viewer, open_page) -> None:
    _failures(office, clerk)
    page = open_page(RetriesPage, viewer)
    assert page.model.rowCount() == 2 and not page.model.has_ticks
    assert not page.retry_button.isVisibleTo(page) and not page.all_box.isVisibleTo(page)
