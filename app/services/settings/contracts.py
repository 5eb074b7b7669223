"""계약정보 and 집금항목관리: the contract as the bank files carry it, and what it collects when.

학원 (issue 18): the contract also carries what the 교육비 납입증명서 prints of the academy (학원 등록번호,
소재지; the 직인 is `seal.py`'s), and each item its posted 교습비 and its teaching time in a month (first
and last teaching day, or a number of sessions) from which refunds are computed. A posted fee may
not be set below what an agreement of the item already charges: the law forbids charging above it,
so the clerk fixes those agreements first instead of finding them at the next 이체의뢰.

Fields of a form left None are kept as stored (an older caller that does not know them changes
nothing of them); an empty text clears an optional field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.database.engine import Database
from app.models import AgreementStatus, CollectionItem, Contract, Customer, DebitAgreement, Institution
from app.services.common import audit, validation
from app.services.common.access import CONTRACT_MISSING, contract_for
from app.services.common.errors import ConflictError, NotFoundError
from app.services.common.session import Actor
from app.services.exchange.cms import banks
from app.services.settings import catalogue

STALE_MESSAGE = "다른 사용자가 먼저 이 정보를 수정했습니다. 화면을 새로 고친 뒤 다시 수정하세요."
REGISTRATION_NO_MAX = 30
ADDRESS_MAX = 200
POSTED_FEE_MAX = 9_999_999_999  # as a monthly amount (customers.rules.MAX_AMOUNT)
SESSIONS_MAX = 100
POSTED_FEE_FIELD = "게시 교습비"
FIRST_DAY_FIELD = "교습 시작일"
LAST_DAY_FIELD = "교습 종료일"
SESSIONS_FIELD = "월 교습 횟수"
EXAMPLES = 3  # customers named when a posted fee is refused


@dataclass
class ContractForm:
    """What the 계약정보 screen edits; text as typed, validated by `validate_contract`."""

    institution_code: str
    name: str
    business_no: str
    representative: str
    settlement_bank_code: str
    settlement_account_no: str
    passbook_text: str
    fee_per_debit: str = "0"
    fee_per_registration: str = "0"
    debit_days: str = "5,15,25"
    registration_cutoff: str = "14:00"
    request_cutoff: str = "14:00"
    result_time: str = "11:00"
    auto_request: bool = False
    auto_request_lead_minutes: str = "120"
    approval_box_enabled: bool = False
    approval_box_labels: str = "담당,과장,원장"
    year_end_closing: bool = True
    partial_debit: bool = False
    version_id: int | None = None
    academy_registration_no: str | None = None  # 학원 등록번호 (None: keep)
    academy_address: str | None = None  # 소재지 (None: keep)


@dataclass(frozen=True)
class ContractRow:
    id: int
    institution_code: str
    name: str
    business_no: str
    representative: str
    settlement_bank_code: str
    settlement_bank_name: str
    settlement_account_no: str
    passbook_text: str
    fee_per_debit: int
    fee_per_registration: int
    debit_days: list[int]
    registration_cutoff: time
    request_cutoff: time
    result_time: time
    auto_request: bool
    auto_request_lead_minutes: int
    approval_box_enabled: bool
    approval_box_labels: list[str]
    year_end_closing: bool
    partial_debit: bool
    active: bool
    version_id: int
    academy_registration_no: str = ""
    academy_address: str = ""
    has_seal: bool = False


def _optional_text(value: str, field_name: str, max_chars: int) -> str | None:
    """Free text printed on paper (not sent to a bank): trimmed, printable, at most `max_chars`; empty → None."""
    text = value.strip()
    if not text:
        return None
    if any(not ch.isprintable() for ch in text):
        raise validation.ValidationError(field_name, "쓸 수 없는 제어 문자가 들어 있습니다.")
    if len(text) > max_chars:
        raise validation.ValidationError(field_name, f"{max_chars}자 이내로 입력하세요 (지금 {len(text)}자).")
    return text


def parse_days(value: str, field_name: str) -> list[int]:
    """'5, 15,25' → [5, 15, 25]; each a day of the month 1–31, no repeats."""
    parts = [p.strip() for p in value.replace("/", ",").replace(" ", ",").split(",") if p.strip()]
    if not parts:
        raise validation.ValidationError(field_name, "하루 이상 입력하세요 (예: 5, 15, 25).")
    days: list[int] = []
    for part in parts:
        if not part.isdigit() or not 1 <= int(part) <= 31:
            raise validation.ValidationError(field_name, f"'{part}'은(는) 1~31 사이의 날짜가 아닙니다.")
        if int(part) in days:
            raise validation.ValidationError(field_name, f"{int(part)}일이 두 번 들어 있습니다.")
        days.append(int(part))
    return sorted(days)


def parse_time(value: str, field_name: str) -> time:
    text = value.strip()
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise validation.ValidationError(field_name, f"'{text}'은(는) 시각(HH:MM, 예: 14:00)이 아닙니다.") from None


def validate_contract(form: ContractForm) -> dict[str, object]:
    """Every field checked, each refusal naming its field in Korean; returns the column values."""
    labels = [p.strip() for p in form.approval_box_labels.split(",") if p.strip()]
    if form.approval_box_enabled and not 1 <= len(labels) <= 5:
        raise validation.ValidationError("결재란", "결재란 칸 이름을 1~5개 쉼표로 구분해 입력하세요 (예: 담당,과장,원장).")
    for label in labels:
        validation.euc_kr_text(label, "결재란", 12)
    lead = validation.amount_won(form.auto_request_lead_minutes, "자동의뢰 시각(마감 전 분)", maximum=24 * 60)
    academy: dict[str, object] = {}
    if form.academy_registration_no is not None:
        academy["academy_registration_no"] = _optional_text(form.academy_registration_no, "학원 등록번호",
                                                             REGISTRATION_NO_MAX)
    if form.academy_address is not None:
        academy["academy_address"] = _optional_text(form.academy_address, "소재지", ADDRESS_MAX)
    return {
        "institution_code": validation.institution_code(form.institution_code),
        "name": validation.euc_kr_text(form.name, "계약명(이용기관명)", 100),
        "business_no": validation.business_no(form.business_no, "사업자등록번호"),
        "representative": validation.euc_kr_text(form.representative, "대표자명", 50),
        "settlement_bank_code": validation.bank_code(form.settlement_bank_code, banks.BANK_NAMES, "정산은행"),
        "settlement_account_no": validation.account_no(form.settlement_account_no, "정산계좌번호"),
        "passbook_text": validation.passbook_text(form.passbook_text),
        "fee_per_debit": validation.amount_won(form.fee_per_debit, "건당수수료(이체)", maximum=100_000),
        "fee_per_registration": validation.amount_won(form.fee_per_registration, "건당수수료(계좌신청)", maximum=100_000),
        "debit_days": ",".join(str(d) for d in parse_days(form.debit_days, "이체가능일")),
        "registration_cutoff": parse_time(form.registration_cutoff, "계좌신청 마감시각"),
        "request_cutoff": parse_time(form.request_cutoff, "이체의뢰 마감시각"),
        "result_time": parse_time(form.result_time, "결과 수신시각"),
        "auto_request": form.auto_request,
        "auto_request_lead_minutes": lead,
        "approval_box_enabled": form.approval_box_enabled,
        "approval_box_labels": ",".join(labels) or "담당,과장,원장",
        "year_end_closing": form.year_end_closing,
        "partial_debit": form.partial_debit,
        **academy,
    }


def _row(c: Contract) -> ContractRow:
    return ContractRow(
        id=c.id,
        institution_code=c.institution_code,
        name=c.name,
        business_no=c.business_no,
        representative=c.representative,
        settlement_bank_code=c.settlement_bank_code,
        settlement_bank_name=banks.BANK_NAMES.get(c.settlement_bank_code, c.settlement_bank_code),
        settlement_account_no=c.settlement_account_no,
        passbook_text=c.passbook_text,
        fee_per_debit=c.fee_per_debit,
        fee_per_registration=c.fee_per_registration,
        debit_days=c.debit_day_list,
        registration_cutoff=c.registration_cutoff,
        request_cutoff=c.request_cutoff,
        result_time=c.result_time,
        auto_request=c.auto_request,
        auto_request_lead_minutes=c.auto_request_lead_minutes,
        approval_box_enabled=c.approval_box_enabled,
        approval_box_labels=[p for p in c.approval_box_labels.split(",") if p],
        year_end_closing=c.year_end_closing,
        partial_debit=c.partial_debit,
        active=c.active,
        version_id=c.version_id,
        academy_registration_no=c.academy_registration_no or "",
        academy_address=c.academy_address or "",
        has_seal=c.seal_png is not None,
    )


def list_contracts(db: Database, actor: Actor) -> list[ContractRow]:
    with db.session() as s:
        stmt = select(Contract).where(Contract.institution_id == actor.institution_id).order_by(Contract.id)
        return [_row(c) for c in s.scalars(stmt)]


def get_contract(db: Database, actor: Actor, contract_id: int) -> ContractRow:
    with db.session() as s:
        return _row(_get(s, actor, contract_id))


def _get(s: Session, actor: Actor, contract_id: int) -> Contract:
    """The actor's contract; the settings screens refuse without asking to pick another contract."""
    return contract_for(s, actor, contract_id, CONTRACT_MISSING)


