"""Request files for relay tests, built with the codec (never by hand) so they are always valid."""

from __future__ import annotations

import datetime as dt

from app.services.exchange.cms import (
    DebitHeader,
    DebitRecord,
    Ei13Header,
    Ei13Record,
    RegistrationHeader,
    RegistrationKind,
    RegistrationRecord,
    encode_eb13,
    encode_eb21,
    encode_ei13,
    remote_name,
)
from app.services.exchange.relay.base import Transport
from tests.evidence_support import TINY_JPEG

INSTITUTION = "9912345678"
OTHER_INSTITUTION = "9987654321"
BANK = "088"  # 신한은행
COLLECTION_ACCOUNT = "110123456789"


def customer_for(account_no: str) -> str:
    """One payer number per account, so tests can match rows without caring about the order."""
    return f"C{account_no[-6:]}"


def registration(
    sequence: int,
    account_no: str,
    *,
    kind: str = "1",
    customer_no: str | None = None,
    bank: str = BANK,
    applied: dt.date = dt.date(2026, 1, 5),
) -> RegistrationRecord:
    return RegistrationRecord(
        sequence=sequence,
        application_date=applied,
        request_kind=kind,
        customer_no=customer_no or customer_for(account_no),
        bank_branch_code=bank + "0000",
        account_no=account_no,
        holder_id="900101",
    )


def eb13(day: dt.date, records: list[RegistrationRecord], *, institution: str = INSTITUTION) -> tuple[str, bytes]:
    """(remote name, bytes) of an EB13 sent on ``day``."""
    fixed = [r if r.application_date <= day else _replace_date(r, day) for r in records]
    return remote_name("EB13", day), encode_eb13(RegistrationHeader(institution, day), fixed)


def ei13_for(day: dt.date, records: list[RegistrationRecord], *, institution: str = INSTITUTION) -> tuple[str, bytes]:
    """(remote name, bytes) of the EI13 sent on ``day`` with consent evidence (a tiny JPEG, 서면) for
    every 신규 among ``records`` — what the desk sends before their EB13."""
    evidence = [
        Ei13Record(i, r.customer_no, r.bank_branch_code[:3], r.account_no, min(r.application_date, day), "1", "jpg",
                   TINY_JPEG)
        for i, r in enumerate((r for r in records if r.request_kind == RegistrationKind.NEW), start=1)
    ]
    return remote_name("EI13", day), encode_ei13(Ei13Header(institution, day), evidence)


def send_eb13(transport: Transport, day: dt.date, records: list[RegistrationRecord], *,
              institution: str = INSTITUTION) -> tuple[str, bytes]:
    """Upload the 신규' consent evidence (EI13), then the EB13, as the desk does since the simulator
    refuses a 신규 without accepted evidence (0078); (name, bytes) of the EB13."""
    if any(r.request_kind == RegistrationKind.NEW for r in records):
        transport.upload(*ei13_for(day, records, institution=institution))
    name, data = eb13(day, records, institution=institution)
    transport.upload(name, data)
    return name, data


def _replace_date(rec: RegistrationRecord, day: dt.date) -> RegistrationRecord:
    import dataclasses

    return dataclasses.replace(rec, application_date=day)


def debit(
    sequence: int,
    account_no: str,
    amount: int,
    *,
    mode: str = "1",
    customer_no: str | None = None,
    bank: str = BANK,
) -> DebitRecord:
    return DebitRecord(
        sequence=sequence,
        bank_branch_code=bank + "0000",
        account_no=account_no,
        amount=amount,
        holder_id="900101",
        passbook_text="해오름학원",
        customer_no=customer_no or customer_for(account_no),
        withdrawal_mode=mode,
    )


def eb21(
    debit_date: dt.date,
    records: list[DebitRecord],
    *,
    institution: str = INSTITUTION,
    collection_bank: str = BANK,
) -> tuple[str, bytes]:
    """(remote name, bytes) of an EB21 for ``debit_date``."""
    header = DebitHeader(institution, debit_date, collection_bank + "0000", COLLECTION_ACCOUNT)
    return remote_name("EB21", debit_date), encode_eb21(header, records)


def tamper_trailer_count(data: bytes, record_length: int) -> bytes:
    """The same file with the trailer's 총 Data Record 수 (pos 28, 8 bytes) off by one."""
    trailer = bytearray(data[-record_length:])
    count = int(trailer[27:35])
    trailer[27:35] = b"%08d" % (count + 1)
    return data[:-record_length] + bytes(trailer)
