"""The clerk's decisions on a statement's deposits, written in one transaction; the deposits remembered.

`apply_decisions` writes, for every deposit the clerk confirmed, one 계좌입금 payment per part (a
`Payment(TRANSFER)` and its CASH ledger entry, through `ledger.post_cash`, exactly as 현금수납 is
written) with a `StatementAllocation` tying it to the deposit's `StatementLine`. A deposit set aside
(수납아님) is stored with its reason; every other deposit of the file is stored 미처리, so it waits
in a list for later. All of it commits together or not at all: a part above its charge's outstanding
amount, parts above the deposit, a charge a request holds, a day cash could not be received on —
each is refused before anything is written, naming the deposit's row and the reason.

A deposit is never applied twice. Each line is unique per contract by its identity (day and time,
amount, depositor, balance): the same file applied again finds every deposit known and writes
nothing; two clerks applying the same file at once race on that unique constraint, and the second is
refused whole. A deposit larger than what was applied keeps its remainder 미처리 (shown with what is
left) until it is applied elsewhere or set aside. A deposit dated in a closed month is recorded today
as a correction naming that month (`month_lock.adjustment_day`, as `cash.receive_cash` does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import PurePath

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import (
    Charge,
    CollectionItem,
    Customer,
    DebitAgreement,
    Payment,
    PaymentMethod,
    StatementAllocation,
    StatementLine,
    StatementLineState,
)
from app.models.base import utcnow
from app.services.collection import cash, cash_receipts, ledger, month_lock
from app.services.collection.statements.model import (
    MAX_DEPOSITS,
    MAX_NOTE,
    Action,
    ApplyResult,
    Decision,
    Deposit,
    StatementFile,
    StoredLine,
)
from app.services.common import audit
from app.services.common.access import contract_for
from app.services.common.calendar import SEOUL
from app.services.common.errors import ConflictError, NotFoundError, ServiceError
from app.services.common.session import Actor

MAX_PARTS = 120
"""Charges one deposit may pay: ten years of one payer's months, far beyond a real transfer."""
MAX_HISTORY_DAYS = 366
"""The longest period the history lists at once."""
PENDING_LIST = "미처리 목록"
"""What the audit names as the source when the decisions are about stored lines."""
RACE = ("다른 사용자가 같은 입금을 먼저 처리했습니다. 아무것도 반영하지 않았습니다. 파일을 다시 읽어 확인하세요.")


def _who(deposit: Deposit) -> str:
    """'12행 11-27 김민준 150,000원' — how a refusal names the deposit."""
    row = f"{deposit.row}행 " if deposit.row else ""
    return f"{row}{deposit.occurred_on:%m-%d} {deposit.depositor.strip()} {deposit.amount:,}원"


def _checked(decisions: Sequence[Decision]) -> dict[str, Decision]:
    """The decisions by deposit identity; each well-formed, at most one per deposit."""
    if len(decisions) > MAX_DEPOSITS:
        raise ServiceError(f"한 번에 처리할 수 있는 입금은 {MAX_DEPOSITS:,}건까지입니다.")
    out: dict[str, Decision] = {}
    for decision in decisions:
        if decision.identity in out:
            raise ServiceError("같은 입금에 두 가지 처리가 있습니다. 목록을 다시 읽어 한 번만 정하세요.")
        if not isinstance(decision.action, Action):
            raise ServiceError("입금 처리는 수납반영·수납아님·나중에 중 하나여야 합니다.")
        if decision.action is Action.DISMISS:
            note = (decision.note or "").strip()
            if not note:
                raise ServiceError("수납아님으로 정하는 입금에는 사유를 적으세요 (예: 학원 운영비 입금, 다른 통장 이체).")
            if len(note) > MAX_NOTE:
                raise ServiceError(f"수납아님 사유는 {MAX_NOTE}자까지 적을 수 있습니다 (지금 {len(note)}자).")
        if decision.action is Action.APPLY:
            if not decision.parts:
                raise ServiceError("수납반영할 입금에 맞출 청구를 고르세요.")
            if len(decision.parts) > MAX_PARTS:
                raise ServiceError(f"한 입금은 청구 {MAX_PARTS}건까지 나누어 수납할 수 있습니다.")
            seen: set[int] = set()
            for charge_id, won in decision.parts:
                if isinstance(won, bool) or not isinstance(won, int) or won <= 0:
                    raise ServiceError("수납금액은 1원 이상의 원 단위 정수로 입력하세요.")
                if isinstance(charge_id, bool) or not isinstance(charge_id, int) or charge_id in seen:
                    raise ServiceError("한 입금에 같은 청구를 두 번 넣을 수 없습니다. 금액을 한 줄로 합치세요.")
                seen.add(charge_id)
        out[decision.identity] = decision
    return out


