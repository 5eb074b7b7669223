"""수납관리 > 독촉관리: the letters due after a failed debit, stage by stage, issued once each.

Which letter is due (the rules of issue 19, and what this module decided where the issue is silent):

* A failed request R (이체처리미완료 or 부분출금, 이체의뢰 or 재처리의뢰) whose result is known by the day
  starts the stages of `arrears_rules.stages`: stage S is due on ``R.debit_date + S.days_after``
  (calendar days).
* **Each unpaid charge is dunned once**, on the stages of the earliest failed request that carried
  it (by debit date, then id). A 재처리의뢰 that fails again, or a later request that carried the same
  charge as 미수납 이월, starts no second set of letters for it; a request with none of its own charges
  starts none. A letter of R lists R's own charges.
* **Stages in order, never a 최고 before an 안내**: only R's next stage not yet issued is listed. It is
  due on its own day, but not sooner after the previous letter than the stages' own interval
  (1차 at 3 days and 2차 at 15: the 2차 comes 12 days after the 1차 went out, however late that was).
  So a resident always has the time between two stages to pay; a clerk who issues on time sees each
  stage on its own day (이바다's 2026-09-28 failure: 10-01, 10-13, 10-28).
* **Nothing unpaid, no letter**: the letter's amount is what its charges still owe at the end of the
  day (`ledger.charge_states`: only 미납 counts). A cash payment, a successful retry or a refund before
  the day leaves nothing, and the letter is no longer due. A charge asked of the bank again and still
  without a result (이체의뢰대기/중) is left out: the bank may yet take it.
* **연체료** on a letter is what its charges' late fees still owe, unbilled and not waived
  (`LateFee.billable`, as of the day); a waived fee is shown with its amount as 감면 ("연체료 감면" on
  the list when nothing else is owed).
* **보류 (hold)**, dunning_holds.py: a held household's letters are listed greyed with the hold and
  cannot be issued; once the hold is over (or ended early) the letters still unissued are due again.
* Closed months do not matter: letters are not money rows.

Issuing (`issue`) is all or nothing and only from today's list: it recomputes the chosen letters,
refuses the whole choice when one is no longer due (paid, held, or issued meanwhile — then it names
what was already issued, when and by whom), writes one `DunningLetter` per (stage, request) — unique,
so the same letter can never be issued twice, even by two clerks at once — and one PDF
(dunning_pdf.py): a page per household, under the most advanced stage's title and wording, with
every chosen letter of that household as a line. 납부기한 is the issue day + 10 calendar days
(`PAY_WITHIN_DAYS`): the office's account takes money any day. Writing the PDF is audited as a
personal-data export; if the letters cannot be recorded the PDF is removed, so no paper claims a
letter that was never recorded. The first letter issued on the default stages saves them as the
contract's stage rows (a letter names its stage row); the office edits them afterwards on
연체료·독촉 규정. `reprint` writes issued letters again from their rows, a page per household and
issue, marked 재발행, and records nothing new but the export (a letter row keeps no waiver flag, so a
reprint shows a waived fee as none).
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import (
    Charge,
    CollectionItem,
    Contract,
    Customer,
    DebitAgreement,
    DebitRequest,
    DebitRequestLine,
    DunningHold,
    DunningLetter,
    DunningStage,
    RequestKind,
    RequestState,
)
from app.services.aggregates.common import report_context
from app.services.aggregates.reports import dunning_pdf
from app.services.aggregates.reports.dunning_pdf import LetterLine, LetterPage
from app.services.collection import late_fees, ledger
from app.services.collection.dunning_holds import (
    HoldRow,
    day_end,
    end_hold,
    hold,
    holds,
    holds_on,
    seoul_day,
)
from app.services.collection.ledger import ChargeState
from app.services.common import audit, output_files
from app.services.common.access import contract_for, customer_for
from app.services.common.calendar import SEOUL, BusinessCalendar
from app.services.common.contract_calendar import contract_calendar
from app.services.common.errors import ConflictError, NotFoundError, ServiceError
from app.services.common.masking import masked_last4
from app.services.common.session import Actor
from app.services.exchange.cms.banks import bank_name
from app.services.settings.arrears_rules import LetterValues, StageRule, fill_wording, stages

__all__ = ["DueLetter", "HistoryRow", "HoldRow", "IssueOutcome", "IssuedLetter", "LetterKey", "customer_history",
           "due_in", "due_letters", "end_hold", "hold", "holds", "issue", "issued_letters", "reprint"]

PAY_WITHIN_DAYS = 10
"""납부기한 = the issue day + this many calendar days."""
FAILED = (RequestState.FAILED, RequestState.PARTIAL)
CHUNK = 5000


class LetterKey(NamedTuple):
    """One letter: a failed request and the stage (by its order) it is at."""

    request_id: int
    stage_seq: int


@dataclass(frozen=True)
class DueLetter:
    """A letter due on or before the day and not yet issued (or held: `hold` says why not)."""

    key: LetterKey
    customer_id: int
    customer_no: str
    customer_name: str
    stage: StageRule
    request_id: int
    debit_date: date
    retry: bool
    item_name: str
    periods: tuple[str, ...]
    charge_ids: tuple[int, ...]
    account: str  # '국민은행 ****1234'
    unpaid: int
    late_fee: int  # still to be asked for: not waived, not billed as an item 연체료
    late_fee_waived: int  # the waived fees (shown as 감면, never asked for)
    due_on: date
    hold: HoldRow | None = None

    @property
    def held(self) -> bool:
        return self.hold is not None

    @property
    def months(self) -> str:
        return ", ".join(self.periods)

    @property
    def late_fee_text(self) -> str:
        """'12,340원', '연체료 감면', '12,340원 (감면 5,000원)' or '' when there is none."""
        if self.late_fee and self.late_fee_waived:
            return f"{self.late_fee:,}원 (감면 {self.late_fee_waived:,}원)"
        if self.late_fee:
            return f"{self.late_fee:,}원"
        return "연체료 감면" if self.late_fee_waived else ""


@dataclass(frozen=True)
class IssueOutcome:
    letter_ids: tuple[int, ...]
    pages: int
    path: Path
    message: str


@dataclass(frozen=True)
class IssuedLetter:
    id: int
    issued_at: datetime
    issued_by: str
    customer_id: int
    customer_no: str
    customer_name: str
    stage_id: int
    stage_name: str
    stage_seq: int
    request_id: int
    debit_date: date
    item_name: str
    periods: tuple[str, ...]
    unpaid: int
    late_fee: int
    late_fee_waived: int
    due_on: date

    @property
    def issued_on(self) -> date:
        return self.issued_at.astimezone(SEOUL).date()

    @property
    def pay_by(self) -> date:
        return pay_by(self.issued_on)


@dataclass(frozen=True)
class HistoryRow:
    """One line of a household's 독촉 history (the customer detail shows them newest first)."""

    at: datetime
    kind: str  # 안내문 발행 / 보류 등록 / 보류 해제
    text: str
    by: str


