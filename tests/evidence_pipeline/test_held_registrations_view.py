"""계좌신청 and the home screen show the 신규 held for their consent evidence, with the reason and the fix."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from PySide6.QtWidgets import QApplication
from sqlalchemy import update

from app.models import ConsentEvidence, EvidenceState, RegistrationState
from app.services.aggregates import registrations as aggregates_registrations
from app.services.common.destinations import Destination
from app.services.common.periods import Period
from app.services.common.session import Actor
from app.services.exchange.cms import reason
from app.services.home import month_flow
from app.services.home import today as home
from app.views.collection.registrations_view import RegistrationsPage
from app.views.common.context import AppContext
from app.views.common.theme import apply_theme
from app.views.shell.home_view import HomePage
from tests.evidence_support import give_evidence
from tests.factories import Office
from tests.home.helpers import KEY, add_payer, at

NOW = at(date(2026, 3, 9), 10)
SHOTS = Path(os.environ.get("KSCMS_SHOT_DIR", "/tmp/work/shots"))


def _office_with_holds(office: Office) -> None:
    db, cid = office.db, office.contract_id
    add_payer(db, cid, "C001", account="110000000001", name="김하늘", queued_at=NOW, evidence=None)
    refused = add_payer(db, cid, "C002", account="110000000002", name="이바다", queued_at=NOW, evidence=None)
    [evidence_id] = give_evidence(db, KEY, [refused.agreement_id], extension="gif", state=EvidenceState.REJECTED)
    with db.session() as s:
        s.execute(update(ConsentEvidence).where(ConsentEvidence.id == evidence_id).values(reason_code="0102"))
    add_payer(db, cid, "C003", account="110000000003", name="최별", queued_at=NOW)  # evidence waiting: goes by itself
    add_payer(db, cid, "C004", account="110000000004", name="정바람", registration=RegistrationState.DONE)


def _shot(widget, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.resize(1366, 768)
    QApplication.processEvents()
    path = SHOTS / name
    assert widget.grab().save(str(path))
    return path


def test_the_registrations_screen_marks_held_ones_with_reason_and_fix(qtbot, qapp, office: Office,
                                                                      clerk: Actor) -> None:
    apply_theme(qapp)
    _office_with_holds(office)
    ctx = AppContext(db=office.db, actor=clerk, contract_id=office.contract_id, data_key=KEY, clock=lambda: NOW)
    page = RegistrationsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    page.refresh()
    rows = {r.customer_no: i for i, r in enumerate(page.model.rows())}

    def cell(customer_no: str, header: str) -> str:
        return str(page.model.index(rows[customer_no], page.model.column_of(header)).data())

    assert cell("C001", "신청현황") == "계좌신청대기 · 보류" and cell("C001", "사유 · 주의").startswith("동의자료 없음")
    assert cell("C002", "신청현황") == "계좌신청대기 · 보류"
    assert cell("C002", "사유 · 주의").startswith("동의자료 접수불가: 동의자료 파일형식 오류")
    assert cell("C003", "신청현황") == "계좌신청대기" and cell("C003", "사유 · 주의").startswith("동의자료 전송 대기")
    assert cell("C004", "신청현황") == "계좌신청완료" and cell("C004", "사유 · 주의") == ""
    assert "증빙 보류 2건" in page.totals.text()

    page.table.selectRow(rows["C002"])
    assert f"보류 사유 동의자료 접수불가: 동의자료 파일형식 오류 → {reason('0102').hint}" in page.detail.text()
    assert "이체정보에서 증빙을 첨부하세요" in page.detail.text() and page.detail.objectName() == "warningText"
    _shot(page, "registrations_held.png")

    page.held_only.setChecked(True)  # what the home screen's work item is about
    assert sorted(r.customer_no for r in page.model.rows()) == ["C001", "C002"]

    # The 계좌신청현황 report (screen, CLI `report registrations`) says the same.
    march = Period(date(2026, 3, 1), date(2026, 3, 31))
    reasons = {r.customer_no: r.reason for r in aggregates_registrations.details(office.db, clerk,
                                                                                 office.contract_id, march)}
    assert reasons == {"C001": "동의자료 없음", "C002": "동의자료 접수불가: 동의자료 파일형식 오류",
                       "C003": "동의자료 전송 대기"}


def test_the_home_screen_lists_registrations_without_evidence(qtbot, qapp, office: Office, clerk: Actor) -> None:
    apply_theme(qapp)
    _office_with_holds(office)
    item = home.summary(office.db, clerk, office.contract_id, now=NOW).item("registrations_evidence")
    assert item is not None and item.count == 2 and item.destination is Destination.REGISTRATIONS
    assert item.examples == ("김하늘(C001) 수강료: 동의자료 없음",
                             "이바다(C002) 수강료: 동의자료 접수불가: 동의자료 파일형식 오류")
    summary = home.summary(office.db, clerk, office.contract_id, now=NOW)
    step = month_flow.flow(office.db, clerk, office.contract_id, summary, has_payers=True)
    assert step.next_text == "동의자료 없는 계좌신청 2건 — 이체정보에서 출금동의 증빙을 첨부하세요."
    assert step.next_destination is Destination.REGISTRATIONS
    ctx = AppContext(db=office.db, actor=clerk, contract_id=office.contract_id, data_key=KEY, clock=lambda: NOW)
    page = HomePage(ctx)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    if hasattr(page, "refresh"):
        page.refresh()
    _shot(page, "home_held_registrations.png")
