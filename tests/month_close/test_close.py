"""Closing a month: when it may close (over, every result in, or an administrator's reason), who may close
and reopen it, two closes at once, and the history that keeps every close."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from app.models import AuditLog, MonthClose, Payment, RequestState
from app.services.aggregates import month_close
from app.services.collection import cash, ledger
from app.services.collection import requests as debits
from app.services.common.errors import ConflictError, PermissionDeniedError, ServiceError
from app.services.common.session import Actor
from tests.apartment.complex import NO_MONEY, SEPTEMBER, Complex, at
from tests.collection.helpers import mark_sent
from tests.month_close.helpers import NOW, TODAY, close_autumn
from tests.month_close.test_figures import HAND


def _september_sent(place: Complex) -> list[int]:
    """Every household's September request, sent, no result yet."""
    ids = [p.agreement_id for p in place.households.values()]
    out = debits.request(place.db, place.admin, place.contract_id, SEPTEMBER, ids, now=at(date(2026, 9, 22), 9))
    mark_sent(place.db, list(out.request_ids))
    return list(out.request_ids)


def test_readiness_lists_the_missing_results_until_they_arrive(complex_: Complex) -> None:
    db, cid = complex_.db, complex_.contract_id
    sent = _september_sent(complex_)
    ready = month_close.readiness(db, complex_.clerk, cid, "2026-09", TODAY)
    assert ready.month_over and ready.can_close and ready.standing is None
    assert [(m.customer_no, m.customer_name, m.debit_date, m.amount, m.state) for m in ready.missing] == [
        ("1011001", "김하늘", SEPTEMBER, 250_000, RequestState.SENT),
        ("1011002", "이바다", SEPTEMBER, 180_000, RequestState.SENT),
        ("1022001", "박산들", SEPTEMBER, 320_000, RequestState.SENT),
        ("1022002", "최들녘", SEPTEMBER, 210_000, RequestState.SENT),
    ]
    assert ready.message == ("2026년 9월의 출금일에 은행 결과가 아직 없는 이체의뢰가 4건 있습니다. 결과를 반영한 뒤 "
                             "마감하거나, 그대로 마감하려면 사유를 적으세요.")
    assert (ready.figures.total.charged, ready.figures.total.debited, ready.figures.total.unpaid) == (960_000, 0, 0)
    for reason in (None, "", "   "):
        with pytest.raises(ServiceError) as refused:
            month_close.close(db, complex_.admin, cid, "2026-09", today=TODAY, now=NOW, override_reason=reason)
        assert "결과가 아직 없는 이체의뢰가 4건 있어 마감하지 않았습니다" in refused.value.message
    with db.session() as s:
        assert s.scalars(select(MonthClose)).all() == []
    outcomes = dict(zip(sent, (250_000, 0, 320_000, 0), strict=True))
    for request_id, taken in outcomes.items():
        with db.session() as s:
            ledger.apply_debit_outcome(s, request_id, taken, None if taken else NO_MONEY,
                                       at(date(2026, 9, 29), 11))
    ready = month_close.readiness(db, complex_.clerk, cid, "2026-09", TODAY)
    assert ready.missing == () and ready.message == "2026년 9월을(를) 마감할 수 있습니다. 모든 출금일의 결과가 반영되었습니다."
    assert ready.figures.total == HAND["2026-09"]
    done = month_close.close(db, complex_.admin, cid, "2026-09", today=TODAY, now=NOW, override_reason="쓰이지 않음")
    assert done.missing_results == 0 and done.figures.total == HAND["2026-09"]
    assert done.message == ("2026년 9월을(를) 마감했습니다. 청구 960,000원, 출금 570,000원, 미납 390,000원. 이제 이 달의 "
                            "자료는 바꿀 수 없고, 정정은 열린 달에 기록됩니다.")
    with db.session() as s:
        row = s.get(MonthClose, done.close_id)
        assert row is not None and row.override_reason is None and row.closed_by == "admin"
        assert json.loads(row.figures)["total"]["unpaid"] == 390_000