def _code_taken(s: Session, code: str, except_id: int | None) -> bool:
    stmt = select(func.count()).select_from(Contract).where(Contract.institution_code == code)
    if except_id is not None:
        stmt = stmt.where(Contract.id != except_id)
    return bool(s.scalar(stmt))


def create_contract(db: Database, actor: Actor, form: ContractForm) -> int:
    actor.require_admin()
    values = validate_contract(form)
    with db.session() as s:
        if _code_taken(s, str(values["institution_code"]), None):
            raise ConflictError(f"이용기관코드 {values['institution_code']}는 이미 등록되어 있습니다.")
        contract = Contract(institution_id=actor.institution_id, **values)
        s.add(contract)
        s.flush()
        audit.record(s, "contract_created", actor=actor, target=contract.institution_code)
        return contract.id


def update_contract(db: Database, actor: Actor, contract_id: int, form: ContractForm) -> None:
    actor.require_admin()
    values = validate_contract(form)
    try:
        with db.session() as s:
            contract = _get(s, actor, contract_id)
            if form.version_id is not None and contract.version_id != form.version_id:
                raise ConflictError(STALE_MESSAGE)
            if _code_taken(s, str(values["institution_code"]), contract_id):
                raise ConflictError(f"이용기관코드 {values['institution_code']}는 이미 등록되어 있습니다.")
            changed = {k: "changed" for k, v in values.items() if getattr(contract, k) != v}
            for key, value in values.items():
                setattr(contract, key, value)
            if changed:
                audit.record(s, "contract_updated", actor=actor, target=contract.institution_code, detail=changed)
    except StaleDataError:
        raise ConflictError(STALE_MESSAGE) from None


