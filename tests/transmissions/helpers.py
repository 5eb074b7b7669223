"""Rows for the transmission tests, inserted directly with the models (the customer screens are
another colleague's work): payers with encrypted accounts, queued registrations, queued requests
with their charges and lines. Bulk Core inserts, so the benchmark can make 100,000 of each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import insert, select

from app.database.engine import Database
from app.models import (
    AccountRegistration,
    Charge,
    CollectionItem,
    Customer,
    DebitAgreement,
    DebitRequest,
    DebitRequestLine,
    EvidenceState,
    LedgerEntry,
    LedgerKind,
    Payment,
    RegistrationKind,
    RegistrationState,
    RequestState,
    Transmission,
)
from app.services.common.crypto import DataKey
from tests.evidence_support import give_evidence

EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Payer:
    customer_id: int
    agreement_id: int
    customer_no: str
    bank: str
    account: str
    holder_id: str


def add_payers(
    db: Database,
    contract_id: int,
    key: DataKey,
    accounts: Sequence[str],
    *,
    bank: str | Sequence[str] = "088",
    prefix: str = "C",
    start: int = 1,
    monthly: int = 50_000,
) -> list[Payer]:
    """One customer and one agreement (item A01) per account number."""
    banks = [bank] * len(accounts) if isinstance(bank, str) else list(bank)
    with db.session() as s:
        item_id = s.scalar(select(CollectionItem.id).where(CollectionItem.contract_id == contract_id,
                                                           CollectionItem.code == "A01"))
        numbers = [f"{prefix}{start + i:07d}" for i in range(len(accounts))]
        conn = s.connection()
        conn.execute(insert(Customer.__table__), [
            {"contract_id": contract_id, "customer_no": no, "name": f"납부자{i + start}", "customer_type": "PERSON",
             "active": True, "version_id": 1}
            for i, no in enumerate(numbers)
        ])
        wanted = set(numbers)  # no IN list: 100,000 parameters is more than PostgreSQL takes
        ids = {no: cid for no, cid in s.execute(select(Customer.customer_no, Customer.id)
                                                .where(Customer.contract_id == contract_id)) if no in wanted}
        holder = [f"{80 + i % 20:02d}{1 + i % 12:02d}{1 + i % 28:02d}" for i in range(len(accounts))]
        conn.execute(insert(DebitAgreement.__table__), [
            {"customer_id": ids[no], "item_id": item_id, "debit_limit": max(monthly, 100_000), "monthly_amount": monthly,
             "discount_rate": 0, "discount_amount": 0, "first_month": "2026-01", "debit_day": 5, "bank_code": banks[i],
             "account_no_enc": key.encrypt(accounts[i], "account_no"),
             "account_no_hash": key.blind_index(accounts[i], "account_no"), "account_last4": accounts[i][-4:],
             "holder_name": f"예금주{i}", "holder_id": holder[i], "status": "ACTIVE", "version_id": 1}
            for i, no in enumerate(numbers)
        ])
        mine = set(ids.values())
        agreements = {cid: aid for cid, aid in s.execute(select(DebitAgreement.customer_id, DebitAgreement.id)
                                                         .where(DebitAgreement.item_id == item_id)) if cid in mine}
    return [Payer(ids[no], agreements[ids[no]], no, banks[i], accounts[i], holder[i]) for i, no in enumerate(numbers)]


def queue_registrations(
    db: Database,
    contract_id: int,
    key: DataKey,
    payers: Sequence[Payer],
    *,
    requested_on: date,
    created_at: datetime | None = None,
    kind: RegistrationKind = RegistrationKind.NEW,
    evidence: EvidenceState | None = EvidenceState.WAITING,
) -> list[int]:
    """One queued registration per payer. A 신규 goes to the bank only with accepted consent evidence,
    so each payer also gets a piece in `evidence` (WAITING: the scheduler sends it as an EI13 first;
    ACCEPTED: for a test that builds the EB13 itself; None: none, the 신규 is held)."""
    if kind is RegistrationKind.NEW and evidence is not None:
        give_evidence(db, key, [p.agreement_id for p in payers], state=evidence)
    with db.session() as s:
        before = s.scalar(select(AccountRegistration.id).order_by(AccountRegistration.id.desc()).limit(1)) or 0
        s.connection().execute(insert(AccountRegistration.__table__), [
            {"contract_id": contract_id, "agreement_id": p.agreement_id, "kind": kind.value,
             "state": RegistrationState.WAITING.value, "bank_code": p.bank,
             "account_no_enc": key.encrypt(p.account, "account_no"), "account_last4": p.account[-4:],
             "holder_id": p.holder_id, "requested_on": requested_on, "created_at": created_at or EPOCH,
             "updated_at": created_at or EPOCH, "created_by": "clerk"}
            for p in payers
        ])
        return list(s.scalars(select(AccountRegistration.id).where(AccountRegistration.id > before)
                              .order_by(AccountRegistration.id)))


def queue_requests(
    db: Database,
    contract_id: int,
    payers: Sequence[Payer],
    debit_date: date,
    *,
    amount: int | Sequence[int] = 50_000,
    period: str | None = None,
    lines: int = 1,
) -> list[int]:
    """A charge per (payer, period) — `lines` charges per request — and one queued request each."""
    amounts = [amount] * len(payers) if isinstance(amount, int) else list(amount)
    period = period or f"{debit_date:%Y-%m}"
    year, month = int(period[:4]), int(period[5:7])
    index = year * 12 + month - 1
    periods = [f"{(index - j) // 12:04d}-{(index - j) % 12 + 1:02d}" for j in range(lines - 1, -1, -1)]  # oldest first
    with db.session() as s:
        conn = s.connection()
        top_charge = s.scalar(select(Charge.id).order_by(Charge.id.desc()).limit(1)) or 0
        conn.execute(insert(Charge.__table__), [
            {"contract_id": contract_id, "agreement_id": p.agreement_id, "period": per,
             "amount": _split(amounts[i], lines)[j], "discount": 0, "version_id": 1}
            for i, p in enumerate(payers) for j, per in enumerate(periods)
        ])
        charges: dict[int, list[tuple[int, int]]] = {}
        for cid, agreement_id, amt in s.execute(select(Charge.id, Charge.agreement_id, Charge.amount)
                                                .where(Charge.id > top_charge).order_by(Charge.id)):
            charges.setdefault(agreement_id, []).append((cid, amt))
        top_request = s.scalar(select(DebitRequest.id).order_by(DebitRequest.id.desc()).limit(1)) or 0
        conn.execute(insert(DebitRequest.__table__), [
            {"contract_id": contract_id, "agreement_id": p.agreement_id, "kind": "NORMAL",
             "state": RequestState.WAITING.value, "debit_date": debit_date, "amount": amounts[i], "debited_amount": 0,
             "bank_code": p.bank, "created_by": "clerk", "version_id": 1}
            for i, p in enumerate(payers)
        ])
        requests = s.execute(select(DebitRequest.id, DebitRequest.agreement_id).where(DebitRequest.id > top_request)
                             .order_by(DebitRequest.id)).all()
        conn.execute(insert(DebitRequestLine.__table__), [
            {"request_id": rid, "charge_id": cid, "amount": amt, "is_open": True}
            for rid, agreement_id in requests for cid, amt in charges[agreement_id]
        ])
        return [rid for rid, _a in requests]


def _split(total: int, parts: int) -> list[int]:
    base = total // parts
    return [base] * (parts - 1) + [total - base * (parts - 1)]


def snapshot(db: Database) -> dict[str, object]:
    """Everything a result file may change, to prove that a refused one changed nothing."""
    with db.session() as s:
        return {
            "registrations": sorted(s.execute(select(AccountRegistration.id, AccountRegistration.state,
                                                     AccountRegistration.reason_code)).all()),
            "requests": sorted(s.execute(select(DebitRequest.id, DebitRequest.state, DebitRequest.debited_amount,
                                                DebitRequest.reason_code, DebitRequest.version_id)).all()),
            "lines": sorted(s.execute(select(DebitRequestLine.id, DebitRequestLine.is_open)).all()),
            "payments": s.scalar(select(Payment.id).order_by(Payment.id.desc()).limit(1)),
            "ledger": s.scalar(select(LedgerEntry.id).order_by(LedgerEntry.id.desc()).limit(1)),
            "applied": sorted(s.execute(select(Transmission.id, Transmission.state)
                                        .where(Transmission.direction == "SEND")).all()),
        }


def ledger_sum(db: Database, kind: LedgerKind) -> int:
    from sqlalchemy import func

    with db.session() as s:
        return int(s.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(LedgerEntry.kind == kind)) or 0)


def plain(t: Transmission, key: DataKey) -> bytes:
    """A stored file's bytes as the bank sees them: the row holds them sealed (issue 13)."""
    from app.services.exchange.transmissions import open_content

    return open_content(t.content, t.content_sealed, key)


def stored_bytes(db: Database, transmission_id: int, key: DataKey) -> bytes:
    """The plaintext of the file stored under `transmission_id`, opened with the data key."""
    with db.session() as s:
        t = s.get(Transmission, transmission_id)
        assert t is not None
        return plain(t, key)
