"""aggregate indexes: covering indexes for the 집계 GROUP BYs

Revision ID: 0004_aggregate_indexes
Revises: 0003_collection
Create Date: 2026-11-27

See app/models/indexes_aggregates.py for which aggregate each index serves; measured with
tests/bench/bench_aggregates.py on 1,000,000 debit requests.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004_aggregate_indexes"
down_revision: str | None = "0003_collection"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_debit_request_aggregate", "debit_request",
     ["contract_id", "debit_date", "state", "bank_code", "amount", "debited_amount", "agreement_id"]),
    ("ix_ledger_entry_charge_balance", "ledger_entry", ["charge_id", "kind", "entry_on", "amount"]),
    ("ix_ledger_entry_request_kind", "ledger_entry", ["debit_request_id", "kind", "amount"]),
    ("ix_account_registration_aggregate", "account_registration",
     ["contract_id", "requested_on", "bank_code", "state"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