# --- 집금항목관리 -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemRow:
    id: int
    code: str
    name: str
    collection_days: list[int]
    from_catalogue: bool
    active: bool
    version_id: int
    posted_fee: int | None = None  # 게시 교습비 (won); None: none posted
    teaching_first_day: int | None = None
    teaching_last_day: int | None = None
    teaching_sessions: int | None = None

    @property
    def teaching_text(self) -> str:
        """'매월 8회', '3~28일', '10일~말일', '' (not set: the whole month counts, by days)."""
        if self.teaching_sessions:
            return f"매월 {self.teaching_sessions}회"
        if self.teaching_first_day is None and self.teaching_last_day is None:
            return ""
        first = f"{self.teaching_first_day}일" if self.teaching_first_day else "1일"
        last = f"{self.teaching_last_day}일" if self.teaching_last_day else "말일"
        return f"{first}~{last}"


@dataclass
class ItemForm:
    name: str
    collection_days: str
    active: bool = True
    catalogue_code: str | None = None  # None: the institution's own item
    version_id: int | None = None
    warnings: list[str] = field(default_factory=list)
    # 학원, as typed; None keeps what is stored, "" clears it.
    posted_fee: str | None = None
    teaching_first_day: str | None = None
    teaching_last_day: str | None = None
    teaching_sessions: str | None = None


def _item_row(i: CollectionItem) -> ItemRow:
    return ItemRow(i.id, i.code, i.name, i.day_list, i.from_catalogue, i.active, i.version_id, i.posted_fee,
                   i.teaching_first_day, i.teaching_last_day, i.teaching_sessions)


@dataclass(frozen=True)
class AcademyTerms:
    """An item's posted fee and teaching time, checked together."""

    posted_fee: int | None
    teaching_first_day: int | None
    teaching_last_day: int | None
    teaching_sessions: int | None

    def as_dict(self) -> dict[str, int | None]:
        return {"posted_fee": self.posted_fee, "teaching_first_day": self.teaching_first_day,
                "teaching_last_day": self.teaching_last_day, "teaching_sessions": self.teaching_sessions}


