"""Applying the clerk's decisions: only what was confirmed, once, whole or not at all (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.models import LedgerEntry, LedgerKind, Payment, PaymentMethod, StatementLine, StatementLineState
from app.models.user import AuditLog
from app.services.aggregates import month_close
from app.services.collection import cash, retries
from app.services.collection.statements import applying, matching
from app.services.collection.statements.model import Action, Decision
from app.services.common.errors import ConflictError, PermissionDeniedError, ServiceError
from app.services.common.session import Actor
from tests.collection.helpers import at
from tests.factories import Office
from tests.statements.payers import (
    APRIL,
    MAY,
    TODAY,
    check_statement_invariants,
    counts,
    deposit,
    failed,
    outstanding,
    statement,
)

AFTER = date(2026, 4, 17)


def _apply(office: Office, file, decisions, *, actor: Actor | None = None, today: date = TODAY):  # type: ignore[no-untyped-def]
    return applying.apply_decisions(office.db, actor or office.admin, office.contract_id, file, decisions, today=today)


def _lines(office: Office) -> dict[str, tuple[StatementLineState, int, str | None]]:
    with office.db.session() as s:
        return {line.depositor: (line.state, line.applied_amount, line.note) for line in s.scalars(select(StatementLine))}


def test_only_confirmed_decisions_are_written_and_the_rest_kept_for_later(office: Office) -> None:
    minjun = failed(office, "1", "김민준", monthly=150_000)
    jiho = failed(office, "2", "박지호", monthly=60_000, item="A03")
    sure, rent, unknown = (deposit(1, AFTER, "김민준", 150_000), deposit(2, AFTER, "임대료환급", 500_000),
                           deposit(3, AFTER, "박지호모", 60_000))
    file = statement(sure, rent, unknown)
    proposals = matching.propose(office.db, office.admin, office.contract_id, file, today=TODAY)
    ticked = [Decision(p.deposit.identity, Action.APPLY, tuple((a.charge_id, a.amount) for a in p.allocations))
              for p in proposals if p.preselected]
    result = _apply(office, file, [*ticked, Decision(rent.identity, Action.DISMISS, note="건물주 보증금 반환")])
    assert (result.applied_deposits, result.payments, result.amount, result.dismissed, result.kept,
            result.already_known) == (1, 1, 150_000, 1, 1, 0)
    assert result.summary().startswith("입금 1건 150,000원을 계좌입금으로 수납했습니다 (수납 1건).")
    assert "현금영수증" in result.messages[-1]  # 150,000원 ≥ 100,000원
    assert _lines(office) == {"김민준": (StatementLineState.APPLIED, 150_000, None),
                              "임대료환급": (StatementLineState.DISMISSED, 0, "건물주 보증금 반환"),
                              "박지호모": (StatementLineState.PENDING, 0, None)}
    assert outstanding(office.db, minjun.charges[0]) == 0 and outstanding(office.db, jiho.charges[0]) == 60_000
    with office.db.session() as s:
        payment = s.scalars(select(Payment).where(Payment.method == PaymentMethod.TRANSFER)).one()
        entry = s.scalars(select(LedgerEntry).where(LedgerEntry.payment_id == payment.id)).one()
        audits = {a.action: a for a in s.scalars(select(AuditLog).where(AuditLog.action.like("statement_%")))}
    assert (payment.paid_on, payment.amount, entry.kind) == (AFTER, 150_000, LedgerKind.CASH)
    assert set(audits) == {"statement_applied", "statement_dismissed"}
    assert '"file": "거래내역_202605.xlsx"' in (audits["statement_applied"].detail or "")
    assert '"amount": 150000' in (audits["statement_applied"].detail or "")
    # The cash list shows it as 계좌입금, on the deposit's day.
    [row] = cash.list_cash_payments(office.db, office.admin, office.contract_id, APRIL, TODAY, today=TODAY)
    assert (row.method, row.paid_on, row.customer_name) == ("계좌입금", AFTER, "김민준")
    check_statement_invariants(office.db)


def test_the_same_statement_again_applies_nothing(office: Office) -> None:
    minjun = failed(office, "1", "김민준", monthly=150_000)
    sure, other = deposit(1, AFTER, "김민준", 150_000), deposit(2, AFTER, "홍길동", 33_000)
    decisions = [Decision(sure.identity, Action.APPLY, ((minjun.charges[0], 150_000),))]
    _apply(office, statement(sure, other), decisions)
    before = counts(office.db)
    again = _apply(office, statement(sure, other), decisions)  # downloaded twice, the same ticks
    assert (again.applied_deposits, again.payments, again.amount, again.kept, again.already_known) == (0, 0, 0, 0, 2)
    assert counts(office.db) == before


def test_an_overlapping_statement_finds_the_shared_deposits_known(office: Office) -> None:
    failed(office, "1", "김민준", monthly=150_000)
    seoyeon = failed(office, "2", "이서연", monthly=75_000, dates=(APRIL, MAY))
    shared = deposit(1, AFTER, "김민준", 150_000, balance=1_150_000)
    _apply(office, statement(shared, deposit(2, date(2026, 4, 20), "홍길동", 33_000, balance=1_183_000)), [])
    late = deposit(2, date(2026, 5, 18), "이서연", 150_000, balance=1_333_000)
    second = statement(deposit(1, AFTER, "김민준", 150_000, balance=1_150_000), late, name="거래내역_0417-0518.xlsx")
    proposals = matching.propose(office.db, office.admin, office.contract_id, second, today=TODAY)
    assert [p.known for p in proposals] == [StatementLineState.PENDING, None]
    parts = tuple((a.charge_id, a.amount) for a in proposals[1].allocations)
    assert parts == ((seoyeon.charges[0], 75_000), (seoyeon.charges[1], 75_000))
    result = _apply(office, second, [Decision(late.identity, Action.APPLY, parts),
                                     Decision(shared.identity, Action.APPLY, ((seoyeon.charges[0], 1),))])
    # The known deposit's decision is not acted on: it was read before.
    assert (result.applied_deposits, result.payments, result.already_known) == (1, 2, 1)
    assert outstanding(office.db, seoyeon.charges[0]) == outstanding(office.db, seoyeon.charges[1]) == 0
    check_statement_invariants(office.db)


def test_a_deposit_of_a_closed_month_is_recorded_today_as_a_correction(office: Office) -> None:
    minjun = failed(office, "1", "김민준", monthly=150_000)
    month_close.close(office.db, office.admin, office.contract_id, "2026-04", today=date(2026, 5, 6),
                      now=at(date(2026, 5, 6)), override_reason="시험")
    [p] = matching.propose(office.db, office.admin, office.contract_id, statement(deposit(1, AFTER, "김민준", 150_000)),
                           today=TODAY)
    assert "입금일이 마감된 2026-04에 속해 오늘 날짜의 정정으로 기록됨" in p.reasons
    result = _apply(office, statement(p.deposit), [Decision(p.deposit.identity, Action.APPLY,
                                                            ((minjun.charges[0], 150_000),))])
    assert result.messages[0] == "2026-04은(는) 마감된 달이라 그 달의 입금 1건을 오늘(2026-05-20) 날짜의 정정으로 기록했습니다."
    with office.db.session() as s:
        payment = s.scalars(select(Payment).where(Payment.method == PaymentMethod.TRANSFER)).one()
        note = s.scalar(select(LedgerEntry.note).where(LedgerEntry.payment_id == payment.id))
    assert (payment.paid_on, payment.adjusts_period) == (TODAY, "2026-04")
    assert note == "2026-04-17 입금분 (2026-04 마감 후 정정)"


@pytest.mark.parametrize("case", ["above_outstanding", "above_deposit", "held", "no_reason", "too_early", "twice"])
def test_a_refusal_names_the_row_and_leaves_nothing_written(office: Office, case: str) -> None:
    minjun = failed(office, "1", "김민준", monthly=150_000)
    jiho = failed(office, "2", "박지호", monthly=60_000, item="A03")
    good, other = deposit(3, AFTER, "박지호", 60_000), deposit(7, date(2026, 4, 20), "김민준", 200_000)
    decisions = [Decision(good.identity, Action.APPLY, ((jiho.charges[0], 60_000),))]
    expected = {
        "above_outstanding": "7행 04-20 김민준 200,000원: 김민준(1) 2026-04 수강료의 수납금액 160,000원이 미수납액 150,000원보다",
        "above_deposit": "7행 04-20 김민준 200,000원: 수납금액 합계 210,000원이 입금액 200,000원보다 많습니다",
        "held": "7행 04-20 김민준 200,000원: 김민준(1) 2026-04 수강료은(는) 이체의뢰대기 상태라",
        "no_reason": "수납아님으로 정하는 입금에는 사유를 적으세요",
        "too_early": "2행 02-27 김민준 150,000원: 김민준(1) 2026-04 수강료의 입금일이 맞지 않습니다",
        "twice": "같은 입금에 두 가지 처리가 있습니다",
    }[case]
    deposits = [good, other]
    if case == "above_outstanding":
        decisions.append(Decision(other.identity, Action.APPLY, ((minjun.charges[0], 160_000),)))
    elif case == "above_deposit":
        decisions.append(Decision(other.identity, Action.APPLY, ((minjun.charges[0], 150_000), (jiho.charges[0], 60_000))))
    elif case == "held":
        now = at(date(2026, 4, 16), 12)
        retries.retry(office.db, office.admin, office.contract_id,
                      [retries.list_retry(office.db, office.admin, office.contract_id, now=now)[0].request_id],
                      date(2026, 4, 20), now=now)
        decisions.append(Decision(other.identity, Action.APPLY, ((minjun.charges[0], 150_000),)))
    elif case == "no_reason":
        decisions.append(Decision(other.identity, Action.DISMISS, note="   "))
    elif case == "too_early":
        early = deposit(2, date(2026, 2, 27), "김민준", 150_000)
        deposits.append(early)
        decisions.append(Decision(early.identity, Action.APPLY, ((minjun.charges[0], 150_000),)))
    else:
        decisions.append(Decision(good.identity, Action.LATER))
    before = counts(office.db)
    with pytest.raises(ServiceError) as refused:
        _apply(office, statement(*deposits), decisions)
    assert expected in str(refused.value)
    assert counts(office.db) == before  # not even the deposits kept for later
    assert outstanding(office.db, jiho.charges[0]) == 60_000


def test_a_race_on_the_same_deposit_is_refused_whole(office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    minjun = failed(office, "1", "김민준", monthly=150_000)
    sure = deposit(1, AFTER, "김민준", 150_000)
    decisions = [Decision(sure.identity, Action.APPLY, ((minjun.charges[0], 150_000),))]
    _apply(office, statement(sure), decisions)
    before = counts(office.db)
    # A second clerk read the lines before the first committed: only the unique constraint stands between.
    monkeypatch.setattr(applying, "_lines", lambda *_a, **_k: {})
    with pytest.raises(ConflictError, match="다른 사용자가 같은 입금을 먼저 처리했습니다"):
        _apply(office, statement(sure, deposit(2, AFTER, "홍길동", 10_000)), [])
    assert counts(office.db) == before and outstanding(office.db, minjun.charges[0]) == 0
    check_statement_invariants(office.db)


def test_an_overpayment_applies_only_the_owed_and_keeps_the_rest_pending(office: Office) -> None:
    woojin = failed(office, "1", "정우진", monthly=100_000)
    over = deposit(1, AFTER, "정우진", 130_000)
    [p] = matching.propose(office.db, office.admin, office.contract_id, statement(over), today=TODAY)
    result = _apply(office, statement(over), [Decision(over.identity, Action.APPLY,
                                                       tuple((a.charge_id, a.amount) for a in p.allocations))])
    assert (result.amount, result.messages[0]) == (100_000, "입금액이 남은 1건(남은 30,000원)은 미처리 목록에 남겼습니다.")
    assert _lines(office)["정우진"] == (StatementLineState.PENDING, 100_000, "남은 30,000원 미처리")
    [line] = applying.pending_lines(office.db, office.admin, office.contract_id)
    assert (line.remainder, line.paid) == (30_000, ("정우진(1) 2026-04 수강료 100,000원",))
    # Nothing is owed any more: proposed again, the rest finds nothing; the clerk sets it aside.
    [again] = matching.propose_pending(office.db, office.admin, office.contract_id, today=TODAY)
    assert (again.remainder, again.applied_before, again.allocations) == (30_000, 100_000, ())
    with pytest.raises(ServiceError, match="입금액 중 남은 30,000원보다 많습니다"):
        _apply(office, None, [Decision(over.identity, Action.APPLY, ((woojin.charges[0], 40_000),))])
    done = _apply(office, None, [Decision(over.identity, Action.DISMISS, note="초과 입금: 학부모에게 돌려줌")])
    assert done.dismissed == 1 and applying.pending_lines(office.db, office.admin, office.contract_id) == []
    assert _lines(office)["정우진"][:2] == (StatementLineState.DISMISSED, 100_000)
    check_statement_invariants(office.db)


def test_a_partial_payment_keeps_the_charge_outstanding_for_the_rest(office: Office) -> None:
    woojin = failed(office, "1", "정우진", monthly=100_000)
    part = deposit(1, AFTER, "정우진", 40_000)
    result = _apply(office, statement(part), [Decision(part.identity, Action.APPLY, ((woojin.charges[0], 40_000),))])
    assert result.amount == 40_000 and _lines(office)["정우진"] == (StatementLineState.APPLIED, 40_000, None)
    assert outstanding(office.db, woojin.charges[0]) == 60_000
    assert cash.list_cash_candidates(office.db, office.admin, office.contract_id)[0].outstanding == 60_000


def test_a_deposit_kept_for_later_is_applied_from_the_pending_list(office: Office) -> None:
    minjun = failed(office, "1", "김민준", monthly=150_000)
    habit = deposit(1, AFTER, "김민준모", 150_000)
    _apply(office, statement(habit), [Decision(habit.identity, Action.LATER)])
    [p] = matching.propose_pending(office.db, office.admin, office.contract_id, today=TODAY)
    assert p.known is None and p.known_line_id is not None and p.allocations[0].charge_id == minjun.charges[0]
    result = _apply(office, None, [Decision(habit.identity, Action.APPLY, ((minjun.charges[0], 150_000),))])
    assert (result.applied_deposits, result.amount) == (1, 150_000)
    with pytest.raises(ConflictError, match="이미 수납반영"):
        _apply(office, None, [Decision(habit.identity, Action.DISMISS, note="중복")])
    [line] = applying.history(office.db, office.admin, office.contract_id, APRIL, TODAY)
    assert (line.state, line.paid, line.source_file) == (StatementLineState.APPLIED, ("김민준(1) 2026-04 수강료 150,000원",),
                                                         "거래내역_202605.xlsx")


def test_reversing_a_transfer_frees_its_part_of_the_deposit(office: Office) -> None:
    minjun = failed(office, "1", "김민준", monthly=150_000)
    sure = deposit(1, AFTER, "김민준", 150_000)
    _apply(office, statement(sure), [Decision(sure.identity, Action.APPLY, ((minjun.charges[0], 150_000),))])
    with office.db.session() as s:
        payment_id = s.scalars(select(Payment.id).where(Payment.method == PaymentMethod.TRANSFER)).one()
    undone = cash.reverse_cash(office.db, office.admin, payment_id, "다른 학생 입금을 잘못 반영", today=TODAY)
    assert undone.message == ("계좌입금 150,000원을 취소했습니다. 미수납액은 150,000원입니다. "
                              "통장 입금은 통장입금대사의 미처리 목록으로 돌아갔습니다.")
    [line] = applying.pending_lines(office.db, office.admin, office.contract_id)
    assert (line.state, line.applied, line.remainder) == (StatementLineState.PENDING, 0, 150_000)
    assert line.paid == ("김민준(1) 2026-04 수강료 150,000원 (수납취소)",)  # the allocation is kept for history
    assert line.note == "계좌입금 150,000원 수납취소: 남은 150,000원 미처리"
    [again] = matching.propose_pending(office.db, office.admin, office.contract_id, today=TODAY)
    assert again.preselected and again.allocations[0].amount == 150_000
    result = _apply(office, None, [Decision(sure.identity, Action.APPLY, ((minjun.charges[0], 150_000),))])
    assert result.amount == 150_000 and outstanding(office.db, minjun.charges[0]) == 0
    check_statement_invariants(office.db)


def test_a_viewer_cannot_apply(office: Office, viewer: Actor) -> None:
    failed(office, "1", "김민준", monthly=150_000)
    with pytest.raises(PermissionDeniedError):
        _apply(office, statement(deposit(1, AFTER, "김민준", 150_000)), [], actor=viewer)
    assert counts(office.db)[0] == 0


def test_history_is_bounded_and_ordered(office: Office) -> None:
    _apply(office, statement(deposit(1, date(2026, 5, 2), "홍길동", 10_000), deposit(2, AFTER, "임꺽정", 20_000)), [])
    lines = applying.history(office.db, office.admin, office.contract_id, APRIL, TODAY)
    assert [(line.depositor, line.state) for line in lines] == [("임꺽정", StatementLineState.PENDING),
                                                                ("홍길동", StatementLineState.PENDING)]
    assert applying.history(office.db, office.admin, office.contract_id, date(2026, 5, 1), TODAY)[0].depositor == "홍길동"
    with pytest.raises(ServiceError, match="366일까지"):
        applying.history(office.db, office.admin, office.contract_id, date(2025, 1, 1), TODAY)
    with pytest.raises(ServiceError, match="시작일이 종료일보다 늦습니다"):
        applying.history(office.db, office.admin, office.contract_id, TODAY, APRIL)