def _file_deposits(statement: StatementFile) -> dict[str, Deposit]:
    if len(statement.deposits) > MAX_DEPOSITS:
        raise ServiceError(f"한 파일에서 반영할 수 있는 입금은 {MAX_DEPOSITS:,}건까지입니다. 조회기간을 나누어 받으세요.")
    out: dict[str, Deposit] = {}
    for deposit in statement.deposits:
        if isinstance(deposit.amount, bool) or not isinstance(deposit.amount, int) or deposit.amount <= 0:
            raise ServiceError(f"{deposit.row}행 입금액: 1원 이상의 금액이어야 합니다.")
        if deposit.identity in out:
            raise ServiceError(f"{out[deposit.identity].row}행과 {deposit.row}행이 같은 입금으로 읽혔습니다. "
                               "파일을 다시 읽으세요.")
        out[deposit.identity] = deposit
    return out


def _stored_deposit(line: StatementLine) -> Deposit:
    return Deposit(0, line.occurred_on, line.occurred_time, line.amount, line.depositor, line.memo or "", line.balance,
                   line.identity)


def _lines(s: Session, contract_id: int, identities: Sequence[str], *, lock: bool) -> dict[str, StatementLine]:
    out: dict[str, StatementLine] = {}
    ids = list(identities)
    for start in range(0, len(ids), 1000):
        stmt = select(StatementLine).where(StatementLine.contract_id == contract_id,
                                           StatementLine.identity.in_(ids[start:start + 1000]))
        if lock:
            stmt = stmt.order_by(StatementLine.id).with_for_update()
        out.update({line.identity: line for line in s.scalars(stmt)})
    return out


@dataclass
class _Written:
    applied: list[int] = field(default_factory=list)  # line ids
    dismissed: list[int] = field(default_factory=list)
    dismissed_won: int = 0
    kept: int = 0
    payments: int = 0
    amount: int = 0
    corrected: dict[str, int] = field(default_factory=dict)  # closed month → deposits recorded today
    left_over: list[int] = field(default_factory=list)  # won left on applied lines
    receipts_due: int = 0  # parts of 100,000원 or more: a 현금영수증 is due


