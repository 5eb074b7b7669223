"""A deterministic 집계 dataset written straight through the models, following the ledger's semantics.

Three billing months (2026-09 … 2026-11) of an academy with 24 customers and 3 items: debits that
succeed, fail (잔액부족, 계좌해지, 예금주 불일치) or succeed in part, retries within the month, cash
payments and one reversed cash payment, an earlier month's outstanding carried into the next request,
requests still waiting or sent past their result time, a withdrawn request, and account
registrations in every state. Every won is one ledger row exactly as `app.services.collection.ledger` writes it,
so the aggregates can be checked against the ledger summed independently in Python.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    AccountRegistration,
    Charge,
    CollectionItem,
    Customer,
    DebitAgreement,
    DebitRequest,
    DebitRequestLine,
    LedgerEntry,
    LedgerKind,
    Payment,
    PaymentMethod,
    RegistrationKind,
    RegistrationState,
    RequestKind,
    RequestState,
)
from tests.factories import Office

TODAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)  # 10:00 in Seoul
MONTHS = ("2026-09", "2026-10", "2026-11")
FIRST_DEBIT = {"2026-09": date(2026, 9, 7), "2026-10": date(2026, 10, 6), "2026-11": date(2026, 11, 5)}
SECOND_DEBIT = {"2026-09": date(2026, 9, 29), "2026-10": date(2026, 10, 26), "2026-11": date(2026, 11, 25)}
RETRY_DAY = {"2026-09": date(2026, 9, 15), "2026-10": date(2026, 10, 15), "2026-11": date(2026, 11, 16)}
CASH_DAY = date(2026, 10, 20)
REVERSAL_DAY = date(2026, 10, 22)
GRADES = ("초등3", "중1", "고2", None)
BANKS = ("004", "088", "020", "011", "045")
AMOUNTS = {"수강료": 300_000, "교재비": 30_000, "차량비": 50_000}
FAIL_REASONS = ("0021", "0031", "0014")


@dataclass
class Seeded:
    customers: int = 0
    agreements: int = 0
    requests: list[int] = field(default_factory=list)
    withdrawn: list[int] = field(default_factory=list)


class _Writer:
    """Writes rows the way the ledger module does, in one session."""

    def __init__(self, s: Session, contract_id: int) -> None:
        self.s = s
        self.contract_id = contract_id

    def entry(self, charge_id: int, kind: LedgerKind, amount: int, on: date, *, request_id: int | None = None,
              payment_id: int | None = None) -> None:
        if amount:
            self.s.add(LedgerEntry(contract_id=self.contract_id, charge_id=charge_id, kind=kind, amount=amount,
                                   entry_on=on, debit_request_id=request_id, payment_id=payment_id, created_by="seed"))

    def charge(self, agreement: DebitAgreement, period: str, discount: int) -> Charge:
        charge = Charge(contract_id=self.contract_id, agreement_id=agreement.id, period=period,
                        amount=agreement.monthly_amount, discount=discount)
        self.s.add(charge)
        self.s.flush()
        on = date(int(period[:4]), int(period[5:]), 1)
        self.entry(charge.id, LedgerKind.CHARGE, charge.amount, on)
        self.entry(charge.id, LedgerKind.DISCOUNT, discount, on)
        return charge

    def request(self, agreement: DebitAgreement, lines: list[tuple[Charge, int]], debit_date: date, period: str,
                kind: RequestKind = RequestKind.NORMAL) -> DebitRequest:
        request = DebitRequest(contract_id=self.contract_id, agreement_id=agreement.id, kind=kind,
                               state=RequestState.WAITING, debit_date=debit_date,
                               amount=sum(amount for _, amount in lines), debited_amount=0,
                               bank_code=agreement.bank_code, created_by="seed")
        self.s.add(request)
        self.s.flush()
        lines = sorted(lines, key=lambda pair: (pair[0].period, pair[0].id))
        for charge, amount in lines:
            self.s.add(DebitRequestLine(request_id=request.id, charge_id=charge.id, amount=amount, is_open=True))
        self.s.flush()
        requested_on = debit_date.replace(day=1)
        for charge, amount in lines:
            self.entry(charge.id, LedgerKind.REQUEST, amount, requested_on, request_id=request.id)
            if charge.period < period:
                self.entry(charge.id, LedgerKind.CARRY, amount, requested_on, request_id=request.id)
        return request

    def result(self, request: DebitRequest, debited: int, reason: str | None) -> None:
        """apply_debit_outcome's rules: allocate oldest charge first, DEBIT/FAIL entries, close lines."""
        lines = self.s.execute(
            select(DebitRequestLine, Charge.period).join(Charge, Charge.id == DebitRequestLine.charge_id)
            .where(DebitRequestLine.request_id == request.id).order_by(Charge.period, Charge.id)
        ).all()
        left = debited
        for line, _period in lines:
            paid = min(line.amount, left)
            left -= paid
            if paid:
                payment = Payment(contract_id=self.contract_id, charge_id=line.charge_id, method=PaymentMethod.DEBIT,
                                  amount=paid, paid_on=request.debit_date, debit_request_id=request.id)
                self.s.add(payment)
                self.s.flush()
                self.entry(line.charge_id, LedgerKind.DEBIT, paid, request.debit_date, request_id=request.id,
                           payment_id=payment.id)
            self.entry(line.charge_id, LedgerKind.FAIL, line.amount - paid, request.debit_date, request_id=request.id)
            line.is_open = False
        if debited == request.amount:
            request.state, request.reason_code = RequestState.DONE, None
        else:
            request.state = RequestState.PARTIAL if debited else RequestState.FAILED
            request.reason_code = reason
        request.debited_amount = debited
        request.result_at = datetime(request.debit_date.year, request.debit_date.month, request.debit_date.day,
                                     3, 0, tzinfo=UTC)
        self.s.flush()

    def cash(self, charge: Charge, amount: int, on: date) -> Payment:
        payment = Payment(contract_id=self.contract_id, charge_id=charge.id, method=PaymentMethod.CASH, amount=amount,
                          paid_on=on)
        self.s.add(payment)
        self.s.flush()
        self.entry(charge.id, LedgerKind.CASH, amount, on, payment_id=payment.id)
        return payment

    def reverse(self, payment: Payment, on: date) -> None:
        reversal = Payment(contract_id=self.contract_id, charge_id=payment.charge_id, method=PaymentMethod.CASH,
                           amount=payment.amount, paid_on=on, reversal_reason="착오 수납")
        self.s.add(reversal)
        self.s.flush()
        payment.reversed_by_id = reversal.id
        self.entry(payment.charge_id, LedgerKind.REVERSAL, payment.amount, on, payment_id=payment.id)


