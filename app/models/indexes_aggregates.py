"""Indexes the 집계 need (migration 0004_aggregate_indexes), declared beside the models they serve.

Each is *covering* for one aggregate: every column the GROUP BY reads is in the index, so the
database answers from the index alone (SQLite) or with far fewer heap reads (PostgreSQL) instead of
looking up a million table rows. Measured with tests/bench/bench_aggregates.py.

* debit_request (contract, debit date, state, bank, amounts, agreement): 이체의뢰내역집계, 이체의뢰현황,
  정산내역현황 and the overview read a period of requests;
* ledger_entry (charge, kind, date, amount): 미납내역집계 sums each charge's entries up to a date, and
  할인내역집계 finds a month's DISCOUNT entries from its charges;
* ledger_entry (request, kind, amount): 정산내역현황 checks each request's DEBIT and FAIL entries;
* account_registration (contract, requested on, bank, state): 계좌신청현황.
"""

from __future__ import annotations

from sqlalchemy import Index

from app.models.ledger import DebitRequest, LedgerEntry
from app.models.registration import AccountRegistration

AGGREGATE_INDEXES = (
    Index("ix_debit_request_aggregate", DebitRequest.contract_id, DebitRequest.debit_date, DebitRequest.state,
          DebitRequest.bank_code, DebitRequest.amount, DebitRequest.debited_amount, DebitRequest.agreement_id),
    Index("ix_ledger_entry_charge_balance", LedgerEntry.charge_id, LedgerEntry.kind, LedgerEntry.entry_on,
          LedgerEntry.amount),
    Index("ix_ledger_entry_request_kind", LedgerEntry.debit_request_id, LedgerEntry.kind, LedgerEntry.amount),
    Index("ix_account_registration_aggregate", AccountRegistration.contract_id, AccountRegistration.requested_on,
          AccountRegistration.bank_code, AccountRegistration.state),
)
