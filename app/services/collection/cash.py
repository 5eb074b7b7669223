"""현금수납: a payer whose debit failed pays at the office; the clerk records it, an administrator may reverse it.

The manual limits 현금수납 to 이체처리미완료: only a charge with a failed debit (a FAIL entry) and an
outstanding amount is listed and accepted — or one whose debit date's cut-off was missed and for which
the clerk chose cash or 미납 (app/services/collection/missed.py): the bank never had it either. Cash is
refused while a request line holds the charge (queued or in flight): the bank may be debiting it at
that very moment, and cash on top would take the payer's money twice. Once the outstanding amount is
paid, no request or retry asks for it. The amount is 1 … outstanding (partial payments allowed).
Receiving and reversing are audited.

The day received is a real day of this charge's life: not after today (cash not yet in hand is not
received) and not before the month before the charge's period (a payer may hand over a month's fee
a little early, never years before; a typo such as 1900-01-01 or 9999-12-31 would otherwise land in
the month totals, the settlement and the 납입증명서 of the wrong year).

A 현금영수증 issued on the spot may be recorded with the receipt (`ReceiptEntry`): the approval number
and the day, or 자진발급. It is checked like a later 발급 입력 (app/services/collection/cash_receipts.py),
in the same unit of work: a bad number refuses the whole receipt and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, or_, select

from app.database.engine import Database
from app.models import (
    Charge,
    CollectionItem,
    Customer,
    DebitAgreement,
    DebitRequest,
    LedgerEntry,
    LedgerKind,
    MissedRemedy,
    Payment,
    PaymentMethod,
)
from app.services.collection import cash_receipts, ledger, month_lock
from app.services.collection.statements.reversal import free_reversed_part
from app.services.common import audit
from app.services.common.access import contract_for
from app.services.common.calendar import SEOUL
from app.services.common.errors import NotFoundError, ServiceError
from app.services.common.periods import add_months, first_day
from app.services.common.search import contains_text
from app.services.common.session import Actor
from app.services.exchange.cms.reasons import reason_text

ONLY_FAILED = ("이체처리미완료인 청구만 현금수납할 수 있습니다. 이체의뢰 마감을 놓친 청구는 홈 화면에서 "
               "'현금수납으로 받기'나 '미납으로 두기'를 고른 뒤 수납할 수 있습니다.")
MISSED_REASON = "이체의뢰 마감 놓침"
CASH_REMEDIES = (MissedRemedy.CASH, MissedRemedy.UNPAID)
"""A charge whose debit date's cut-off was missed, left 미납 or set for cash (app/services/collection/missed.py), may
be received in cash like a failed debit: the bank never had it, so nothing can debit it twice."""


def _cash_allowed(contract_id: int) -> ColumnElement[bool]:
    """SQL over Charge: a failed debit (a FAIL entry) or a missed cut-off the clerk chose cash or 미납 for."""
    failed = select(LedgerEntry.charge_id).where(LedgerEntry.contract_id == contract_id,
                                                 LedgerEntry.kind == LedgerKind.FAIL)
    return or_(Charge.id.in_(failed), Charge.missed_remedy.in_(CASH_REMEDIES))


@dataclass(frozen=True)
class CashRow:
    """A charge whose debit failed and that is still outstanding: what may be received in cash."""

    charge_id: int
    agreement_id: int
    customer_id: int
    customer_no: str
    customer_name: str
    item_id: int
    item_name: str
    period: str
    charge_amount: int  # charged less discount
    debited: int
    cash: int  # received in cash so far (reversals deducted)
    outstanding: int  # 현금수납 가능금액
    last_debit_date: date | None
    reason_code: str | None
    reason_text: str
    blocked: str | None  # why cash cannot be received now (queued or in flight), None when it can


@dataclass(frozen=True)
class CashReceipt:
    payment_id: int
    charge_id: int
    amount: int
    outstanding_after: int
    message: str


@dataclass(frozen=True)
class ReceiptEntry:
    """A 현금영수증 issued when the cash was handed over: its approval number and day, or 자진발급."""

    approval_no: str | None
    issued_on: date | None
    self_issued: bool = False


@dataclass(frozen=True)
class CashPaymentRow:
    payment_id: int
    charge_id: int
    customer_no: str
    customer_name: str
    item_name: str
    period: str
    amount: int
    paid_on: date
    created_by: str
    reversed: bool
    reversal_reason: str
    receipt: str = ""  # 현금영수증: 발급 MM-DD / 자진발급 MM-DD / 미발급 (D-n) / 미발급 · 기한 경과 n일; '' when not due
    method: str = PaymentMethod.CASH.label  # 현금수납, or 계좌입금 when it came from the bank statement


def list_cash_candidates(
    db: Database, actor: Actor, contract_id: int, *, item_id: int | None = None, customer_no: str | None = None,
    name: str | None = None,
) -> list[CashRow]:
    """Charges of the contract with a failed debit and an outstanding amount, by customer number and period."""
    stmt = (
        select(Charge, DebitAgreement, Customer, CollectionItem)
        .join(DebitAgreement, DebitAgreement.id == Charge.agreement_id)
        .join(Customer, Customer.id == DebitAgreement.customer_id)
        .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
        .where(Charge.contract_id == contract_id, _cash_allowed(contract_id))
        .order_by(Customer.customer_no, CollectionItem.code, Charge.period)
    )
    if item_id is not None:
        stmt = stmt.where(DebitAgreement.item_id == item_id)
    if customer_no:
        stmt = stmt.where(Customer.customer_no == customer_no.strip())
    if name:
        stmt = stmt.where(contains_text(Customer.name, name.strip()))
    with db.session() as s:
        contract_for(s, actor, contract_id)
        found = s.execute(stmt).all()
        ids = [c.id for c, _a, _cu, _i in found]
        money = ledger.balances(s, ids)
        held = ledger.open_lines(s, ids)
        last: dict[int, tuple[date, str | None]] = {}
        for charge_id, debit_date, code in s.execute(
            select(LedgerEntry.charge_id, DebitRequest.debit_date, DebitRequest.reason_code)
            .join(DebitRequest, DebitRequest.id == LedgerEntry.debit_request_id)
            .where(LedgerEntry.charge_id.in_(ids), LedgerEntry.kind == LedgerKind.FAIL)
            .order_by(DebitRequest.debit_date, DebitRequest.id)
        ):
            last[charge_id] = (debit_date, code)
    rows = []
    for charge, agreement, customer, item in found:
        bal = money[charge.id]
        if bal.outstanding <= 0:
            continue
        hold = held.get(charge.id)
        last_date, code = last.get(charge.id, (charge.missed_debit_date, None))
        rows.append(CashRow(
            charge_id=charge.id, agreement_id=agreement.id, customer_id=customer.id, customer_no=customer.customer_no,
            customer_name=customer.name, item_id=item.id, item_name=item.name, period=charge.period,
            charge_amount=bal.owed, debited=bal.debited, cash=bal.cash_net, outstanding=bal.outstanding,
            last_debit_date=last_date, reason_code=code,
            reason_text=reason_text(code) if code or charge.missed_remedy is None else MISSED_REASON,
            blocked=f"{hold[1].label} 상태라 현금수납할 수 없습니다" if hold else None,
        ))
    return rows


def earliest_receipt_day(period: str) -> date:
    """The first day cash for a charge of `period` (YYYY-MM) may be recorded: the 1st of the month before."""
    return first_day(add_months(period, -1))


def check_received_on(received_on: date, period: str, today: date) -> None:
    """Refuse a day received after `today` or before `earliest_receipt_day(period)`, saying which days fit."""
    if isinstance(received_on, datetime) or not isinstance(received_on, date):
        raise ServiceError("수납일은 날짜(YYYY-MM-DD)로 입력하세요.")
    if received_on > today:
        raise ServiceError(f"수납일 {received_on:%Y-%m-%d}은(는) 오늘({today:%Y-%m-%d}) 뒤의 날짜입니다. "
                           "실제로 현금을 받은 날(오늘까지)을 입력하세요.")
    earliest = earliest_receipt_day(period)
    if received_on < earliest:
        raise ServiceError(f"수납일 {received_on:%Y-%m-%d}은(는) 청구년월({period})보다 너무 이릅니다. "
                           f"{earliest:%Y-%m-%d}부터 오늘까지의 날짜를 입력하세요.")


def receive_cash(db: Database, actor: Actor, charge_id: int, amount: int, received_on: date, *,
                 today: date | None = None, receipt: ReceiptEntry | None = None) -> CashReceipt:
    """Record `amount` won received in cash against a failed, outstanding charge (partial allowed).

    `today` is the office's date (the screens pass their clock's); the day received must lie between
    the month before the charge's period and today (`check_received_on`). `receipt`, when given, is
    the 현금영수증 issued for it (checked as `cash_receipts.apply_receipt` checks a later entry).
    Nothing is written unless all of it is accepted.
    """
    actor.require_edit()
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ServiceError("수납금액은 원 단위 정수로 입력하세요.")
    today = today or datetime.now(SEOUL).date()
    with db.session() as s:
        contract_id = s.scalar(select(Charge.contract_id).where(Charge.id == charge_id))
    if contract_id is None:
        raise NotFoundError("청구를 찾을 수 없습니다. 목록을 다시 조회하세요.")
    with ledger.money_session(db, contract_id) as s:
        contract = contract_for(s, actor, contract_id)
        charge = ledger.lock_charges(s, [charge_id])[charge_id]
        if not s.scalar(select(Charge.id).where(Charge.id == charge_id, _cash_allowed(contract_id))):
            raise ServiceError(ONLY_FAILED)
        check_received_on(received_on, charge.period, today)
        if receipt is not None:  # refused before any money is written
            cash_receipts.approval_number(receipt.approval_no, self_issued=receipt.self_issued)
            cash_receipts.check_issued_on(receipt.issued_on, received_on, today)
        # Cash received in a month already closed is recorded today, as a correction naming that month.
        booked_on, adjusts = month_lock.adjustment_day(s, contract_id, received_on, today)
        note = f"{received_on:%Y-%m-%d} 수납분 ({adjusts} 마감 후 정정)" if adjusts else None
        payment = ledger.post_cash(s, charge, amount, booked_on, actor.login_id, adjusts_period=adjusts, note=note)
        left = ledger.outstanding(s, charge_id)
        audit.record(s, "cash_received", actor=actor, target=f"{contract.institution_code} 청구 {charge.period}",
                     detail={"charge_id": charge_id, "payment_id": payment.id, "amount": amount,
                             "received_on": received_on.isoformat(), "outstanding_after": left,
                             **({"adjusts_period": adjusts} if adjusts else {})})
        if receipt is not None:
            cash_receipts.apply_receipt(s, actor, payment, contract.institution_code, approval_no=receipt.approval_no,
                                        issued_on=receipt.issued_on, self_issued=receipt.self_issued, today=today)
        payment_id = payment.id
    done = "완납되었습니다" if left == 0 else f"남은 미수납액은 {left:,}원입니다"
    closed = (f" {adjusts}은(는) 마감된 달이라 오늘({booked_on:%Y-%m-%d}) 날짜의 정정으로 기록했습니다."
              if adjusts else "")
    return CashReceipt(payment_id, charge_id, amount, left,
                       f"현금 {amount:,}원을 수납했습니다. {done}.{closed}{_receipt_note(amount, receipt, received_on)}")


def _receipt_note(amount: int, receipt: ReceiptEntry | None, received_on: date) -> str:
    """What the clerk must still do about the 현금영수증 (nothing when one was recorded or none is due)."""
    if receipt is not None:
        return " 현금영수증 발급도 기록했습니다."
    if amount < cash_receipts.THRESHOLD:
        return ""
    deadline = cash_receipts.deadline_of(received_on)
    return (f" {cash_receipts.THRESHOLD:,}원 이상이므로 {deadline:%Y-%m-%d}까지 현금영수증을 발급하고 "
            "현금영수증관리에서 승인번호를 입력하세요.")


def reverse_cash(db: Database, actor: Actor, payment_id: int, reason: str, *, on: date | None = None,
                 today: date | None = None) -> CashReceipt:
    """현금수납 취소 (administrators): the amount is outstanding again; the original stays, marked reversed.

    Undoing a payment of a closed month records the reversal on `today`, naming the closed month."""
    actor.require_admin()
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("현금수납을 취소하는 사유를 입력하세요.")
    with db.session() as s:
        found = s.execute(select(Payment.contract_id, Payment.charge_id).where(Payment.id == payment_id)).first()
    if found is None:
        raise NotFoundError("수납 내역을 찾을 수 없습니다. 목록을 다시 조회하세요.")
    contract_id, charge_id = found
    with ledger.money_session(db, contract_id) as s:
        contract = contract_for(s, actor, contract_id)
        ledger.lock_charges(s, [charge_id])
        payment = s.scalar(select(Payment).where(Payment.id == payment_id).with_for_update())
        assert payment is not None
        when, adjusts = month_lock.adjustment_day(s, contract_id, on or payment.paid_on,
                                                  today or datetime.now(SEOUL).date())
        reversal = ledger.post_reversal(s, payment, reason, when, actor.login_id, adjusts_period=adjusts)
        # A 계좌입금 from the bank statement: its part of the deposit is free again (미처리), same transaction.
        freed = free_reversed_part(s, payment_id, actor.login_id)
        left = ledger.outstanding(s, charge_id)
        audit.record(s, "cash_reversed", actor=actor, target=f"{contract.institution_code} 수납 {payment_id}",
                     detail={"payment_id": payment_id, "reversal_id": reversal.id, "amount": payment.amount,
                             "reason": reason[:200], **({"statement_line_id": freed.id} if freed else {})})
        amount, reversal_id, method = payment.amount, reversal.id, payment.method.label
        issued = payment.cash_receipt_no or ("자진발급" if payment.cash_receipt_self else None)
    # The 현금영수증 issued for it stands at 국세청 until the office cancels it there (this desk only records it).
    receipt = f" 이 수납에 발급한 현금영수증({issued})은 홈택스에서 취소 발급하세요." if issued else ""
    deposit = " 통장 입금은 통장입금대사의 미처리 목록으로 돌아갔습니다." if freed else ""
    return CashReceipt(reversal_id, charge_id, amount, left,
                       f"{method} {amount:,}원을 취소했습니다. 미수납액은 {left:,}원입니다.{receipt}{deposit}")


def list_cash_payments(
    db: Database, actor: Actor, contract_id: int, date_from: date, date_to: date, *, today: date | None = None
) -> list[CashPaymentRow]:
    """Cash received between the dates (reversing rows are not listed; the reversed one says so), each
    with its 현금영수증 state as of `today` (`cash_receipts.receipt_states`). 계좌입금 from the bank
    statement is listed too, with its method: for the payer and the 현금영수증 it is cash as well."""
    today = today or datetime.now(SEOUL).date()
    with db.session() as s:
        contract_for(s, actor, contract_id)
        reasons: dict[int, str] = {payment_id: why for payment_id, why in s.execute(
            select(Payment.id, Payment.reversal_reason).where(
                Payment.contract_id == contract_id, Payment.reversal_reason.is_not(None))) if why is not None}
        rows = s.execute(
            select(Payment, Charge.period, Customer.customer_no, Customer.name, CollectionItem.name)
            .join(Charge, Charge.id == Payment.charge_id)
            .join(DebitAgreement, DebitAgreement.id == Charge.agreement_id)
            .join(Customer, Customer.id == DebitAgreement.customer_id)
            .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
            .where(Payment.contract_id == contract_id, Payment.method.in_(ledger.OUTSIDE_DEBIT),
                   Payment.reversal_reason.is_(None), Payment.paid_on >= date_from, Payment.paid_on <= date_to)
            .order_by(Payment.paid_on, Payment.id)
        ).all()
        receipts = cash_receipts.receipt_states([p for p, *_rest in rows], today)
    return [CashPaymentRow(p.id, p.charge_id, no, name, item, period, p.amount, p.paid_on, p.created_by or "",
                           p.reversed_by_id is not None, reasons.get(p.reversed_by_id, "") if p.reversed_by_id else "",
                           receipts[p.id], p.method.label)
            for p, period, no, name, item in rows]