def _agreements(s: Session, office: Office) -> list[DebitAgreement]:
    items = {i.name: i.id for i in s.scalars(select(CollectionItem).where(CollectionItem.contract_id == office.contract_id))}
    agreements: list[DebitAgreement] = []
    for n in range(1, 25):
        customer = Customer(contract_id=office.contract_id, customer_no=f"C{n:04d}", name=f"학생{n:02d}",
                            grade=GRADES[n % len(GRADES)])
        s.add(customer)
        s.flush()
        names = ["수강료"] + (["교재비"] if n % 3 == 0 else []) + (["차량비"] if n % 4 == 0 else [])
        for name in names:
            monthly = AMOUNTS[name] + (n % 5) * 1000
            rate = 10 if (n % 5 == 0 and name == "수강료") else 5 if (n % 6 == 0 and name == "교재비") else 0
            agreement = DebitAgreement(
                customer_id=customer.id, item_id=items[name], debit_limit=1_000_000, monthly_amount=monthly,
                discount_rate=rate, discount_amount=monthly * rate // 100,
                first_month="2026-08", debit_day=25 if name == "차량비" else 5,
                bank_code=BANKS[(n + len(agreements)) % len(BANKS)], account_no_enc=b"sealed",
                account_no_hash=f"h{n:03d}{name}", account_last4=f"{1000 + n * 7 + len(agreements):04d}"[-4:],
                holder_name=f"보호자{n:02d}", holder_id="700101",
            )
            s.add(agreement)
            agreements.append(agreement)
    s.flush()
    return agreements


