"""해오름수학학원 through May and June 2026: eight payers, the real scheduler, the built-in bank simulator.

The cast (item A01 수강료, bank 088; the simulator decides each outcome by the account's last four
digits, see app/services/exchange/relay/rules.py):

======  ======  ============  ========  =========  ====  =================================================
key     no      account       monthly   limit      day   what happens
======  ======  ============  ========  =========  ====  =================================================
ok      C01     …0001         150,000   200,000    25    debited both months; 10% discount from June
poor    C02     …0021         200,000   300,000    25    잔액부족 in May, retried on the 28th: fails again;
                                                         pays 120,000 in cash; June (with May's 80,000) fails
typo    C03     …0012→…0003   120,000   200,000    25    registration rejected (계좌번호 오류), account fixed,
                                                         registered; debited both months; 10% from June
closed  C04     …0031→…0044   130,000   200,000    25    registered in January, account since closed: 계좌해지
                                                         in May (not retryable); a cash receipt entered by
                                                         mistake is reversed; new account in June; June asks
                                                         May + June = 260,000 > limit: 200,000 asked
half    C05     …9021         100,000   150,000    25    부분출금 in May (50,000); June asks 50,000 + 100,000,
                                                         half debited again (May's part first)
disc    C06     …0006         140,000   200,000    25    a 20,000 discount from the start; debited both months
fifth   C07     …0007          80,000   100,000     5    the 5th: 6 May (어린이날 moves it) and 5 June
late    C08     …0008          90,000   100,000    25    joins in June
======  ======  ============  ========  =========  ====  =================================================

Every file goes out at the cut-off by the scheduler and every result comes back through it; the clerk
acts only through the services the screens call. `Academy` is the office, the clock and the relay,
with a few short-hands for what a clerk reads on the screens.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from app.models import Charge, Customer, DebitAgreement, RegistrationState
from app.services.collection import cash, charges, ledger, registrations, retries
from app.services.collection import requests as debits
from app.services.collection.ledger import Balance
from app.services.common.calendar import ManualClock
from app.services.common.session import Actor
from app.services.customers import agreements
from app.services.customers.rules import AgreementForm
from tests.evidence_support import give_evidence
from tests.factories import Office
from tests.home.helpers import KEY, Payer, Relay, add_payer, at


@dataclass(frozen=True)
class Cast:
    key: str
    customer_no: str
    name: str
    account: str
    monthly: int
    limit: int
    day: int = 25
    discount: int = 0
    first: str = "2026-05"


CAST: tuple[Cast, ...] = (
    Cast("ok", "C01", "김하늘", "110000000001", 150_000, 200_000),
    Cast("poor", "C02", "이바다", "110000000021", 200_000, 300_000),
    Cast("typo", "C03", "최별", "110000000012", 120_000, 200_000),
    Cast("closed", "C04", "정바람", "110000000031", 130_000, 200_000),
    Cast("half", "C05", "한별", "110000009021", 100_000, 150_000),
    Cast("disc", "C06", "강들", "110000000006", 140_000, 200_000, discount=20_000),
    Cast("fifth", "C07", "윤산", "110000000007", 80_000, 100_000, day=5),
    Cast("late", "C08", "한솔", "110000000008", 90_000, 100_000, first="2026-06"),
)
BY_KEY = {c.key: c for c in CAST}
NO = {c.key: c.customer_no for c in CAST}


class Academy:
    """The office of the scenario on its ManualClock, with the relay ticking the real scheduler."""

    def __init__(self, office: Office, clerk: Actor, clock: ManualClock, relay: Relay) -> None:
        self.office, self.db, self.cid = office, office.db, office.contract_id
        self.clerk, self.admin = clerk, office.admin
        self.clock, self.relay = clock, relay
        self.payers: dict[str, Payer] = {}

    # --- time ---------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return self.clock.today()

    def run_until(self, day: date, hour: int, minute: int = 0) -> None:
        """Let the scheduler do everything due up to that moment (files at 13:58, results from 11:00)."""
        self.relay.run_until(at(day, hour, minute))

    # --- payers -------------------------------------------------------------------------------

    def sign_up(self, *keys: str, registered_long_ago: bool = False) -> None:
        """New payers, their NEW registrations queued now (or, `registered_long_ago`, already done)."""
        for key in keys:
            c = BY_KEY[key]
            self.payers[key] = add_payer(
                self.db, self.cid, c.customer_no, account=c.account, name=c.name, day=c.day, monthly=c.monthly,
                discount=c.discount, first=c.first, limit=c.limit,
                queued_at=None if registered_long_ago else self.now(),
                registration=RegistrationState.DONE if registered_long_ago else None,
            )

    def agreement(self, key: str) -> int:
        return self.payers[key].agreement_id

    def agreements_of(self, keys: Iterable[str]) -> list[int]:
        return [self.agreement(k) for k in keys]

    def change_account(self, key: str, account: str) -> agreements.SavedAgreement:
        """이체정보 수정 with a new account number, every other field as it is (what the window sends)."""
        with self.db.session() as s:
            a = s.get(DebitAgreement, self.agreement(key))
            assert a is not None
            form = AgreementForm(
                debit_limit=a.debit_limit, monthly_amount=a.monthly_amount, discount_rate=a.discount_rate,
                discount_amount=a.discount_amount, first_month=a.first_month, last_month=a.last_month or "",
                debit_day=a.debit_day, bank_code=a.bank_code, account_no=account, holder_name=a.holder_name,
                holder_id=a.holder_id,
            )
            version = a.version_id
        saved = agreements.update_agreement(self.db, self.clerk, self.agreement(key), form, version_id=version,
                                            data_key=KEY, today=self.today())
        # The consent form names the account: the clerk attaches the new one (it goes as the next EI13).
        give_evidence(self.db, KEY, [self.agreement(key)], at=self.now())
        return saved

    # --- what the screens show ----------------------------------------------------------------

    def registrations(self) -> list[tuple[str, str, str, str | None]]:
        """계좌신청 list as (customer no, kind, state, reason code), oldest first."""
        rows = registrations.list_registrations(self.db, self.clerk, self.cid, now=self.now())
        return sorted(((r.customer_no, r.kind.label, r.state.label, r.reason_code) for r in rows),
                      key=lambda r: (r[0], r[1], r[2]))

    def registration_rows(self, key: str) -> list[registrations.RegistrationRow]:
        rows = registrations.list_registrations(self.db, self.clerk, self.cid, now=self.now())
        return sorted((r for r in rows if r.customer_no == NO[key]), key=lambda r: r.id)

    def due(self, debit_date: date, *, include_outstanding: bool = False) -> dict[str, charges.DueRow]:
        """이체의뢰 list of a debit date, by customer number."""
        found = debits.list_due(self.db, self.clerk, self.cid, debit_date, include_outstanding=include_outstanding,
                                now=self.now())
        return {r.customer_no: r for r in found.rows}

    def request(self, debit_date: date, keys: Iterable[str], *,
                include_outstanding: bool = False) -> debits.RequestOutcome:
        return debits.request(self.db, self.clerk, self.cid, debit_date, self.agreements_of(keys),
                              include_outstanding=include_outstanding, now=self.now())

    def retries(self) -> dict[tuple[str, str], charges.RetryRow]:
        """재처리의뢰 list, by (customer no, 구분 이체의뢰/재처리의뢰)."""
        rows = retries.list_retry(self.db, self.clerk, self.cid, now=self.now())
        return {(r.customer_no, r.kind.label): r for r in rows}

    def cash_rows(self) -> dict[tuple[str, str], cash.CashRow]:
        """현금수납 candidates, by (customer no, period)."""
        rows = cash.list_cash_candidates(self.db, self.clerk, self.cid)
        return {(r.customer_no, r.period): r for r in rows}

    def balances(self) -> dict[tuple[str, str], Balance]:
        """Every charge's ledger, by (customer no, period)."""
        with self.db.session() as s:
            found = s.execute(
                select(Charge.id, Customer.customer_no, Charge.period)
                .join(DebitAgreement, DebitAgreement.id == Charge.agreement_id)
                .join(Customer, Customer.id == DebitAgreement.customer_id)
                .where(Charge.contract_id == self.cid)
            ).all()
            money = ledger.balances(s, [charge_id for charge_id, _n, _p in found])
        return {(no, period): money[charge_id] for charge_id, no, period in found}