def _check_parts(s: Session, contract_id: int, acting: dict[str, Decision], deposits: dict[str, Deposit],
                 lines: dict[str, StatementLine], charges: dict[int, Charge], today: date) -> None:
    """Refuse, before anything is written, a part the charge cannot take or parts the deposit cannot cover."""
    ids = list(charges)
    described = {cid: f"{name}({no}) {period} {item}" for cid, name, no, period, item in s.execute(
        select(Charge.id, Customer.name, Customer.customer_no, Charge.period, CollectionItem.name)
        .join(DebitAgreement, DebitAgreement.id == Charge.agreement_id)
        .join(Customer, Customer.id == DebitAgreement.customer_id)
        .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
        .where(Charge.id.in_(ids)))}
    # receive_cash's own rule of what cash may take, shared rather than restated
    allowed = set(s.scalars(select(Charge.id).where(Charge.id.in_(ids), cash._cash_allowed(contract_id))))
    held = ledger.open_lines(s, ids)
    left = {cid: bal.outstanding for cid, bal in ledger.balances(s, ids).items()}
    for identity, decision in acting.items():
        if decision.action is not Action.APPLY:
            continue
        deposit = deposits[identity]
        who = _who(deposit)
        line = lines.get(identity)
        before = line.applied_amount if line is not None else 0
        available = deposit.amount - before
        total = sum(won for _cid, won in decision.parts)
        if total > available:
            rest = f"입금액 중 남은 {available:,}원" if before else f"입금액 {available:,}원"
            raise ServiceError(f"{who}: 수납금액 합계 {total:,}원이 {rest}보다 많습니다. 아무것도 반영하지 않았습니다.")
        for charge_id, won in decision.parts:
            charge = charges.get(charge_id)
            if charge is None or charge.contract_id != contract_id:
                raise NotFoundError(f"{who}: 맞출 청구를 찾을 수 없습니다. 목록을 다시 조회하세요.")
            what = described.get(charge_id, charge.period)
            if charge_id in held:
                raise ServiceError(f"{who}: {what}은(는) {held[charge_id][1].label} 상태라 계좌입금으로 수납할 수 "
                                   "없습니다. 이체 결과가 나온 뒤에 반영하세요. 아무것도 반영하지 않았습니다.")
            if charge_id not in allowed:
                raise ServiceError(f"{who}: {what}은(는) 이체처리미완료가 아니어서 계좌입금으로 수납할 수 없습니다.")
            if won > left[charge_id]:
                raise ServiceError(f"{who}: {what}의 수납금액 {won:,}원이 미수납액 {left[charge_id]:,}원보다 많습니다. "
                                   "아무것도 반영하지 않았습니다.")
            left[charge_id] -= won
            try:
                cash.check_received_on(deposit.occurred_on, charge.period, today)
            except ServiceError as error:
                raise ServiceError(f"{who}: {what}의 입금일이 맞지 않습니다. {error}") from error


def _apply(s: Session, actor: Actor, contract_id: int, line: StatementLine, deposit: Deposit, decision: Decision,
           charges: dict[int, Charge], today: date, done: _Written) -> None:
    booked_on, adjusts = month_lock.adjustment_day(s, contract_id, deposit.occurred_on, today)
    note = f"{deposit.occurred_on:%Y-%m-%d} 입금분 ({adjusts} 마감 후 정정)" if adjusts else None
    for charge_id, won in decision.parts:
        payment = ledger.post_cash(s, charges[charge_id], won, booked_on, actor.login_id, adjusts_period=adjusts,
                                   note=note, method=PaymentMethod.TRANSFER)
        s.add(StatementAllocation(line_id=line.id, charge_id=charge_id, payment_id=payment.id, amount=won))
        done.payments += 1
        done.amount += won
        done.receipts_due += int(won >= cash_receipts.THRESHOLD)
    line.applied_amount += sum(won for _cid, won in decision.parts)
    rest = line.amount - line.applied_amount
    line.state = StatementLineState.APPLIED if rest == 0 else StatementLineState.PENDING
    line.note = f"남은 {rest:,}원 미처리" if rest else None
    line.decided_by, line.decided_at = actor.login_id, utcnow()
    done.applied.append(line.id)
    if rest:
        done.left_over.append(rest)
    if adjusts:
        done.corrected[adjusts] = done.corrected.get(adjusts, 0) + 1


def _messages(done: _Written, today: date) -> tuple[str, ...]:
    out = []
    for period, count in sorted(done.corrected.items()):
        out.append(f"{period}은(는) 마감된 달이라 그 달의 입금 {count}건을 오늘({today:%Y-%m-%d}) 날짜의 정정으로 기록했습니다.")
    if done.left_over:
        out.append(f"입금액이 남은 {len(done.left_over)}건(남은 {sum(done.left_over):,}원)은 미처리 목록에 남겼습니다.")
    if done.receipts_due:
        out.append(f"{cash_receipts.THRESHOLD:,}원 이상 계좌입금 {done.receipts_due}건은 5일 안에 현금영수증을 발급하고 "
                   "현금영수증관리에서 승인번호를 입력하세요.")
    return tuple(out)