# --- days -------------------------------------------------------------------------------------------


def pay_by(issued_on: date) -> date:
    return issued_on + timedelta(days=PAY_WITHIN_DAYS)


# --- which charges a request duns ---------------------------------------------------------------------


def _own_charges(s: Session, request_ids: Sequence[int]) -> dict[int, list[tuple[int, str]]]:
    """request id → [(charge id, period)] of the charges it duns: those it is the earliest failed
    request of (by debit date, then id). A failed retry of the same charge owns none."""
    lines: dict[int, list[tuple[int, str]]] = defaultdict(list)
    ids = sorted(set(request_ids))
    for start in range(0, len(ids), CHUNK):
        for request_id, charge_id, period in s.execute(
                select(DebitRequestLine.request_id, DebitRequestLine.charge_id, Charge.period)
                .join(Charge, Charge.id == DebitRequestLine.charge_id)
                .where(DebitRequestLine.request_id.in_(ids[start:start + CHUNK]))):
            lines[request_id].append((charge_id, period))
    charge_ids = sorted({c for found in lines.values() for c, _p in found})
    owner: dict[int, tuple[date, int]] = {}
    for start in range(0, len(charge_ids), CHUNK):
        for charge_id, debit_date, request_id in s.execute(
                select(DebitRequestLine.charge_id, DebitRequest.debit_date, DebitRequest.id)
                .join(DebitRequest, DebitRequest.id == DebitRequestLine.request_id)
                .where(DebitRequestLine.charge_id.in_(charge_ids[start:start + CHUNK]),
                       DebitRequest.state.in_(FAILED))):
            if charge_id not in owner or (debit_date, request_id) < owner[charge_id]:
                owner[charge_id] = (debit_date, request_id)
    return {r: sorted(((c, p) for c, p in found if owner.get(c, (date.min, r))[1] == r), key=lambda cp: (cp[1], cp[0]))
            for r, found in lines.items()}


