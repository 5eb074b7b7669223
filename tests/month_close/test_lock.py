"""A closed month refuses every change — from the services, and from raw SQL on the engine without them —
while a correction lands in the open month as an adjustment naming the closed one, and the closed
month's figures do not move. Each refusal has its twin on an open month that goes through, so the test
would fail if the lock refused everything. September and October are closed on 2026-11-05."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Date, bindparam, func, select, text
from sqlalchemy.exc import DBAPIError

from app.database.engine import Database
from app.models import (
    Charge,
    CollectionItem,
    DebitRequest,
    DebitRequestLine,
    LedgerEntry,
    LedgerKind,
    MissedRemedy,
    MonthClose,
    Payment,
    PaymentMethod,
    Refund,
    RefundKind,
    RefundMethod,
    RefundState,
    RequestState,
)
from app.models.base import UtcDateTime, utcnow
from app.services.aggregates import month_close
from app.services.aggregates.month_close_report import month_figures
from app.services.collection import cash, cash_receipts, ledger, missed, refunds
from app.services.collection import requests as debits
from app.services.common.errors import MonthClosedError
from tests.apartment.complex import FAILED, FULL, ITEM, SEPTEMBER, Complex, at
from tests.collection.helpers import add_payer, check_invariants, mark_sent
from tests.month_close.helpers import NOW, TODAY, close_autumn
from tests.month_close.test_figures import HAND

MARK = "KSCMS_MONTH_CLOSED"


def _frozen(place: Complex) -> None:
    """September and October still come to what was reported."""
    for month in ("2026-09", "2026-10"):
        assert month_figures(place.db, place.clerk, place.contract_id, month, today=TODAY).total == HAND[month]


# --- from the services ---------------------------------------------------------------------------------


def test_cash_for_a_closed_month_is_recorded_today_naming_it(autumn: Complex) -> None:
    close_autumn(autumn)
    receipt = cash.receive_cash(autumn.db, autumn.clerk, autumn.charge("1022002", "2026-09"), 210_000,
                                date(2026, 9, 30), today=TODAY)
    assert receipt.message == ("현금 210,000원을 수납했습니다. 완납되었습니다. 2026-09은(는) 마감된 달이라 오늘(2026-11-05) "
                               "날짜의 정정으로 기록했습니다. 100,000원 이상이므로 2026-10-05까지 현금영수증을 발급하고 "
                               "현금영수증관리에서 승인번호를 입력하세요.")
    with autumn.db.session() as s:
        payment = s.get(Payment, receipt.payment_id)
        entry = s.scalar(select(LedgerEntry).where(LedgerEntry.payment_id == receipt.payment_id))
        assert payment is not None and entry is not None
        assert (payment.paid_on, payment.adjusts_period) == (TODAY, "2026-09")
        assert (entry.kind, entry.entry_on, entry.adjusts_period) == (LedgerKind.CASH, TODAY, "2026-09")
        assert entry.note == "2026-09-30 수납분 (2026-09 마감 후 정정)"
    _frozen(autumn)
    november = month_figures(autumn.db, autumn.clerk, autumn.contract_id, "2026-11", today=date(2026, 12, 5))
    assert november.total.cash == 320_000 + 210_000
    assert [(a.period, a.count, a.net) for a in november.adjustments] == [("2026-09", 1, 210_000)]
    check_invariants(autumn.db)


def test_reversing_a_closed_months_cash_lands_in_the_open_month(autumn: Complex) -> None:
    """최들녘 paid September's 210,000 at the office on 10-10; October is then closed, and the payment
    is found to be a mistake on 11-05. What stays allowed on the closed row: its 현금영수증 and its link."""
    paid = autumn.pay_cash("1022002", "2026-09", 210_000, date(2026, 10, 10), today=date(2026, 10, 10))
    close_autumn(autumn)
    october = month_figures(autumn.db, autumn.clerk, autumn.contract_id, "2026-10", today=TODAY)
    assert october.total.cash == 210_000
    change = cash_receipts.record_cash_receipt(autumn.db, autumn.clerk, paid, approval_no="123456789",
                                               issued_on=date(2026, 10, 12), self_issued=False, today=TODAY)
    assert change.changed
    undone = cash.reverse_cash(autumn.db, autumn.admin, paid, "다른 세대의 돈으로 잘못 기록", today=TODAY)
    assert undone.message.startswith("현금수납 210,000원을 취소했습니다. 미수납액은 210,000원입니다.")
    assert "현금영수증(123456789)은 홈택스에서 취소 발급하세요" in undone.message
    with autumn.db.session() as s:
        original, reversal = s.get(Payment, paid), s.get(Payment, undone.payment_id)
        assert original is not None and reversal is not None
        assert (original.paid_on, original.reversed_by_id, original.cash_receipt_no) == (
            date(2026, 10, 10), reversal.id, "123456789")
        assert (reversal.paid_on, reversal.adjusts_period, reversal.amount) == (TODAY, "2026-10", 210_000)
        entry = s.scalar(select(LedgerEntry).where(LedgerEntry.kind == LedgerKind.REVERSAL))
        assert entry is not None and (entry.entry_on, entry.adjusts_period) == (TODAY, "2026-10")
    after = month_figures(autumn.db, autumn.clerk, autumn.contract_id, "2026-10", today=TODAY)
    assert after == october
    november = month_figures(autumn.db, autumn.clerk, autumn.contract_id, "2026-11", today=date(2026, 12, 5))
    assert november.total.reversed == 210_000
    assert [(a.period, a.count, a.cash, a.reversed) for a in november.adjustments] == [("2026-10", 1, 0, 210_000)]
    check_invariants(autumn.db)


def _household_request(place: Complex, no: str) -> int:
    """The household's September request, sent to the bank and not answered."""
    out = debits.request(place.db, place.admin, place.contract_id, SEPTEMBER, [place.households[no].agreement_id],
                         now=at(date(2026, 9, 22), 9))
    mark_sent(place.db, list(out.request_ids))
    return out.request_ids[0]