def apply_decisions(db: Database, actor: Actor, contract_id: int, statement: StatementFile | None,
                    decisions: Sequence[Decision], *, today: date | None = None) -> ApplyResult:
    """Write the clerk's decisions and remember every deposit of `statement` (None: decisions on stored lines).

    Deposits of the file read before are skipped (`already_known`). Nothing is written unless all of
    it is accepted."""
    actor.require_edit()
    today = today or datetime.now(SEOUL).date()
    chosen = _checked(decisions)
    deposits = _file_deposits(statement) if statement is not None else {}
    if statement is not None and any(identity not in deposits for identity in chosen):
        raise ServiceError("파일에 없는 입금을 처리하려 했습니다. 파일을 다시 읽으세요. 아무것도 반영하지 않았습니다.")
    source = PurePath(statement.file_name).name[:255] if statement is not None else PENDING_LIST
    with ledger.money_session(db, contract_id) as s:
        contract = contract_for(s, actor, contract_id)
        if statement is not None:
            lines = _lines(s, contract_id, list(deposits), lock=False)
            acting = {i: d for i, d in chosen.items() if i not in lines}
        else:
            lines = _lines(s, contract_id, list(chosen), lock=True)
            for identity in chosen:
                line = lines.get(identity)
                if line is None:
                    raise NotFoundError("미처리 목록에 없는 입금입니다. 목록을 다시 조회하세요.")
                if line.state is not StatementLineState.PENDING:
                    raise ConflictError(f"{_who(_stored_deposit(line))}: 이미 {line.state.label}(으)로 처리된 입금입니다. "
                                        "목록을 다시 조회하세요.")
            deposits = {identity: _stored_deposit(line) for identity, line in lines.items()}
            acting = chosen
        charges = ledger.lock_charges(s, {cid for d in acting.values() if d.action is Action.APPLY
                                          for cid, _won in d.parts})
        _check_parts(s, contract_id, acting, deposits, lines, charges, today)
        done = _Written()
        known = 0
        if statement is not None:
            fresh = []
            for deposit in statement.deposits:
                if deposit.identity in lines:
                    known += 1
                    continue
                fresh.append(StatementLine(
                    contract_id=contract_id, identity=deposit.identity, occurred_on=deposit.occurred_on,
                    occurred_time=deposit.occurred_time, amount=deposit.amount, depositor=deposit.depositor[:100],
                    memo=(deposit.memo or "")[:200] or None, balance=deposit.balance, bank=statement.layout[:40],
                    source_file=source, state=StatementLineState.PENDING, applied_amount=0,
                    created_by=actor.login_id))
            s.add_all(fresh)
            try:
                s.flush()
            except IntegrityError as error:
                raise ConflictError(RACE) from error
            lines.update({line.identity: line for line in fresh})
            done.kept = sum(1 for line in fresh if line.identity not in chosen
                            or chosen[line.identity].action is Action.LATER)
        else:
            done.kept = sum(1 for d in chosen.values() if d.action is Action.LATER)
        order = sorted(acting, key=lambda i: (deposits[i].occurred_on, deposits[i].occurred_time or "", deposits[i].row))
        for identity in order:
            decision, line = acting[identity], lines[identity]
            if decision.action is Action.APPLY:
                _apply(s, actor, contract_id, line, deposits[identity], decision, charges, today, done)
            elif decision.action is Action.DISMISS:
                line.state, line.note = StatementLineState.DISMISSED, decision.note.strip()
                line.decided_by, line.decided_at = actor.login_id, utcnow()
                done.dismissed.append(line.id)
                done.dismissed_won += line.amount - line.applied_amount
        s.flush()
        target = f"{contract.institution_code} 통장입금 {source}"
        audit.record(s, "statement_applied", actor=actor, target=target, detail={
            "file": source, "deposits": len(deposits), "applied": len(done.applied), "payments": done.payments,
            "amount": done.amount, "dismissed": len(done.dismissed), "kept": done.kept, "already_known": known,
            "applied_line_ids": done.applied[:500]})
        if done.dismissed:
            audit.record(s, "statement_dismissed", actor=actor, target=target, detail={
                "file": source, "dismissed": len(done.dismissed), "amount": done.dismissed_won,
                "line_ids": done.dismissed[:500]})
    return ApplyResult(len(done.applied), done.payments, done.amount, len(done.dismissed), done.kept, known,
                       _messages(done, today))


