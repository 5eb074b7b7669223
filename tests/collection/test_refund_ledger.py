"""The ledger's REFUND kind: a refund returns part of what a charge received and releases the payer from
that part, so the outstanding amount does not move; it never returns more than was received, never
touches a charge the bank may be debiting, and a cash receipt already refunded cannot be reversed."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.models import Charge, LedgerEntry, LedgerKind, Refund, RefundKind
from app.services.collection import cash, ledger
from app.services.collection import requests as debits
from app.services.common.errors import ServiceError
from tests.collection.helpers import add_payer, at, check_invariants, mark_sent

D = date(2026, 4, 15)
NOW = at(date(2026, 4, 10))


def _debited(office, customer_no: str, debited: int, *, code: str | None = None) -> tuple[int, int]:
    """A 150,000원 payer whose April debit took `debited`: (customer id, charge id)."""
    p = add_payer(office.db, office.contract_id, customer_no, monthly=150_000, day=15)
    out = debits.request(office.db, office.admin, office.contract_id, D, [p.agreement_id], now=NOW)
    mark_sent(office.db, list(out.request_ids))
    with office.db.session() as s:
        ledger.apply_debit_outcome(s, out.request_ids[0], debited, code, at(D, 20))
        charge_id = s.scalar(select(Charge.id).where(Charge.agreement_id == p.agreement_id))
        assert charge_id is not None
    return p.customer_id, charge_id


def _refund_row(office, customer_id: int) -> int:
    with office.db.session() as s:
        row = Refund(contract_id=office.contract_id, customer_id=customer_id, kind=RefundKind.WITHDRAWAL,
                     reason_on=date(2026, 4, 10), due_on=date(2026, 4, 15), amount=0, created_by="test")
        s.add(row)
        s.flush()
        return row.id


def test_a_refund_lowers_what_was_received_and_leaves_the_outstanding_amount(office) -> None:
    customer_id, charge_id = _debited(office, "1", 150_000)
    refund_id = _refund_row(office, customer_id)
    with office.db.session() as s:
        ledger.lock_charges(s, [charge_id])
        ledger.post_refund(s, office.contract_id, refund_id, [(charge_id, 100_000)], date(2026, 4, 20), "clerk1")
    with office.db.session() as s:
        money = ledger.balance(s, charge_id)
        entry = s.scalars(select(LedgerEntry).where(LedgerEntry.kind == LedgerKind.REFUND)).one()
    assert (money.refunded, money.received, money.outstanding) == (100_000, 50_000, 0)
    assert (entry.refund_id, entry.amount, entry.entry_on) == (refund_id, 100_000, date(2026, 4, 20))
    check_invariants(office.db)


def test_a_refund_above_what_was_received_is_refused_and_writes_nothing(office) -> None:
    customer_id, charge_id = _debited(office, "1", 60_000, code="0021")  # 부분출금: 60,000 of 150,000
    refund_id = _refund_row(office, customer_id)
    with office.db.session() as s, pytest.raises(ServiceError, match=r"수납된 금액\(60,000원\)"):
        ledger.post_refund(s, office.contract_id, refund_id, [(charge_id, 60_001)], date(2026, 4, 20), "clerk1")
    with office.db.session() as s:
        assert s.scalars(select(LedgerEntry).where(LedgerEntry.kind == LedgerKind.REFUND)).all() == []


def test_a_charge_in_an_open_request_is_not_refunded(office) -> None:
    p = add_payer(office.db, office.contract_id, "1", monthly=150_000, day=15)
    debits.request(office.db, office.admin, office.contract_id, D, [p.agreement_id], now=NOW)
    refund_id = _refund_row(office, p.customer_id)
    with office.db.session() as s:
        charge_id = s.scalar(select(Charge.id).where(Charge.agreement_id == p.agreement_id))
        assert charge_id is not None
        with pytest.raises(ServiceError, match="이체의뢰대기 상태입니다"):
            ledger.post_refund(s, office.contract_id, refund_id, [(charge_id, 1)], date(2026, 4, 20), "clerk1")


def test_cash_already_refunded_cannot_be_reversed(office) -> None:
    customer_id, charge_id = _debited(office, "1", 0, code="0021")
    paid = cash.receive_cash(office.db, office.admin, charge_id, 150_000, date(2026, 4, 17), today=date(2026, 4, 17))
    refund_id = _refund_row(office, customer_id)
    with office.db.session() as s:
        ledger.post_refund(s, office.contract_id, refund_id, [(charge_id, 50_000)], date(2026, 4, 20), "clerk1")
    with pytest.raises(ServiceError, match="이미 반환한 금액"):
        cash.reverse_cash(office.db, office.admin, paid.payment_id, "잘못 입력")
    check_invariants(office.db)