def test_a_bank_result_for_a_closed_month_is_refused_until_it_is_reopened(complex_: Complex) -> None:
    complex_.debit(SEPTEMBER, {"1011001": FULL, "1011002": FAILED, "1022001": FULL})
    waiting = _household_request(complex_, "1022002")
    db, cid = complex_.db, complex_.contract_id
    outcome = month_close.close(db, complex_.admin, cid, "2026-09", today=TODAY, now=NOW,
                                override_reason="최들녘 결과 파일 지연, 은행 확인 중")
    assert outcome.missing_results == 1
    before = _counts(db)
    with pytest.raises(MonthClosedError) as refused, db.session() as s:
        ledger.apply_debit_outcome(s, waiting, 210_000, None, at(date(2026, 11, 6), 11))
    assert "마감된 달의 자료는 바꿀 수 없습니다" in refused.value.message
    assert _counts(db) == before
    with db.session() as s:
        request = s.get(DebitRequest, waiting)
        assert request is not None and request.state is RequestState.SENT
    month_close.reopen(db, complex_.admin, cid, "2026-09", "늦게 온 최들녘 결과 반영", NOW)
    with db.session() as s:
        ledger.apply_debit_outcome(s, waiting, 210_000, None, at(date(2026, 11, 6), 11))
    assert month_figures(db, complex_.clerk, cid, "2026-09", today=TODAY).total.debited == 780_000
    check_invariants(db)


def _counts(db: Database) -> tuple[int, int, int]:
    with db.session() as s:
        return (s.scalar(select(func.count()).select_from(Payment)) or 0,
                s.scalar(select(func.count()).select_from(LedgerEntry)) or 0,
                s.scalar(select(func.count()).select_from(Charge)) or 0)


