"""What each deposit of a statement most likely pays, how sure that is, and why (looking never writes).

A deposit is read against the charges cash may take (`cash.list_cash_candidates`: a failed debit or
a missed cut-off, something outstanding), grouped by payer, in three ways:

* by name (`names`): the depositor is the customer, the student, the 보호자 or the account holder,
  exactly, by a habit ('김민준모') or in part (a name the bank cut);
* by amount: the deposit equals one charge's outstanding amount, or the oldest k (or all) of one
  payer's charges together (oldest first, as a debit is allocated); a named payer's deposit that
  equals none of them is a partial payment (oldest first) or an overpayment (all, the rest `excess`,
  flagged and never applied);
* by date: a deposit on or after the failed debit's date answers the failure; one before it is less
  sure, and says so.

Confidence: SURE only for an exact name, an exact amount, after the failure, and no other payer who
fits as well; a habit, a part of a name, a different amount or a deposit before the failure is
LIKELY or DOUBTFUL; an amount alone (no name) is DOUBTFUL, and so is any reading another payer fits
equally ('같은 금액의 미납 고객이 2명'). NONE says why nothing was found.

Within one statement the deposits never propose more than a charge's outstanding amount in total:
sure ones are placed first, then the likely and the doubtful, each group by date, each deposit
reserving what it proposes. A deposit read
before (its identity is stored) is not proposed again; it says what became of it. A charge held by a
request in flight is never proposed (the bank may be debiting it); a payer's reason says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from app.database.engine import Database
from app.models import Customer, DebitAgreement, StatementLine, StatementLineState
from app.services.collection import cash, month_lock
from app.services.collection.cash import CashRow
from app.services.collection.statements.applying import pending_lines
from app.services.collection.statements.model import (
    MAX_DEPOSITS,
    Allocation,
    Confidence,
    Deposit,
    Proposal,
    StatementFile,
)
from app.services.collection.statements.names import NameHit, NameIndex, NameMatch, PayerNames, clean
from app.services.common.access import contract_for
from app.services.common.calendar import SEOUL
from app.services.common.errors import ServiceError
from app.services.common.periods import month_of
from app.services.common.session import Actor

MAX_ALTERNATIVES = 5
"""Other readings offered beside the proposal; the clerk's 변경 searches all the rest."""
MAX_SEARCH = 50
"""Characters of a 변경 search that are looked at."""

_ORDER = {Confidence.SURE: 3, Confidence.LIKELY: 2, Confidence.DOUBTFUL: 1, Confidence.NONE: 0}


@dataclass
class _Payer:
    customer_id: int
    customer_no: str
    name: str
    charges: list[CashRow] = field(default_factory=list)  # cash may take them: oldest first
    blocked: list[CashRow] = field(default_factory=list)  # held by a request in flight


@dataclass(frozen=True)
class _Reading:
    """One way to read a deposit: this payer's charges, by name, amount or both."""

    payer: _Payer
    hit: NameHit | None
    parts: tuple[tuple[CashRow, int], ...]
    exact_amount: bool
    excess: int
    fail_day: date | None
    missed_only: bool  # the charges were never debited (a missed cut-off), so the day is the debit date
    on: date
    owed: int  # what the payer's charges that the deposit may pay have left, together

    @property
    def before_failure(self) -> bool:
        return self.fail_day is not None and self.on < self.fail_day

    @property
    def grade(self) -> Confidence:
        """How sure this reading is on its own (before another payer fitting as well is considered)."""
        if self.hit is None:
            return Confidence.DOUBTFUL
        if self.exact_amount and self.hit.kind is NameMatch.EXACT:
            return Confidence.LIKELY if self.before_failure else Confidence.SURE
        if self.exact_amount or self.hit.kind is NameMatch.EXACT:
            return Confidence.DOUBTFUL if self.before_failure else Confidence.LIKELY
        return Confidence.DOUBTFUL

    @property
    def key(self) -> tuple[int, int, int, int, int, str]:
        """Best first: surer, better name, exact amount, after the failure, nothing left over."""
        return (_ORDER[self.grade], self.hit.kind.rank if self.hit else 0, int(self.exact_amount),
                int(not self.before_failure), -self.excess, self.payer.customer_no)

    @property
    def likeness(self) -> tuple[int, bool]:
        """What two readings must share to be equally good: the name's strength and an exact amount."""
        return (self.hit.kind.rank if self.hit else 0, self.exact_amount)

    def allocations(self) -> tuple[Allocation, ...]:
        p = self.payer
        return tuple(Allocation(row.charge_id, p.customer_id, p.customer_no, p.name, row.item_name, row.period, won,
                                row.outstanding) for row, won in self.parts)