def seed(office: Office, *, seed_value: int = 20261127) -> Seeded:
    """Write the dataset; the same seed always writes the same rows."""
    rng = random.Random(seed_value)
    out = Seeded()
    with office.db.session() as s:
        w = _Writer(s, office.contract_id)
        agreements = _agreements(s, office)
        out.agreements = len(agreements)
        out.customers = 24
        carried: dict[int, Charge] = {}  # agreement id → an unpaid charge to carry into next month
        for month in MONTHS:
            for agreement in agreements:
                charge = w.charge(agreement, month, agreement.discount_amount)
                owed = charge.amount - charge.discount
                lines = [(charge, owed)]
                earlier = carried.pop(agreement.id, None)
                if earlier is not None:
                    lines.append((earlier, earlier.amount - earlier.discount))
                day = SECOND_DEBIT[month] if agreement.debit_day == 25 else FIRST_DEBIT[month]
                request = w.request(agreement, lines, day, month)
                out.requests.append(request.id)
                _outcome(w, rng, request, month, agreement, carried, charge, out)
        _registrations(s, office, agreements, rng)
    return out


def _outcome(w: _Writer, rng: random.Random, request: DebitRequest, month: str, agreement: DebitAgreement,
             carried: dict[int, Charge], charge: Charge, out: Seeded) -> None:
    if month == "2026-11" and request.debit_date == SECOND_DEBIT[month]:
        pick = rng.random()
        if pick < 0.4:
            request.state = RequestState.SENT  # its result (11-26 11:00) is late: 정산내역현황 must say so
        elif pick < 0.6:
            pass  # still 이체의뢰대기
        elif pick < 0.7:
            request.state = RequestState.WITHDRAWN  # withdrawn before sending: lines closed, memo entries gone
            for line in w.s.scalars(select(DebitRequestLine).where(DebitRequestLine.request_id == request.id)):
                line.is_open = False
            for entry in w.s.scalars(select(LedgerEntry).where(LedgerEntry.debit_request_id == request.id)):
                w.s.delete(entry)
            out.requests.remove(request.id)
            out.withdrawn.append(request.id)
        else:
            w.result(request, request.amount, None)
        return
    pick = rng.random()
    if pick < 0.72:
        w.result(request, request.amount, None)
        return
    if pick < 0.80:
        w.result(request, request.amount // 2, "0021")  # 부분출금
        return
    reason = FAIL_REASONS[int(rng.random() * len(FAIL_REASONS))]
    w.result(request, 0, reason)
    follow = rng.random()
    if reason == "0021" and follow < 0.5 and month != "2026-11":
        retry = w.request(agreement, [(charge, charge.amount - charge.discount)], RETRY_DAY[month], month,
                          RequestKind.RETRY)
        out.requests.append(retry.id)
        w.result(retry, retry.amount, None)
    elif month == "2026-10" and follow < 0.75:
        payment = w.cash(charge, charge.amount - charge.discount, CASH_DAY)
        if follow < 0.6:
            w.reverse(payment, REVERSAL_DAY)
    elif month != "2026-11":
        carried[agreement.id] = charge


def _registrations(s: Session, office: Office, agreements: list[DebitAgreement], rng: random.Random) -> None:
    states = (RegistrationState.DONE, RegistrationState.DONE, RegistrationState.FAILED, RegistrationState.SENT,
              RegistrationState.WAITING, RegistrationState.WITHDRAWN)
    for n, agreement in enumerate(agreements):
        s.add(AccountRegistration(
            contract_id=office.contract_id, agreement_id=agreement.id, kind=RegistrationKind.NEW,
            state=RegistrationState.DONE, bank_code=agreement.bank_code, account_no_enc=b"sealed",
            account_last4=agreement.account_last4, holder_id="700101", requested_on=date(2026, 8, 20),
        ))
        if n % 2 == 0:
            state = states[int(rng.random() * len(states))]
            s.add(AccountRegistration(
                contract_id=office.contract_id, agreement_id=agreement.id,
                kind=RegistrationKind.NEW if n % 4 else RegistrationKind.CANCEL, state=state,
                bank_code=agreement.bank_code, account_no_enc=b"sealed", account_last4=agreement.account_last4,
                holder_id="700101", requested_on=date(2026, 11, 2 + n % 24),
                reason_code="0012" if state is RegistrationState.FAILED else None,
            ))
    s.flush()
