"""환경설정 > 연체료·독촉 규정: the 관리규약's late fee and the 독촉 stages of a 관리사무소 contract.

The 관리규약 is the manager's, so only an administrator saves here; everyone reads (the 독촉관리
screen, the letters and 미납내역집계 print what is set). Every save writes an audit row with the
rule before and after, in the same unit of work.

연체료 (late fee) — read by `app.services.collection.late_fees`:

* One contract default (item NULL) and, where an item differs, the item's own policy. An item
  without its own row follows the default; removing its own row (`use_default`) returns it there.
  An item's own row that is switched off means "no late fee on this item" even when the default
  charges one. Nothing is charged until the office switches a policy on: a new contract shows
  "사용 안 함".
* The clerk types the rate as the 관리규약 states it, in percent with up to 4 decimals ("0.05" %/일,
  "2" %/월). The text is parsed digit by digit into parts per million (0.05 % = 500 ppm), never
  through a float, so what is stored is exactly what was typed.
* The 연체료 item itself (the one billing creates) gets no policy: no late fee on a late fee.

독촉 (dunning) stages — read through `stages` by the 독촉관리 screen and its letters:

* While the contract has none, `DEFAULT_STAGES` apply (1차 안내 3일, 2차 독촉 15일, 최고 30일).
* `save_stages` replaces the whole list in one unit: 1–5 stages, names unique, days strictly
  increasing (1–365 after the failed debit), wording at most 2,000 characters using only the
  placeholders of `PLACEHOLDERS`. A stage kept from the list (its id given back) is edited in place,
  so the letters already issued for it still count as that stage and no household receives the same
  stage twice because a typo was corrected. A stage left out is deleted, or, when letters were issued
  for it, kept switched off (`active` false) so those letters keep their stage.
* Both kinds of save carry the version the screen loaded; when another administrator saved in
  between, the save is refused (ConflictError) instead of silently overwriting their change.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import CollectionItem, Contract, DunningLetter, DunningStage, LateFeeBasis, LateFeePolicy
from app.services.collection.late_fees import LATE_FEE_ITEM_CODE
from app.services.common import audit
from app.services.common.access import contract_for
from app.services.common.errors import ConflictError, NotFoundError
from app.services.common.session import Actor
from app.services.common.validation import FieldChecks, ValidationError

PPM_PER_PERCENT = 10_000
RATE_DECIMALS = 4
MAX_RATE_PPM = 1_000_000  # 100 %: the database's own limit (late_fee_policy.rate_range)
MAX_GRACE_DAYS = 365
MAX_CAP = 9_999_999_999
ROUNDING_UNITS = (1, 10, 100, 1000)
MIN_STAGES, MAX_STAGES = 1, 5
MAX_STAGE_DAYS = 365
NAME_MAX = 20  # dunning_stage.name
WORDING_MAX = 2000

ENABLED_FIELD = "연체료 사용"
BASIS_FIELD = "계산 방식"
RATE_FIELD = "연체요율"
GRACE_FIELD = "유예일수"
CAP_FIELD = "한도"
ROUNDING_FIELD = "절사 단위"
ITEM_FIELD = "집금항목"
STAGES_FIELD = "독촉 단계"

ITEM_NOT_FOUND = "집금항목을 찾을 수 없습니다. 화면을 새로 고친 뒤 다시 고르세요."
NO_FEE_ON_FEE = "연체료 항목에는 연체료를 매기지 않습니다 (연체료에 대한 연체료는 없습니다)."
POLICY_STALE = "다른 관리자가 먼저 이 연체료 규정을 바꿨습니다. 화면을 새로 고친 뒤 다시 저장하세요."
STAGES_STALE = "다른 관리자가 먼저 독촉 단계를 바꿨습니다. 화면을 새로 고친 뒤 다시 고치세요."
_PARKED = 1_000_000_000  # seq a row holds for a moment while the list is renumbered (seq is unique)
_RETIRED = 1_000  # seq of a switched-off stage: 1000 + its id, clear of the live 1–5

@dataclass(frozen=True)
class StageRule:
    """One 독촉 stage as the rules state it; `id` is None for a default the office has not saved."""

    id: int | None
    seq: int
    name: str
    days_after: int
    wording: str
    active: bool = True


_AMOUNTS = "\n\n미납액: {미납액}\n연체료: {연체료}\n납부기한: {납부기한}\n\n"

DEFAULT_STAGES: tuple[StageRule, ...] = (
    StageRule(None, 1, "1차 안내", 3,
              "{고객명} 님, 안녕하십니까. {기관명}입니다.\n"
              "관리비 자동이체가 출금되지 않아 안내드립니다. 아래 금액을 납부기한까지 관리사무소로 "
              "납부해 주시기 바랍니다." + _AMOUNTS
              + "이미 납부하셨다면 이 안내는 넘기셔도 됩니다. 감사합니다."),
    StageRule(None, 2, "2차 독촉", 15,
              "{고객명} 님, {기관명}입니다.\n"
              "앞서 안내드린 관리비가 아직 납부되지 않아 다시 알려드립니다. 관리규약에 따라 연체료가 "
              "더해질 수 있으니 납부기한까지 꼭 납부해 주시기 바랍니다." + _AMOUNTS
              + "납부가 어려우시면 관리사무소로 연락해 주십시오. 분납 등을 함께 상의드리겠습니다."),
    StageRule(None, 3, "최고", 30,
              "{고객명} 님께 관리비 납부를 최고(催告)합니다.\n"
              "{기관명}에서 여러 차례 안내드렸으나 아래 관리비가 아직 납부되지 않았습니다. 납부기한까지 "
              "납부되지 않으면 관리규약에 따라 지급명령 신청 등 법적 절차가 진행될 수 있음을 "
              "알려드립니다." + _AMOUNTS
              + "이미 납부하셨거나 사정이 있으시면 관리사무소로 연락해 주십시오."),
)
"""The stages an office starts from (domain.md: 안내, 독촉, 최고); 최고 is the 최고장 that warns of
the legal steps the 관리규약 allows."""

PLACEHOLDERS: tuple[str, ...] = ("고객명", "미납액", "연체료", "납부기한", "기관명")
"""What a stage's wording may name in braces; `fill_wording` puts the letter's values in."""
_PLACEHOLDER = re.compile(r"\{([^{}\n]*)\}")


@dataclass(frozen=True)
class LetterValues:
    """One household's letter as its wording needs it."""

    customer_name: str
    unpaid: int
    late_fee: int
    late_fee_waived: bool
    pay_by: date
    institution: str