@dataclass
class _Book:
    """The payers, what each charge has left to propose, and an index of the amounts that fit exactly."""

    payers: dict[int, _Payer]
    names: NameIndex  # payers with something cash may take
    everyone: NameIndex  # every customer of the contract (to say "미납 없음")
    customer_names: dict[int, str]
    free: dict[int, int] = field(default_factory=dict)  # charge id → won not yet proposed by this statement
    by_amount: dict[int, set[int]] = field(default_factory=dict)
    amounts_of: dict[int, set[int]] = field(default_factory=dict)
    first_amounts: set[int] = field(default_factory=set)  # amounts that fit before anything was reserved

    def __post_init__(self) -> None:
        for payer in self.payers.values():
            for row in payer.charges:
                self.free[row.charge_id] = row.outstanding
            self._index(payer)
        self.first_amounts = {amount for amount, who in self.by_amount.items() if who}

    def _index(self, payer: _Payer) -> None:
        for amount in self.amounts_of.pop(payer.customer_id, set()):
            self.by_amount.get(amount, set()).discard(payer.customer_id)
        amounts: set[int] = set()
        running = 0
        for row in payer.charges:
            left = self.free[row.charge_id]
            if left > 0:
                running += left
                amounts.update((left, running))
        self.amounts_of[payer.customer_id] = amounts
        for amount in amounts:
            self.by_amount.setdefault(amount, set()).add(payer.customer_id)

    def usable(self, payer: _Payer, on: date) -> list[tuple[CashRow, int]]:
        """The payer's charges with something left that a deposit of `on` may pay (not before the month before)."""
        return [(row, self.free[row.charge_id]) for row in payer.charges
                if self.free[row.charge_id] > 0 and cash.earliest_receipt_day(row.period) <= on]

    def reserve(self, reading: _Reading) -> None:
        for row, won in reading.parts:
            self.free[row.charge_id] -= won
        self._index(reading.payer)


def _fit(usable: list[tuple[CashRow, int]], amount: int) -> tuple[tuple[tuple[CashRow, int], ...], bool, int]:
    """(parts, exact, excess): the oldest k charges or one charge that make `amount`; else oldest first."""
    running = 0
    for k, (_row, left) in enumerate(usable, start=1):
        running += left
        if running == amount:
            return tuple(usable[:k]), True, 0
        if running > amount:
            break
    for row, left in usable:
        if left == amount:
            return ((row, left),), True, 0
    parts: list[tuple[CashRow, int]] = []
    rest = amount
    for row, left in usable:
        if rest <= 0:
            break
        won = min(left, rest)
        parts.append((row, won))
        rest -= won
    return tuple(parts), False, max(rest, 0)


def _reading(book: _Book, payer: _Payer, hit: NameHit | None, deposit: Deposit, amount: int) -> _Reading | None:
    usable = book.usable(payer, deposit.occurred_on)
    if not usable:
        return None
    parts, exact, excess = _fit(usable, amount)
    if hit is None and not exact:
        return None
    days = [row.last_debit_date for row, _won in parts if row.last_debit_date is not None]
    missed = all(row.reason_code is None for row, _won in parts)
    return _Reading(payer, hit, parts, exact, excess, max(days) if days else None, missed, deposit.occurred_on,
                    sum(left for _row, left in usable))


def _readings(book: _Book, deposit: Deposit, amount: int) -> tuple[list[_Reading], dict[int, NameHit]]:
    """Every reading of the deposit, best first, and the payers its depositor names."""
    named = book.names.match(deposit.depositor)
    found: list[_Reading] = []
    for customer_id, hit in named.items():
        reading = _reading(book, book.payers[customer_id], hit, deposit, amount)
        if reading is not None:
            found.append(reading)
    for customer_id in sorted(book.by_amount.get(amount, ())):
        if customer_id not in named:
            reading = _reading(book, book.payers[customer_id], None, deposit, amount)
            if reading is not None:
                found.append(reading)
    found.sort(key=lambda r: r.key, reverse=True)
    return found, named