def test_an_administrator_may_close_with_results_missing_giving_the_reason(complex_: Complex) -> None:
    sent = _september_sent(complex_)
    with complex_.db.session() as s:  # two answered, two still with the bank
        for request_id in sent[:2]:
            ledger.apply_debit_outcome(s, request_id, 0, NO_MONEY, at(date(2026, 9, 29), 11))
    outcome = month_close.close(complex_.db, complex_.admin, complex_.contract_id, "2026-09", today=TODAY, now=NOW,
                                override_reason="  운영위원회 보고 일정, 결과는 은행에 확인 중  ")
    assert outcome.missing_results == 2
    assert outcome.message.endswith("결과가 없는 이체의뢰 2건은 사유를 남기고 마감했습니다.")
    [row] = month_close.history(complex_.db, complex_.clerk, complex_.contract_id)
    assert (row.missing_results, row.override_reason, row.status_text) == (
        2, "운영위원회 보고 일정, 결과는 은행에 확인 중", "마감")
    assert row.reason_text == "결과 미수신 2건 마감: 운영위원회 보고 일정, 결과는 은행에 확인 중"
    ready = month_close.readiness(complex_.db, complex_.clerk, complex_.contract_id, "2026-09", TODAY)
    assert ready.standing is not None and not ready.can_close and len(ready.missing) == 2
    assert ready.message == ("2026년 9월은(는) 2026-11-05 10:00에 관리자(admin)이(가) 마감했습니다. "
                             "이 달의 자료는 바꿀 수 없습니다.")


@pytest.mark.parametrize(("today", "allowed"), [(date(2026, 11, 5), False), (date(2026, 11, 30), False),
                                                (date(2026, 12, 1), True)])
def test_a_month_closes_only_once_it_is_over(autumn: Complex, today: date, allowed: bool) -> None:
    ready = month_close.readiness(autumn.db, autumn.clerk, autumn.contract_id, "2026-11", today)
    assert ready.month_over is allowed and ready.can_close is allowed
    if allowed:
        month_close.close(autumn.db, autumn.admin, autumn.contract_id, "2026-11", today=today, now=at(today, 9))
        return
    assert ready.message.startswith("2026년 11월은(는) 아직 끝나지 않았습니다. 11-30이 지나야 마감할 수 있습니다.")
    with pytest.raises(ServiceError) as refused:
        month_close.close(autumn.db, autumn.admin, autumn.contract_id, "2026-11", today=today, now=at(today, 9))
    assert refused.value.message == "2026년 11월은(는) 아직 끝나지 않아 마감할 수 없습니다. 2026-11-30이 지난 뒤에 마감하세요."


def test_only_an_administrator_closes_and_reopens(autumn: Complex, viewer: Actor) -> None:
    for actor in (autumn.clerk, viewer):
        with pytest.raises(PermissionDeniedError):
            month_close.close(autumn.db, actor, autumn.contract_id, "2026-09", today=TODAY, now=NOW)
    close_autumn(autumn, "2026-09")
    for actor in (autumn.clerk, viewer):
        with pytest.raises(PermissionDeniedError):
            month_close.reopen(autumn.db, actor, autumn.contract_id, "2026-09", "이유", NOW)
        assert month_close.readiness(autumn.db, actor, autumn.contract_id, "2026-09", TODAY).standing is not None
        assert len(month_close.history(autumn.db, actor, autumn.contract_id)) == 1


def test_a_month_cannot_be_closed_twice(autumn: Complex, monkeypatch: pytest.MonkeyPatch) -> None:
    close_autumn(autumn, "2026-09")
    with pytest.raises(ConflictError) as again:
        month_close.close(autumn.db, autumn.admin, autumn.contract_id, "2026-09", today=TODAY, now=NOW)
    assert again.value.message == ("2026년 9월은(는) 이미 마감되어 있습니다 (2026-11-05 10:00 관리자(admin)). 다시 마감하려면 "
                                   "먼저 마감을 취소(재개방)하세요.")
    # Two administrators at once: both read "not closed", the partial unique index lets one stand.
    monkeypatch.setattr(month_close, "_standing", lambda *_a, **_k: None)
    with pytest.raises(ConflictError) as raced:
        month_close.close(autumn.db, autumn.admin, autumn.contract_id, "2026-09", today=TODAY, now=NOW)
    assert raced.value.message == "다른 관리자가 방금 2026년 9월을(를) 먼저 마감했습니다. 마감 기록을 다시 조회하세요."
    with autumn.db.session() as s:
        assert len(s.scalars(select(MonthClose)).all()) == 1