# --- what is due -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Failed:
    id: int
    debit_date: date
    kind: RequestKind
    customer_id: int
    customer_no: str
    customer_name: str
    item_name: str
    bank_code: str
    account_last4: str | None


def _failed_requests(s: Session, contract_id: int, day: date, latest_debit: date) -> list[_Failed]:
    rows = s.execute(
        select(DebitRequest.id, DebitRequest.debit_date, DebitRequest.kind, Customer.id.label("customer_id"),
               Customer.customer_no, Customer.name, CollectionItem.name.label("item_name"), DebitAgreement.bank_code,
               DebitAgreement.account_last4)
        .join(DebitAgreement, DebitAgreement.id == DebitRequest.agreement_id)
        .join(Customer, Customer.id == DebitAgreement.customer_id)
        .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
        .where(DebitRequest.contract_id == contract_id, DebitRequest.state.in_(FAILED),
               DebitRequest.result_at < day_end(day), DebitRequest.debit_date <= latest_debit))
    return [_Failed(r.id, r.debit_date, RequestKind(r.kind), r.customer_id, r.customer_no, r.name, r.item_name,
                    r.bank_code, r.account_last4) for r in rows]


def _issued(s: Session, request_ids: Sequence[int]) -> dict[tuple[int, int], datetime]:
    """(request id, stage id) → when its letter was issued."""
    out: dict[tuple[int, int], datetime] = {}
    ids = sorted(set(request_ids))
    for start in range(0, len(ids), CHUNK):
        for request_id, stage_id, issued_at in s.execute(
                select(DunningLetter.request_id, DunningLetter.stage_id, DunningLetter.issued_at)
                .where(DunningLetter.request_id.in_(ids[start:start + CHUNK]))):
            out[(request_id, stage_id)] = issued_at
    return out


def _next_stage(rules: Sequence[StageRule], issued: dict[tuple[int, int], datetime], request: _Failed
                ) -> tuple[StageRule, date] | None:
    """The request's first stage not yet issued and the day it is due; None when every stage went out."""
    previous: tuple[StageRule, date] | None = None
    for rule in rules:
        sent = issued.get((request.id, rule.id)) if rule.id is not None else None
        if sent is None:
            due_on = request.debit_date + timedelta(days=rule.days_after)
            if previous is not None:
                gap = max(0, rule.days_after - previous[0].days_after)
                due_on = max(due_on, previous[1] + timedelta(days=gap))
            return rule, due_on
        previous = (rule, seoul_day(sent))
    return None


def _calendar_of(s: Session, contract_id: int) -> BusinessCalendar:
    year_end_closing = s.scalar(select(Contract.year_end_closing).where(Contract.id == contract_id))
    return contract_calendar(s, contract_id, bool(year_end_closing))


