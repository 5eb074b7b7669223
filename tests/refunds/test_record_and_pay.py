"""Recording a refund ends the agreement and stops the bank; paying it moves the ledger; the home line.

Hand computations: 수강료 100,000원 paid by the debit of 2026-04-15; withdrawn on 04-10 (9 of 30 days
gone, under 1/3): 2/3 = 66,666원 back, due 04-15.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.models import (
    AccountRegistration,
    AgreementStatus,
    DebitAgreement,
    LedgerEntry,
    LedgerKind,
    Refund,
    RefundKind,
    RefundMethod,
    RefundState,
    RegistrationKind,
    RegistrationState,
)
from app.models.user import AuditLog
from app.services.collection import cash, ledger, refunds
from app.services.collection import requests as debits
from app.services.common.errors import ConflictError, PermissionDeniedError, ServiceError
from app.services.home.refunds_due import refunds_due
from tests.collection.helpers import at, check_invariants, mark_sent
from tests.refunds.conftest import PIANO, Academy

REASON = date(2026, 4, 10)
TODAY = date(2026, 4, 20)


def _withdraw(academy: Academy, no: str = "1", name: str = "홍길동", *, today: date = TODAY) -> tuple[int, int, int]:
    """(refund id, charge id, agreement id) of a paid April withdrawn on 04-10."""
    payer = academy.payer(no, name)
    charge_id = academy.paid(payer, date(2026, 4, 15))
    refund_id = refunds.record_refund(academy.db, academy.clerk, payer.customer_id, RefundKind.WITHDRAWAL, REASON,
                                      note="전학", today=today)
    return refund_id, charge_id, payer.agreement_id


def test_recording_ends_the_agreement_and_queues_its_cancel(academy: Academy) -> None:
    refund_id, _charge, agreement_id = _withdraw(academy)
    with academy.db.session() as s:
        refund = s.get(Refund, refund_id)
        assert refund is not None
        assert (refund.state, refund.amount, refund.due_on, refund.kind, refund.note) == (
            RefundState.DUE, 66_666, date(2026, 4, 15), RefundKind.WITHDRAWAL, "전학")
        agreement = s.get(DebitAgreement, agreement_id)
        assert agreement is not None
        assert (agreement.status, agreement.last_month, agreement.ended_on) == (
            AgreementStatus.ENDED, "2026-04", TODAY)
        regs = [(r.kind, r.state) for r in s.scalars(select(AccountRegistration).where(
            AccountRegistration.agreement_id == agreement_id).order_by(AccountRegistration.id))]
        assert regs == [(RegistrationKind.NEW, RegistrationState.DONE),
                        (RegistrationKind.CANCEL, RegistrationState.WAITING)]
        # Looking at the refund changes nothing in the ledger.
        assert s.scalar(select(func.count()).select_from(LedgerEntry).where(
            LedgerEntry.kind == LedgerKind.REFUND)) == 0
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "refund_recorded")) == 1
    # No request for a later period: May's list does not have the payer at all, and asking is refused.
    may = debits.list_due(academy.db, academy.office.admin, academy.contract_id, date(2026, 5, 15),
                          now=at(date(2026, 5, 8)))
    assert all(row.agreement_id != agreement_id for row in may.rows)
    with pytest.raises(ServiceError):
        debits.request(academy.db, academy.office.admin, academy.contract_id, date(2026, 5, 15), [agreement_id],
                       now=at(date(2026, 5, 8)))


def test_a_second_refund_is_refused_until_the_first_is_cancelled(academy: Academy) -> None:
    refund_id, _charge, agreement_id = _withdraw(academy)
    with academy.db.session() as s:
        customer_id = s.scalar(select(Refund.customer_id).where(Refund.id == refund_id))
    with pytest.raises(ConflictError, match=f"이미 반환\\(#{refund_id}\\)"):
        refunds.record_refund(academy.db, academy.clerk, customer_id, RefundKind.WITHDRAWAL, REASON, today=TODAY)
    with pytest.raises(ConflictError, match="이미 반환"):
        refunds.record_refund(academy.db, academy.clerk, customer_id, RefundKind.COURSE_STOP, REASON,
                              agreement_id=agreement_id, today=TODAY)
    with pytest.raises(PermissionDeniedError):
        refunds.cancel_refund(academy.db, academy.clerk, refund_id, "날짜 잘못 입력")
    with pytest.raises(ServiceError, match="사유를 입력하세요"):
        refunds.cancel_refund(academy.db, academy.office.admin, refund_id, "  ")
    said = refunds.cancel_refund(academy.db, academy.office.admin, refund_id, "날짜 잘못 입력")
    assert "이체정보 해지(최종이체년월)와 보낸 해지 신청은 그대로 남습니다" in said
    with academy.db.session() as s:
        agreement = s.get(DebitAgreement, agreement_id)
        assert agreement is not None and agreement.status is AgreementStatus.ENDED
    # Corrected: withdrawn on 04-12 (11 of 30 days: 1/2).
    again = refunds.record_refund(academy.db, academy.clerk, customer_id, RefundKind.WITHDRAWAL, date(2026, 4, 12),
                                  today=TODAY)
    detail = refunds.get_refund(academy.db, academy.clerk, again)
    assert (detail.amount, detail.state, detail.items) == (50_000, RefundState.DUE, "수강료")
    refunds.pay_refund(academy.db, academy.clerk, again, TODAY, RefundMethod.CASH, today=TODAY)
    with pytest.raises(ConflictError, match="반환대기인 건만 취소"):
        refunds.cancel_refund(academy.db, academy.office.admin, again, "다시")
    with academy.db.session() as s:  # the cancel queued no second 해지
        assert s.scalar(select(func.count()).select_from(AccountRegistration).where(
            AccountRegistration.kind == RegistrationKind.CANCEL)) == 1


def test_refused_while_a_request_is_queued_or_in_flight(academy: Academy) -> None:
    payer = academy.payer("1", "홍길동")
    out = debits.request(academy.db, academy.office.admin, academy.contract_id, date(2026, 4, 15),
                         [payer.agreement_id], now=at(date(2026, 4, 9)))
    with pytest.raises(ConflictError, match=r"이체의뢰대기인 건이 있어.*의뢰취소한 뒤"):
        refunds.record_refund(academy.db, academy.clerk, payer.customer_id, RefundKind.WITHDRAWAL, REASON,
                              today=REASON)
    mark_sent(academy.db, list(out.request_ids))
    with pytest.raises(ConflictError, match=r"이체의뢰중인 건이 있어.*결과가 나온 뒤"):
        refunds.record_refund(academy.db, academy.clerk, payer.customer_id, RefundKind.WITHDRAWAL, REASON,
                              today=date(2026, 4, 15))
    with academy.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Refund)) == 0
        agreement = s.get(DebitAgreement, payer.agreement_id)
        assert agreement is not None and agreement.status is AgreementStatus.ACTIVE
        ledger.apply_debit_outcome(s, out.request_ids[0], 100_000, None, at(date(2026, 4, 15), 20))
    refund_id = refunds.record_refund(academy.db, academy.clerk, payer.customer_id, RefundKind.WITHDRAWAL, REASON,
                                      today=date(2026, 4, 15))
    assert refunds.get_refund(academy.db, academy.clerk, refund_id).amount == 66_666


def test_a_zero_refund_is_recorded_paid_and_still_ends_the_agreement(academy: Academy) -> None:
    payer = academy.payer("1", "홍길동")
    academy.paid(payer, date(2026, 4, 15))
    outcome = refunds.record_refund_outcome(academy.db, academy.clerk, payer.customer_id, RefundKind.WITHDRAWAL,
                                            date(2026, 4, 16), today=TODAY)
    assert (outcome.amount, outcome.state) == (0, RefundState.PAID)
    assert "0원이라 반환완료" in outcome.message and "2026-04까지로 해지" in outcome.message
    with academy.db.session() as s:
        agreement = s.get(DebitAgreement, payer.agreement_id)
        assert agreement is not None and agreement.status is AgreementStatus.ENDED
        assert refunds_due(s, academy.contract_id, TODAY) == []


def test_a_course_stop_ends_only_that_item(academy: Academy) -> None:
    tuition = academy.payer("1", "홍길동")
    piano = academy.payer("1", "홍길동", monthly=120_000, item=PIANO)
    academy.paid(tuition, date(2026, 4, 15))
    academy.paid(piano, date(2026, 4, 15))
    plan = refunds.plan_refund(academy.db, academy.clerk, tuition.customer_id, RefundKind.WITHDRAWAL, REASON,
                               sessions_held={piano.agreement_id: 2}, today=TODAY)
    assert [(ln.item_name, ln.amount) for ln in plan.lines] == [("수강료", 66_666), ("피아노", 80_000)]
    assert plan.amount == 146_666
    refund_id = refunds.record_refund(academy.db, academy.clerk, tuition.customer_id, RefundKind.COURSE_STOP, REASON,
                                      agreement_id=piano.agreement_id, sessions_held={piano.agreement_id: 3},
                                      today=TODAY)
    assert refunds.get_refund(academy.db, academy.clerk, refund_id).amount == 60_000
    with academy.db.session() as s:
        states = {a.id: a.status for a in s.scalars(select(DebitAgreement))}
    assert states == {tuition.agreement_id: AgreementStatus.ACTIVE, piano.agreement_id: AgreementStatus.ENDED}
    customers = refunds.refund_customers(academy.db, academy.clerk, academy.contract_id, "홍길")
    assert [(c.name, [a.item_name for a in c.agreements]) for c in customers] == [("홍길동", ["수강료"])]


def test_paying_moves_the_ledger_and_the_home_line(academy: Academy) -> None:
    refund_id, charge_id, _agreement = _withdraw(academy, today=date(2026, 4, 13))
    with academy.db.session() as s:
        [item] = refunds_due(s, academy.contract_id, date(2026, 4, 13))
        assert (item.key, item.count, item.amount, item.examples) == (
            "refunds", 1, 66_666, ("홍길동 66,666원 · 04-15까지 (D-2)",))
        [late] = refunds_due(s, academy.contract_id, date(2026, 4, 18))
        assert late.examples == ("홍길동 66,666원 · 기한 3일 지남",) and "기한이 지난 반환이 1건" in late.detail
        before = ledger.balance(s, charge_id)
    assert (before.received, before.outstanding) == (100_000, 0)
    with pytest.raises(ServiceError, match="지급일은 반환사유 발생일\\(2026-04-10\\)부터"):
        refunds.pay_refund(academy.db, academy.clerk, refund_id, date(2026, 4, 9), RefundMethod.TRANSFER,
                           today=date(2026, 4, 18))
    with pytest.raises(ServiceError, match="오늘\\(2026-04-18\\)"):
        refunds.pay_refund(academy.db, academy.clerk, refund_id, date(2026, 4, 19), RefundMethod.TRANSFER,
                           today=date(2026, 4, 18))
    said = refunds.pay_refund(academy.db, academy.clerk, refund_id, date(2026, 4, 18), RefundMethod.TRANSFER,
                              today=date(2026, 4, 18))
    assert said == "반환 66,666원을 2026-04-18에 계좌이체로 지급했습니다. 기한보다 3일 늦게 지급했습니다."
    with academy.db.session() as s:
        after = ledger.balance(s, charge_id)
        entries = [(e.kind, e.amount, e.entry_on, e.refund_id) for e in s.scalars(
            select(LedgerEntry).where(LedgerEntry.kind == LedgerKind.REFUND))]
        assert refunds_due(s, academy.contract_id, date(2026, 4, 18)) == []
    assert entries == [(LedgerKind.REFUND, 66_666, date(2026, 4, 18), refund_id)]
    assert (after.refunded, after.received, after.outstanding) == (66_666, 33_334, 0)
    detail = refunds.get_refund(academy.db, academy.clerk, refund_id)
    assert (detail.state, detail.paid_on, detail.paid_method, detail.paid_by) == (
        RefundState.PAID, date(2026, 4, 18), RefundMethod.TRANSFER, "clerk1")
    with pytest.raises(ConflictError, match="반환대기인 건만 지급 확인"):
        refunds.pay_refund(academy.db, academy.clerk, refund_id, date(2026, 4, 18), RefundMethod.CASH,
                           today=date(2026, 4, 18))
    check_invariants(academy.db)
    [row] = refunds.list_refunds(academy.db, academy.clerk, academy.contract_id, state=RefundState.PAID, search="홍길")
    assert (row.id, row.amount, row.items) == (refund_id, 66_666, "수강료")
    assert refunds.list_refunds(academy.db, academy.clerk, academy.contract_id, state=RefundState.DUE) == []


def test_a_cash_receipt_cannot_be_reversed_after_its_refund(academy: Academy) -> None:
    payer = academy.payer("1", "홍길동")
    charge_id = academy.paid(payer, date(2026, 4, 15), debited=0)
    receipt = cash.receive_cash(academy.db, academy.clerk, charge_id, 100_000, date(2026, 4, 16),
                                today=date(2026, 4, 16))
    refund_id = refunds.record_refund(academy.db, academy.clerk, payer.customer_id, RefundKind.WITHDRAWAL,
                                      date(2026, 4, 12), today=date(2026, 4, 17))  # 11 of 30 days: 1/2
    refunds.pay_refund(academy.db, academy.clerk, refund_id, date(2026, 4, 17), RefundMethod.CASH,
                       today=date(2026, 4, 17))
    with pytest.raises(ServiceError, match="이미 반환한 금액이 있어 현금수납을 취소할 수 없습니다"):
        cash.reverse_cash(academy.db, academy.office.admin, receipt.payment_id, "잘못 입력", on=date(2026, 4, 17))
    with academy.db.session() as s:
        bal = ledger.balance(s, charge_id)
    assert (bal.cash, bal.reversed, bal.refunded, bal.received) == (100_000, 0, 50_000, 50_000)
    check_invariants(academy.db)


def test_a_viewer_cannot_record_or_pay(academy: Academy, viewer) -> None:  # type: ignore[no-untyped-def]
    payer = academy.payer("1", "홍길동")
    academy.paid(payer, date(2026, 4, 15))
    with pytest.raises(PermissionDeniedError):
        refunds.record_refund(academy.db, viewer, payer.customer_id, RefundKind.WITHDRAWAL, REASON, today=TODAY)
    refund_id, _c, _a = _withdraw(academy, "2", "김둘")
    with pytest.raises(PermissionDeniedError):
        refunds.pay_refund(academy.db, viewer, refund_id, TODAY, RefundMethod.CASH, today=TODAY)
    assert len(refunds.list_refunds(academy.db, viewer, academy.contract_id)) == 1


def test_the_home_screen_carries_the_refund_until_it_is_paid(academy: Academy) -> None:
    from app.services.home import today as home

    refund_id, _charge, _agreement = _withdraw(academy, today=date(2026, 4, 13))
    before = home.summary(academy.db, academy.clerk, academy.contract_id, now=at(date(2026, 4, 13), 9))
    item = before.item("refunds")
    assert item is not None and (item.count, item.amount, item.examples) == (
        1, 66_666, ("홍길동 66,666원 · 04-15까지 (D-2)",))
    refunds.pay_refund(academy.db, academy.clerk, refund_id, date(2026, 4, 14), RefundMethod.CASH,
                       today=date(2026, 4, 14))
    after = home.summary(academy.db, academy.clerk, academy.contract_id, now=at(date(2026, 4, 14), 9))
    assert after.item("refunds") is None