def placeholder_texts(values: LetterValues) -> dict[str, str]:
    """Placeholder → its text: amounts with 원 ("180,000원"), the day written out ("2026년 10월 11일");
    a late fee of 0 reads "없음" and a waived one "감면", so a wording line "연체료: {연체료}" always reads right."""
    if values.late_fee_waived:
        fee = "감면"
    elif values.late_fee > 0:
        fee = f"{values.late_fee:,}원"
    else:
        fee = "없음"
    return {
        "고객명": values.customer_name,
        "미납액": f"{values.unpaid:,}원",
        "연체료": fee,
        "납부기한": f"{values.pay_by.year}년 {values.pay_by.month}월 {values.pay_by.day}일",
        "기관명": values.institution,
    }


def fill_wording(wording: str, values: LetterValues) -> str:
    """The stage's wording with its placeholders filled, as the letter (and the editor's preview) prints it.

    Only the known names are replaced; braces around anything else stay as typed (`save_stages`
    refuses those, so a saved wording has none)."""
    texts = placeholder_texts(values)
    return _PLACEHOLDER.sub(lambda m: texts.get(m.group(1), m.group(0)), wording)


def stages(s: Session, contract_id: int) -> list[StageRule]:
    """The contract's active 독촉 stages by order, or the defaults (id None) when it has none."""
    rows = s.scalars(select(DunningStage)
                     .where(DunningStage.contract_id == contract_id, DunningStage.active.is_(True))
                     .order_by(DunningStage.seq)).all()
    if not rows:
        return list(DEFAULT_STAGES)
    return [StageRule(r.id, r.seq, r.name, r.days_after, r.wording, r.active) for r in rows]



# --- 연체료: parsing and saying ------------------------------------------------------------------------

_RATE = re.compile(r"([0-9]+)(?:\.([0-9]+))?|\.([0-9]+)")


