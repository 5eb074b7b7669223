"""정산내역현황: what the agency will settle into the institution's account, and whether it adds up.

The manual asks the clerk to check that the contracted 건당수수료 was applied and that the settled
amount is right, and to call 케이에스넷 고객센터 when it is not. This module computes the figures the
settlement should show and, beside them, the checks that tell the clerk when to call.

Rules (documented here because the contract holds only the fees, not the way they apply):

* **정산일** = the debit date plus :data:`SETTLEMENT_LAG` business days (D+2 on the bank calendar with
  the institution's own closed days). The agency settles each debit date's collections on that day.
* **이체수수료** = 출금된 건수 × 건당 이체수수료 of the contract. A request counts when the bank debited
  any of it (이체처리완료 or 부분출금); an 이체처리미완료 request is not charged.
* **계좌신청수수료** = 계좌신청완료 건수 × 건당 계좌신청수수료, for registrations requested in the period,
  per bank. They are not tied to a debit date, so they appear as their own table and are deducted
  from the period's total.
* **정산예정액** = 출금액 − 이체수수료 (per row) and, for the period, 출금액 − 이체수수료 − 계좌신청수수료.
* **반환** (학원: refunds to withdrawn students, app/services/collection/refunds.py) are paid by the
  institution itself, not by the agency, so they never change the 정산예정액; the refunds paid out in
  the period (by payout day) are listed beside it and netted from it as 반환 후 순수입
  (`net_after_refunds`), what the institution keeps of the period's collections.

Checks (each is a :class:`SettlementIssue` in Korean):

1. requests still 이체의뢰대기/이체의뢰중 although their result time (the business day after the debit
   date, at the contract's result time) has passed: the result file did not arrive or was not applied;
2. the ledger's DEBIT entries of a debit date and bank ≠ the requests' 출금액;
3. the ledger's DEBIT + FAIL entries ≠ the amount of the requests with a result;
4. a settlement row whose fees exceed what was debited (a negative settlement).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import Select, select

from app.database.engine import Database
from app.models import (
    AccountRegistration,
    Contract,
    Customer,
    DebitRequest,
    LedgerEntry,
    LedgerKind,
    Refund,
    RefundMethod,
    RefundState,
    RegistrationState,
    RequestState,
)
from app.services.aggregates.common import (
    CONTRACT_ID,
    END,
    START,
    as_int,
    params,
    reading,
    sum_figures,
    sum_if,
    total,
)
from app.services.common.calendar import SEOUL, seoul_datetime
from app.services.common.contract_calendar import contract_calendar
from app.services.common.periods import Period
from app.services.common.session import Actor
from app.services.exchange.cms.banks import bank_name

SETTLEMENT_LAG = 2
"""Business days from a debit date to its settlement (D+2)."""

CALL_AGENCY = "정산 내용이 맞지 않으면 케이에스넷 고객센터로 전화문의하여 확인하세요."

R = DebitRequest
L = LedgerEntry
RESULTED = (RequestState.DONE, RequestState.PARTIAL, RequestState.FAILED)
IN_PROGRESS = (RequestState.WAITING, RequestState.SENT)


@dataclass(frozen=True)
class SettlementFigures:
    request_count: int = 0
    debited_count: int = 0
    failed_count: int = 0
    debited_amount: int = 0
    debit_fee: int = 0

    @property
    def net_amount(self) -> int:
        return self.debited_amount - self.debit_fee


@dataclass(frozen=True)
class SettlementRow(SettlementFigures):
    debit_date: date = date.min
    settlement_date: date = date.min
    bank_code: str = ""
    bank: str = ""
    fee_per_debit: int = 0


@dataclass(frozen=True)
class RegistrationFeeRow:
    bank_code: str
    bank: str
    done_count: int
    fee_per_registration: int

    @property
    def fee(self) -> int:
        return self.done_count * self.fee_per_registration


@dataclass(frozen=True)
class SettlementIssue:
    debit_date: date | None
    bank: str
    message: str


@dataclass(frozen=True)
class SettlementRefund:
    """A refund paid out in the period (반환완료, more than 0원), by payout day."""

    refund_id: int
    paid_on: date
    customer_no: str
    customer_name: str
    amount: int
    method: str


@dataclass(frozen=True)
class Settlement:
    period: Period
    fee_per_debit: int
    fee_per_registration: int
    rows: tuple[SettlementRow, ...]
    registration_fees: tuple[RegistrationFeeRow, ...]
    issues: tuple[SettlementIssue, ...]
    total: SettlementFigures
    refunds: tuple[SettlementRefund, ...] = ()

    @property
    def refund_total(self) -> int:
        """반환금액: what the institution paid back in the period (never deducted by the agency)."""
        return sum(r.amount for r in self.refunds)

    @property
    def net_after_refunds(self) -> int:
        """반환 후 순수입: 정산예정액 − 반환금액."""
        return self.net_total - self.refund_total

    @property
    def registration_fee_total(self) -> int:
        return sum(r.fee for r in self.registration_fees)

    @property
    def fee_total(self) -> int:
        return self.total.debit_fee + self.registration_fee_total

    @property
    def net_total(self) -> int:
        """정산예정액 of the period: 출금액 − 이체수수료 − 계좌신청수수료."""
        return self.total.debited_amount - self.fee_total

    @property
    def consistent(self) -> bool:
        return not self.issues


_TERMS = select(Contract.fee_per_debit, Contract.fee_per_registration, Contract.result_time,
                Contract.year_end_closing).where(Contract.id == CONTRACT_ID)


@cache
def requests_statement() -> Select:
    """Requests of the period by debit date and bank: the settlement's figures and the pending ones."""
    resulted = R.state.in_(RESULTED)
    return (
        select(
            R.debit_date, R.bank_code,
            sum_if(resulted).label("request_count"),
            sum_if(R.debited_amount > 0).label("debited_count"),
            sum_if(R.state.in_((RequestState.FAILED, RequestState.PARTIAL))).label("failed_count"),
            total(R.debited_amount).label("debited_amount"),
            sum_if(resulted, R.amount).label("resulted_amount"),
            sum_if(R.state.in_(IN_PROGRESS)).label("pending_count"),
            sum_if(R.state.in_(IN_PROGRESS), R.amount).label("pending_amount"),
        )
        .where(R.contract_id == CONTRACT_ID, R.debit_date >= START, R.debit_date <= END,
               R.state != RequestState.WITHDRAWN)
        .group_by(R.debit_date, R.bank_code)
    )


