"""Random months of collection work, with every money rule checked after every step.

Steps: charge (open the list), request, send (mark SENT), result (success, failure, partial — through
`ledger.apply_debit_outcome`, the semantics the receiving module follows, see test_with_receiving),
retry, cash receipt, reversal, discount, withdrawal and month change. After each step:

* a charge is never in two open requests;
* never debited plus paid in cash beyond what it owes;
* outstanding = charged − discount − debited − cash + reversals ≥ 0, for every charge;
* the totals of the results list and of the cash list equal the ledger's; a due row's requested
  and left-over amounts add up to what it owes.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, func, select, update

from app.models import (
    AccountRegistration,
    Charge,
    Customer,
    DebitAgreement,
    DebitRequest,
    DebitRequestLine,
    LedgerEntry,
    LedgerKind,
    Payment,
    PaymentMethod,
    RequestState,
)
from app.models.collection_extra import AutoRequestRun, DiscountChange
from app.services.collection import cash, discounts, ledger, results, retries
from app.services.collection import requests as debits
from app.services.common.errors import ServiceError
from app.services.exchange.transmissions import load_contract
from tests.collection.helpers import add_payer, check_invariants

START = date(2026, 4, 1)
MONTHS = 4
PAYERS = (  # customer no, monthly, limit, discount, debit day
    ("1", 30_000, 100_000, 0, 15),
    ("2", 60_000, 80_000, 0, 15),  # with last month's outstanding it hits the limit
    ("3", 20_000, 20_000, 2_000, 15),
    ("4", 40_000, 100_000, 0, 5),
)
DATES = st.sampled_from([1, 1, 1, 0])  # index into the month's debit dates (5th, 15th, 25th): mostly the 15th


def _reset(db) -> None:
    """Empty every table the machine writes (one database per test, many examples)."""
    with db.session() as s:
        s.execute(delete(LedgerEntry))
        s.execute(update(Payment).values(reversed_by_id=None))
        s.execute(delete(Payment))
        s.execute(delete(DebitRequestLine))
        s.execute(update(DebitRequest).values(retry_of_id=None))
        s.execute(delete(DebitRequest))
        s.execute(delete(Charge))
        s.execute(delete(DiscountChange))
        s.execute(delete(AutoRequestRun))
        s.execute(delete(AccountRegistration))
        s.execute(delete(DebitAgreement))
        s.execute(delete(Customer))


class CollectionMonths(RuleBasedStateMachine):
    office = None  # set by the test

    def __init__(self) -> None:
        super().__init__()
        office = type(self).office
        assert office is not None
        self.db, self.actor, self.contract_id = office.db, office.admin, office.contract_id
        _reset(self.db)
        self.agreements = [add_payer(self.db, self.contract_id, no, monthly=m, limit=lim, discount=disc,
                                     rate=disc * 100 // m, day=day).agreement_id
                           for no, m, lim, disc, day in PAYERS]
        self.month = 0
        info = load_contract(self.db, self.contract_id)
        self.calendar, self.cutoff_time = info.calendar, info.request_cutoff
        self.states: dict[RequestState, int] = {}
        self.cash_open = 0  # unreversed cash payments
        self.held_failed = 0  # charges with a failed debit that are in an open request again

    # --- time --------------------------------------------------------------------------------

    def _options(self) -> list[debits.DebitDateOption]:
        year = START.year + (START.month - 1 + self.month) // 12
        month = (START.month - 1 + self.month) % 12 + 1
        return debits.debit_dates(self.db, self.actor, self.contract_id, year, month)

    def _before(self, option: debits.DebitDateOption):
        return option.cutoff - timedelta(hours=1)

    def _has(self, *states: RequestState) -> bool:
        return any(self.states.get(state, 0) for state in states)

    # --- steps --------------------------------------------------------------------------------

    @rule(which=DATES, include=st.booleans(), pick=st.sets(st.integers(0, 3), min_size=1), try_blocked=st.booleans())
    def request(self, which: int, include: bool, pick: set[int], try_blocked: bool) -> None:
        """Open the list (creating the charges) and request some of what is requestable."""
        option = self._options()[which]
        now = self._before(option)
        due = debits.list_due(self.db, self.actor, self.contract_id, option.debit_date, None, include, now=now)
        for row in due.requestable:
            wanted = row.current_outstanding + (row.earlier_outstanding if include else 0)
            assert row.request_amount + row.left_outstanding == wanted
            assert 0 < row.request_amount <= row.debit_limit
        ready = [r.agreement_id for r in due.requestable if self.agreements.index(r.agreement_id) in pick]
        if ready:
            out = debits.request(self.db, self.actor, self.contract_id, option.debit_date, ready,
                                 include_outstanding=include, now=now)
            assert out.count == len(ready)
        blocked = [r.agreement_id for r in due.rows if not r.requestable]
        if blocked and try_blocked:
            try:
                debits.request(self.db, self.actor, self.contract_id, option.debit_date, blocked, now=now)
                raise AssertionError("a row that cannot be requested was requested")
            except ServiceError:
                pass

    @precondition(lambda self: self._has(RequestState.WAITING))
    @rule()
    def send(self) -> None:
        with self.db.session() as s:
            for r in s.scalars(select(DebitRequest).where(DebitRequest.state == RequestState.WAITING)):
                r.state = RequestState.SENT

    @precondition(lambda self: self._has(RequestState.SENT))
    @rule(kind=st.sampled_from(["ok", "fail", "fail", "partial", "closed"]), tenths=st.integers(1, 9))
    def result(self, kind: str, tenths: int) -> None:
        with self.db.session() as s:
            sent = s.scalars(select(DebitRequest).where(DebitRequest.state == RequestState.SENT)
                             .order_by(DebitRequest.id)).first()
            assert sent is not None
            amount = sent.amount
            debited = {"ok": amount, "fail": 0, "closed": 0, "partial": amount * tenths // 10}[kind]
            code = {"ok": None, "fail": "0021", "closed": "0031", "partial": "0021"}[kind]
            if kind == "partial" and debited in (0, amount):
                debited, code = amount, None
            ledger.apply_debit_outcome(s, sent.id, debited, code, self.calendar.request_result_at(sent.debit_date))

    @precondition(lambda self: self._has(RequestState.FAILED, RequestState.PARTIAL))
    @rule(later=st.integers(1, 10))
    def retry(self, later: int) -> None:
        with self.db.session() as s:
            request_id, debit_date = s.execute(select(DebitRequest.id, DebitRequest.debit_date).where(
                DebitRequest.state.in_([RequestState.FAILED, RequestState.PARTIAL]))
                .order_by(DebitRequest.id.desc()).limit(1)).one()
        candidate = self.calendar.add_business_days(debit_date, 1 + later)
        if candidate.month != debit_date.month:
            candidate = self.calendar.last_business_day_of_month(debit_date.year, debit_date.month)
        now = self.calendar.request_cutoff(candidate, self.cutoff_time) - timedelta(hours=1)
        row = next((r for r in retries.list_retry(self.db, self.actor, self.contract_id, now=now)
                    if r.request_id == request_id), None)
        if row is not None and row.can_retry and candidate > debit_date:
            out = retries.retry(self.db, self.actor, self.contract_id, [request_id], candidate, now=now)
            assert out.total_amount == row.retry_amount
            return
        try:
            retries.retry(self.db, self.actor, self.contract_id, [request_id], candidate, now=now)
            raise AssertionError("a request that cannot be retried was retried")
        except ServiceError:
            pass

    @precondition(lambda self: self._has(RequestState.FAILED, RequestState.PARTIAL))
    @rule(share=st.integers(1, 10), over=st.booleans())
    def receive_cash(self, share: int, over: bool) -> None:
        for row in cash.list_cash_candidates(self.db, self.actor, self.contract_id):
            amount = row.outstanding + 1 if over else max(1, row.outstanding * share // 10)
            if row.blocked or over:
                try:
                    cash.receive_cash(self.db, self.actor, row.charge_id, amount, date(2026, 12, 1))
                    raise AssertionError("cash was taken where it must be refused")
                except ServiceError:
                    continue
            receipt = cash.receive_cash(self.db, self.actor, row.charge_id, amount, date(2026, 12, 1))
            assert receipt.outstanding_after == row.outstanding - amount
            return

    @precondition(lambda self: self.held_failed > 0)
    @rule()
    def cash_while_queued(self) -> None:
        """A failed charge queued again (retry or next month's request): cash must be refused."""
        held = [r for r in cash.list_cash_candidates(self.db, self.actor, self.contract_id) if r.blocked]
        assert held, "the list must show the queued failed charge as blocked"
        try:
            cash.receive_cash(self.db, self.actor, held[0].charge_id, 1, date(2026, 12, 1))
            raise AssertionError("cash was taken for a charge the bank may be debiting")
        except ServiceError:
            pass

    @precondition(lambda self: self.cash_open > 0)
    @rule()
    def reverse_cash(self) -> None:
        with self.db.session() as s:
            payment_id = s.scalar(select(Payment.id).where(Payment.method == PaymentMethod.CASH,
                                                           Payment.reversed_by_id.is_(None),
                                                           Payment.reversal_reason.is_(None)).limit(1))
        cash.reverse_cash(self.db, self.actor, payment_id, "입력 착오")

    @rule(who=st.integers(0, 3), rate=st.sampled_from([0, 10, 33, 50, 100]))
    def discount(self, who: int, rate: int) -> None:
        discounts.apply_discount(self.db, self.actor, self.contract_id, [self.agreements[who]], rate)

    @precondition(lambda self: self._has(RequestState.WAITING))
    @rule()
    def withdraw(self) -> None:
        with self.db.session() as s:
            request_id = s.scalar(select(DebitRequest.id).where(DebitRequest.state == RequestState.WAITING).limit(1))
        debits.withdraw(self.db, self.actor, request_id, now=self._before(self._options()[0]))

    @precondition(lambda self: self.month < MONTHS - 1)
    @rule()
    def next_month(self) -> None:
        self.month += 1

    # --- invariants -------------------------------------------------------------------------------

    @invariant()
    def money_adds_up(self) -> None:
        outstanding = check_invariants(self.db)
        view = results.list_results(self.db, self.actor, self.contract_id,
                                    results.ResultQuery(date_from=date(2026, 1, 1), date_to=date(2027, 12, 31)),
                                    today=date(2027, 1, 1))
        candidates = cash.list_cash_candidates(self.db, self.actor, self.contract_id)
        with self.db.session() as s:
            totals = ledger.contract_totals(s, self.contract_id)
            failed_charges = set(s.scalars(select(LedgerEntry.charge_id).where(LedgerEntry.kind == LedgerKind.FAIL)))
            self.states = {RequestState(st_): n for st_, n in s.execute(
                select(DebitRequest.state, func.count()).group_by(DebitRequest.state))}
            self.held_failed = s.scalar(select(func.count(func.distinct(DebitRequestLine.charge_id))).where(
                DebitRequestLine.is_open.is_(True), DebitRequestLine.charge_id.in_(sorted(failed_charges) or [0]))) or 0
            self.cash_open = s.scalar(select(func.count()).select_from(Payment).where(
                Payment.method == PaymentMethod.CASH, Payment.reversed_by_id.is_(None),
                Payment.reversal_reason.is_(None))) or 0
        assert view.amount == totals[LedgerKind.REQUEST]  # withdrawn requests keep no REQUEST entry
        assert view.debited == totals[LedgerKind.DEBIT]
        assert sum(t.amount for t in view.totals) == view.amount
        assert sum(r.outstanding for r in candidates) == sum(
            left for cid, left in outstanding.items() if cid in failed_charges and left > 0)
        charged = totals[LedgerKind.CHARGE] - totals[LedgerKind.DISCOUNT]
        collected = totals[LedgerKind.DEBIT] + totals[LedgerKind.CASH] - totals[LedgerKind.REVERSAL]
        assert charged - collected == sum(outstanding.values())


def test_random_months_keep_every_money_rule(office) -> None:
    CollectionMonths.office = office
    try:
        run_state_machine_as_test(CollectionMonths, settings=settings(
            max_examples=30, stateful_step_count=20, deadline=None, database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    finally:
        CollectionMonths.office = None