def percent_to_ppm(text: str, field: str = RATE_FIELD) -> int:
    """'0.05' → 500, '2' → 20000, '1.2345' → 12345: percent as typed (a trailing % allowed) to parts
    per million, digit by digit, so nothing is lost to a float. Refused (naming `field`): empty, signs,
    exponents, separators, more than 4 decimals, over 100 %."""
    raw = text.strip().removesuffix("%").strip()
    if not raw:
        raise ValidationError(field, "요율을 % 단위 숫자로 입력하세요 (예: 0.05).")
    match = _RATE.fullmatch(raw)
    if match is None or not raw.isascii():
        raise ValidationError(field, f"'{text.strip()}'은(는) 요율이 아닙니다. % 단위 숫자만 입력하세요 (예: 0.05, 2).")
    whole, decimals = (match.group(1) or "0"), (match.group(2) or match.group(3) or "")
    if len(decimals) > RATE_DECIMALS:
        raise ValidationError(field, f"소수점 아래 {RATE_DECIMALS}자리까지 입력할 수 있습니다 (예: 0.0274).")
    ppm = int(whole) * PPM_PER_PERCENT + int(decimals.ljust(RATE_DECIMALS, "0"))
    if ppm > MAX_RATE_PPM:
        raise ValidationError(field, "100% 이하로 입력하세요.")
    return ppm


def ppm_to_percent(ppm: int) -> str:
    """500 → '0.05', 20000 → '2', 12345 → '1.2345': the rate as the clerk typed it."""
    whole, rest = divmod(ppm, PPM_PER_PERCENT)
    decimals = f"{rest:0{RATE_DECIMALS}d}".rstrip("0")
    return f"{whole}.{decimals}" if decimals else str(whole)


class PolicyTerms(Protocol):
    """What `policy_text` reads: a LateFeePolicy row, a `PolicyRow` or late_fees' `Rule` (always on)."""

    @property
    def basis(self) -> LateFeeBasis: ...

    @property
    def rate_ppm(self) -> int: ...

    @property
    def grace_days(self) -> int: ...

    @property
    def cap_amount(self) -> int | None: ...

    @property
    def rounding_unit(self) -> int: ...


def policy_text(policy: PolicyTerms | None) -> str:
    """One line a clerk reads: "일 0.05% · 유예 5일 · 한도 10,000원 · 10원 미만 절사", or "사용 안 함"."""
    if policy is None or not getattr(policy, "enabled", True):
        return "사용 안 함"
    parts = [f"{LateFeeBasis(policy.basis).label} {ppm_to_percent(policy.rate_ppm)}%",
             f"유예 {policy.grace_days}일" if policy.grace_days else "유예 없음",
             f"한도 {policy.cap_amount:,}원" if policy.cap_amount is not None else "한도 없음",
             f"{policy.rounding_unit:,}원 미만 절사" if policy.rounding_unit > 1 else "원 미만 절사"]
    return " · ".join(parts)


# --- 연체료: what the screen reads and saves -------------------------------------------------------------


@dataclass(frozen=True)
class PolicyRow:
    """A saved (or, `saved` false, the not-yet-saved "사용 안 함") late-fee policy."""

    item_id: int | None
    enabled: bool
    basis: LateFeeBasis
    rate_ppm: int
    grace_days: int
    cap_amount: int | None
    rounding_unit: int
    saved: bool
    version: str
    updated_at: datetime | None = None
    updated_by: str | None = None

    @property
    def text(self) -> str:
        return policy_text(self)

    @property
    def rate_text(self) -> str:
        """The rate as the form shows it ('0.05'); empty for a policy never given one."""
        return ppm_to_percent(self.rate_ppm) if self.saved or self.rate_ppm else ""


@dataclass(frozen=True)
class ItemPolicy:
    """An item and its own policy; `own` None: it follows the contract default."""

    item_id: int
    code: str
    name: str
    active: bool
    own: PolicyRow | None

    def effective_text(self, default: PolicyRow) -> str:
        """The policy that applies to the item's charges: its own, else the contract default's."""
        return self.own.text if self.own is not None else default.text


@dataclass(frozen=True)
class ArrearsRules:
    """Everything the 연체료·독촉 규정 screen shows of one contract."""

    contract_id: int
    contract_name: str
    default: PolicyRow
    items: tuple[ItemPolicy, ...]
    stages: tuple[StageRule, ...]
    stages_are_default: bool
    stages_version: str
    letters_by_stage: dict[int, int]
    """stage id → letters issued for it: removing such a stage switches it off instead of deleting it."""
    retired_stages: int
    """Stages switched off earlier because letters were issued for them (kept for those letters)."""