def _months(periods: Sequence[str]) -> str:
    """'2026-12', '2026-10·11월' (one year) or '2026-12·2027-01'."""
    ordered = sorted(set(periods))
    if len(ordered) == 1:
        return ordered[0]
    if len({p[:4] for p in ordered}) == 1:
        return f"{ordered[0][:4]}-{'·'.join(p[5:] for p in ordered)}월"
    return "·".join(ordered)


def _amount_reason(reading: _Reading, amount: int) -> str:
    rows = [row for row, _won in reading.parts]
    if reading.exact_amount:
        if len(rows) == 1:
            return f"금액 {amount:,}원 = {rows[0].period} {rows[0].item_name} 미납"
        periods = [row.period for row in rows]
        if len(set(periods)) == 1:
            items = "·".join(dict.fromkeys(row.item_name for row in rows))
            return f"금액 {amount:,}원 = {periods[0]} {items} 미납 합계"
        return f"금액 {amount:,}원 = {_months(periods)} 미납 합계"
    if reading.excess:
        return f"금액 {amount:,}원 > 미납 합계 {reading.owed:,}원: {reading.excess:,}원 초과 (반영하지 않음)"
    return f"금액 {amount:,}원 < 미납 합계 {reading.owed:,}원: 일부 입금"


def _date_reason(reading: _Reading) -> str | None:
    if reading.fail_day is None:
        return None
    what = "출금일(마감 놓침)" if reading.missed_only else "출금실패일"
    if reading.before_failure:
        return f"입금일 {reading.on:%m-%d} < {what} {reading.fail_day:%m-%d} (실패 전 입금)"
    return f"입금일 {reading.on:%m-%d} ≥ {what} {reading.fail_day:%m-%d}"


def _held_reasons(book: _Book, named: Iterable[int]) -> list[str]:
    """Named payers' charges that a request in flight holds: never proposed, and said why."""
    out = []
    for customer_id in named:
        payer = book.payers[customer_id]
        for row in payer.blocked:
            state = (row.blocked or "").split(" 상태라")[0]
            out.append(f"{payer.name} {row.period} {row.item_name}: {state} 상태라 제외")
    return out


def _nothing(book: _Book, deposit: Deposit, amount: int, named: dict[int, NameHit]) -> list[str]:
    """Why no charge fits the deposit, in the clerk's words."""
    reasons = _held_reasons(book, named)
    for customer_id, hit in named.items():
        payer = book.payers[customer_id]
        if payer.charges and not book.usable(payer, deposit.occurred_on):
            early = all(cash.earliest_receipt_day(r.period) > deposit.occurred_on for r in payer.charges)
            reasons.append(f"{hit.reason}: 입금일이 미납 청구보다 너무 이릅니다" if early
                           else f"{hit.reason}: 미납은 다른 입금에 먼저 맞췄습니다")
    if not reasons and amount in book.first_amounts:
        reasons.append(f"금액 {amount:,}원의 미납은 다른 입금에 먼저 맞췄습니다")
    if reasons:
        return reasons
    owes_nothing = book.everyone.match(deposit.depositor, partial=False)
    for customer_id, hit in list(owes_nothing.items())[:MAX_ALTERNATIVES]:
        if customer_id not in book.payers:
            reasons.append(f"{hit.reason}, 수납할 미납 청구 없음")
    return reasons or ["입금자명·금액과 맞는 미납 청구가 없습니다"]


