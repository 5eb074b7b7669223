"""집계 > 월마감 on screen: readiness, the figures, closing (with and without missing results), the history,
reopening with a reason, saving the report, and what a clerk may not do.

Each state is saved as a picture at 1366×768 (/tmp/work/shots/close, KSCMS_SHOTS to change it) to look at."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from app.services.collection import requests as debits
from app.services.common.session import Actor
from app.views.aggregates.month_close_dialogs import ReasonDialog
from app.views.aggregates.month_close_view import NO_CONTRACT, MonthClosePage
from app.views.common.context import AppContext
from tests.apartment.complex import FAILED, FULL, SEPTEMBER, Complex, at
from tests.collection.helpers import mark_sent
from tests.month_close.conftest import Boxes
from tests.month_close.helpers import NOW

LEFT = Qt.MouseButton.LeftButton
SHOTS = Path(os.environ.get("KSCMS_SHOTS", "/tmp/work/shots")) / "close"


def _shot(widget: QWidget, name: str, place: Complex) -> None:
    if place.db.is_sqlite:
        SHOTS.mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(SHOTS / name))


def _page(qtbot, place: Complex, actor: Actor | None = None, now: datetime = NOW,  # type: ignore[no-untyped-def]
          contract: bool = True) -> MonthClosePage:
    ctx = AppContext(place.db, actor or place.admin, place.contract_id if contract else None, clock=lambda: now)
    page = MonthClosePage(ctx)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    with qtbot.waitSignal(page.loaded, timeout=20_000, raising=contract):
        page.show()
    qtbot.waitExposed(page)
    return page


def _reload(qtbot, page: MonthClosePage, month: str | None = None) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(page.loaded, timeout=20_000):
        if month is not None and page.period != month:
            page.month.setCurrentIndex(page.month.findData(month))
        else:
            page.refresh()


def _cells(model, row: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [model.data(model.index(row, c)) for c in range(model.columnCount())]


def test_without_a_contract_the_page_says_so(qtbot, autumn: Complex) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, autumn, contract=False)
    assert page.no_contract.isVisible() and page.no_contract.text() == NO_CONTRACT
    assert not page.content.isVisible()


def test_close_october_see_the_history_and_reopen_it(qtbot, autumn: Complex, boxes: Boxes,  # type: ignore[no-untyped-def]
                                                    tmp_path: Path) -> None:
    page = _page(qtbot, autumn)
    assert page.month.currentText() == "2026년 10월" and page.month.itemText(0) == "2026년 11월"
    assert page.state_label.text() == "2026년 10월을(를) 마감할 수 있습니다. 모든 출금일의 결과가 반영되었습니다."
    assert not page.missing_table.isVisible()
    assert _cells(page.figures_model, 0) == ["관리비", "4", "960,000원", "0원", "350,000원", "0원", "0원", "0원", "3",
                                             "610,000원"]
    assert _cells(page.figures_model, 1)[0] == "합계"
    assert page.extra_label.text() == "연체료 청구 0원 (청구금액에 포함) · 마감월 정정 없음 · 미납은 2026-10-31 현재"
    assert page.close_button.isEnabled() and not page.reopen_button.isEnabled()
    assert not page.pdf_button.isEnabled() and page.history_model.rowCount() == 0
    _shot(page, "screen_ready.png", autumn)

    with qtbot.waitSignal(page.loaded, timeout=20_000):
        qtbot.mouseClick(page.close_button, LEFT)
    assert boxes.asked == ["2026년 10월을(를) 마감합니다. 청구 960,000원, 출금 350,000원, 미납 610,000원으로 보고되고, 이 달의 "
                           "자료는 더 바꿀 수 없습니다. 마감할까요?"]
    assert page.status.text().startswith("2026년 10월을(를) 마감했습니다.")
    assert page.state_label.text() == ("2026년 10월은(는) 2026-11-05 10:00에 관리자(admin)이(가) 마감했습니다. 이 달의 "
                                       "자료는 바꿀 수 없습니다.")
    assert page.recheck_label.text().startswith("현재 다시 계산: 일치")
    assert page.extra_label.text().endswith("마감 때 보고한 숫자")
    assert not page.close_button.isEnabled() and page.reopen_button.isEnabled() and page.pdf_button.isEnabled()
    assert _cells(page.history_model, 0) == ["2026년 10월", "2026-11-05 10:00", "관리자(admin)", "", "", "마감", ""]
    _shot(page, "screen_closed.png", autumn)

    with qtbot.waitSignal(page.saved, timeout=20_000):
        page.save_report("pdf", str(tmp_path / "10월.pdf"))
    assert (tmp_path / "10월.pdf").stat().st_size > 0
    with qtbot.waitSignal(page.saved, timeout=20_000):
        page.save_report("xlsx", str(tmp_path / "10월.xlsx"))
    assert page.status.text() == f"보고서를 저장했습니다: {tmp_path / '10월.xlsx'}"

    qtbot.mouseClick(page.reopen_button, LEFT)
    dialog = page.active_dialog
    assert isinstance(dialog, ReasonDialog)
    qtbot.waitExposed(dialog)
    assert not dialog.buttons.accept.isEnabled()
    dialog.reason_edit.setPlainText("10월 현금수납 누락분 반영")
    assert dialog.buttons.accept.isEnabled()
    _shot(dialog, "dialog_reopen.png", autumn)
    with qtbot.waitSignal(page.loaded, timeout=20_000):
        qtbot.mouseClick(dialog.buttons.accept, LEFT)
    assert page.status.text().startswith("2026년 10월 마감을 취소했습니다(재개방).")
    assert page.close_button.isEnabled() and not page.reopen_button.isEnabled()
    assert _cells(page.history_model, 0)[5:] == ["대체됨", "재개방: 10월 현금수납 누락분 반영"]
    assert page.pdf_button.isEnabled()  # the superseded close stays printable
    _shot(page, "screen_reopened.png", autumn)


def test_results_missing_ask_for_the_reason_in_a_dialog(qtbot, complex_: Complex) -> None:  # type: ignore[no-untyped-def]
    complex_.debit(SEPTEMBER, {"1011001": FULL, "1011002": FAILED})
    out = debits.request(complex_.db, complex_.admin, complex_.contract_id, SEPTEMBER,
                         [complex_.households[no].agreement_id for no in ("1022001", "1022002")],
                         now=at(date(2026, 9, 22), 9))
    mark_sent(complex_.db, list(out.request_ids))
    page = _page(qtbot, complex_)
    _reload(qtbot, page, "2026-09")
    assert page.missing_table.isVisible() and page.missing_model.rowCount() == 2
    assert _cells(page.missing_model, 0) == ["2026-09-28", "1022001", "박산들", "관리비", "320,000원", "이체의뢰중"]
    assert page.state_label.text().startswith("2026년 9월의 출금일에 은행 결과가 아직 없는 이체의뢰가 2건 있습니다.")
    _shot(page, "screen_missing.png", complex_)
    qtbot.mouseClick(page.close_button, LEFT)
    dialog = page.active_dialog
    assert isinstance(dialog, ReasonDialog) and dialog.missing_model.rowCount() == 2
    qtbot.waitExposed(dialog)
    dialog.resize(760, 420)
    _shot(dialog, "dialog_override.png", complex_)
    dialog.reason_edit.setPlainText("운영위원회 보고 일정")
    with qtbot.waitSignal(page.loaded, timeout=20_000):
        qtbot.mouseClick(dialog.buttons.accept, LEFT)
    assert page.status.text().endswith("결과가 없는 이체의뢰 2건은 사유를 남기고 마감했습니다.")
    assert _cells(page.history_model, 0)[6] == "결과 미수신 2건 마감: 운영위원회 보고 일정"


def test_a_clerk_sees_everything_and_changes_nothing(qtbot, autumn: Complex) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, autumn, actor=autumn.clerk)
    assert not page.close_button.isVisible() and not page.reopen_button.isVisible()
    assert page.pdf_button.isVisible() and page.figures_model.rowCount() == 2
    page.close_month()
    page.reopen_month()
    assert page.active_dialog is None and page.history_model.rowCount() == 0