@dataclass(frozen=True)
class LateFeeForm:
    """The policy form as typed; `version` is the `PolicyRow.version` the screen loaded."""

    enabled: bool
    basis: LateFeeBasis | str = LateFeeBasis.DAY
    rate: str = ""
    grace_days: str | int = "0"
    cap: str | int | None = ""
    rounding_unit: str | int = 1
    version: str | None = None


@dataclass(frozen=True)
class _Terms:
    enabled: bool
    basis: LateFeeBasis
    rate_ppm: int
    grace_days: int
    cap_amount: int | None
    rounding_unit: int


def unsaved_version(item_id: int | None) -> str:
    """The version of a policy not saved yet, so a first save also notices one saved meanwhile."""
    return f"none:{item_id}"


def _policy_version(row: LateFeePolicy) -> str:
    return _digest([row.id, row.enabled, str(row.basis), row.rate_ppm, row.grace_days, row.cap_amount,
                    row.rounding_unit])


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, ensure_ascii=False, default=str).encode()).hexdigest()[:16]


def _policy_row(row: LateFeePolicy | None, item_id: int | None) -> PolicyRow:
    if row is None:
        return PolicyRow(item_id, False, LateFeeBasis.DAY, 0, 0, None, 1, False, unsaved_version(item_id))
    return PolicyRow(row.item_id, row.enabled, LateFeeBasis(row.basis), row.rate_ppm, row.grace_days, row.cap_amount,
                     row.rounding_unit, True, _policy_version(row), row.updated_at, row.updated_by)


def _policy_detail(row: PolicyRow | _Terms | None) -> dict[str, Any] | None:
    """A policy as the audit row keeps it: the clerk's line and its exact terms."""
    if row is None or (isinstance(row, PolicyRow) and not row.saved):
        return None
    return {"text": policy_text(row), "enabled": row.enabled, "basis": str(row.basis), "rate_ppm": row.rate_ppm,
            "grace_days": row.grace_days, "cap_amount": row.cap_amount, "rounding_unit": row.rounding_unit}


def _whole(value: str | int | None, field: str, *, low: int, high: int, empty: int | None,
           unit: str = "") -> int | None:
    """A whole number typed by the clerk ('5', '10,000', '10,000원'); `empty` stands for a blank."""
    if isinstance(value, bool):
        raise ValidationError(field, "숫자로 입력하세요.")
    if isinstance(value, int):
        number = value
    else:
        text = (value or "").strip().removesuffix(unit).strip() if unit else (value or "").strip()
        if not text:
            return empty
        if re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+", text):
            text = text.replace(",", "")
        if not (text.isascii() and text.isdigit()):
            raise ValidationError(field, f"'{str(value).strip()}'은(는) 숫자가 아닙니다. 0 이상의 정수로 입력하세요.")
        number = int(text)
    if not low <= number <= high:
        raise ValidationError(field, f"{low:,}~{high:,} 사이로 입력하세요.")
    return number


def _required_grace(value: str | int | None) -> int:
    grace = _whole(value, GRACE_FIELD, low=0, high=MAX_GRACE_DAYS, empty=0, unit="일")
    assert grace is not None  # a blank is 0
    return grace


def _cap(value: str | int | None) -> int | None:
    cap = _whole(value, CAP_FIELD, low=0, high=MAX_CAP, empty=None, unit="원")
    if cap == 0:
        raise ValidationError(CAP_FIELD, "한도가 없으면 비워 두세요 (0원이면 연체료가 붙지 않습니다).")
    return cap


def _basis(value: LateFeeBasis | str) -> LateFeeBasis:
    try:
        return LateFeeBasis(value)
    except ValueError:
        raise ValidationError(BASIS_FIELD, "일 단위(일) 또는 월 단위(월) 중에서 고르세요.") from None


def _rounding(value: str | int) -> int:
    text = str(value).strip().removesuffix("원").strip().replace(",", "")
    if text.isascii() and text.isdigit() and int(text) in ROUNDING_UNITS:
        return int(text)
    raise ValidationError(ROUNDING_FIELD, "1원, 10원, 100원, 1,000원 가운데서 고르세요.")


