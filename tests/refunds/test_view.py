"""반환관리 on screen: compute before saving, register, pay, the confirmation PDF, an administrator's cancel.

Each screen is also saved as a picture at 1366×768 (KSCMS_SHOTS, /tmp/work/shots by default) to look at.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QWidget

from app.models import RefundMethod, RefundState
from app.services.common.crypto import DataKey
from app.views.collection.refund_dialog import RefundDialog
from app.views.collection.refunds_view import NO_CONTRACT, RefundsPage
from app.views.common.context import AppContext
from tests.collection.helpers import at
from tests.refunds.conftest import PIANO, Academy, Boxes

LEFT = Qt.MouseButton.LeftButton
SHOTS = Path(os.environ.get("KSCMS_SHOTS", "/tmp/work/shots"))
NOW = at(date(2026, 4, 13), 10)


def _shot(widget: QWidget, name: str, academy: Academy) -> None:
    if academy.db.is_sqlite:
        SHOTS.mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(SHOTS / name))


def _page(qtbot, academy: Academy, actor=None, now: datetime = NOW, contract: bool = True) -> RefundsPage:  # type: ignore[no-untyped-def]
    ctx = AppContext(academy.db, actor or academy.clerk, academy.contract_id if contract else None,
                     DataKey.generate(), clock=lambda: now)
    page = RefundsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    return page


def _dialog(qtbot, page: RefundsPage) -> RefundDialog:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(page.new_button, LEFT)
    dialog = page.active_dialog
    assert isinstance(dialog, RefundDialog)
    qtbot.waitExposed(dialog)
    return dialog


def test_without_a_contract_the_page_says_so(qtbot, academy: Academy) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, academy, contract=False)
    assert page.no_contract.isVisible() and page.no_contract.text() == NO_CONTRACT
    assert not page.content.isVisible()


def test_compute_register_pay_and_print(qtbot, academy: Academy, boxes: Boxes, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hong = academy.payer("2026001", "홍길동")
    kim = academy.payer("2026002", "김민지", monthly=120_000, item=PIANO)
    academy.paid(hong, date(2026, 4, 15))
    academy.paid(kim, date(2026, 4, 15))
    page = _page(qtbot, academy)
    assert page.model.rowCount() == 0 and "반환 내역이 없습니다" in page.empty.message
    dialog = _dialog(qtbot, page)
    dialog.search.setText("홍길")
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    assert dialog.customer.count() == 1 and dialog.customer.currentText().startswith("2026001 홍길동")
    assert not dialog.sessions_box.isVisible()
    dialog.reason_on.setDate(QDate(2026, 4, 10))
    assert not dialog.buttons.accept.isEnabled()  # nothing is saved before the computation is shown
    qtbot.mouseClick(dialog.compute_button, LEFT)
    assert [(r.period, r.amount) for r in dialog.lines_model.rows()] == [("2026-04", 66_666)]
    assert dialog.explain.text() == ("2026-04 수강료: 납부 100,000원, 교습 30일 중 9일 경과(1/3 미만) → 2/3 = "
                                     "66,666원 (원 미만 절사)")
    assert dialog.total_label.text().startswith("반환 합계 66,666원 · 지급 기한 2026-04-15 (사유 발생일 + 5일)")
    assert dialog.buttons.accept.isEnabled()
    dialog.resize(960, 560)
    _shot(dialog, "refund_dialog.png", academy)
    dialog.reason_on.setDate(QDate(2026, 4, 11))  # a change asks for 계산 again
    assert not dialog.buttons.accept.isEnabled() and dialog.lines_model.rowCount() == 0
    dialog.reason_on.setDate(QDate(2026, 4, 10))
    qtbot.mouseClick(dialog.compute_button, LEFT)
    qtbot.mouseClick(dialog.buttons.accept, LEFT)
    assert "이체정보는 2026-04까지로 해지되고 은행에 해지 신청이 나갑니다" in boxes.asked[-1]
    qtbot.waitUntil(lambda: page.active_dialog is None)
    assert "반환 66,666원을 등록했습니다. 2026-04-15까지 지급하고" in page.status.text()
    [row] = page.model.rows()
    assert (row.customer_no, row.amount, row.state) == ("2026001", 66_666, RefundState.DUE)
    texts = [page.model.data(page.model.index(0, c)) for c in range(page.model.columnCount())]
    assert "04-15까지 (D-2)" in texts and "반환대기" in texts
    assert "교습 30일 중 9일 경과" in page.detail_label.text()
    assert page.total_label.text() == "총 1건 · 반환대기 1건 66,666원"

    # 김민지 stops piano after 2 of 8 sessions: the dialog asks for the sessions held.
    dialog = _dialog(qtbot, page)
    dialog.search.setText("김민지")
    qtbot.mouseClick(dialog.find_button, LEFT)
    dialog.course_stop.setChecked(True)
    assert dialog.sessions_box.isVisible() and list(dialog.sessions) == [kim.agreement_id]
    dialog.sessions[kim.agreement_id].setValue(2)
    dialog.reason_on.setDate(QDate(2026, 4, 12))
    qtbot.mouseClick(dialog.compute_button, LEFT)
    assert [r.amount for r in dialog.lines_model.rows()] == [80_000]
    qtbot.mouseClick(dialog.buttons.accept, LEFT)
    qtbot.waitUntil(lambda: page.active_dialog is None)
    assert page.model.rowCount() == 2
    _shot(page, "refunds_page.png", academy)

    # Paid by transfer on 04-14.
    page.table.selectRow(next(i for i, r in enumerate(page.model.rows()) if r.customer_no == "2026001"))
    page.paid_on.setDate(QDate(2026, 4, 13))
    page.method.setCurrentIndex(page.method.findData(RefundMethod.TRANSFER))
    qtbot.mouseClick(page.pay_button, LEFT)
    assert "계좌이체로 지급했습니까" in boxes.asked[-1]
    assert page.status.text() == "홍길동: 반환 66,666원을 2026-04-13에 계좌이체로 지급했습니다."
    paid = next(r for r in page.model.rows() if r.customer_no == "2026001")
    assert (paid.state, paid.paid_on) == (RefundState.PAID, date(2026, 4, 13))
    page.table.selectRow(page.model.rows().index(paid))
    assert not page.pay_button.isEnabled()
    target = tmp_path / "확인서.pdf"
    page.save_letter(str(target))
    qtbot.waitUntil(lambda: page.letter_job is None, timeout=20_000)
    assert target.is_file() and page.status.text().startswith("확인서를 저장했습니다")
    assert not boxes.shown


def test_an_administrator_cancels_and_a_clerk_cannot(qtbot, academy: Academy, boxes: Boxes) -> None:  # type: ignore[no-untyped-def]
    from app.models import RefundKind
    from app.services.collection import refunds

    hong = academy.payer("2026001", "홍길동")
    academy.paid(hong, date(2026, 4, 15))
    refunds.record_refund(academy.db, academy.clerk, hong.customer_id, RefundKind.WITHDRAWAL, date(2026, 4, 10),
                          today=date(2026, 4, 13))
    clerk_page = _page(qtbot, academy)
    assert clerk_page.cancel_button.isHidden() and not clerk_page.pay_button.isHidden()
    late = _page(qtbot, academy, academy.office.admin, now=at(date(2026, 4, 18), 10))
    texts = [late.model.data(late.model.index(0, c)) for c in range(late.model.columnCount())]
    assert "기한 3일 지남" in texts and late.total_label.text().endswith("기한 지남 1건")
    qtbot.mouseClick(late.cancel_button, LEFT)
    assert boxes.take() == ["반환을 취소하는 사유를 입력하세요."]
    late.cancel_reason.setText("날짜 잘못 입력")
    qtbot.mouseClick(late.cancel_button, LEFT)
    assert "이체정보 해지(최종이체년월)와 보낸 해지 신청은 그대로 남습니다" in boxes.asked[-1]
    assert late.status.text().startswith("반환(#1)을 취소했습니다.")
    assert late.model.rows()[0].state is RefundState.CANCELLED and not late.letter_button.isEnabled()
