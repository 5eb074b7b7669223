"""The automatic request (자동 이체의뢰): a contract that wants it has its due rows asked for before each cut-off.

At the contract's lead time before a debit date's cut-off, every requestable due row of that date
is queued exactly as a clerk's 이체의뢰 would queue it (`requests`' checks and queueing, not a
copy), once per (contract, debit date): the run is marked in `auto_request_run` in the same
transaction, so a clerk who withdraws an automatic request afterwards is not overruled by the next
scheduler pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import Contract, RequestKind
from app.models.collection_extra import AutoRequestRun
from app.services.collection import ledger, requests
from app.services.collection.requests import FileCapacityError, RequestOutcome
from app.services.common import audit
from app.services.common.calendar import SEOUL
from app.services.common.periods import add_months, month_of, year_month
from app.services.common.session import system_actor
from app.services.exchange.transmissions import contract_info

__all__ = ["AutoRequestReport", "auto_request_due"]


@dataclass(frozen=True)
class AutoRequestReport:
    """What `auto_request_due` queued (empty when nothing was due or auto-request is off)."""

    outcomes: tuple[RequestOutcome, ...]
    skipped: tuple[str, ...]  # Korean lines: why a due debit date was not auto-requested

    @property
    def count(self) -> int:
        return sum(o.count for o in self.outcomes)


def _claim(s: Session, contract_id: int, debit_date: date, now: datetime) -> bool:
    """Insert the once-per-date marker; False when this date was auto-requested already."""
    insert = (postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert)(AutoRequestRun)
    marker = insert.values(contract_id=contract_id, debit_date=debit_date, ran_at=now,
                           request_count=0, total_amount=0)
    claimed = marker.on_conflict_do_nothing(index_elements=["contract_id", "debit_date"]).returning(AutoRequestRun.id)
    return s.execute(claimed).scalar() is not None


def auto_request_due(db: Database, contract_id: int, now: datetime) -> AutoRequestReport:
    """When the contract's auto-request is on, queue every requestable due row at lead time before each cut-off.

    Runs once per (contract, debit date) — marked in `auto_request_run` in the same transaction —
    so a clerk's withdrawal afterwards is not undone by the next call. Asks for this period's
    charges only (not earlier months' outstanding: carrying that over is the clerk's decision).
    """
    with db.session() as s:
        contract = s.get(Contract, contract_id)
        if contract is None or not contract.auto_request or not contract.active:
            return AutoRequestReport((), ())
        info = contract_info(s, contract_id)
        actor = system_actor(contract.institution_id)
        lead = contract.auto_request_lead_minutes
        local = now.astimezone(SEOUL)
        options = requests.date_options(contract, info, local.year, local.month)
        options += requests.date_options(contract, info, *year_month(add_months(month_of(local.date()), 1)))
    outcomes: list[RequestOutcome] = []
    skipped: list[str] = []
    for option in options:
        seconds = (option.cutoff - now).total_seconds()
        if not 0 < seconds <= lead * 60:
            continue
        with ledger.money_session(db, contract_id) as s:
            if not _claim(s, contract_id, option.debit_date, now):
                continue
            # Decide with nothing created: a date skipped (closed, empty, no room) leaves no charge behind.
            _c, _i, rows = requests.checked_due_rows(s, actor, contract_id, option.debit_date, None, False, now, create=False)
            state = requests.cutoff_state_in(s, info, option.debit_date, now)
            ready = [r for r in rows if r.requestable]
            if not state.open or not ready:
                skipped.append(f"출금일 {option.debit_date:%Y-%m-%d}: "
                               + (state.message if not state.open else "자동 이체의뢰할 건이 없습니다."))
                continue
            requests.hold_date(s, contract_id, option.debit_date)
            try:
                requests.require_room(s, contract_id, option.debit_date, ready)
            except FileCapacityError as full:
                skipped.append(f"출금일 {option.debit_date:%Y-%m-%d}: {full.message}")
                continue
            wanted = {r.agreement_id for r in ready}
            _c, _i, rows = requests.checked_due_rows(s, actor, contract_id, option.debit_date, None, False, now, create=True, only=wanted)
            ledger.lock_charges(s, [r.charge_id for r in rows if r.charge_id is not None])
            _c, _i, rows = requests.checked_due_rows(s, actor, contract_id, option.debit_date, None, False, now, create=False,
                                 only=wanted)
            ready = [r for r in rows if r.requestable]
            if not ready:
                continue
            made = requests.queue(s, actor, contract_id, option.debit_date, ready, RequestKind.NORMAL, local.date())
            total = sum(r.amount for r in made)
            run = s.scalar(select(AutoRequestRun).where(AutoRequestRun.contract_id == contract_id,
                                                        AutoRequestRun.debit_date == option.debit_date))
            assert run is not None
            run.request_count, run.total_amount = len(made), total
            audit.record(s, "debit_auto_requested", actor=actor,
                         target=f"{contract.institution_code} {option.debit_date:%Y-%m-%d}",
                         detail={"count": len(made), "amount": total})
            outcomes.append(RequestOutcome(option.debit_date, RequestKind.NORMAL, tuple(r.id for r in made), len(made),
                                           total, f"출금일 {option.debit_date:%Y-%m-%d} 자동 이체의뢰 {len(made)}건"
                                           f"({total:,}원)을 이체의뢰대기로 넣었습니다."))
    return AutoRequestReport(tuple(outcomes), tuple(skipped))