# --- what became of the deposits ------------------------------------------------------------------


def _stored(s: Session, lines: Sequence[StatementLine]) -> list[StoredLine]:
    ids = [line.id for line in lines]
    paid: dict[int, list[str]] = {}
    for start in range(0, len(ids), 1000):
        for line_id, won, reversed_by, period, name, no, item in s.execute(
                select(StatementAllocation.line_id, StatementAllocation.amount, Payment.reversed_by_id, Charge.period,
                       Customer.name, Customer.customer_no, CollectionItem.name)
                .join(Payment, Payment.id == StatementAllocation.payment_id)
                .join(Charge, Charge.id == StatementAllocation.charge_id)
                .join(DebitAgreement, DebitAgreement.id == Charge.agreement_id)
                .join(Customer, Customer.id == DebitAgreement.customer_id)
                .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
                .where(StatementAllocation.line_id.in_(ids[start:start + 1000]))
                .order_by(StatementAllocation.id)):
            mark = " (수납취소)" if reversed_by is not None else ""
            paid.setdefault(line_id, []).append(f"{name}({no}) {period} {item} {won:,}원{mark}")
    return [StoredLine(line.id, line.identity, line.occurred_on, line.occurred_time, line.amount, line.depositor,
                       line.memo or "", line.balance, line.bank or "", line.source_file, line.state,
                       line.applied_amount, line.note or "", tuple(paid.get(line.id, ())), line.created_by,
                       line.decided_by or "", line.decided_at) for line in lines]


def pending_lines(db: Database, actor: Actor, contract_id: int) -> list[StoredLine]:
    """The deposits kept for later (미처리), oldest first, each with what is left of it."""
    with db.session() as s:
        contract_for(s, actor, contract_id)
        lines = list(s.scalars(select(StatementLine).where(
            StatementLine.contract_id == contract_id, StatementLine.state == StatementLineState.PENDING)
            .order_by(StatementLine.occurred_on, StatementLine.occurred_time, StatementLine.id)))
        return _stored(s, lines)


def history(db: Database, actor: Actor, contract_id: int, date_from: date, date_to: date) -> list[StoredLine]:
    """Every deposit read with a day between the dates, and what became of it (applied, set aside, pending)."""
    if date_from > date_to:
        raise ServiceError("조회 시작일이 종료일보다 늦습니다. 기간을 다시 고르세요.")
    if date_to - date_from > timedelta(days=MAX_HISTORY_DAYS):
        raise ServiceError(f"입금 내역은 {MAX_HISTORY_DAYS}일까지 한 번에 조회할 수 있습니다. 기간을 나누어 조회하세요.")
    with db.session() as s:
        contract_for(s, actor, contract_id)
        lines = list(s.scalars(select(StatementLine).where(
            StatementLine.contract_id == contract_id, StatementLine.occurred_on >= date_from,
            StatementLine.occurred_on <= date_to)
            .order_by(StatementLine.occurred_on, StatementLine.occurred_time, StatementLine.id)))
        return _stored(s, lines)