def test_a_refund_paid_out_in_a_closed_month_is_refused(autumn: Complex) -> None:
    close_autumn(autumn)
    household = autumn.households["1011001"]
    refund_id = refunds.record_refund(autumn.db, autumn.clerk, household.customer_id, RefundKind.WITHDRAWAL,
                                      date(2026, 10, 2), today=TODAY)
    before = _counts(autumn.db)
    with pytest.raises(MonthClosedError):
        refunds.pay_refund(autumn.db, autumn.clerk, refund_id, date(2026, 10, 6), RefundMethod.TRANSFER, today=TODAY)
    assert _counts(autumn.db) == before
    with autumn.db.session() as s:
        refund = s.get(Refund, refund_id)
        assert refund is not None and refund.state is RefundState.DUE and refund.paid_on is None
    said = refunds.pay_refund(autumn.db, autumn.clerk, refund_id, TODAY, RefundMethod.TRANSFER, today=TODAY)
    assert "2026-11-05에 계좌이체로 지급했습니다" in said
    _frozen(autumn)


def test_a_charge_of_a_closed_month_cannot_be_created(autumn: Complex) -> None:
    """A household moved in for October and was never requested: leaving its October charge 미납 would
    create a charge of October, which is closed."""
    add_payer(autumn.db, autumn.contract_id, "1033001", "정여울", monthly=200_000, item=ITEM, day=25,
              first="2026-10")
    close_autumn(autumn)
    with autumn.db.session() as s:
        item_id = s.scalar(select(CollectionItem.id).where(CollectionItem.contract_id == autumn.contract_id,
                                                           CollectionItem.code == ITEM))
    assert item_id is not None
    before = _counts(autumn.db)
    with pytest.raises(MonthClosedError):
        missed.apply_remedy(autumn.db, autumn.clerk, autumn.contract_id, date(2026, 10, 26), item_id,
                            MissedRemedy.UNPAID, now=NOW)
    assert _counts(autumn.db) == before
    month_close.reopen(autumn.db, autumn.admin, autumn.contract_id, "2026-10", "입주 세대 10월분 미납 등록", NOW)
    done = missed.apply_remedy(autumn.db, autumn.clerk, autumn.contract_id, date(2026, 10, 26), item_id,
                               MissedRemedy.UNPAID, now=NOW)
    assert done.count == 1 and done.amount == 200_000


# --- from raw SQL on the engine ------------------------------------------------------------------------


def _attempt(db: Database, *statements: tuple[str, dict[str, Any]]) -> str | None:
    """Run the statements in one transaction on the engine (no service, no ORM), rolled back either way;
    the database's refusal as text, or None when it went through."""
    with db.engine.connect() as conn:
        trans = conn.begin()
        try:
            for sql, values in statements:
                types = [bindparam(k, type_=UtcDateTime() if k == "at" else Date()) for k, v in values.items()
                         if isinstance(v, date)]
                conn.execute(text(sql).bindparams(*types), values)
        except DBAPIError as error:
            trans.rollback()
            return str(error.orig)
        trans.rollback()
        return None


def _one(db: Database, stmt: Any) -> int:
    with db.session() as s:
        found = s.scalar(stmt)
        assert found is not None
        return int(found)


def _ids(place: Complex, month: str) -> dict[str, int]:
    """A charge, one of its ledger entries, a debit payment and a request line of `month`."""
    db, charge = place.db, place.charge("1011001", month)
    return {
        "charge": charge,
        "entry": _one(db, select(LedgerEntry.id).where(LedgerEntry.charge_id == charge,
                                                      LedgerEntry.kind == LedgerKind.CHARGE)),
        "payment": _one(db, select(Payment.id).where(Payment.charge_id == charge,
                                                    Payment.method == PaymentMethod.DEBIT)),
        "line": _one(db, select(DebitRequestLine.id).where(DebitRequestLine.charge_id == charge)),
    }


def _statements(place: Complex, month: str, day: date) -> dict[str, Sequence[tuple[str, dict[str, Any]]]]:
    ids = _ids(place, month)
    return {
        "UPDATE charge": [("UPDATE charge SET amount = amount + 1 WHERE id = :id", {"id": ids["charge"]})],
        "UPDATE ledger_entry": [("UPDATE ledger_entry SET amount = amount + 1 WHERE id = :id", {"id": ids["entry"]})],
        "DELETE FROM payment": [
            ("DELETE FROM ledger_entry WHERE payment_id = :id", {"id": ids["payment"]}),
            ("DELETE FROM payment WHERE id = :id", {"id": ids["payment"]})],
        "INSERT INTO ledger_entry": [(
            "INSERT INTO ledger_entry (contract_id, charge_id, kind, amount, entry_on, created_at) "
            "VALUES (:contract, :charge, 'CASH', 1000, :on, :at)",
            {"contract": place.contract_id, "charge": ids["charge"], "on": day, "at": utcnow()})],
        "UPDATE debit_request_line": [
            ("UPDATE debit_request_line SET is_open = NOT is_open WHERE id = :id", {"id": ids["line"]})],
    }


