"""Issue 20's done-when: a statement of 300 deposits against a demo month.

The demo academy is made by the real demo service (three months lived through the services and the
built-in bank simulator) and stops on Tuesday 8 December 2026 at noon, the results of the 7th's
debits in: some families' debits failed (잔액부족) and are unpaid. The office's 국민은행 statement of
1–8 December is written as the bank exports it (tests/statements/bank_files.py) and read back with
the real reader: those families' parents paying by transfer, in their own words — the parent's name
(obvious), '송은윤모' (a habit), part of what is owed — a stranger's transfer of an amount two
families owe, and the rest of an office's month: families who owe nothing paying anyway, the CMS
settlement, interest, other business. The desk matches the obvious ones without help, proposes the
ambiguous ones with reasons, applies only what the clerk confirmed, and the same file read again
applies nothing.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select

from app.database.engine import Database
from app.models import Customer
from app.services.collection import cash
from app.services.collection.statements import applying, matching
from app.services.collection.statements.model import Action, Confidence, Decision, Proposal
from app.services.collection.statements.names import clean
from app.services.collection.statements.reader import read_statement
from app.services.common.calendar import seoul_datetime
from app.services.home import today as home
from app.services.settings.demo import data as demo_data
from tests.demo.practice import demo_office
from tests.statements.bank_files import StatementRow, write_statement
from tests.statements.payers import check_statement_invariants, counts

NOW = seoul_datetime(date(2026, 12, 8), time(12, 0))
TODAY = NOW.date()
DEPOSITS = 300
OTHERS = ("케이에스넷", "국민건강보험공단", "예금이자", "(주)교육나라", "서울시교육청", "현금입금", "홍길동", "박상철", "이영희",
          "해오름관리비환급", "최민수", "정수진")


def _story(db: Database, admin, contract_id: int):  # type: ignore[no-untyped-def]
    """(statement rows, the parts each kind of deposit plays): built from what the demo left unpaid."""
    unpaid = cash.list_cash_candidates(db, admin, contract_id)
    owed: dict[int, list[cash.CashRow]] = defaultdict(list)
    for row in unpaid:
        owed[row.customer_id].append(row)
    with db.session() as s:
        people = {c.id: c for c in s.scalars(select(Customer).where(Customer.contract_id == contract_id))}
    totals = {cid: sum(r.outstanding for r in rows) for cid, rows in owed.items()}
    shared = [amount for amount in set(totals.values()) if list(totals.values()).count(amount) >= 2]
    assert shared, f"the demo month has no two families owing the same: {totals}"
    pair = sorted(cid for cid, total in totals.items() if total == shared[0])
    rest = sorted(cid for cid in owed if cid not in pair)
    habits, partial, obvious = rest[:2], rest[2], rest[3:]
    assert len(obvious) >= 3, totals
    # Amounts that fit an unpaid charge (one, or a family's oldest k): the filler avoids them.
    fitting = {r.outstanding for r in unpaid} | set(totals.values())
    owing_names = {clean(n) for cid in owed for n in (people[cid].name, people[cid].representative or "") if n}
    rng = random.Random(20)
    rows: list[tuple[str, int, str]] = []  # (depositor, amount, part)
    for cid in obvious:
        rows.append((people[cid].representative or "", totals[cid], "obvious"))
    for cid, mark in zip(habits, ("모", "엄마"), strict=True):
        student = people[cid].name
        rows.append((student + mark if mark == "모" else student[1:] + mark, totals[cid], "habit"))
    rows.append((people[partial].representative or "", totals[partial] // 2, "partial"))
    rows.append(("윤석호", shared[0], "ambiguous"))  # no customer, no parent, no holder of that name
    paid_up = [c for cid, c in sorted(people.items()) if cid not in owed and c.representative
               and clean(c.representative) not in owing_names and clean(c.name) not in owing_names]
    for customer in paid_up[:60]:  # a family paying though nothing is owed (a prepayment, a mistake)
        amount = rng.choice((120_000, 180_000, 210_000, 310_000))
        rows.append((customer.representative or "", amount + (1_000 if amount in fitting else 0), "paid_up"))
    while len(rows) < DEPOSITS:
        amount = rng.randrange(1_000, 3_000_000, 10)
        rows.append((rng.choice(OTHERS), amount + (7 if amount in fitting else 0), "other"))
    rng.shuffle(rows)
    moment, balance, out = datetime(2026, 12, 8, 9, 0), 5_000_000, []
    kinds: dict[str, list[str]] = defaultdict(list)
    for depositor, amount, part in rows:
        # Deposits run 12-08 09:00 … 11:59, after the 7th's failed debits; a withdrawal now and then.
        moment += timedelta(seconds=30)
        balance += amount
        out.append((moment, depositor, amount, 0, balance, "타행이체"))
        kinds[part].append(depositor)
        if rng.random() < 0.1:
            moment += timedelta(seconds=5)
            balance -= 33_000
            out.append((moment, "", 0, 33_000, balance, "카드대금"))
    return out, kinds, {"pair": pair, "obvious": obvious, "habits": habits, "partial": partial}, owed


def _by_depositor(proposals: list[Proposal], names: list[str]) -> list[Proposal]:
    wanted = set(names)
    return [p for p in proposals if p.deposit.depositor in wanted]


def test_300_deposits_against_a_demo_month(db: Database, tmp_path: Path) -> None:
    demo_data.create(db, customers=300, now=NOW, data_dir=tmp_path / "data")
    office = demo_office(db)
    cid = office.contract_id
    rows, kinds, who, owed = _story(db, office.admin, cid)
    statement_rows: list[StatementRow] = rows
    path = write_statement(tmp_path / "거래내역조회_20261208.xlsx", "국민은행", statement_rows)
    statement = read_statement(path)
    assert len(statement.deposits) == DEPOSITS and statement.withdrawals > 0

    proposals = matching.propose(db, office.clerk, cid, statement, today=TODAY)
    assert len(proposals) == DEPOSITS
    # The obvious ones (the parent's exact name, the exact amount, after the failure) need no help.
    obvious = _by_depositor(proposals, kinds["obvious"])
    assert len(obvious) == len(who["obvious"]) and all(p.confidence is Confidence.SURE and p.preselected
                                                      for p in obvious), [p.reasons for p in obvious]
    for p in obvious:
        family = {r.charge_id: r.outstanding for r in owed[p.allocations[0].customer_id]}
        assert {a.charge_id: a.amount for a in p.allocations} == family
        assert p.reasons[0].startswith(f"입금자명 {p.deposit.depositor} = 보호자")
    assert sum(p.preselected for p in proposals) == len(obvious)  # nothing else is ticked
    # The ambiguous ones are proposed with their reasons, never ticked.
    habits = _by_depositor(proposals, kinds["habit"])
    assert [p.confidence for p in habits] == [Confidence.LIKELY] * 2
    assert all("= 고객명" in p.reasons[0] and ("+ 모" in p.reasons[0] or "+ 엄마" in p.reasons[0]) for p in habits)
    [partial] = _by_depositor(proposals, kinds["partial"])
    assert partial.confidence is Confidence.LIKELY and any(r.endswith("일부 입금") for r in partial.reasons)
    [stranger] = _by_depositor(proposals, kinds["ambiguous"])
    assert stranger.confidence is Confidence.DOUBTFUL and "같은 금액의 미납 고객이 2명" in stranger.reasons
    assert {stranger.allocations[0].customer_id, *(alt[0].customer_id for alt in stranger.alternatives)} == set(who["pair"])
    # The rest of the office's month finds nothing, and says why.
    rest = [p for p in proposals if p.deposit.depositor in set(kinds["paid_up"]) | set(kinds["other"])]
    assert rest and all(p.confidence is Confidence.NONE and p.reasons for p in rest)
    assert any(r.endswith("수납할 미납 청구 없음") for p in rest for r in p.reasons)

    # The clerk confirms the ticked ones and the two habits, keeps the stranger's for later; the rest waits.
    confirmed = [*obvious, *habits]
    decisions = [Decision(p.deposit.identity, Action.APPLY, tuple((a.charge_id, a.amount) for a in p.allocations))
                 for p in confirmed] + [Decision(stranger.deposit.identity, Action.LATER)]
    result = applying.apply_decisions(db, office.clerk, cid, statement, decisions, today=TODAY)
    assert (result.applied_deposits, result.dismissed, result.kept, result.already_known) == (
        len(confirmed), 0, DEPOSITS - len(confirmed), 0)
    assert result.amount == sum(p.applied_total for p in confirmed)
    left = {r.customer_id: r.outstanding for r in cash.list_cash_candidates(db, office.clerk, cid)}
    assert set(left) == {*who["pair"], who["partial"]}  # only what was confirmed was written
    check_statement_invariants(db)
    waiting = home.summary(db, office.admin, cid, now=NOW).item("statement")
    assert waiting is not None and waiting.count == DEPOSITS - len(confirmed)

    # The same statement downloaded again: every deposit is known, nothing is ticked or applied.
    before = counts(db)
    again = read_statement(path)
    assert [d.identity for d in again.deposits] == [d.identity for d in statement.deposits]
    seen = matching.propose(db, office.clerk, cid, again, today=TODAY)
    assert all(p.known is not None and not p.preselected and not p.allocations for p in seen)
    twice = applying.apply_decisions(db, office.clerk, cid, again, decisions, today=TODAY)
    assert (twice.applied_deposits, twice.payments, twice.amount, twice.kept, twice.already_known) == (
        0, 0, 0, 0, DEPOSITS)
    assert counts(db) == before