def _propose_one(book: _Book, deposit: Deposit, amount: int, closed: set[str], today: date) -> tuple[
        Proposal, _Reading | None]:
    """The proposal for one deposit against what is left in the book (nothing reserved here)."""
    if deposit.occurred_on > today:
        return Proposal(deposit, (), Confidence.NONE,
                        (f"입금일 {deposit.occurred_on:%Y-%m-%d}이 오늘({today:%Y-%m-%d}) 뒤입니다",)), None
    readings, named = _readings(book, deposit, amount)
    if not readings:
        return Proposal(deposit, (), Confidence.NONE, tuple(_nothing(book, deposit, amount, named))), None
    best = readings[0]
    confidence = best.grade
    reasons: list[str] = []
    reasons.append(best.hit.reason if best.hit else f"입금자명 {deposit.depositor.strip()}은(는) 고객·보호자·예금주에 없음")
    reasons.append(_amount_reason(best, amount))
    when = _date_reason(best)
    if when:
        reasons.append(when)
    rivals = [r for r in readings[1:] if r.likeness == best.likeness]
    if rivals:
        confidence = Confidence.DOUBTFUL
        what = "이름" if best.hit else "금액"
        reasons.append(f"같은 {what}의 미납 고객이 {len(rivals) + 1}명")
    elif confidence is Confidence.SURE and any(r.hit is not None and r.exact_amount for r in readings[1:]):
        confidence = Confidence.LIKELY
        other = next(r for r in readings[1:] if r.hit is not None and r.exact_amount)
        reasons.append(f"{other.payer.name}({other.payer.customer_no})도 입금자명·금액이 맞음")
    if any(book.free[row.charge_id] < row.outstanding for row in best.payer.charges):
        reasons.append("다른 입금에 먼저 맞춘 미납은 뺐음")
    reasons.extend(_held_reasons(book, dict.fromkeys([best.payer.customer_id, *named])))
    period = month_of(deposit.occurred_on)
    if period in closed:
        reasons.append(f"입금일이 마감된 {period}에 속해 오늘 날짜의 정정으로 기록됨")
    alternatives = [r for r in readings[1:] if r.hit is not None or not (best.hit and best.hit.kind is NameMatch.EXACT)]
    return Proposal(deposit, best.allocations(), confidence, tuple(reasons),
                    tuple(r.allocations() for r in alternatives[:MAX_ALTERNATIVES]), best.excess), best


def _book(db: Database, actor: Actor, contract_id: int) -> tuple[_Book, set[str]]:
    """The payers with what cash may take, every customer's names, and the contract's closed months."""
    rows = cash.list_cash_candidates(db, actor, contract_id)
    with db.session() as s:
        contract_for(s, actor, contract_id)
        customers = s.execute(select(Customer.id, Customer.customer_no, Customer.name, Customer.student_name,
                                     Customer.representative).where(Customer.contract_id == contract_id)).all()
        holders: dict[int, list[str]] = {}
        for customer_id, holder in s.execute(
                select(DebitAgreement.customer_id, DebitAgreement.holder_name)
                .join(Customer, Customer.id == DebitAgreement.customer_id)
                .where(Customer.contract_id == contract_id).order_by(DebitAgreement.id)):
            if holder and holder not in holders.setdefault(customer_id, []):
                holders[customer_id].append(holder)
        closed = month_lock.closed_periods(s, contract_id)
    names = {cid: PayerNames(name, student, guardian, tuple(holders.get(cid, ())))
             for cid, _no, name, student, guardian in customers}
    payers: dict[int, _Payer] = {}
    for row in sorted(rows, key=lambda r: (r.period, r.item_id, r.charge_id)):
        payer = payers.setdefault(row.customer_id, _Payer(row.customer_id, row.customer_no, row.customer_name))
        (payer.blocked if row.blocked else payer.charges).append(row)
    book = _Book(payers, NameIndex.of((cid, names[cid]) for cid in payers), NameIndex.of(names.items()),
                 {cid: name for cid, _no, name, _s, _g in customers})
    return book, closed


def _place(book: _Book, wanted: Sequence[tuple[Deposit, int]], closed: set[str], today: date) -> list[Proposal]:
    """Propose each (deposit, won to place), each reserving what it proposes: sure ones first, then the
    likely, then the doubtful (how each reads with nothing reserved yet), each group by date. So a payer's
    own deposit by name is never beaten to the charge by a stranger's of the same amount."""
    grade = {i: _ORDER[_propose_one(book, deposit, amount, closed, today)[0].confidence]
             for i, (deposit, amount) in enumerate(wanted)}

    def order(i: int) -> tuple[int, date, str, int]:
        deposit = wanted[i][0]
        return (-grade[i], deposit.occurred_on, deposit.occurred_time or "", i)

    out: dict[int, Proposal] = {}
    for i in sorted(range(len(wanted)), key=order):
        deposit, amount = wanted[i]
        proposal, reading = _propose_one(book, deposit, amount, closed, today)
        if reading is not None:
            book.reserve(reading)
        out[i] = proposal
    return [out[i] for i in range(len(wanted))]