def test_a_month_is_written_as_yyyy_mm(autumn: Complex) -> None:
    for bad in ("2026-13", "2026-9", "26-09", "2026/09", ""):
        with pytest.raises(ServiceError) as refused:
            month_close.readiness(autumn.db, autumn.clerk, autumn.contract_id, bad, TODAY)
        assert "YYYY-MM(예: 2026-09)" in refused.value.message


def test_reopen_needs_a_reason_is_audited_and_the_month_changes_again(autumn: Complex) -> None:
    db, cid = autumn.db, autumn.contract_id
    ids = close_autumn(autumn)
    for reason in ("", "  "):
        with pytest.raises(ServiceError) as refused:
            month_close.reopen(db, autumn.admin, cid, "2026-10", reason, NOW)
        assert refused.value.message.startswith("마감을 취소(재개방)하는 사유를 입력하세요.")
    with pytest.raises(ConflictError):
        month_close.reopen(db, autumn.admin, cid, "2026-08", "닫힌 적 없는 달", NOW)
    later = at(date(2026, 11, 6), 14)
    said = month_close.reopen(db, autumn.admin, cid, "2026-10", "박산들 10월 현금 영수 날짜 정정", later)
    assert said == ("2026년 10월 마감을 취소했습니다(재개방). 이 달의 자료를 다시 고칠 수 있고, 2026-11-05 10:00 마감 "
                    "보고서는 '재개방으로 대체됨'으로 표시됩니다. 고친 뒤 다시 마감하세요.")
    # October takes changes again: cash received on 10-30 is October's own, not a correction
    receipt = cash.receive_cash(db, autumn.clerk, autumn.charge("1011002", "2026-09"), 180_000, date(2026, 10, 30),
                                today=date(2026, 11, 6))
    with db.session() as s:
        payment = s.get(Payment, receipt.payment_id)
        assert payment is not None and (payment.paid_on, payment.adjusts_period) == (date(2026, 10, 30), None)
    report = month_close.close_report(db, autumn.clerk, ids["2026-10"], today=date(2026, 11, 6), now=later)
    assert not report.row.standing and report.row.status_text == "대체됨"
    assert report.figures.total == HAND["2026-10"]  # what the council was given stays as it was
    assert report.changes == ("관리비 현금수납: 보고 0원 → 현재 180,000원",)
    assert report.recheck_text == "현재 다시 계산: 불일치 1건 — 재개방 뒤 바뀐 내용"
    assert "2026-10" not in month_close.closed_months(db, autumn.clerk, cid)
    again = month_close.close(db, autumn.admin, cid, "2026-10", today=date(2026, 11, 6), now=at(date(2026, 11, 6), 15))
    assert again.figures.total.cash == 180_000
    history = month_close.history(db, autumn.clerk, cid)
    assert [(r.period, r.status_text, r.reopen_reason) for r in history] == [
        ("2026-10", "마감", None), ("2026-10", "대체됨", "박산들 10월 현금 영수 날짜 정정"), ("2026-09", "마감", None)]
    assert history[1].reopened_by_text == "관리자(admin)" and history[1].reason_text.startswith("재개방: ")
    with db.session() as s:
        audits = [(a.action, a.target, json.loads(a.detail or "{}")) for a in s.scalars(
            select(AuditLog).where(AuditLog.action.in_(("month_closed", "month_reopened"))).order_by(AuditLog.id))]
    assert [(action, target.split()[-1]) for action, target, _d in audits] == [
        ("month_closed", "2026-09"), ("month_closed", "2026-10"), ("month_reopened", "2026-10"),
        ("month_closed", "2026-10")]
    assert audits[2][2]["reason"] == "박산들 10월 현금 영수 날짜 정정"
    assert audits[0][2]["unpaid"] == 390_000