def _whole_number(value: str, field_name: str, low: int, high: int, what: str) -> int | None:
    text = value.strip().removesuffix("일").removesuffix("회").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise validation.ValidationError(field_name, f"'{value.strip()}'은(는) {low}~{high} 사이의 {what}가 아닙니다.")
    return int(text)


def academy_terms(form: ItemForm, item: CollectionItem | None = None) -> AcademyTerms:
    """The posted fee and teaching time the form leaves the item with (None fields keep `item`'s).

    Teaching time is counted by days (first and last teaching day, each optional: the month's first
    and last day stand in) or by sessions, never both, because a refund counts one of them."""
    checks = validation.FieldChecks()
    stored = AcademyTerms(item.posted_fee, item.teaching_first_day, item.teaching_last_day,
                          item.teaching_sessions) if item is not None else AcademyTerms(None, None, None, None)
    posted = stored.posted_fee
    if form.posted_fee is not None:
        posted = checks.run(_posted_fee, form.posted_fee)
    first, last, sessions = stored.teaching_first_day, stored.teaching_last_day, stored.teaching_sessions
    if form.teaching_first_day is not None:
        first = checks.run(_whole_number, form.teaching_first_day, FIRST_DAY_FIELD, 1, 31, "날짜(일)")
    if form.teaching_last_day is not None:
        last = checks.run(_whole_number, form.teaching_last_day, LAST_DAY_FIELD, 1, 31, "날짜(일)")
    if form.teaching_sessions is not None:
        sessions = checks.run(_whole_number, form.teaching_sessions, SESSIONS_FIELD, 1, SESSIONS_MAX, "횟수")
    if not checks.errors:
        if first is not None and last is not None and first > last:
            checks.errors.append(validation.ValidationError(
                LAST_DAY_FIELD, f"교습 시작일({first}일)보다 앞설 수 없습니다."))
        if sessions is not None and (first is not None or last is not None):
            checks.errors.append(validation.ValidationError(
                SESSIONS_FIELD, "교습 시작일·종료일과 월 교습 횟수는 함께 쓸 수 없습니다. 반환금을 날짜로 셀지 횟수로 셀지 "
                                "하나만 입력하세요."))
    checks.raise_first()
    return AcademyTerms(posted, first, last, sessions)


def _posted_fee(value: str) -> int | None:
    if not value.strip():
        return None
    return validation.amount_won(value, POSTED_FEE_FIELD, minimum=1, maximum=POSTED_FEE_MAX)


def _refuse_fee_below_agreements(s: Session, item: CollectionItem, posted_fee: int | None) -> None:
    """A posted fee below the monthly amount of an agreement in use is refused, naming a few of them."""
    if posted_fee is None:
        return
    over = (DebitAgreement.item_id == item.id, DebitAgreement.status == AgreementStatus.ACTIVE,
            DebitAgreement.monthly_amount > posted_fee)
    count = s.scalar(select(func.count()).select_from(DebitAgreement).where(*over)) or 0
    if not count:
        return
    first = s.execute(
        select(Customer.customer_no, Customer.name, DebitAgreement.monthly_amount)
        .join(Customer, Customer.id == DebitAgreement.customer_id).where(*over)
        .order_by(Customer.customer_no).limit(EXAMPLES)
    ).all()
    named = ", ".join(f"{no} {name} {amount:,}원" for no, name, amount in first)
    more = f" 외 {count - len(first):,}건" if count > len(first) else ""
    raise validation.ValidationError(
        POSTED_FEE_FIELD,
        f"{posted_fee:,}원으로 정할 수 없습니다. 이 항목의 사용 중인 이체정보 {count:,}건의 월이체금액이 그보다 많습니다 "
        f"({named}{more}). 학원법상 게시 교습비를 넘게 받을 수 없으니, 먼저 이 고객들의 월이체금액을 고치세요.")


def list_items(db: Database, actor: Actor, contract_id: int, *, active_only: bool = False) -> list[ItemRow]:
    with db.session() as s:
        _get(s, actor, contract_id)
        stmt = select(CollectionItem).where(CollectionItem.contract_id == contract_id)
        if active_only:
            stmt = stmt.where(CollectionItem.active.is_(True))
        return [_item_row(i) for i in s.scalars(stmt.order_by(CollectionItem.code))]


