"""계좌신청: the registrations of a contract with Korean state and reason, requeue, withdraw, and warnings.

Registrations are queued by the customer screens (a new, changed or ended agreement) and sent by
the scheduler; this is the clerk's view of them. Two actions:

* **재신청 (requeue)**: a 계좌신청미완료 (FAILED) registration, once the account was fixed, is queued
  again as a new registration of the agreement's *current* account. Only the agreement's latest
  registration can be, so an old failure is never sent beside a newer one.
* **신청취소 (withdraw)**: a 계좌신청대기 registration no file carries yet. It holds the file
  builder's lock (shared) while it does, so it cannot race a file being built.

Warnings tell the clerk in time what will go wrong: a registration that cannot be complete two
business days before the agreement's next debit (D-2, the banks then refuse the debit), and banks
that always need a complete registration (국민은행, 새마을금고).

**Consent evidence holds a new registration back** (domain.md "Consent evidence"): a 신규 goes into
an EB13 only once the agreement's standing evidence — its newest piece not replaced nor destroyed —
was accepted by the agency (EI13). Until then it stays 계좌신청대기 with a reason the clerk reads
(`evidence_holds`): "동의자료 없음" (attach it), "동의자료 전송 대기" (attached; it goes as an EI13 at
the next cut-off and the registration follows in the same pass once it is accepted) or
"동의자료 접수불가: <사유>" (the agency refused it; attach a corrected file). 해지 needs no evidence.
The same rule, as SQL (`evidence_ready`), decides what the EB13 builder takes, so the list and
the file never disagree. Evidence counts per agreement: when the account changes, the clerk
attaches the new form (it names the account); one that was not is refused by the agency with
0078, and the result says what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.database.engine import Database
from app.models import (
    AccountRegistration,
    AgreementStatus,
    CollectionItem,
    ConsentEvidence,
    Customer,
    DebitAgreement,
    EvidenceState,
    RegistrationKind,
    RegistrationState,
    Transmission,
)
from app.services.collection import ledger
from app.services.collection.withdrawal import can_withdraw, withdrawing
from app.services.common import audit
from app.services.common.access import contract_for
from app.services.common.calendar import SEOUL, BusinessCalendar
from app.services.common.errors import NotFoundError, ServiceError
from app.services.common.masking import masked_last4
from app.services.common.periods import add_months, month_of, year_month
from app.services.common.search import number_or_name
from app.services.common.session import Actor
from app.services.exchange.cms.banks import bank_name, requires_registration
from app.services.exchange.cms.reasons import reason
from app.services.exchange.transmissions import ContractInfo, contract_info


@dataclass(frozen=True)
class RegistrationQuery:
    states: tuple[RegistrationState, ...] = ()
    bank_code: str | None = None
    item_id: int | None = None
    date_from: date | None = None  # requested_on, inclusive
    date_to: date | None = None
    customer: str | None = None  # customer number or name (part of)
    held_only: bool = False  # only 신규 held until the clerk gives evidence (none, or refused)


@dataclass(frozen=True)
class RegistrationRow:
    id: int
    agreement_id: int
    customer_id: int
    customer_no: str
    customer_name: str
    item_name: str
    kind: RegistrationKind
    kind_text: str
    bank_code: str
    bank_name: str
    account_masked: str
    monthly_amount: int
    first_month: str
    last_month: str | None
    debit_day: int
    requested_on: date
    state: RegistrationState
    state_text: str
    reason_code: str | None
    reason_text: str
    hint: str
    result_at: datetime | None
    can_requeue: bool
    can_withdraw: bool
    warnings: tuple[str, ...]
    hold: EvidenceHold | None = None  # a 신규 kept back for its consent evidence (reason_text/hint say why)


# --- consent evidence: what holds a new registration back ----------------------------------------

HOLD_NO_EVIDENCE = "동의자료 없음"
HOLD_EVIDENCE_WAITING = "동의자료 전송 대기"
HOLD_EVIDENCE_REFUSED = "동의자료 접수불가"
HINT_NO_EVIDENCE = ("이체정보에서 출금동의 증빙(서명한 동의서 스캔·녹취·전자서명)을 첨부하세요. 첨부하면 다음 마감에 "
                    "동의자료(EI13)가 먼저 나가고, 접수되면 같은 마감에 계좌신청이 나갑니다.")
HINT_EVIDENCE_WAITING = "다음 마감에 동의자료(EI13)를 먼저 보내고, 접수되면 같은 마감에 계좌신청을 보냅니다. 할 일은 없습니다."
HINT_EVIDENCE_SENT = "동의자료(EI13)를 보냈습니다. 접수되면 다음 마감에 계좌신청을 보냅니다."
EVIDENCE_STANDING = (EvidenceState.WAITING, EvidenceState.SENT, EvidenceState.ACCEPTED, EvidenceState.REJECTED)
"""States of evidence that stands for its agreement (a replaced or destroyed piece does not)."""
EVIDENCE_ON_ITS_WAY = (EvidenceState.WAITING, EvidenceState.SENT, EvidenceState.ACCEPTED)
"""Standing evidence that lets a 신규 go at the next cut-off without the clerk: accepted, or to be sent
(as an EI13 in the same pass, just before the EB13)."""


@dataclass(frozen=True)
class EvidenceHold:
    """Why a 신규 waiting for the next EB13 does not go yet, and what the clerk does about it."""

    registration_id: int
    agreement_id: int
    reason: str  # "동의자료 없음", "동의자료 전송 대기", "동의자료 접수불가: 동의자료 파일형식 오류"
    hint: str
    needs_action: bool  # False while the evidence is on its way: it goes by itself
    evidence_id: int | None = None
    reason_code: str | None = None  # the agency's code of refused evidence (0101–0105)


def evidence_ready(states: tuple[EvidenceState, ...] = (EvidenceState.ACCEPTED,)) -> ColumnElement[bool]:
    """SQL: the registration needs no evidence (해지) or its agreement's standing evidence is in `states`.

    "Standing": the agreement's newest piece (by id) not replaced nor destroyed. With the default, what
    the EB13 builder may take; with `EVIDENCE_ON_ITS_WAY`, what will go at the next cut-off without the
    clerk (the scheduler's plan and its missed cut-offs). Correlates with `AccountRegistration`.
    """
    standing, newer = aliased(ConsentEvidence), aliased(ConsentEvidence)
    newest = ~exists().where(newer.agreement_id == standing.agreement_id, newer.state.in_(EVIDENCE_STANDING),
                             newer.id > standing.id)
    return or_(
        AccountRegistration.kind != RegistrationKind.NEW,
        exists().where(standing.agreement_id == AccountRegistration.agreement_id, standing.state.in_(states), newest),
    )


def standing_evidence(s: Session, contract_id: int, agreement_ids: set[int] | None = None
                      ) -> dict[int, tuple[int, EvidenceState, str | None]]:
    """Agreement id → (evidence id, state, reason code) of its standing evidence (newest not replaced
    nor destroyed); agreements without any are absent."""
    stmt = (select(ConsentEvidence.agreement_id, ConsentEvidence.id, ConsentEvidence.state,
                   ConsentEvidence.reason_code)
            .where(ConsentEvidence.contract_id == contract_id, ConsentEvidence.state.in_(EVIDENCE_STANDING))
            .order_by(ConsentEvidence.id))
    out: dict[int, tuple[int, EvidenceState, str | None]] = {}
    for agreement_id, evidence_id, state, code in s.execute(stmt):
        if agreement_ids is None or agreement_id in agreement_ids:
            out[agreement_id] = (evidence_id, state, code)
    return out


def hold_for(registration_id: int, agreement_id: int,
             standing: tuple[int, EvidenceState, str | None] | None) -> EvidenceHold | None:
    """The hold of one waiting 신규 given its agreement's standing evidence (None: it may go)."""
    if standing is None:
        return EvidenceHold(registration_id, agreement_id, HOLD_NO_EVIDENCE, HINT_NO_EVIDENCE, True)
    evidence_id, state, code = standing
    if state is EvidenceState.ACCEPTED:
        return None
    if state is EvidenceState.REJECTED:
        why = reason(code) if code else None
        text = f"{HOLD_EVIDENCE_REFUSED}: {why.text}" if why else HOLD_EVIDENCE_REFUSED
        hint = why.hint if why else HINT_NO_EVIDENCE
        return EvidenceHold(registration_id, agreement_id, text, hint, True, evidence_id, code)
    hint = HINT_EVIDENCE_SENT if state is EvidenceState.SENT else HINT_EVIDENCE_WAITING
    return EvidenceHold(registration_id, agreement_id, HOLD_EVIDENCE_WAITING, hint, False, evidence_id)


def evidence_holds(s: Session, contract_id: int, *, registration_ids: set[int] | None = None
                   ) -> dict[int, EvidenceHold]:
    """Registration id → hold, for the contract's 신규 that wait for an EB13 and may not go yet.

    Only registrations no file carries (계좌신청대기, not taken) can be held; `registration_ids` narrows
    the answer to those. Read-only, one query for the registrations and one for the evidence.
    """
    a = AccountRegistration
    stmt = select(a.id, a.agreement_id).where(
        a.contract_id == contract_id, a.kind == RegistrationKind.NEW, a.state == RegistrationState.WAITING,
        a.transmission_id.is_(None))
    waiting = [(rid, aid) for rid, aid in s.execute(stmt) if registration_ids is None or rid in registration_ids]
    if not waiting:
        return {}
    standing = standing_evidence(s, contract_id, {aid for _rid, aid in waiting})
    out: dict[int, EvidenceHold] = {}
    for rid, aid in waiting:
        hold = hold_for(rid, aid, standing.get(aid))
        if hold is not None:
            out[rid] = hold
    return out


def held_registrations(db: Database, actor: Actor, contract_id: int, *, needing_action: bool = False
                       ) -> list[EvidenceHold]:
    """The contract's held 신규 (oldest first); `needing_action`: only those the clerk must act on
    (no evidence, or refused), not those whose evidence is on its way."""
    with db.session() as s:
        contract_for(s, actor, contract_id)
        holds = evidence_holds(s, contract_id)
    return [h for _rid, h in sorted(holds.items()) if h.needs_action or not needing_action]


def next_debit_date(calendar: BusinessCalendar, agreement: DebitAgreement, today: date) -> date | None:
    """The agreement's first debit date after `today` within its first/last month, if any."""
    period = max(agreement.first_month, month_of(today))
    for _ in range(24):
        if agreement.last_month is not None and period > agreement.last_month:
            return None
        day = calendar.debit_date_for(*year_month(period), agreement.debit_day)
        if day > today:
            return day
        period = add_months(period, 1)
    return None


def _completion(info: ContractInfo, reg: AccountRegistration, file_date: date | None, now: datetime) -> datetime | None:
    """When the registration's result (EB14) can be in: for one not yet accepted, else None."""
    calendar = info.calendar
    if reg.state is RegistrationState.SENT:
        return calendar.registration_result_at(file_date or now.astimezone(SEOUL).date(), info.result_time)
    if reg.state in (RegistrationState.WAITING, RegistrationState.FAILED):
        send_day = calendar.registration_send_day(now, info.registration_cutoff)
        return calendar.registration_result_at(send_day, info.result_time)
    return None


def warnings_for(info: ContractInfo, reg: AccountRegistration, agreement: DebitAgreement, file_date: date | None,
                 now: datetime) -> tuple[str, ...]:
    """The Korean warnings of one registration (see the module docstring)."""
    out: list[str] = []
    live = reg.kind is RegistrationKind.NEW and agreement.status is AgreementStatus.ACTIVE
    if not live or reg.state is RegistrationState.WITHDRAWN:
        return ()
    if reg.state is not RegistrationState.DONE and requires_registration(reg.bank_code):
        out.append(f"{bank_name(reg.bank_code)} 계좌는 계좌신청이 완료되어야만 출금할 수 있습니다.")
    done_at = _completion(info, reg, file_date, now)
    first = next_debit_date(info.calendar, agreement, now.astimezone(SEOUL).date())
    if done_at is not None and first is not None:
        deadline = info.calendar.registration_deadline(first)
        if done_at.astimezone(SEOUL).date() > deadline:
            out.append(f"다음 출금일 {first:%Y-%m-%d}의 2영업일 전({deadline:%m-%d})까지 계좌신청이 끝나지 않습니다 "
                       f"(결과 예정 {done_at.astimezone(SEOUL):%m-%d %H:%M}). 그 출금일에는 출금되지 않을 수 있습니다.")
    return tuple(out)


def list_registrations(
    db: Database, actor: Actor, contract_id: int, query: RegistrationQuery | None = None, *, now: datetime
) -> list[RegistrationRow]:
    """The contract's registrations matching the filters, newest first, with state, reason and warnings."""
    q = query or RegistrationQuery()
    reg_ = AccountRegistration
    stmt = (
        select(reg_, DebitAgreement, Customer, CollectionItem.name, Transmission.file_date)
        .join(DebitAgreement, DebitAgreement.id == reg_.agreement_id)
        .join(Customer, Customer.id == DebitAgreement.customer_id)
        .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
        .outerjoin(Transmission, Transmission.id == reg_.transmission_id)
        .where(reg_.contract_id == contract_id)
        .order_by(reg_.requested_on.desc(), reg_.id.desc())
    )
    if q.states:
        stmt = stmt.where(reg_.state.in_(list(q.states)))
    if q.bank_code:
        stmt = stmt.where(reg_.bank_code == q.bank_code)
    if q.item_id is not None:
        stmt = stmt.where(DebitAgreement.item_id == q.item_id)
    if q.date_from is not None:
        stmt = stmt.where(reg_.requested_on >= q.date_from)
    if q.date_to is not None:
        stmt = stmt.where(reg_.requested_on <= q.date_to)
    if q.customer and q.customer.strip():
        text = q.customer.strip()
        stmt = stmt.where(number_or_name(Customer.customer_no, Customer.name, text))
    with db.session() as s:
        contract_for(s, actor, contract_id)
        info = contract_info(s, contract_id)
        found = s.execute(stmt).all()
        latest = set(s.scalars(select(func.max(reg_.id)).where(reg_.contract_id == contract_id,
                                                               reg_.state != RegistrationState.WITHDRAWN)
                               .group_by(reg_.agreement_id)))
        holds = evidence_holds(s, contract_id)
    rows = []
    for r, a, c, item_name, file_date in found:
        why = reason(r.reason_code) if r.state is RegistrationState.FAILED and r.reason_code else None
        hold = holds.get(r.id)
        if q.held_only and (hold is None or not hold.needs_action):
            continue
        rows.append(RegistrationRow(
            id=r.id, agreement_id=a.id, customer_id=c.id, customer_no=c.customer_no, customer_name=c.name,
            item_name=item_name, kind=r.kind, kind_text=r.kind.label, bank_code=r.bank_code,
            bank_name=bank_name(r.bank_code), account_masked=masked_last4(r.account_last4), monthly_amount=a.monthly_amount,
            first_month=a.first_month, last_month=a.last_month, debit_day=a.debit_day, requested_on=r.requested_on,
            state=r.state, state_text=r.state.label,
            reason_code=r.reason_code if why else (hold.reason_code if hold else None),
            reason_text=why.text if why else (hold.reason if hold else ""),
            hint=why.hint if why else (hold.hint if hold else ""), result_at=r.result_at,
            can_requeue=_requeue_problem(r, a, r.id in latest) is None,
            can_withdraw=can_withdraw(r),
            warnings=warnings_for(info, r, a, file_date, now), hold=hold,
        ))
    return rows


def _requeue_problem(reg: AccountRegistration, agreement: DebitAgreement, is_latest: bool) -> str | None:
    if reg.state is not RegistrationState.FAILED:
        return f"계좌신청미완료인 건만 다시 신청할 수 있습니다 (현재 {reg.state.label})."
    if reg.kind is not RegistrationKind.NEW:
        return "해지 신청은 다시 신청하지 않습니다. 이체정보를 확인하세요."
    if agreement.status is not AgreementStatus.ACTIVE:
        return "해지된 이체정보입니다."
    if not is_latest:
        return "이 이체정보에는 더 최근의 계좌신청이 있습니다."
    return None


def requeue(db: Database, actor: Actor, registration_id: int, *, now: datetime) -> int:
    """Queue again (계좌신청대기) a failed registration with the agreement's current account; the new id."""
    actor.require_edit()
    with db.session() as s:
        contract_id = s.scalar(select(AccountRegistration.contract_id).where(AccountRegistration.id == registration_id))
    if contract_id is None:
        raise NotFoundError("계좌신청 내역을 찾을 수 없습니다. 목록을 다시 조회하세요.")
    with ledger.money_session(db, contract_id) as s:
        contract = contract_for(s, actor, contract_id)
        reg = s.get(AccountRegistration, registration_id)
        assert reg is not None
        agreement = s.get(DebitAgreement, reg.agreement_id)
        assert agreement is not None
        newest = s.scalar(select(func.max(AccountRegistration.id)).where(
            AccountRegistration.agreement_id == agreement.id, AccountRegistration.state != RegistrationState.WITHDRAWN))
        problem = _requeue_problem(reg, agreement, newest == reg.id)
        if problem:
            raise ServiceError(problem)
        fresh = AccountRegistration(
            contract_id=contract_id, agreement_id=agreement.id, kind=RegistrationKind.NEW,
            state=RegistrationState.WAITING, bank_code=agreement.bank_code, account_no_enc=agreement.account_no_enc,
            account_last4=agreement.account_last4, holder_id=agreement.holder_id,
            requested_on=now.astimezone(SEOUL).date(), created_by=actor.login_id,
        )
        s.add(fresh)
        s.flush()
        audit.record(s, "registration_requeued", actor=actor, target=contract.institution_code,
                     detail={"registration_id": registration_id, "new_id": fresh.id, "agreement_id": agreement.id})
        return fresh.id


def withdraw(db: Database, actor: Actor, registration_id: int) -> None:
    """신청취소: a queued registration that no file carries yet is withdrawn (the rule is `withdrawal`'s)."""
    with withdrawing(db, actor, AccountRegistration, registration_id,
                     missing=NotFoundError("계좌신청 내역을 찾을 수 없습니다. 목록을 다시 조회하세요."),
                     not_waiting="계좌신청대기인 건만 취소할 수 있습니다 (현재 {label}).",
                     in_file="이미 계좌신청 파일에 실린 건이라 취소할 수 없습니다.",
                     ) as (s, contract, reg):
        audit.record(s, "registration_withdrawn", actor=actor, target=contract.institution_code,
                     detail={"registration_id": registration_id, "agreement_id": reg.agreement_id})