def validate_policy(form: LateFeeForm) -> _Terms:
    """The form's terms, or ValidationError naming the first bad field (all of them in `problems`).

    A policy switched off may keep its figures for later, but what is typed must still be valid;
    switched on it needs a rate above zero."""
    checks = FieldChecks()
    basis = checks.run(_basis, form.basis)
    rate: int | None
    if form.enabled or form.rate.strip():
        rate = checks.run(percent_to_ppm, form.rate)
        if form.enabled and rate == 0:
            checks.errors.append(ValidationError(RATE_FIELD, "연체료를 쓰려면 0보다 큰 요율을 입력하세요."))
            rate = None
    else:
        rate = 0
    grace = checks.run(_required_grace, form.grace_days)
    cap = checks.run(_cap, form.cap)
    rounding = checks.run(_rounding, form.rounding_unit)
    checks.raise_first()
    assert basis is not None and rate is not None and grace is not None and rounding is not None
    return _Terms(form.enabled, basis, rate, grace, cap, rounding)


def _item(s: Session, contract_id: int, item_id: int) -> CollectionItem:
    item = s.get(CollectionItem, item_id)
    if item is None or item.contract_id != contract_id:
        raise NotFoundError(ITEM_NOT_FOUND)
    if item.code == LATE_FEE_ITEM_CODE:
        raise ValidationError(ITEM_FIELD, NO_FEE_ON_FEE)
    return item


def _locked_contract(s: Session, actor: Actor, contract_id: int) -> Contract:
    """The actor's contract, row-locked (PostgreSQL) so two administrators' saves of its rules queue."""
    contract_for(s, actor, contract_id)
    contract = s.scalar(select(Contract).where(Contract.id == contract_id).with_for_update())
    assert contract is not None  # contract_for found it
    return contract


def _policy_query(contract_id: int, item_id: int | None) -> Any:
    return select(LateFeePolicy).where(
        LateFeePolicy.contract_id == contract_id,
        LateFeePolicy.item_id.is_(None) if item_id is None else LateFeePolicy.item_id == item_id)


def _policy_target(contract: Contract, item: CollectionItem | None) -> str:
    return f"{contract.institution_code} 연체료 " + (f"{item.code} {item.name}" if item else "기본 규정")


def save_late_fee_policy(db: Database, actor: Actor, contract_id: int, item_id: int | None,
                         form: LateFeeForm) -> PolicyRow:
    """Save the contract default (`item_id` None) or an item's own policy (관리자); audited before/after."""
    actor.require_admin()
    terms = validate_policy(form)
    with db.session() as s:
        contract = _locked_contract(s, actor, contract_id)
        item = _item(s, contract_id, item_id) if item_id is not None else None
        row = s.scalar(_policy_query(contract_id, item_id))
        before = _policy_row(row, item_id)
        if form.version is not None and form.version != before.version:
            raise ConflictError(POLICY_STALE)
        if row is None:
            row = LateFeePolicy(contract_id=contract_id, item_id=item_id)
            s.add(row)
        row.enabled, row.basis, row.rate_ppm = terms.enabled, terms.basis, terms.rate_ppm
        row.grace_days, row.cap_amount, row.rounding_unit = terms.grace_days, terms.cap_amount, terms.rounding_unit
        row.updated_by = actor.login_id
        s.flush()
        audit.record(s, "late_fee_policy_saved", actor=actor, target=_policy_target(contract, item),
                     detail={"before": _policy_detail(before), "after": _policy_detail(terms)})
        s.flush()
        return _policy_row(row, item_id)


def use_default(db: Database, actor: Actor, contract_id: int, item_id: int, *, version: str | None = None) -> None:
    """기본 규정 따름: remove the item's own policy, so the contract default applies to it again (관리자)."""
    actor.require_admin()
    with db.session() as s:
        contract = _locked_contract(s, actor, contract_id)
        item = _item(s, contract_id, item_id)
        row = s.scalar(_policy_query(contract_id, item_id))
        before = _policy_row(row, item_id)
        if version is not None and version != before.version:
            raise ConflictError(POLICY_STALE)
        if row is None:
            return  # already follows the default: nothing to change, nothing to audit
        s.delete(row)
        audit.record(s, "late_fee_policy_removed", actor=actor, target=_policy_target(contract, item),
                     detail={"before": _policy_detail(before), "after": "기본 규정 따름"})