def due_in(s: Session, contract_id: int, day: date) -> list[DueLetter]:
    """The letters due on or before `day` and not issued, held ones included (marked), by household."""
    rules = stages(s, contract_id)
    if not rules:
        return []
    first = min(rule.days_after for rule in rules)
    requests = _failed_requests(s, contract_id, day, day - timedelta(days=first))
    if not requests:
        return []
    own = _own_charges(s, [r.id for r in requests])
    requests = [r for r in requests if own.get(r.id)]
    issued = _issued(s, [r.id for r in requests])
    pending: list[tuple[_Failed, StageRule, date]] = []
    for request in requests:
        found = _next_stage(rules, issued, request)
        if found is not None and found[1] <= day:
            pending.append((request, *found))
    charge_ids = sorted({c for r, _s, _d in pending for c, _p in own[r.id]})
    states = ledger.charge_states(s, _calendar_of(s, contract_id), contract_id, day, charge_ids) if charge_ids else {}
    unpaid = {c: left for c, (state, left) in states.items() if state is ChargeState.UNPAID and left > 0}
    fees = late_fees.fees_as_of(s, contract_id, day, charge_ids=list(unpaid)) if unpaid else {}
    holds = holds_on(s, contract_id, day, {r.customer_id for r, _s, _d in pending})
    out: list[DueLetter] = []
    for request, rule, due_on in pending:
        charges = [(c, p) for c, p in own[request.id] if c in unpaid]
        if not charges:
            continue
        fee = [fees[c] for c, _p in charges if c in fees]
        out.append(DueLetter(
            LetterKey(request.id, rule.seq), request.customer_id, request.customer_no, request.customer_name, rule,
            request.id, request.debit_date, request.kind is RequestKind.RETRY, request.item_name,
            tuple(dict.fromkeys(p for _c, p in charges)), tuple(c for c, _p in charges),
            f"{bank_name(request.bank_code)} {masked_last4(request.account_last4)}".strip(),
            sum(unpaid[c] for c, _p in charges), sum(f.billable for f in fee),
            sum(max(0, f.fee - f.billed) for f in fee if f.waived), due_on,
            holds.get(request.customer_id)))
    out.sort(key=lambda d: (d.customer_no, d.debit_date, d.request_id, d.stage.seq))
    return out


def due_letters(db: Database, actor: Actor, contract_id: int, day: date) -> list[DueLetter]:
    """독촉관리's list: letters due on or before `day` not yet issued; held households marked."""
    with db.session() as s:
        contract_for(s, actor, contract_id)
        return due_in(s, contract_id, day)


# --- issuing ---------------------------------------------------------------------------------------


def _stage_ids(s: Session, contract_id: int, rules: Sequence[StageRule]) -> dict[int, int]:
    """stage seq → its row id; the default stages (no row yet) are saved as the contract's rows first
    (switched-off stages sit at 1000 + id, clear of 1–5)."""
    out = {rule.seq: rule.id for rule in rules if rule.id is not None}
    for rule in rules:
        if rule.id is None:
            row = DunningStage(contract_id=contract_id, seq=rule.seq, name=rule.name, days_after=rule.days_after,
                               wording=rule.wording, active=True)
            s.add(row)
            s.flush()
            out[rule.seq] = row.id
    return out


def _issued_elsewhere(s: Session, contract_id: int, keys: Sequence[LetterKey], rules: Sequence[StageRule]) -> list[str]:
    """'이바다 1차 안내 (2026-09-28 출금분, 2026-10-01 clerk1 발행)' for each key already issued."""
    by_seq = {rule.seq: rule for rule in rules}
    stage_ids = {by_seq[k.stage_seq].id for k in keys if k.stage_seq in by_seq and by_seq[k.stage_seq].id}
    if not stage_ids:
        return []
    rows = s.execute(
        select(DunningLetter, DunningStage.name, Customer.name.label("customer"), DebitRequest.debit_date)
        .join(DunningStage, DunningStage.id == DunningLetter.stage_id)
        .join(Customer, Customer.id == DunningLetter.customer_id)
        .join(DebitRequest, DebitRequest.id == DunningLetter.request_id)
        .where(DunningLetter.contract_id == contract_id, DunningLetter.stage_id.in_(sorted(stage_ids)),
               DunningLetter.request_id.in_(sorted({k.request_id for k in keys})))).all()
    wanted = {(k.request_id, by_seq[k.stage_seq].id) for k in keys if k.stage_seq in by_seq}
    return [f"{row.customer} {row.name} ({row.debit_date:%Y-%m-%d} 출금분, {seoul_day(row.DunningLetter.issued_at)} "
            f"{row.DunningLetter.issued_by} 발행)"
            for row in rows if (row.DunningLetter.request_id, row.DunningLetter.stage_id) in wanted]


