"""재처리의뢰 (only this month, retryable reasons, before the cut-off) and 현금수납 (and its reversal)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.models import Charge, DebitRequest, Payment, RequestKind, RequestState
from app.models.user import AuditLog
from app.services.collection import cash, ledger, retries
from app.services.collection import requests as debits
from app.services.common.errors import PermissionDeniedError, ServiceError
from tests.collection.helpers import add_payer, at, check_invariants, mark_sent

D = date(2026, 4, 15)
NOW = at(date(2026, 4, 10))
AFTER = at(date(2026, 4, 16), 12)  # results of the 15th are in


def _failed(office, customer_no: str = "1", *, code: str = "0021", debited: int = 0, monthly: int = 30_000,
            debit_date: date = D, day: int = 15, now=NOW) -> tuple[int, int]:
    """A payer (debit day `day`) whose debit on `debit_date` failed or was partial: (request id, charge id)."""
    p = add_payer(office.db, office.contract_id, customer_no, monthly=monthly, day=day)
    out = debits.request(office.db, office.admin, office.contract_id, debit_date, [p.agreement_id], now=now)
    mark_sent(office.db, list(out.request_ids))
    with office.db.session() as s:
        ledger.apply_debit_outcome(s, out.request_ids[0], debited, code, at(debit_date, 20))
        charge_id = s.scalar(select(Charge.id).where(Charge.agreement_id == p.agreement_id))
    return out.request_ids[0], charge_id


def test_a_failed_debit_is_retried_within_the_month(office) -> None:
    request_id, _charge = _failed(office)
    rows = retries.list_retry(office.db, office.admin, office.contract_id, now=AFTER)
    assert len(rows) == 1
    row = rows[0]
    assert (row.reason_text, row.retryable, row.can_retry, row.status_text) == ("잔액부족", True, True, "재처리의뢰 가능")
    assert row.retry_amount == 30_000 and not row.carried
    dates = retries.retry_dates(office.db, office.admin, office.contract_id, now=AFTER)
    assert dates[0] == date(2026, 4, 17) and dates[-1] == date(2026, 4, 30)
    with pytest.raises(ServiceError, match="재처리의뢰할 수 없습니다"):
        retries.retry(office.db, office.admin, office.contract_id, [request_id], date(2026, 5, 4), now=AFTER)
    with pytest.raises(ServiceError, match="재처리의뢰할 수 없습니다"):
        retries.retry(office.db, office.admin, office.contract_id, [request_id], date(2026, 4, 18), now=AFTER)  # Sat
    out = retries.retry(office.db, office.admin, office.contract_id, [request_id], date(2026, 4, 20), now=AFTER)
    assert out.kind is RequestKind.RETRY and out.total_amount == 30_000
    with office.db.session() as s:
        retry = s.get(DebitRequest, out.request_ids[0])
        assert retry.retry_of_id == request_id and retry.state is RequestState.WAITING
    again = retries.list_retry(office.db, office.admin, office.contract_id, now=AFTER)[0]
    assert not again.can_retry and again.why_not == "이미 재처리의뢰했습니다 (이체의뢰대기)"
    with pytest.raises(ServiceError):
        retries.retry(office.db, office.admin, office.contract_id, [request_id], date(2026, 4, 21), now=AFTER)
    # The retry fails too: it can itself be retried while days are left.
    mark_sent(office.db)
    with office.db.session() as s:
        ledger.apply_debit_outcome(s, out.request_ids[0], 0, "0021", at(date(2026, 4, 21), 11))
    chain = {r.request_id: r for r in retries.list_retry(office.db, office.admin, office.contract_id,
                                                        now=at(date(2026, 4, 21), 12))}
    assert chain[out.request_ids[0]].can_retry and not chain[request_id].can_retry
    check_invariants(office.db)


def test_a_partial_debit_is_retried_for_the_rest(office) -> None:
    _request_id, _charge = _failed(office, debited=10_000)
    row = retries.list_retry(office.db, office.admin, office.contract_id, now=AFTER)[0]
    assert row.state is RequestState.PARTIAL and row.retry_amount == 20_000


def test_non_retryable_reasons_and_cut_off_end_of_month_are_carried(office) -> None:
    closed, _c = _failed(office, "1", code="0031")
    row = retries.list_retry(office.db, office.admin, office.contract_id, now=AFTER)[0]
    assert row.reason_text == "계좌해지" and not row.retryable and not row.can_retry and row.carried
    assert "재처리의뢰로는 출금할 수 없는 사유" in row.why_not
    with pytest.raises(ServiceError, match="재처리의뢰할 수 없는 건"):
        retries.retry(office.db, office.admin, office.contract_id, [closed], date(2026, 4, 20), now=AFTER)
    # The 25th's failure (debited on Monday the 27th): the last cut-off of April (29th 14:00) passes.
    late, _c2 = _failed(office, "2", debit_date=date(2026, 4, 27), day=25, now=at(date(2026, 4, 20)))
    end = at(date(2026, 4, 29), 15)
    rows = {r.request_id: r for r in retries.list_retry(office.db, office.admin, office.contract_id, now=end)}
    assert retries.retry_dates(office.db, office.admin, office.contract_id, now=end) == []
    assert rows[late].carried and rows[late].status_text == "다음 달 이체의뢰로 이월"
    # Next month the failure is no longer listed for retry; its outstanding goes into May's request.
    assert retries.list_retry(office.db, office.admin, office.contract_id, now=at(date(2026, 5, 4))) == []
    may_25th = debits.debit_dates(office.db, office.admin, office.contract_id, 2026, 5)[-1].debit_date
    may = {r.customer_no: r for r in debits.list_due(office.db, office.admin, office.contract_id, may_25th,
                                                     include_outstanding=True, now=at(date(2026, 5, 4))).rows}
    assert may["2"].earlier_outstanding == 30_000 and may["2"].request_amount == 60_000


def test_cash_for_a_failed_charge_partial_then_full(office, clerk) -> None:
    request_id, charge_id = _failed(office)
    rows = cash.list_cash_candidates(office.db, clerk, office.contract_id, customer_no="1")
    assert [(r.charge_id, r.outstanding, r.reason_text, r.blocked) for r in rows] == [(charge_id, 30_000, "잔액부족", None)]
    assert cash.list_cash_candidates(office.db, clerk, office.contract_id, name="없는이름") == []
    with pytest.raises(ServiceError, match="현금수납 가능금액"):
        cash.receive_cash(office.db, clerk, charge_id, 30_001, date(2026, 4, 17))
    with pytest.raises(ServiceError, match="1원 이상"):
        cash.receive_cash(office.db, clerk, charge_id, 0, date(2026, 4, 17))
    first = cash.receive_cash(office.db, clerk, charge_id, 10_000, date(2026, 4, 17))
    assert first.outstanding_after == 20_000 and "20,000원" in first.message
    assert retries.list_retry(office.db, clerk, office.contract_id, now=AFTER)[0].retry_amount == 20_000
    done = cash.receive_cash(office.db, clerk, charge_id, 20_000, date(2026, 4, 17))
    assert done.outstanding_after == 0 and "완납" in done.message
    assert cash.list_cash_candidates(office.db, clerk, office.contract_id) == []
    row = retries.list_retry(office.db, clerk, office.contract_id, now=AFTER)[0]
    assert row.why_not == "현금수납으로 완납되었습니다"
    with pytest.raises(ServiceError):
        retries.retry(office.db, clerk, office.contract_id, [request_id], date(2026, 4, 20), now=AFTER)
    with office.db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "cash_received")) == 2
    check_invariants(office.db)


def test_cash_is_refused_while_the_charge_is_queued_or_in_flight(office) -> None:
    request_id, charge_id = _failed(office)
    retries.retry(office.db, office.admin, office.contract_id, [request_id], date(2026, 4, 20), now=AFTER)
    rows = cash.list_cash_candidates(office.db, office.admin, office.contract_id)
    assert rows[0].blocked == "이체의뢰대기 상태라 현금수납할 수 없습니다"
    with pytest.raises(ServiceError, match="이체의뢰대기 상태라 현금수납할 수 없습니다"):
        cash.receive_cash(office.db, office.admin, charge_id, 1_000, date(2026, 4, 17))
    mark_sent(office.db)
    with pytest.raises(ServiceError, match="이체의뢰중 상태"):
        cash.receive_cash(office.db, office.admin, charge_id, 1_000, date(2026, 4, 17))


def test_cash_only_for_failed_debits(office) -> None:
    p = add_payer(office.db, office.contract_id, "1", day=15)
    out = debits.request(office.db, office.admin, office.contract_id, D, [p.agreement_id], now=NOW)
    debits.withdraw(office.db, office.admin, out.request_ids[0], now=NOW)  # a charge that never failed
    with office.db.session() as s:
        charge_id = s.scalar(select(Charge.id).where(Charge.agreement_id == p.agreement_id))
    with pytest.raises(ServiceError, match="이체처리미완료인 청구만"):
        cash.receive_cash(office.db, office.admin, charge_id, 1_000, date(2026, 4, 17))


def test_reversal_by_an_administrator_makes_the_amount_outstanding_again(office, clerk) -> None:
    request_id, charge_id = _failed(office)
    receipt = cash.receive_cash(office.db, clerk, charge_id, 30_000, date(2026, 4, 17))
    with pytest.raises(PermissionDeniedError):
        cash.reverse_cash(office.db, clerk, receipt.payment_id, "잘못 입력")
    with pytest.raises(ServiceError, match="사유"):
        cash.reverse_cash(office.db, office.admin, receipt.payment_id, "  ")
    undone = cash.reverse_cash(office.db, office.admin, receipt.payment_id, "잘못 입력", on=date(2026, 4, 18))
    assert undone.outstanding_after == 30_000
    with pytest.raises(ServiceError, match="이미 취소한"):
        cash.reverse_cash(office.db, office.admin, receipt.payment_id, "다시")
    with pytest.raises(ServiceError, match="현금수납·계좌입금 건만"):
        cash.reverse_cash(office.db, office.admin, undone.payment_id, "취소의 취소")
    listed = cash.list_cash_payments(office.db, office.admin, office.contract_id, date(2026, 4, 1), date(2026, 4, 30))
    assert [(p.amount, p.reversed, p.reversal_reason) for p in listed] == [(30_000, True, "잘못 입력")]
    assert retries.list_retry(office.db, office.admin, office.contract_id, now=AFTER)[0].can_retry
    assert cash.list_cash_candidates(office.db, office.admin, office.contract_id)[0].outstanding == 30_000
    with office.db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "cash_reversed")) == 1
        assert s.scalar(select(func.count()).select_from(Payment)) == 2
    check_invariants(office.db)
    assert request_id