# --- 독촉 단계 ---------------------------------------------------------------------------------------------


def unknown_placeholders(wording: str) -> list[str]:
    """The braces in `wording` that name no placeholder ('{주소}'), in order, each once."""
    seen: list[str] = []
    for match in _PLACEHOLDER.finditer(wording):
        if match.group(1) not in PLACEHOLDERS and match.group(0) not in seen:
            seen.append(match.group(0))
    return seen


def _stage_field(index: int, what: str) -> str:
    return f"{index}단계 {what}"


def validate_stages(given: Sequence[StageRule]) -> list[StageRule]:
    """The list as it will be saved (names and wording trimmed, renumbered 1…n), or ValidationError
    naming the stage and its field; every problem of the list is in `problems`."""
    if not MIN_STAGES <= len(given) <= MAX_STAGES:
        raise ValidationError(STAGES_FIELD, f"독촉 단계는 {MIN_STAGES}~{MAX_STAGES}개까지 둘 수 있습니다 "
                                            f"(지금 {len(given)}개).")
    checks = FieldChecks()
    out: list[StageRule] = []
    names: dict[str, int] = {}
    previous_days: int | None = None
    for index, stage in enumerate(given, start=1):
        name = stage.name.strip()
        wording = stage.wording.strip()
        field = _stage_field(index, "이름")
        if not name:
            checks.errors.append(ValidationError(field, "단계 이름을 입력하세요 (예: 1차 안내)."))
        elif len(name) > NAME_MAX:
            checks.errors.append(ValidationError(field, f"{NAME_MAX}자 이내로 입력하세요 (지금 {len(name)}자)."))
        elif name in names:
            checks.errors.append(ValidationError(field, f"'{name}'은(는) {names[name]}단계와 이름이 같습니다. "
                                                        "단계마다 다른 이름을 쓰세요."))
        else:
            names[name] = index
        field = _stage_field(index, "일수")
        days = stage.days_after
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_STAGE_DAYS:
            checks.errors.append(ValidationError(field, f"출금 실패 후 1~{MAX_STAGE_DAYS}일 사이로 입력하세요."))
        else:
            if previous_days is not None and days <= previous_days:
                checks.errors.append(ValidationError(
                    field, f"앞 단계({index - 1}단계 {previous_days}일)보다 늦어야 합니다. 단계는 일수가 "
                           "늘어나는 순서로 두세요."))
            previous_days = days
        field = _stage_field(index, "문구")
        if not wording:
            checks.errors.append(ValidationError(field, "안내문 문구를 입력하세요."))
        elif len(wording) > WORDING_MAX:
            checks.errors.append(ValidationError(field, f"{WORDING_MAX:,}자 이내로 줄이세요 (지금 {len(wording):,}자)."))
        else:
            unknown = unknown_placeholders(wording)
            if unknown:
                allowed = " ".join(f"{{{p}}}" for p in PLACEHOLDERS)
                checks.errors.append(ValidationError(
                    field, f"알 수 없는 자리표시 {', '.join(unknown)}: 쓸 수 있는 것은 {allowed}입니다."))
        out.append(StageRule(stage.id, index, name, days, wording, True))
    checks.raise_first()
    return out


def _stage_rows(s: Session, contract_id: int) -> list[DunningStage]:
    return list(s.scalars(select(DunningStage).where(DunningStage.contract_id == contract_id)
                          .order_by(DunningStage.seq, DunningStage.id)))


def _stages_version(active: Sequence[DunningStage]) -> str:
    if not active:
        return "default"
    return _digest([[r.id, r.seq, r.name, r.days_after, r.wording] for r in active])


def _letters_by_stage(s: Session, stage_ids: Sequence[int]) -> dict[int, int]:
    if not stage_ids:
        return {}
    return {stage_id: int(count) for stage_id, count in s.execute(
        select(DunningLetter.stage_id, func.count()).where(DunningLetter.stage_id.in_(list(stage_ids)))
        .group_by(DunningLetter.stage_id))}


def _stage_detail(stages: Sequence[StageRule | DunningStage]) -> list[str]:
    return [f"{r.seq}. {r.name} ({r.days_after}일)" for r in stages]