@cache
def ledger_statement() -> Select:
    """The ledger's DEBIT and FAIL entries of the same requests, by the same keys (the cross-check)."""
    return (
        select(R.debit_date, R.bank_code,
               sum_if(L.kind == LedgerKind.DEBIT, L.amount).label("ledger_debit"),
               sum_if(L.kind == LedgerKind.FAIL, L.amount).label("ledger_fail"))
        .select_from(L)
        .join(R, R.id == L.debit_request_id)
        .where(L.contract_id == CONTRACT_ID, L.kind.in_((LedgerKind.DEBIT, LedgerKind.FAIL)),
               R.contract_id == CONTRACT_ID, R.debit_date >= START, R.debit_date <= END)
        .group_by(R.debit_date, R.bank_code)
    )


@cache
def registrations_statement() -> Select:
    reg = AccountRegistration
    return (
        select(reg.bank_code, sum_if(reg.state == RegistrationState.DONE).label("done_count"))
        .where(reg.contract_id == CONTRACT_ID, reg.requested_on >= START, reg.requested_on <= END)
        .group_by(reg.bank_code)
    )


@cache
def refunds_statement() -> Select:
    """Refunds paid out in the period (by payout day), with the payer, for the 반환 table."""
    return (
        select(Refund.id, Refund.paid_on, Refund.amount, Refund.paid_method, Customer.customer_no, Customer.name)
        .join(Customer, Customer.id == Refund.customer_id)
        .where(Refund.contract_id == CONTRACT_ID, Refund.state == RefundState.PAID, Refund.amount > 0,
               Refund.paid_on >= START, Refund.paid_on <= END)
        .order_by(Refund.paid_on, Refund.id)
    )