def _chosen(s: Session, contract_id: int, keys: Sequence[LetterKey], day: date) -> list[DueLetter]:
    """The due letters `keys` name, recomputed now; refused whole when one is not due any more."""
    due = {d.key: d for d in due_in(s, contract_id, day)}
    gone = [k for k in keys if k not in due]
    if gone:
        already = _issued_elsewhere(s, contract_id, gone, stages(s, contract_id))
        if already:
            raise ConflictError("이미 발행한 안내문이 있어 아무것도 발행하지 않았습니다: " + "; ".join(already[:5])
                                + (f" 외 {len(already) - 5}건" if len(already) > 5 else "")
                                + ". 목록을 다시 조회하세요. 다시 인쇄하려면 [발행 내역]에서 재발행하세요.")
        raise ConflictError(f"선택한 안내문 {len(gone)}건은 더 이상 발행 대상이 아닙니다 (납부되었거나 다시 출금 중). "
                            "아무것도 발행하지 않았습니다. 목록을 다시 조회하세요.")
    chosen = [due[k] for k in keys]
    held = [d for d in chosen if d.hold is not None]
    if held:
        names = ", ".join(dict.fromkeys(f"{d.customer_name}({d.hold.text})" for d in held if d.hold))
        raise ConflictError(f"보류 중인 세대는 안내문을 발행하지 않습니다: {names}. 아무것도 발행하지 않았습니다.")
    return chosen


def _page(letters: Sequence[DueLetter], institution: str, issued_on: date) -> LetterPage:
    """One household's page: the most advanced stage's title and wording, and every letter as a line."""
    head = max(letters, key=lambda d: d.stage.seq)
    lines = tuple(LetterLine(d.stage.name, d.debit_date, d.item_name, d.months, d.unpaid, d.late_fee,
                             d.late_fee_waived) for d in letters)
    unpaid, fee = sum(d.unpaid for d in letters), sum(d.late_fee for d in letters)
    waived = fee == 0 and any(d.late_fee_waived for d in letters)
    wording = fill_wording(head.stage.wording, LetterValues(head.customer_name, unpaid, fee, waived,
                                                            pay_by(issued_on), institution))
    return LetterPage(head.customer_no, head.customer_name, head.stage.name, wording, lines, head.account, issued_on,
                      pay_by(issued_on))


def _pages(letters: Sequence[DueLetter], institution: str, issued_on: date) -> list[LetterPage]:
    by_customer: dict[int, list[DueLetter]] = defaultdict(list)
    for d in letters:
        by_customer[d.customer_id].append(d)
    groups = sorted(by_customer.values(), key=lambda g: g[0].customer_no)
    return [_page(sorted(g, key=lambda d: (d.debit_date, d.request_id)), institution, issued_on) for g in groups]


def issue(db: Database, actor: Actor, contract_id: int, keys: Iterable[LetterKey | tuple[int, int]], day: date,
          pdf_path: str | os.PathLike[str], *, now: datetime, force: bool = False) -> IssueOutcome:
    """[안내문 발행]: the chosen letters of today's list recorded (once each) and written to one PDF,
    a page per household; all or nothing."""
    actor.require_edit()
    wanted = list(dict.fromkeys(LetterKey(*k) for k in keys))
    if not wanted:
        raise ServiceError("발행할 안내문을 선택하세요.")
    today = seoul_day(now)
    if day != today:
        raise ServiceError(f"안내문은 오늘({today:%Y-%m-%d}) 목록에서만 발행합니다. 기준일을 오늘로 바꿔 다시 조회하세요.")
    protected = output_files.protected_for(db)
    target = output_files.check_target(pdf_path, force=force, protected=protected)
    written: Path | None = None
    try:
        with db.session() as s:
            contract = contract_for(s, actor, contract_id)
            chosen = _chosen(s, contract_id, wanted, day)
            try:
                stage_ids = _stage_ids(s, contract_id, stages(s, contract_id))
            except IntegrityError as error:
                raise ConflictError("다른 사용자가 방금 독촉 단계를 저장했습니다. 아무것도 발행하지 않았습니다. "
                                    "목록을 다시 조회하세요.") from error
            rows = [DunningLetter(contract_id=contract_id, customer_id=d.customer_id, stage_id=stage_ids[d.stage.seq],
                                  request_id=d.request_id, due_on=d.due_on, unpaid=d.unpaid, late_fee=d.late_fee,
                                  late_fee_waived=d.late_fee_waived, issued_at=now, issued_by=actor.login_id)
                    for d in chosen]
            s.add_all(rows)
            try:
                s.flush()
            except IntegrityError as error:
                raise ConflictError("다른 사용자가 방금 같은 안내문을 발행했습니다. 아무것도 발행하지 않았습니다. "
                                    "목록을 다시 조회하세요.") from error
            ctx = report_context(s, actor, contract_id, now)
            pages = _pages(chosen, ctx.institution, today)
            written = dunning_pdf.render_letters(pages, ctx, target, force=force, protected=protected)
            ids = tuple(r.id for r in rows)
            audit.record(s, "dunning_issued", actor=actor, target=f"{contract.institution_code} 독촉 안내문",
                         detail={"letters": len(rows), "households": len(pages), "letter_ids": list(ids),
                                 "day": day.isoformat()})
            audit.record(s, "personal_data_exported", actor=actor, target="독촉 안내문",
                         detail={"format": "pdf", "letters": len(rows), "pages": len(pages)})
    except BaseException:
        if written is not None:  # the letters were not recorded: no paper may say they were sent
            written.unlink(missing_ok=True)
        raise
    return IssueOutcome(ids, len(pages), written,
                        f"안내문 {len(ids)}건({len(pages)}세대)을 발행했습니다: {written}")