def save_stages(db: Database, actor: Actor, contract_id: int, stages: Sequence[StageRule], *,
                version: str | None = None) -> list[StageRule]:
    """Replace the contract's 독촉 stages with `stages`, in order (관리자); the saved list.

    A stage with an id is edited in place; one without is added; an active stage left out is deleted,
    or switched off when letters were issued for it. `version` is `ArrearsRules.stages_version` as
    loaded: a list changed by someone else since is refused, nothing written."""
    actor.require_admin()
    wanted = validate_stages(stages)
    with db.session() as s:
        contract = _locked_contract(s, actor, contract_id)
        rows = _stage_rows(s, contract_id)
        active = [r for r in rows if r.active]
        if version is not None and version != _stages_version(active):
            raise ConflictError(STAGES_STALE)
        by_id = {r.id: r for r in active}
        given_ids = [w.id for w in wanted if w.id is not None]
        if len(set(given_ids)) != len(given_ids) or any(i not in by_id for i in given_ids):
            raise ConflictError(STAGES_STALE)
        before: list[StageRule] | list[DunningStage] = active or list(DEFAULT_STAGES)
        before_detail = _stage_detail(before)
        before_wording = {r.name: r.wording for r in before}
        removed = [r for r in active if r.id not in set(given_ids)]
        used = _letters_by_stage(s, [r.id for r in removed])
        # Park every row on a number no final one takes, so renumbering never meets the unique (contract, seq).
        for r in rows:
            r.seq = _PARKED + r.id
        s.flush()
        retired: list[str] = []
        for r in removed:
            if r.id in used:
                r.active = False
                retired.append(r.name)
            else:
                s.delete(r)
        for r in rows:
            if not r.active:
                r.seq = _RETIRED + r.id
        for w in wanted:
            if w.id is not None:
                row = by_id[w.id]
                row.seq, row.name, row.days_after, row.wording = w.seq, w.name, w.days_after, w.wording
            else:
                s.add(DunningStage(contract_id=contract_id, seq=w.seq, name=w.name, days_after=w.days_after,
                                   wording=w.wording, active=True))
        s.flush()
        saved = stages_of(s, contract_id)
        changed = {w.name: {"before": before_wording.get(w.name), "after": w.wording}
                   for w in wanted if before_wording.get(w.name) != w.wording}
        audit.record(s, "dunning_stages_saved", actor=actor, target=f"{contract.institution_code} 독촉 단계",
                     detail={"before": before_detail, "after": _stage_detail(saved), "wording": changed,
                             "kept_switched_off": retired})
        return saved


def stages_of(s: Session, contract_id: int) -> list[StageRule]:
    """The contract's own active stages (none: an empty list, not the defaults)."""
    return [StageRule(r.id, r.seq, r.name, r.days_after, r.wording, r.active) for r in _stage_rows(s, contract_id)
            if r.active]


# --- the screen's read ---------------------------------------------------------------------------------


def load_rules(db: Database, actor: Actor, contract_id: int) -> ArrearsRules:
    """The contract's default late fee, each item's (own or following it) and the 독촉 stages; anyone reads."""
    with db.session() as s:
        contract = contract_for(s, actor, contract_id)
        policies = {p.item_id: p for p in s.scalars(select(LateFeePolicy)
                                                    .where(LateFeePolicy.contract_id == contract_id))}
        items = tuple(
            ItemPolicy(i.id, i.code, i.name, i.active,
                       _policy_row(policies[i.id], i.id) if i.id in policies else None)
            for i in s.scalars(select(CollectionItem).where(CollectionItem.contract_id == contract_id,
                                                            CollectionItem.code != LATE_FEE_ITEM_CODE)
                               .order_by(CollectionItem.code)))
        rows = _stage_rows(s, contract_id)
        active = [r for r in rows if r.active]
        own = stages_of(s, contract_id)
        return ArrearsRules(
            contract_id=contract_id,
            contract_name=contract.name,
            default=_policy_row(policies.get(None), None),
            items=items,
            stages=tuple(own) if own else DEFAULT_STAGES,
            stages_are_default=not own,
            stages_version=_stages_version(active),
            letters_by_stage=_letters_by_stage(s, [r.id for r in active]),
            retired_stages=sum(1 for r in rows if not r.active),
        )