def _known_reason(state: StatementLineState, applied: int, amount: int) -> str:
    if state is StatementLineState.APPLIED:
        return "이미 읽은 입금: 수납반영됨"
    if state is StatementLineState.DISMISSED:
        return "이미 읽은 입금: 수납아님으로 정함"
    left = amount - applied
    return f"이미 읽은 입금: 미처리 목록에 있음 (남은 {left:,}원)"


def propose(db: Database, actor: Actor, contract_id: int, statement: StatementFile, *,
            today: date | None = None) -> list[Proposal]:
    """A proposal for every deposit of the statement, in the file's order (nothing is written)."""
    if len(statement.deposits) > MAX_DEPOSITS:
        raise ServiceError(f"한 번에 맞춰 볼 수 있는 입금은 {MAX_DEPOSITS:,}건까지입니다. 조회기간을 나누어 받은 파일로 "
                           "하세요.")
    today = today or datetime.now(SEOUL).date()
    book, closed = _book(db, actor, contract_id)
    identities = [d.identity for d in statement.deposits]
    known: dict[str, tuple[int, StatementLineState, int, int]] = {}
    with db.session() as s:
        for start in range(0, len(identities), 1000):
            for line_id, identity, state, applied, amount in s.execute(
                    select(StatementLine.id, StatementLine.identity, StatementLine.state, StatementLine.applied_amount,
                           StatementLine.amount)
                    .where(StatementLine.contract_id == contract_id,
                           StatementLine.identity.in_(identities[start:start + 1000]))):
                known[identity] = (line_id, StatementLineState(state), int(applied), int(amount))
    fresh = [d for d in statement.deposits if d.identity not in known]
    placed = iter(_place(book, [(d, d.amount) for d in fresh], closed, today))
    out = []
    for deposit in statement.deposits:
        if deposit.identity in known:
            line_id, state, applied, amount = known[deposit.identity]
            out.append(Proposal(deposit, (), Confidence.NONE, (_known_reason(state, applied, amount),),
                                known=state, known_line_id=line_id, applied_before=applied))
        else:
            out.append(next(placed))
    return out


def propose_pending(db: Database, actor: Actor, contract_id: int, *, today: date | None = None) -> list[Proposal]:
    """The stored 미처리 deposits with something left, proposed again against what is unpaid now."""
    today = today or datetime.now(SEOUL).date()
    lines = [line for line in pending_lines(db, actor, contract_id) if line.remainder > 0]
    book, closed = _book(db, actor, contract_id)
    placed = _place(book, [(line.deposit, line.remainder) for line in lines], closed, today)
    return [Proposal(p.deposit, p.allocations, p.confidence, p.reasons, p.alternatives, p.excess,
                     known_line_id=line.line_id, applied_before=line.applied) for p, line in zip(placed, lines,
                                                                                                 strict=True)]


def candidates(db: Database, actor: Actor, contract_id: int, *, text: str = "") -> list[CashRow]:
    """The charges a deposit may pay (the clerk's 변경), by 고객번호 or a name: the customer's, the student's,
    the 보호자's or the holder's, also as a depositor writes it ('김민준모'). Held ones say why (`blocked`)."""
    rows = cash.list_cash_candidates(db, actor, contract_id)
    wanted = (text or "").strip()[:MAX_SEARCH]
    if not wanted:
        return rows
    book, _closed = _book(db, actor, contract_id)
    named = set(book.names.match(wanted))
    cleaned = clean(wanted)
    held_names: dict[int, list[str]] = {}
    for entry in book.names.everyone:
        held_names.setdefault(entry[0], []).append(entry[3])
    return [row for row in rows
            if wanted in row.customer_no or row.customer_id in named
            or (cleaned and any(cleaned in name for name in held_names.get(row.customer_id, ())))]