def _validate_item(s: Session, contract: Contract, form: ItemForm) -> tuple[str, str]:
    name = validation.euc_kr_text(form.name, "집금항목명", 40)
    days = parse_days(form.collection_days, "집금일")
    allowed = contract.debit_day_list
    outside = [d for d in days if d not in allowed]
    if outside:
        listed = ", ".join(str(d) for d in allowed)
        raise validation.ValidationError(
            "집금일", f"{', '.join(str(d) for d in outside)}일은 계약의 이체가능일({listed}일)에 없습니다."
        )
    return name, ",".join(str(d) for d in days)


def _next_custom_code(s: Session, contract_id: int) -> str:
    codes = s.scalars(
        select(CollectionItem.code).where(
            CollectionItem.contract_id == contract_id, CollectionItem.code.like(f"{catalogue.CUSTOM_PREFIX}%")
        )
    ).all()
    numbers = [int(c[1:]) for c in codes if c[1:].isdigit()]
    return f"{catalogue.CUSTOM_PREFIX}{(max(numbers) + 1) if numbers else 1:02d}"


def create_item(db: Database, actor: Actor, contract_id: int, form: ItemForm) -> int:
    actor.require_admin()
    with db.session() as s:
        contract = _get(s, actor, contract_id)
        name, days = _validate_item(s, contract, form)
        terms = academy_terms(form)
        if form.catalogue_code:
            entry = catalogue.by_code(form.catalogue_code)
            if entry is None:
                raise validation.ValidationError("집금항목", "목록에 없는 항목입니다.")
            code = entry.code
        else:
            code = _next_custom_code(s, contract_id)
        taken = s.scalar(
            select(func.count()).select_from(CollectionItem).where(
                CollectionItem.contract_id == contract_id, CollectionItem.code == code
            )
        )
        if taken:
            raise ConflictError(f"'{name}' 항목은 이미 등록되어 있습니다. 목록에서 수정하세요.")
        item = CollectionItem(
            contract_id=contract_id, code=code, name=name, collection_days=days,
            from_catalogue=bool(form.catalogue_code), active=form.active, **terms.as_dict(),
        )
        s.add(item)
        try:
            s.flush()
        except IntegrityError:
            raise ConflictError(f"'{name}' 항목은 이미 등록되어 있습니다.") from None
        audit.record(s, "item_created", actor=actor, target=f"{contract.institution_code}/{code}",
                     detail={"name": name, "days": days, **terms.as_dict()})
        return item.id


def update_item(db: Database, actor: Actor, item_id: int, form: ItemForm) -> None:
    actor.require_admin()
    try:
        with db.session() as s:
            item = s.get(CollectionItem, item_id)
            if item is None:
                raise NotFoundError("집금항목을 찾을 수 없습니다.")
            contract = _get(s, actor, item.contract_id)
            if form.version_id is not None and item.version_id != form.version_id:
                raise ConflictError(STALE_MESSAGE)
            if parse_days(form.collection_days, "집금일") == item.day_list:
                # Switching an item on or off must not fail because the contract's days changed since.
                name, days = validation.euc_kr_text(form.name, "집금항목명", 40), item.collection_days
            else:
                name, days = _validate_item(s, contract, form)
            terms = academy_terms(form, item)
            if terms.posted_fee != item.posted_fee:
                _refuse_fee_below_agreements(s, item, terms.posted_fee)
            detail = {"name": name, "days": days, "active": form.active, **terms.as_dict()}
            item.name = name if not item.from_catalogue else item.name
            item.collection_days = days
            item.active = form.active
            for key, value in terms.as_dict().items():
                setattr(item, key, value)
            audit.record(s, "item_updated", actor=actor, target=f"{contract.institution_code}/{item.code}", detail=detail)
    except StaleDataError:
        raise ConflictError(STALE_MESSAGE) from None


def institution_id_for_code(db: Database, institution_code: str) -> int:
    """The institution behind a contract code, for commands that name a contract (--contract CODE)."""
    with db.session() as s:
        found = s.scalar(select(Contract.institution_id).where(Contract.institution_code == institution_code.strip()))
    if found is None:
        raise NotFoundError(f"이용기관코드 {institution_code}인 계약이 없습니다.")
    return found


def contract_id_for_code(db: Database, institution_code: str) -> int:
    with db.session() as s:
        found = s.scalar(select(Contract.id).where(Contract.institution_code == institution_code.strip()))
    if found is None:
        raise NotFoundError(f"이용기관코드 {institution_code}인 계약이 없습니다.")
    return found


def institution_name(db: Database, actor: Actor) -> str:
    with db.session() as s:
        inst = s.get(Institution, actor.institution_id)
        return inst.name if inst else ""
