"""What to notify the clerk of, and when: plain decisions from the database and `now`, no Qt.

Four events matter enough to interrupt a clerk who is on another screen (or another program):

* **A cut-off is 30 minutes away and due charges are not requested.** After 14:00 the request
  button is gone and the payers are not debited this time; 30 minutes is enough to tick and press.
  Only requestable rows count (`charges.due_rows`): a row that cannot be requested is not the
  clerk's to fix in 30 minutes, and the request screen shows it with its reason.
* **Results arrived** (EB14/EB22 applied today), with the counts, because failures start the
  clock on retries and cash receipts.
* **A file failed** (Transmission state 오류): sending failed, or a result was refused. Money does
  not move until someone looks.
* **A cut-off was missed** (`missed`): a debit date's cut-off passed with payers not requested or
  never sent. They will not be debited; the clerk must move them, take cash or leave them 미납.

Each notification has a stable `key` naming its event (``cutoff:<contract>:<debit date>``,
``result:<transmission>``, ``missed:<contract>:<debit date>:<item>`` …). The tray asks `decide` every minute and shows only keys it has not
shown in this session (`ShownEvents`); the decisions themselves stay pure, so a test asks them at
13:30 on a ManualClock. A user who turned notifications off (User.notifications_enabled) gets none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select

from app.database.engine import Database
from app.models import (
    Contract,
    Direction,
    FileKind,
    Transmission,
    TransmissionState,
    User,
)
from app.services.collection import missed
from app.services.common.access import require_institution
from app.services.common.calendar import SEOUL, seoul_datetime
from app.services.common.destinations import Destination
from app.services.common.formats import day_text
from app.services.common.session import Actor
from app.services.exchange.transmissions import (
    ContractInfo,
    contract_info,
    display_name,
)
from app.services.home import today as home

CUTOFF_LEAD = timedelta(minutes=30)
"""How long before a request cut-off the reminder comes."""
ERROR_LOOKBACK = timedelta(days=7)
"""A failed request file is reported while its file date is this recent (older ones are history)."""



@dataclass(frozen=True)
class Notification:
    key: str  # the event, for "shown once per session"
    title: str
    message: str
    destination: Destination  # where a click takes the clerk
    contract_id: int
    warning: bool = False


# --- the per-user switch ------------------------------------------------------------------------


def is_enabled(db: Database, actor: Actor) -> bool:
    """Whether this user wants notifications (the system actor never gets any)."""
    if actor.user_id is None:
        return False
    with db.session() as s:
        enabled = s.scalar(select(User.notifications_enabled).where(User.id == actor.user_id))
    return bool(enabled)


def set_enabled(db: Database, actor: Actor, enabled: bool) -> None:
    """Turn one's own notifications on or off; kept in the user's row, so it follows them to any PC."""
    with db.session() as s:
        user = s.get(User, actor.user_id) if actor.user_id is not None else None
        require_institution(actor, user.institution_id if user is not None else None,
                            "사용자를 찾을 수 없습니다. 다시 로그인하세요.")
        assert user is not None  # require_institution refused a missing user
        if user.notifications_enabled != enabled:
            user.notifications_enabled = enabled


# --- the decisions ------------------------------------------------------------------------------


def cutoff_reminder(db: Database, info: ContractInfo, now: datetime, *,
                    lead: timedelta = CUTOFF_LEAD) -> Notification | None:
    """Within `lead` before the next request cut-off, if charges due on the debit dates it closes (the
    items' contracted days, `home.next_cutoff`) are not requested."""
    local = now.astimezone(SEOUL)
    with db.session() as s:
        cutoff = home.next_cutoff(s, info, local)
    if not cutoff.at - lead <= local < cutoff.at or not cutoff.unrequested_count:
        return None
    minutes = max(1, int((cutoff.at - local).total_seconds() // 60))
    dates = ", ".join(day_text(d) for d in cutoff.debit_dates)
    at = cutoff.at.astimezone(SEOUL)
    return Notification(
        f"cutoff:{info.id}:{cutoff.debit_date.isoformat()}",
        f"이체의뢰 마감 {minutes}분 전",
        f"[{info.name}] 출금일 {dates}에 이체의뢰하지 않은 청구가 {cutoff.unrequested_count}건"
        f"({cutoff.unrequested_amount:,}원) 있습니다. {at:%H:%M}까지 의뢰하지 않으면 이번 출금에서 빠집니다.",
        Destination.REQUESTS, info.id, warning=True,
    )


def missed_cutoffs(db: Database, info: ContractInfo, now: datetime) -> list[Notification]:
    """One notification per item's debit date whose cut-off passed with payers left out (`missed`).

    The key names the date and item, so the tray says it once per session at the miss; the red list
    on the home screen stays until the clerk chooses a remedy.
    """
    with db.session() as s:
        found = missed.missed_in(s, info, now)
    return [Notification(
        f"missed:{info.id}:{m.key}", "이체의뢰 마감을 놓쳤습니다",
        f"[{info.name}] {m.title}: {m.message} 홈 화면에서 다음 출금일로 옮기기, 현금수납, 미납으로 두기 중 "
        "하나를 고르세요.", Destination.HOME, info.id, warning=True) for m in found]


def _start_of_day(moment: datetime) -> datetime:
    return seoul_datetime(moment.astimezone(SEOUL).date(), time(0, 0))


def arrived_results(db: Database, info: ContractInfo, now: datetime) -> list[Notification]:
    """A notification per result file applied today (up to `now`), with its counts."""
    t = Transmission
    out: list[Notification] = []
    with db.session() as s:
        rows = s.execute(select(t.id, t.kind, t.answers_id, t.file_date).where(
            t.contract_id == info.id, t.direction == Direction.RECEIVE, t.state == TransmissionState.APPLIED,
            t.kind.in_([FileKind.EB14, FileKind.EB22]), t.answers_id.is_not(None),
            t.received_at >= _start_of_day(now), t.received_at <= now,
        ).order_by(t.id)).all()
        for tid, kind, answers_id, file_date in rows:
            if answers_id is None:  # the query leaves these out; this narrows the nullable column's type
                continue
            if str(kind) == "EB14":
                done, failed, _won = home.outcome_counts(s, "EB13", answers_id)
                out.append(Notification(
                    f"result:{tid}", "계좌신청 결과 도착",
                    f"[{info.name}] 계좌신청완료 {done}건, 계좌신청미완료 {failed}건."
                    + (" 미완료 건은 고쳐서 다시 신청하세요." if failed else ""),
                    Destination.REGISTRATIONS, info.id, warning=bool(failed)))
            else:
                done, failed, won = home.outcome_counts(s, "EB21", answers_id)
                out.append(Notification(
                    f"result:{tid}", "이체의뢰 결과 도착",
                    f"[{info.name}] 출금일 {day_text(file_date)}: 이체처리완료 {done}건({won:,}원), "
                    f"이체처리미완료 {failed}건." + (" 재처리의뢰나 현금수납을 확인하세요." if failed else ""),
                    Destination.RESULTS, info.id, warning=bool(failed)))
    return out


def transmission_errors(db: Database, info: ContractInfo, now: datetime) -> list[Notification]:
    """Request files that could not be sent (recent ones), and result files refused today."""
    t = Transmission
    today = now.astimezone(SEOUL).date()
    out: list[Notification] = []
    with db.session() as s:
        sent = s.execute(select(t.id, t.remote_name, t.error).where(
            t.contract_id == info.id, t.direction == Direction.SEND, t.state == TransmissionState.ERROR,
            t.file_date >= today - ERROR_LOOKBACK).order_by(t.id)).all()
        received = s.execute(select(t.id, t.remote_name, t.error).where(
            t.contract_id == info.id, t.direction == Direction.RECEIVE, t.state == TransmissionState.ERROR,
            t.received_at >= _start_of_day(now), t.received_at <= now).order_by(t.id)).all()
    for tid, name, error in sent:
        out.append(Notification(f"send-error:{tid}", "파일 송신 실패",
                                f"[{info.name}] {display_name(name)} 파일을 보내지 못했습니다. {error or ''}".strip(),
                                Destination.TRANSMISSIONS, info.id, warning=True))
    for tid, name, error in received:
        out.append(Notification(f"receive-error:{tid}", "결과 파일 반영 실패",
                                f"[{info.name}] {display_name(name)}: {error or '결과 파일을 반영하지 않았습니다.'}",
                                Destination.TRANSMISSIONS, info.id, warning=True))
    return out


def decide(db: Database, actor: Actor, now: datetime) -> list[Notification]:
    """Everything worth telling this user at `now`, over their institution's active contracts.

    Empty when the user turned notifications off. Repeats the same events at every call: the
    caller remembers what it showed (`ShownEvents`).
    """
    if not is_enabled(db, actor):
        return []
    with db.session() as s:
        ids = list(s.scalars(select(Contract.id).where(Contract.institution_id == actor.institution_id,
                                                       Contract.active.is_(True)).order_by(Contract.id)))
        infos = [contract_info(s, i) for i in ids]
    out: list[Notification] = []
    for info in infos:
        out.extend(transmission_errors(db, info, now))
        out.extend(arrived_results(db, info, now))
        out.extend(missed_cutoffs(db, info, now))
        reminder = cutoff_reminder(db, info, now)
        if reminder is not None:
            out.append(reminder)
    return out


class ShownEvents:
    """What this session already showed, by event key, so a notification comes once, not every minute.

    In memory on purpose: after a restart (or on another PC) today's events are worth one more look.
    """

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def fresh(self, notes: Iterable[Notification]) -> list[Notification]:
        """The notifications not shown yet, now remembered as shown."""
        out = []
        for note in notes:
            if note.key not in self._seen:
                self._seen.add(note.key)
                out.append(note)
        return out

    def __contains__(self, key: object) -> bool:
        return key in self._seen