# --- issued letters and reprinting ---------------------------------------------------------------------


def _issued_rows(s: Session, where: Sequence[ColumnElement[bool]], *, newest_first: bool = True) -> list[IssuedLetter]:
    rows = s.execute(
        select(DunningLetter, DunningStage.name.label("stage_name"), DunningStage.seq, Customer.customer_no,
               Customer.name.label("customer_name"), DebitRequest.debit_date, CollectionItem.name.label("item_name"))
        .join(DunningStage, DunningStage.id == DunningLetter.stage_id)
        .join(Customer, Customer.id == DunningLetter.customer_id)
        .join(DebitRequest, DebitRequest.id == DunningLetter.request_id)
        .join(DebitAgreement, DebitAgreement.id == DebitRequest.agreement_id)
        .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
        .where(*where)).all()
    own = _own_charges(s, [r.DunningLetter.request_id for r in rows])
    out = [IssuedLetter(r.DunningLetter.id, r.DunningLetter.issued_at, r.DunningLetter.issued_by,
                        r.DunningLetter.customer_id, r.customer_no, r.customer_name, r.DunningLetter.stage_id, r.stage_name, r.seq,
                        r.DunningLetter.request_id, r.debit_date, r.item_name,
                        tuple(dict.fromkeys(p for _c, p in own.get(r.DunningLetter.request_id, []))),
                        r.DunningLetter.unpaid, r.DunningLetter.late_fee, r.DunningLetter.late_fee_waived,
                        r.DunningLetter.due_on) for r in rows]
    out.sort(key=lambda x: (x.customer_no, x.debit_date, x.stage_seq))
    out.sort(key=lambda x: x.issued_at, reverse=newest_first)  # stable: within one issue, by household
    return out


def issued_letters(db: Database, actor: Actor, contract_id: int, date_from: date, date_to: date) -> list[IssuedLetter]:
    """발행 내역: the letters issued from `date_from` to `date_to` (issue days, Seoul), newest first."""
    if date_from > date_to:
        raise ServiceError("조회 시작일이 종료일보다 늦습니다. 기간을 확인하세요.")
    start = datetime.combine(date_from, time(0), SEOUL)
    with db.session() as s:
        contract_for(s, actor, contract_id)
        return _issued_rows(s, [DunningLetter.contract_id == contract_id, DunningLetter.issued_at >= start,
                                DunningLetter.issued_at < day_end(date_to)])


