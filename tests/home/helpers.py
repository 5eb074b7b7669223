"""Rows and a running relay for the home-screen tests.

Payers are inserted with the models (the customer screens are another colleague's work), their
account registrations queued the way a new agreement queues one; everything after that — files,
results, money — goes through the real scheduler, the built-in bank simulator and the collection
services on a ManualClock, so the home screen is checked against what the program really does.

The simulator's outcomes are chosen by the account number's last four digits
(app/services/exchange/relay/rules.py): 0012 → registration rejected (계좌번호 오류), 0021 → registered,
every debit fails 0021 (잔액부족); anything else goes through.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select

from app.database.engine import Database
from app.models import (
    Charge,
    EvidenceState,
    RegistrationState,
)
from app.services.collection import ledger
from app.services.common.calendar import ManualClock, seoul_datetime
from app.services.common.crypto import DataKey
from app.services.exchange import relay_config
from app.services.exchange.relay.config import RelayConfig
from app.services.exchange.scheduler import CollectionScheduler
from tests.factories import Payer, PayerStyle

KEY = DataKey.generate()


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return seoul_datetime(day, time(hour, minute))


PAYERS = PayerStyle(KEY, monthly=100_000, day=25, first="2026-03", grade="중등", account="",
                    limit_times=1, limit_floor=200_000, holder="{name}", unnamed="{no}", registration=None,
                    created_by="clerk", queue=True, evidence=EvidenceState.WAITING, evidence_only_waiting=False,
                    rate_from_discount=True)
# A customer with one agreement; its NEW registration queued at `queued_at` (None: not queued), or forced to
# `registration` (a payer registered long ago: DONE). `limit` is the 건당출금한도 (default: the monthly amount,
# at least 200,000원). `evidence`: the consent evidence given with the registration (see `queue_registration`).
add_payer = PAYERS.add


def queue_registration(db: Database, contract_id: int, payer: Payer, account: str, *, at_: datetime,
                       state: RegistrationState = RegistrationState.WAITING,
                       evidence: EvidenceState | None = EvidenceState.WAITING) -> int:
    """A NEW registration for the payer's agreement, as a new agreement or 재신청 (requeue) queues one.

    With its consent evidence (a 신규 goes to the bank only once that is accepted): `evidence`
    WAITING goes as the next cut-off's EI13 before the EB13; a registration forced to another state
    (registered long ago) has accepted evidence on record; None attaches none (the 신규 is held).
    """
    return PAYERS.register(db, contract_id, payer, account, state=state, at_=at_, evidence=evidence)


def receive_cash(db: Database, contract_id: int, agreement_id: int, period: str, day: date) -> int:
    """현금수납 of a charge's whole outstanding amount, through the ledger (what 현금수납관리 does)."""
    with ledger.money_session(db, contract_id) as s:
        charge_id = s.scalar(select(Charge.id).where(Charge.agreement_id == agreement_id, Charge.period == period))
        assert charge_id is not None
        charge = ledger.lock_charges(s, [charge_id])[charge_id]
        amount = ledger.outstanding(s, charge_id)
        ledger.post_cash(s, charge, amount, day, "clerk")
        return amount


class Relay:
    """The embedded scheduler over the built-in simulator, ticked through time like the background job."""

    def __init__(self, db: Database, admin, clock: ManualClock, data_dir: Path) -> None:
        relay_config.save(db, admin, RelayConfig())
        self.clock = clock
        self.factory = relay_config.transport_factory(db, clock=clock, data_dir=data_dir)
        self.scheduler = CollectionScheduler(db, clock=clock, transport_for=self.factory, data_key=KEY,
                                             upload_delays=())

    def run_until(self, end: datetime) -> None:
        """Tick at every moment the scheduler has something due, up to `end`; the clock ends at `end`."""
        now = self.clock.now()
        while now < end:
            self.clock.set(now)
            self.scheduler.tick(now)
            now = min(self.scheduler.next_due(now), end)
            if now <= self.clock.now():
                now = self.clock.now() + timedelta(minutes=1)
        self.clock.set(end)
