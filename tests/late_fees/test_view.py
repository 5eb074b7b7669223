"""연체료관리 on screen: the households' figures as of a day, a manager's waiver, a clerk's billing through
the preview, what a viewer sees, the empty state without a rule, and the list as .xlsx.

The office's clock reads 2026-11-30 15:00, so the 기준일 defaults to 11-30 (figures in test_billing.py).
Each screen is also saved as a picture (KSCMS_SHOTS, /tmp/work/shots/latefees by default) to look at.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QWidget

from app.models import AgreementStatus, DebitAgreement
from app.services.common.crypto import DataKey
from app.services.common.session import Actor
from app.views.collection.late_fee_dialogs import BillingDialog, RevokeDialog, WaiverDialog
from app.views.collection.late_fees_view import NO_CONTRACT, RULES_BUTTON, LateFeesPage
from app.views.common.context import AppContext
from tests.apartment.complex import Complex, at
from tests.late_fees.conftest import Boxes
from tests.late_fees.helpers import CHOI, LEE, audits, daily_policy

LEFT = Qt.MouseButton.LeftButton
SHOTS = Path(os.environ.get("KSCMS_SHOTS", "/tmp/work/shots")) / "latefees"
NOW = at(date(2026, 11, 30), 15)


def _shot(widget: QWidget, name: str, place: Complex) -> None:
    if place.db.is_sqlite:
        SHOTS.mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(SHOTS / name))


def _page(qtbot, place: Complex, actor: Actor | None = None, contract: bool = True) -> LateFeesPage:  # type: ignore[no-untyped-def]
    ctx = AppContext(place.db, actor or place.clerk, place.contract_id if contract else None, DataKey.generate(),
                     clock=lambda: NOW)
    page = LateFeesPage(ctx)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    if contract:
        with qtbot.waitSignal(page.loaded, timeout=15000):
            page.show()
    else:
        page.show()
    qtbot.waitExposed(page)
    return page


def _reloaded(qtbot, page: LateFeesPage) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not page._loading, timeout=15000)


def _cells(page: LateFeesPage, row: int) -> list[str]:
    model = page.model
    return [model.data(model.index(row, c)) or "" for c in range(1, model.columnCount())]


def _row_of(page: LateFeesPage, no: str) -> int:
    return next(i for i, r in enumerate(page.model.rows()) if r.customer_no == no)


def test_without_a_contract_the_page_says_so(qtbot, autumn: Complex) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, autumn, contract=False)
    assert page.no_contract.isVisible() and page.no_contract.text() == NO_CONTRACT
    assert not page.content.isVisible()


def test_without_a_rule_the_page_sends_the_clerk_to_the_rules(qtbot, autumn: Complex) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, autumn)
    assert page.model.rowCount() == 0
    assert page.empty.message == "연체료 규정이 없습니다"
    assert "환경설정 > 연체료·독촉 규정" in page.empty.hint.text()
    assert page.rule.text() == "연체료 규정 — 기본: 사용 안 함"
    _shot(page, "late_fees_no_rule.png", autumn)
    with qtbot.waitSignal(page.ctx.signals.open_page) as opened:
        qtbot.mouseClick(page.empty.buttons[RULES_BUTTON], LEFT)
    assert opened.args == ["settings.arrears_rules"]


def test_the_list_shows_each_households_figures(qtbot, autumn: Complex) -> None:  # type: ignore[no-untyped-def]
    daily_policy(autumn)
    page = _page(qtbot, autumn)
    assert page.rule.text() == "연체료 규정 — 기본: 일 0.05% · 유예 5일 · 한도 없음 · 원 미만 절사"
    assert page.model.header_at(0) == "선택"
    assert [page.model.header_at(c) for c in range(1, page.model.columnCount())] == [
        "동·호/고객번호", "고객명", "미납 건수", "미납액", "연체료", "청구됨", "감면", "청구 가능"]
    assert [_cells(page, i) for i in range(page.model.rowCount())] == [
        ["1011002", "이바다", "2건", "360,000원", "7,920원", "", "", "7,920원"],
        ["1022002", "최들녘", "3건", "530,000원", "7,740원", "", "", "7,740원"]]
    assert page.totals.text() == "2세대 · 연체료 15,660원 · 청구됨 0원 · 감면 0원 · 청구 가능 15,660원"
    page.table.selectRow(_row_of(page, CHOI))
    assert page.detail_title.text() == "최들녘(1022002) 청구별 연체료"
    lines = page.lines_model
    assert [[lines.data(lines.index(r, c)) for c in range(lines.columnCount())] for r in range(lines.rowCount())] == [
        ["2026-09", "관리비", "2026-09-28", "210,000원", "58일", "6,090원", "", ""],
        ["2026-10", "관리비", "2026-10-26", "110,000원", "30일", "1,650원", "", ""]]
    assert not page.waive_button.isVisible()  # a clerk bills, a manager waives
    _shot(page, "late_fees_list.png", autumn)
    # An earlier 기준일: October's charges are still within their grace; 박산들 had not yet paid in cash.
    page.as_of.setDate(QDate(2026, 10, 31))
    _reloaded(qtbot, page)
    assert [(r.customer_name, r.unpaid_amount, r.fee) for r in page.model.rows()] == [
        ("이바다", 360_000, 2_520), ("박산들", 320_000, 0), ("최들녘", 320_000, 2_940)]


def test_a_manager_waives_a_charge_and_revokes_it(qtbot, autumn: Complex, boxes: Boxes) -> None:  # type: ignore[no-untyped-def]
    daily_policy(autumn)
    page = _page(qtbot, autumn, autumn.admin)
    assert page.waive_button.isVisible() and page.revoke_button.isVisible()
    page.table.selectRow(_row_of(page, CHOI))
    page.lines_table.selectRow(0)  # September
    qtbot.mouseClick(page.waive_button, LEFT)
    dialog = page.active_dialog
    assert isinstance(dialog, WaiverDialog)
    assert dialog.one.isChecked() and dialog.one.text() == "선택한 청구만: 2026-09 관리비 (연체료 6,090원)"
    _shot(dialog, "late_fees_waiver_dialog.png", autumn)
    qtbot.mouseClick(dialog.buttons.accept, LEFT)  # no reason: refused, the dialog stays
    assert boxes.take() == ["감면 사유를 입력하세요."]
    dialog.reason.setPlainText("9월 은행 전산 장애 확인")
    qtbot.mouseClick(dialog.buttons.accept, LEFT)
    qtbot.waitUntil(lambda: page.active_dialog is None)
    _reloaded(qtbot, page)
    assert page.status.text().startswith("최들녘(1022002) 2026-09 관리비 연체료를 감면했습니다.")
    assert _cells(page, _row_of(page, CHOI))[4:] == ["7,740원", "", "6,090원", "1,650원"]
    lines = page.lines_model
    assert lines.data(lines.index(0, 7)) == "9월 은행 전산 장애 확인"
    assert [d["reason"] for _l, d in audits(autumn, "late_fee_waived")] == ["9월 은행 전산 장애 확인"]
    _shot(page, "late_fees_waived.png", autumn)

    qtbot.mouseClick(page.revoke_button, LEFT)
    revoke = page.active_dialog
    assert isinstance(revoke, RevokeDialog)
    assert revoke.waiver.currentText() == "2026-09 관리비 · 9월 은행 전산 장애 확인"
    assert revoke.chosen.text().startswith("2026-09 관리비 감면 — admin, ")
    revoke.reason.setPlainText("장애와 무관한 잔액부족으로 확인")
    qtbot.mouseClick(revoke.buttons.accept, LEFT)
    qtbot.waitUntil(lambda: page.active_dialog is None)
    _reloaded(qtbot, page)
    assert _cells(page, _row_of(page, CHOI))[4:] == ["7,740원", "", "", "7,740원"]
    assert "감면을 취소했습니다" in page.status.text()


def test_a_clerk_bills_through_the_preview(qtbot, autumn: Complex) -> None:  # type: ignore[no-untyped-def]
    daily_policy(autumn)
    with autumn.db.session() as s:  # 최들녘's 관리비 agreement ended: there is no account to debit
        agreement = s.get(DebitAgreement, autumn.households[CHOI].agreement_id)
        assert agreement is not None
        agreement.status = AgreementStatus.ENDED
    page = _page(qtbot, autumn)
    assert not page.bill_button.isEnabled()
    page.all_box.setChecked(True)
    assert page.totals.text().endswith("· 선택 2세대 15,660원")
    qtbot.mouseClick(page.bill_button, LEFT)
    dialog = page.active_dialog
    assert isinstance(dialog, BillingDialog)
    assert dialog.period.currentText() == "2026년 12월"
    rows = dialog.model
    assert [[rows.data(rows.index(r, c)) for c in range(rows.columnCount())] for r in range(rows.rowCount())] == [
        ["1011002", "이바다", "26-09, 26-10", "7,920원", "", "2026-12-28", "청구"],
        ["1022002", "최들녘", "26-09, 26-10", "7,740원", "", "2026-12-28",
         "연체된 청구의 이체정보(관리비)가 해지되어 연체료를 자동이체로 청구할 수 없습니다"]]
    assert dialog.summary.text() == "2026년 12월 청구: 1세대 7,920원 · 청구할 수 없는 1세대는 빼고 청구합니다 (빨간 줄)"
    assert dialog.lines.text() == "이바다: 2026-09 관리비 58일 5,220원 · 2026-10 관리비 30일 2,700원"
    _shot(dialog, "late_fees_billing_dialog.png", autumn)
    qtbot.mouseClick(dialog.buttons.accept, LEFT)
    qtbot.waitUntil(lambda: page.active_dialog is None)
    _reloaded(qtbot, page)
    assert page.status.text() == ("2026-11-30까지의 연체료 1세대 7,920원을 2026년 12월 '연체료' 청구로 만들었습니다. 출금일 "
                                  "2026-12-28의 이체의뢰 목록에 관리비와 함께 나옵니다. 청구하지 않은 세대: 1세대.")
    assert _cells(page, _row_of(page, LEE))[4:] == ["7,920원", "7,920원", "", ""]
    assert page.model.checked_rows() == []
    _shot(page, "late_fees_billed.png", autumn)


def test_a_viewer_reads_and_saves_the_list(qtbot, autumn: Complex, viewer: Actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    daily_policy(autumn)
    page = _page(qtbot, autumn, viewer)
    assert not page.model.has_ticks
    for hidden in (page.bill_button, page.all_box, page.waive_button, page.revoke_button):
        assert not hidden.isVisible()
    assert page.xlsx_button.isVisible() and page.xlsx_button.isEnabled()
    target = tmp_path / "연체료.xlsx"
    with qtbot.waitSignal(page.saved, timeout=15000):
        page.save_list(str(target))
    assert page.status.text() == f"목록을 저장했습니다: {target}"
    sheet = load_workbook(target).active
    values = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert ["1011002", "이바다", 2, 360_000, 7_920, 0, 0, 7_920] in values
    assert ["합계", "2세대", 5, 890_000, 15_660, 0, 0, 15_660] in values
    september = next(r for r in values if r[:3] == ["1022002", "최들녘", "2026-09"])
    assert september == ["1022002", "최들녘", "2026-09", "관리비", datetime(2026, 9, 28), 210_000, "58일", 6_090, 0, 6_090]
    [(login, detail)] = audits(autumn, "personal_data_exported")
    assert (login, detail["format"], detail["period"]) == ("viewer1", "xlsx", "기준일 2026-11-30")


def test_the_page_is_served_by_the_menu() -> None:
    from app.views.shell.pages import page_factories

    assert page_factories()["collection.late_fees"] is LateFeesPage
