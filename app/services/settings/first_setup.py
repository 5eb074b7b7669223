"""처음 설정 점검표: what a new office still has to do before its first month, read from its own data.

A fresh office logs in to a home screen with nothing on it; without a guide the clerk does not
know that items, fees, the relay, a written-down passphrase, payers and a first 계좌신청 all have to
be in place before the first debit can go out. `progress` answers "what is done, what is not" for
one contract, each step with the screen that does it. Readiness is derived from the data the steps
produce (an item exists, a fee is set, an EB13 went out), so the list never disagrees with the
program, and a step done on another PC ticks here too.

Two steps leave no trace in the data on their own, so they write one `AppSetting` each, shared by
every PC on the database (value: the ISO moment and the login id, "2026-03-09T10:00:00+09:00 admin"):

* ``setup.passphrase_confirmed`` — the administrator confirms on the checklist that the data
  passphrase is written down (`confirm_passphrase`). Lost, it cannot be recovered, and a new PC
  cannot open the personal data without it.
* ``setup.relay_tested`` — a connection test of the relay succeeded (`run_relay_test`). A relay choice
  saved after the test (its row is newer) makes the step undone again: the test was of another relay.

`progress` only reads. `mark_ready_in` writes both keys inside a caller's unit of work, for the demo
academy, which is ready by construction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import (
    AccountRegistration,
    AppSetting,
    CollectionItem,
    Contract,
    Customer,
    Direction,
    FileKind,
    RegistrationState,
    Transmission,
    TransmissionState,
)
from app.models.base import utcnow
from app.services.common import audit
from app.services.common.access import contract_for
from app.services.common.calendar import SEOUL
from app.services.common.destinations import Destination
from app.services.common.errors import ServiceError
from app.services.common.session import Actor
from app.services.exchange.relay.base import RelayError, Transport
from app.services.exchange.relay.config import MODE_SFTP, SETTINGS_KEY, RelayConfig
from app.services.exchange.transmissions import ContractInfo, contract_info

KEY_PASSPHRASE = "setup.passphrase_confirmed"
KEY_RELAY = "setup.relay_tested"

# The steps, in the order an office does them.
STEP_ITEMS = "items"
STEP_CONTRACT = "contract"
STEP_RELAY = "relay"
STEP_PASSPHRASE = "passphrase"
STEP_PAYERS = "payers"
STEP_REGISTRATION = "registration"


SENT_STATES = (TransmissionState.SENT, TransmissionState.AWAITING, TransmissionState.RECEIVED,
               TransmissionState.APPLIED)
"""A file the relay took: a built file still waiting to go out (CREATED, SENDING) or refused (ERROR) is not 'sent'."""


@dataclass(frozen=True)
class Link:
    """Where a step is done: the text of the link and its destination."""

    label: str
    destination: Destination


@dataclass(frozen=True)
class SetupStep:
    key: str
    title: str
    done: bool
    detail: str  # what was found when done, else what is still missing and how to do it
    links: tuple[Link, ...]


@dataclass(frozen=True)
class SetupProgress:
    steps: tuple[SetupStep, ...]

    @property
    def ready(self) -> bool:
        """Every step done: the checklist has nothing more to say and leaves the home screen."""
        return all(step.done for step in self.steps)

    @property
    def done_count(self) -> int:
        return sum(1 for step in self.steps if step.done)

    def step(self, key: str) -> SetupStep:
        return next(step for step in self.steps if step.key == key)


def stamp(now: datetime, login_id: str) -> str:
    """The agreed value of a setup key: '2026-03-09T10:00:00+09:00 admin'."""
    return f"{now.astimezone(SEOUL).replace(microsecond=0).isoformat()} {login_id}"


def stamp_text(value: str) -> str:
    """'2026-03-09T10:00:00+09:00 admin' → '2026-03-09 10:00 admin' for the checklist line."""
    moment, _, login = value.partition(" ")
    try:
        local = datetime.fromisoformat(moment).astimezone(SEOUL)
    except ValueError:
        return value
    return f"{local:%Y-%m-%d %H:%M}" + (f" {login}" if login else "")


# --- reading -----------------------------------------------------------------------------------------


def progress(db: Database, actor: Actor, contract_id: int) -> SetupProgress:
    """The six steps of a new office for one contract, each with its done flag (read-only)."""
    with db.session() as s:
        contract = contract_for(s, actor, contract_id)
        info = contract_info(s, contract_id)
        steps = (
            _items_step(s, contract_id),
            _contract_step(contract),
            _relay_step(s),
            _passphrase_step(s),
            _payers_step(s, contract_id),
            _registration_step(s, info),
        )
    return SetupProgress(steps)


def _items_step(s: Session, contract_id: int) -> SetupStep:
    i = CollectionItem
    items = s.execute(select(i.name, i.collection_days).where(
        i.contract_id == contract_id, i.active.is_(True), i.collection_days != "").order_by(i.code)).all()
    links = (Link("집금항목관리", Destination.ITEMS),)
    if not items:
        return SetupStep(STEP_ITEMS, "집금항목과 출금일 등록", False,
                         "무엇을(수강료, 교재비 …) 매월 며칠에 출금할지 정합니다. 집금항목이 있어야 고객의 이체정보를 "
                         "넣을 수 있습니다.", links)
    shown = ", ".join(f"{name}({days.replace(',', '·')}일)" for name, days in items[:4])
    more = f" 외 {len(items) - 4}개" if len(items) > 4 else ""
    return SetupStep(STEP_ITEMS, "집금항목과 출금일 등록", True, f"{shown}{more}", links)


def contract_missing(contract: Contract) -> list[str]:
    """What the clerk still has to fill in on 계약정보 before a file can go out.

    The first-start wizard asks for the institution, the settlement account and the passbook text;
    the fee it leaves at 0원, and the agency charges a fee per debit on every contract, so 0 means
    "not entered yet". The registration fee may really be 0 and is not asked for; the cut-off and
    result times have the KFTC defaults and are checked only for being there.
    """
    missing = []
    if not contract.passbook_text.strip():
        missing.append("통장기재내용")
    if contract.fee_per_debit <= 0:
        missing.append("건당수수료(이체)")
    if not contract.debit_day_list:
        missing.append("이체가능일")
    if contract.registration_cutoff is None or contract.request_cutoff is None or contract.result_time is None:
        missing.append("마감시각")
    return missing


def _contract_step(contract: Contract) -> SetupStep:
    links = (Link("계약정보", Destination.CONTRACT),)
    missing = contract_missing(contract)
    title = "계약정보 확인 (수수료·마감시각·통장기재내용)"
    if missing:
        return SetupStep(STEP_CONTRACT, title, False,
                         f"아직 입력하지 않은 항목: {', '.join(missing)}. 케이에스넷과 맺은 계약서대로 입력하세요.", links)
    return SetupStep(STEP_CONTRACT, title, True,
                     f"통장기재 '{contract.passbook_text}' · 이체 건당 {contract.fee_per_debit:,}원 · "
                     f"계좌신청 건당 {contract.fee_per_registration:,}원 · 이체의뢰 마감 {contract.request_cutoff:%H:%M}",
                     links)


def _setting(s: Session, key: str) -> AppSetting | None:
    return s.get(AppSetting, key)


def _relay_config(row: AppSetting | None) -> RelayConfig | None:
    try:
        return RelayConfig.from_json(row.value if row is not None else None)
    except ValueError:
        return None


def relay_problem(relay: RelayConfig | None) -> str | None:
    """Why the stored relay choice cannot work yet (None when it can)."""
    if relay is None:
        return "저장된 중계 설정을 읽을 수 없습니다. 관리자가 중계 설정을 다시 저장해야 합니다."
    if relay.mode == MODE_SFTP:
        if relay.sftp is None:
            return "SFTP 중계 방식인데 서버 주소가 없습니다."
        if relay.pinned_host_key is None:
            return "SFTP 서버 키가 등록되지 않았습니다. 관리자가 지문을 확인해 등록해야 합니다."
    return None


def relay_name(relay: RelayConfig) -> str:
    if relay.mode == MODE_SFTP and relay.sftp is not None:
        return f"케이에스넷 SFTP {relay.sftp.address}"
    return "내장 은행 시뮬레이터 (연습용)"


def _relay_step(s: Session) -> SetupStep:
    config_row = _setting(s, SETTINGS_KEY)
    relay = _relay_config(config_row)
    tested = _setting(s, KEY_RELAY)
    links = (Link("이체송수신현황", Destination.TRANSMISSIONS),)
    title = "중계 연결 시험 (시뮬레이터 또는 SFTP)"
    problem = relay_problem(relay)
    if problem is not None:
        return SetupStep(STEP_RELAY, title, False, problem, links)
    assert relay is not None
    # A relay saved after the test was not the one tested: the step is open again.
    stale = tested is not None and config_row is not None and config_row.updated_at > tested.updated_at
    if tested is None or stale:
        again = "중계 설정이 바뀌었습니다. " if stale else ""
        return SetupStep(STEP_RELAY, title, False,
                         f"{again}{relay_name(relay)}에 [연결 시험]을 눌러 파일을 주고받을 수 있는지 확인하세요.", links)
    return SetupStep(STEP_RELAY, title, True, f"{relay_name(relay)} · 연결 시험 {stamp_text(tested.value)}", links)


def _passphrase_step(s: Session) -> SetupStep:
    confirmed = _setting(s, KEY_PASSPHRASE)
    title = "데이터 암호 문구 보관"
    if confirmed is None:
        return SetupStep(STEP_PASSPHRASE, title, False,
                         "처음 설정에서 정한 데이터 암호 문구를 종이에 적어 안전한 곳에 두세요. 잊으면 누구도 되살릴 수 "
                         "없고, 새 PC나 복원한 데이터에서 계좌번호를 열 수 없습니다.", ())
    return SetupStep(STEP_PASSPHRASE, title, True, f"적어 두었음 · 확인 {stamp_text(confirmed.value)}", ())


def _payers_step(s: Session, contract_id: int) -> SetupStep:
    count = s.scalar(select(func.count()).select_from(Customer).where(Customer.contract_id == contract_id)) or 0
    links = (Link("신규등록", Destination.CUSTOMERS), Link("일괄등록 (엑셀 양식)", Destination.IMPORT))
    title = "첫 고객 등록"
    if not count:
        return SetupStep(STEP_PAYERS, title, False,
                         "한 명씩은 고객관리 › 신규등록, 여러 명은 일괄등록에서 엑셀 양식을 받아 채운 뒤 올립니다.", links)
    return SetupStep(STEP_PAYERS, title, True, f"고객 {int(count):,}명", links)


def _registration_step(s: Session, info: ContractInfo) -> SetupStep:
    t = Transmission
    sent = s.scalar(select(func.count()).select_from(t).where(
        t.contract_id == info.id, t.direction == Direction.SEND, t.kind == FileKind.EB13,
        t.state.in_(SENT_STATES))) or 0
    links = (Link("계좌신청", Destination.REGISTRATIONS),)
    title = "첫 계좌신청 보내기"
    if sent:
        return SetupStep(STEP_REGISTRATION, title, True, f"계좌신청 파일 {int(sent):,}개를 보냈습니다.", links)
    a = AccountRegistration
    waiting = s.scalar(select(func.count()).select_from(a).where(
        a.contract_id == info.id, a.state == RegistrationState.WAITING, a.transmission_id.is_(None))) or 0
    if waiting:
        detail = (f"계좌신청대기 {int(waiting):,}건 — 매 영업일 {info.registration_cutoff:%H:%M} 마감에 자동으로 보내거나, "
                  "이체송수신현황에서 [지금 송신]으로 보냅니다. 출금 2영업일 전까지 결과가 와야 합니다.")
        return SetupStep(STEP_REGISTRATION, title, False, detail, (*links, Link("이체송수신현황", Destination.TRANSMISSIONS)))
    return SetupStep(STEP_REGISTRATION, title, False,
                     "고객의 이체정보를 넣으면 계좌신청대기가 되고, 마감에 은행으로 보냅니다.", links)


# --- the two steps that write ---------------------------------------------------------------------------


def _write(s: Session, actor: Actor, key: str, now: datetime) -> str:
    """Set a setup key; `updated_at` moves even when the value is the same (a test repeated at the same
    injected moment must still be newer than a relay saved in between)."""
    value = stamp(now, actor.login_id)
    row = s.get(AppSetting, key)
    if row is None:
        s.add(AppSetting(key=key, value=value, updated_by=actor.login_id, updated_at=utcnow()))
    else:
        row.value, row.updated_by, row.updated_at = value, actor.login_id, utcnow()
    return value


def confirm_passphrase(db: Database, actor: Actor, *, now: datetime) -> None:
    """The administrator says the data passphrase is written down and kept (audited).

    Administrators only: they set the passphrase in the first-start wizard and are the ones who
    can answer for it.
    """
    actor.require_admin()
    with db.session() as s:
        _write(s, actor, KEY_PASSPHRASE, now)
        audit.record(s, "settings_changed", actor=actor, target=KEY_PASSPHRASE,
                     detail={"what": "데이터 암호 문구 보관 확인"})


def run_relay_test(db: Database, actor: Actor, contract_id: int, transport_for: Callable[[ContractInfo], Transport], *,
               now: datetime) -> str:
    """연결 시험: ask the contract's relay to answer; on success record ``setup.relay_tested`` (audited).

    Returns the relay's own one-line description of what answered. A failure raises ServiceError with
    the relay's Korean reason and records nothing. Slow on a bad network (an SFTP login): run it off
    the UI thread.
    """
    actor.require_edit()
    with db.session() as s:
        contract_for(s, actor, contract_id)
        info = contract_info(s, contract_id)
    try:
        answer = transport_for(info).test_connection()
    except RelayError as error:
        raise ServiceError(f"중계 서버에 연결하지 못했습니다. {error.message}") from None
    except (OSError, ValueError) as error:
        raise ServiceError(f"중계 서버에 연결하지 못했습니다. ({error})") from None
    with db.session() as s:
        _write(s, actor, KEY_RELAY, now)
        audit.record(s, "settings_changed", actor=actor, target=KEY_RELAY,
                     detail={"what": "중계 연결 시험 성공", "contract": info.institution_code})
    return answer


def mark_ready_in(s: Session, login_id: str, now: datetime) -> None:
    """Both setup keys in the caller's unit of work: the demo academy is set up by construction.

    Call it after the relay choice is saved, so the relay test is not older than the relay.
    """
    value = stamp(now, login_id)
    for key in (KEY_PASSPHRASE, KEY_RELAY):
        row = s.get(AppSetting, key)
        if row is None:
            s.add(AppSetting(key=key, value=value, updated_by=login_id, updated_at=utcnow()))
        else:
            row.value, row.updated_by, row.updated_at = value, login_id, utcnow()