def settle(db: Database, actor: Actor, contract_id: int, period: Period, *, now: datetime) -> Settlement:
    """정산내역현황 of the period, with the checks as of `now` (aware)."""
    bound = params(contract_id, period)
    with reading(db, actor, contract_id) as conn:
        fee_debit, fee_registration, result_time, year_end = conn.execute(_TERMS, bound).one()
        calendar = contract_calendar(conn, contract_id, year_end)
        requests = sorted(conn.execute(requests_statement(), bound).all(), key=lambda r: (r.debit_date, r.bank_code))
        ledger = {(r.debit_date, r.bank_code): r for r in conn.execute(ledger_statement(), bound)}
        registrations = sorted(conn.execute(registrations_statement(), bound).all(), key=lambda r: r.bank_code)
        refunds = tuple(SettlementRefund(r.id, r.paid_on, r.customer_no, r.name, as_int(r.amount),
                                         RefundMethod(r.paid_method).label if r.paid_method else "")
                        for r in conn.execute(refunds_statement(), bound))

    rows: list[SettlementRow] = []
    issues: list[SettlementIssue] = []
    for r in requests:
        bank = bank_name(r.bank_code)
        debited_count, debited = as_int(r.debited_count), as_int(r.debited_amount)
        pending = as_int(r.pending_count)
        if pending:
            due = seoul_datetime(calendar.next_business_day(r.debit_date), result_time)
            if now >= due:
                issues.append(SettlementIssue(r.debit_date, bank, (
                    f"결과 시각({due.astimezone(SEOUL):%m-%d %H:%M})이 지났는데 {pending:,}건 "
                    f"{as_int(r.pending_amount):,}원이 아직 이체의뢰대기·이체의뢰중입니다. 결과 파일 수신을 확인하세요.")))
        found = ledger.get((r.debit_date, r.bank_code))
        ledger_debit = as_int(found.ledger_debit) if found else 0
        ledger_fail = as_int(found.ledger_fail) if found else 0
        if ledger_debit != debited:
            issues.append(SettlementIssue(r.debit_date, bank, (
                f"원장의 출금액 {ledger_debit:,}원이 이체결과의 출금액 {debited:,}원과 다릅니다.")))
        if ledger_debit + ledger_fail != as_int(r.resulted_amount):
            issues.append(SettlementIssue(r.debit_date, bank, (
                f"원장의 출금·불능 합계 {ledger_debit + ledger_fail:,}원이 결과가 나온 의뢰금액 "
                f"{as_int(r.resulted_amount):,}원과 다릅니다.")))
        if not as_int(r.request_count):
            continue  # nothing has a result yet: nothing to settle on this row
        row = SettlementRow(
            request_count=as_int(r.request_count), debited_count=debited_count, failed_count=as_int(r.failed_count),
            debited_amount=debited, debit_fee=debited_count * fee_debit, debit_date=r.debit_date,
            settlement_date=calendar.add_business_days(r.debit_date, SETTLEMENT_LAG), bank_code=r.bank_code,
            bank=bank, fee_per_debit=fee_debit,
        )
        if row.net_amount < 0:
            issues.append(SettlementIssue(r.debit_date, bank, (
                f"수수료 {row.debit_fee:,}원이 출금액 {debited:,}원보다 많아 정산액이 음수입니다.")))
        rows.append(row)
    fees = tuple(
        RegistrationFeeRow(r.bank_code, bank_name(r.bank_code), as_int(r.done_count), fee_registration)
        for r in registrations if as_int(r.done_count)
    )
    grand = sum_figures(SettlementFigures, rows)
    return Settlement(period, fee_debit, fee_registration, tuple(rows), fees, tuple(issues), grand, refunds)