def test_raw_sql_cannot_change_a_closed_month_and_can_change_an_open_one(autumn: Complex) -> None:
    close_autumn(autumn)
    for name, statements in _statements(autumn, "2026-09", date(2026, 9, 30)).items():
        refusal = _attempt(autumn.db, *statements)
        assert refusal is not None and MARK in refusal, name
    for name, statements in _statements(autumn, "2026-11", date(2026, 11, 30)).items():
        assert _attempt(autumn.db, *statements) is None, name
    # the payment alone, without touching its ledger rows first, is refused by the lock, not by the key
    payment = _ids(autumn, "2026-09")["payment"]
    refusal = _attempt(autumn.db, ("DELETE FROM payment WHERE id = :id", {"id": payment}))
    assert refusal is not None and MARK in refusal
    # a cash entry dated in the closed month, on an open month's charge, is refused too
    refusal = _attempt(autumn.db, (
        "INSERT INTO ledger_entry (contract_id, charge_id, kind, amount, entry_on, created_at) "
        "VALUES (:contract, :charge, 'CASH', 1000, :on, :at)",
        {"contract": autumn.contract_id, "charge": autumn.charge("1011002", "2026-11"), "on": date(2026, 10, 31),
         "at": utcnow()}))
    assert refusal is not None and MARK in refusal
    # what stays allowed on a closed charge: its missed-cut-off remedy and version
    assert _attempt(autumn.db, ("UPDATE charge SET version_id = version_id + 1 WHERE id = :id",
                                {"id": autumn.charge("1011001", "2026-09")})) is None
    _frozen(autumn)


def test_raw_sql_cannot_delete_a_close_nor_reopen_it_without_a_reason(autumn: Complex) -> None:
    ids = close_autumn(autumn)
    september = ids["2026-09"]
    refusal = _attempt(autumn.db, ("DELETE FROM month_close WHERE id = :id", {"id": september}))
    assert refusal is not None and MARK in refusal
    refusal = _attempt(autumn.db, ("UPDATE month_close SET figures = '{}' WHERE id = :id", {"id": september}))
    assert refusal is not None and MARK in refusal
    refusal = _attempt(autumn.db, ("UPDATE month_close SET reopened_at = :at, reopened_by = 'admin', "
                                   "reopen_reason = '' WHERE id = :id", {"id": september, "at": utcnow()}))
    assert refusal is not None and "reopen_reason" in refusal
    assert _attempt(autumn.db, ("UPDATE month_close SET reopened_at = :at, reopened_by = 'admin', "
                                "reopen_reason = '확인' WHERE id = :id", {"id": september, "at": utcnow()})) is None
    with autumn.db.session() as s:
        assert s.scalar(select(func.count()).select_from(MonthClose).where(MonthClose.reopened_at.is_(None))) == 2


def test_raw_sql_cannot_reopen_a_close_with_no_reason_at_all(autumn: Complex) -> None:
    september = close_autumn(autumn, "2026-09")["2026-09"]
    refusal = _attempt(autumn.db, ("UPDATE month_close SET reopened_at = :at, reopened_by = 'admin' WHERE id = :id",
                                   {"id": september, "at": utcnow()}))
    assert refusal is not None


def test_raw_sql_cannot_store_a_close_with_missing_results_and_no_reason(autumn: Complex) -> None:
    refusal = _attempt(autumn.db, (
        "INSERT INTO month_close (contract_id, period, closed_at, closed_by, missing_results, figures) "
        "VALUES (:contract, '2026-09', :at, 'admin', 2, '{}')", {"contract": autumn.contract_id, "at": utcnow()}))
    assert refusal is not None