def reprint(db: Database, actor: Actor, contract_id: int, letter_ids: Iterable[int], pdf_path: str | os.PathLike[str],
            *, now: datetime, force: bool = False) -> Path:
    """재발행: issued letters written again as they were issued (a page per household and issue), marked
    재발행; no letter row is added, the export is audited."""
    actor.require_edit()
    ids = sorted(set(letter_ids))
    if not ids:
        raise ServiceError("다시 인쇄할 안내문을 선택하세요.")
    protected = output_files.protected_for(db)
    target = output_files.check_target(pdf_path, force=force, protected=protected)
    with db.session() as s:
        contract_for(s, actor, contract_id)
        letters = _issued_rows(s, [DunningLetter.contract_id == contract_id, DunningLetter.id.in_(ids)],
                               newest_first=False)
        if len(letters) != len(ids):
            raise NotFoundError("발행 내역을 찾을 수 없는 안내문이 있습니다. 목록을 다시 조회하세요.")
        ctx = report_context(s, actor, contract_id, now)
        wording = {stage_id: text for stage_id, text in s.execute(
            select(DunningStage.id, DunningStage.wording).where(DunningStage.contract_id == contract_id))}
        accounts = _accounts(s, [x.request_id for x in letters])
        groups: dict[tuple[int, datetime], list[IssuedLetter]] = defaultdict(list)
        for x in letters:
            groups[(x.customer_id, x.issued_at)].append(x)
        pages: list[LetterPage] = []
        for (_customer, _at), group in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[1][0].customer_no)):
            head = max(group, key=lambda x: x.stage_seq)
            unpaid, fee = sum(x.unpaid for x in group), sum(x.late_fee for x in group)
            waived = fee == 0 and any(x.late_fee_waived for x in group)
            text = fill_wording(wording.get(head.stage_id, ""), LetterValues(head.customer_name, unpaid, fee, waived,
                                                                             head.pay_by, ctx.institution))
            lines = tuple(LetterLine(x.stage_name, x.debit_date, x.item_name, ", ".join(x.periods), x.unpaid,
                                     x.late_fee, x.late_fee_waived)
                          for x in sorted(group, key=lambda x: (x.debit_date, x.request_id)))
            pages.append(LetterPage(head.customer_no, head.customer_name, head.stage_name, text, lines,
                                    accounts.get(head.request_id, ""), head.issued_on, head.pay_by,
                                    reprinted_on=seoul_day(now)))
        written = dunning_pdf.render_letters(pages, ctx, target, force=force, protected=protected)
        audit.record(s, "personal_data_exported", actor=actor, target="독촉 안내문 재발행",
                     detail={"format": "pdf", "letter_ids": ids, "pages": len(pages)})
    return written


def _accounts(s: Session, request_ids: Sequence[int]) -> dict[int, str]:
    rows = s.execute(select(DebitRequest.id, DebitAgreement.bank_code, DebitAgreement.account_last4)
                     .join(DebitAgreement, DebitAgreement.id == DebitRequest.agreement_id)
                     .where(DebitRequest.id.in_(sorted(set(request_ids)))))
    return {r.id: f"{bank_name(r.bank_code)} {masked_last4(r.account_last4)}".strip() for r in rows}


# --- a household's history ------------------------------------------------------------------------------


def customer_history(db: Database, actor: Actor, customer_id: int) -> list[HistoryRow]:
    """The household's letters and holds, newest first (for the customer detail)."""
    with db.session() as s:
        customer_for(s, actor, customer_id)
        letters = _issued_rows(s, [DunningLetter.customer_id == customer_id])
        rows = [HistoryRow(x.issued_at, "안내문 발행",
                           f"{x.stage_name} · {x.debit_date:%Y-%m-%d} 출금분({x.item_name} {', '.join(x.periods)}) · "
                           f"미납 {x.unpaid:,}원" + (f" · 연체료 {x.late_fee:,}원" if x.late_fee else "")
                           + (f" · 연체료 감면 {x.late_fee_waived:,}원" if x.late_fee_waived else "")
                           + f" · 납부기한 {x.pay_by:%Y-%m-%d}", x.issued_by) for x in letters]
        found = list(s.scalars(select(DunningHold).where(DunningHold.customer_id == customer_id)))
        for h in found:
            rows.append(HistoryRow(h.created_at, "보류 등록", f"{h.reason} ({h.starts_on:%Y-%m-%d}~{h.ends_on:%Y-%m-%d})",
                                   h.created_by))
            if h.ended_at is not None:
                why = h.end_reason
                rows.append(HistoryRow(h.ended_at, "보류 해제",
                                       f"{h.reason} · 종료 예정일 {h.ends_on:%Y-%m-%d} 전에 해제"
                                       + (f" (사유: {why})" if why else ""), h.ended_by or ""))
    rows.sort(key=lambda r: r.at, reverse=True)
    return rows
