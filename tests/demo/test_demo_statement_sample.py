"""The demo's practice statement: a newcomer reads it in 통장입금대사 and the desk finds the families who paid.

The demo writes the office's 국민은행 history of the last days beside its data (데모_통장거래내역.xlsx),
made from what the demo left unpaid. Read with the real reader and matched by the real matcher, its
obvious deposits are ticked, the habits and partial payments are proposed with reasons, and applying
the ticked ones records 계좌입금 payments; the same file read again has nothing left to apply.
"""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

from sqlalchemy import select

from app.database.engine import Database
from app.models import Payment, PaymentMethod
from app.services.collection.statements import applying, matching
from app.services.collection.statements.model import Action, Confidence, Decision
from app.services.collection.statements.reader import read_statement
from app.services.common.calendar import seoul_datetime
from app.services.settings.demo import data as demo_data
from app.services.settings.demo.statement import SAMPLE_NAME
from tests.demo.practice import demo_office

NOW = seoul_datetime(date(2026, 12, 8), time(12, 0))


def test_the_demo_leaves_a_statement_to_practise_on(db: Database, tmp_path: Path) -> None:
    made = demo_data.create(db, customers=60 if db.is_sqlite else 40, now=NOW, data_dir=tmp_path / "data")
    assert made.sample_statement == tmp_path / "data" / SAMPLE_NAME and made.sample_statement.exists()
    office = demo_office(db)
    statement = read_statement(made.sample_statement)
    assert statement.layout == "국민은행" and statement.withdrawals == 2
    proposals = matching.propose(db, office.clerk, office.contract_id, statement, today=NOW.date())
    sure = [p for p in proposals if p.preselected]
    asked = [p for p in proposals if p.confidence in (Confidence.LIKELY, Confidence.DOUBTFUL)]
    assert sure and asked, [(p.deposit.depositor, p.confidence) for p in proposals]
    assert all(p.reasons for p in asked)
    families = [p for p in proposals if p.deposit.depositor not in ("예금이자", "(주)교육나라")]
    assert all(p.allocations for p in families), [(p.deposit.depositor, p.reasons) for p in families]

    decisions = [Decision(p.deposit.identity, Action.APPLY, tuple((a.charge_id, a.amount) for a in p.allocations))
                 for p in sure]
    result = applying.apply_decisions(db, office.clerk, office.contract_id, statement, decisions, today=NOW.date())
    assert result.applied_deposits == len(sure) and result.amount == sum(p.applied_total for p in sure)
    with db.session() as s:
        transfers = s.scalars(select(Payment).where(Payment.method == PaymentMethod.TRANSFER)).all()
    assert sum(p.amount for p in transfers) == result.amount

    again = matching.propose(db, office.clerk, office.contract_id, read_statement(made.sample_statement),
                             today=NOW.date())
    assert not any(p.preselected for p in again) and all(p.known is not None for p in again)
