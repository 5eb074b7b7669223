"""공지사항: the agency's notices (fetched from the relay with the results) and an office's own notices.

Why it is shaped like this:

* Agency notices carry the relay's own id (`RelayNotice.notice_id`), and the table's unique key is
  (source, external_id). Fetching is an ``INSERT … ON CONFLICT DO NOTHING`` on that key, so a notice
  fetched twice — by the next pass, by a second contract of the same institution (each contract has
  its own relay folder, the agency posts the same notice in each), or by two PCs at the same moment —
  is stored once. The agency's ids are agency-wide, so an agency notice is shown to every user of
  the database; `institution_id` records whose fetch brought it in.
* When the agency corrects a notice (same id, new title or text — a holiday schedule that moved),
  the stored one is updated and becomes unread again for everyone: a clerk must not act on a
  schedule they read before it changed.
* Office notices (source OFFICE) are an administrator's messages to the clerks of their own
  institution ("이번 달 현금수납은 25일까지"). Only administrators post and delete them; 담당자 and
  조회 read. Only office notices can be deleted — the agency's are its record, not ours.
* Read marks are per user (`NoticeRead`), written once (ON CONFLICT DO NOTHING), so opening a notice
  on two PCs at once is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import Notice, NoticeRead, NoticeSource
from app.services.common import audit
from app.services.common.calendar import SEOUL
from app.services.common.errors import (
    NotFoundError,
    PermissionDeniedError,
    ServiceError,
)
from app.services.common.session import Actor
from app.services.common.validation import ValidationError
from app.services.exchange.relay.base import RelayError, RelayNotice, Transport

TITLE_MAX = 200
"""The title column's length; an agency title beyond it is cut, ours are refused."""
BODY_MAX = 20_000
"""An office notice is a message, not a document; a pasted spreadsheet is refused rather than stored."""
EXTERNAL_ID_MAX = 100


@dataclass(frozen=True)
class NoticeRow:
    """One notice as the board and the reader show it (no ORM object leaves the session)."""

    id: int
    source: NoticeSource
    source_label: str
    title: str
    body: str
    posted_at: datetime
    author: str  # the office notice's administrator (login id), or the agency's name
    is_read: bool
    can_delete: bool


# --- fetching from the relay ------------------------------------------------------------------


def _insert(s: Session, model: type) -> postgresql.Insert | sqlite.Insert:
    dialect = s.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def _aware(moment: datetime) -> datetime:
    """A relay that forgets the zone writes Seoul time (the agency is in Seoul)."""
    return moment.replace(tzinfo=SEOUL) if moment.tzinfo is None else moment


def store_relay_notices(db: Database, notices: list[RelayNotice], institution_id: int) -> int:
    """Store the agency's notices; returns how many were new. Stores each id once, ever.

    A known id whose title or text changed is updated and its read marks dropped (see the module
    docstring); it does not count as new.
    """
    new = 0
    with db.session() as s:
        for notice in notices:
            external_id = notice.notice_id.strip()[:EXTERNAL_ID_MAX]
            if not external_id:
                continue
            title = notice.title.strip()[:TITLE_MAX] or "(제목 없음)"
            body = notice.body
            stmt = _insert(s, Notice).values(
                institution_id=institution_id, source=NoticeSource.AGENCY.value, external_id=external_id,
                title=title, body=body, posted_at=_aware(notice.posted_at).astimezone(SEOUL), created_by=None,
            )
            made = stmt.on_conflict_do_nothing(index_elements=["source", "external_id"]).returning(Notice.id)
            if s.execute(made).scalar() is not None:
                new += 1
                continue
            stored = s.scalar(select(Notice).where(Notice.source == NoticeSource.AGENCY,
                                                   Notice.external_id == external_id))
            if stored is not None and (stored.title, stored.body) != (title, body):
                stored.title, stored.body = title, body
                s.execute(delete(NoticeRead).where(NoticeRead.notice_id == stored.id))
    return new


def fetch_from_relay(db: Database, transport: Transport, institution_id: int) -> int:
    """Ask the relay for the agency's notices and store the new ones; returns how many were new.

    Idempotent: calling it again (next pass, another contract, another PC) stores nothing twice.
    Raises ServiceError (Korean) when the relay cannot be reached; nothing is stored then.
    """
    try:
        notices = transport.list_notices()
    except RelayError as error:
        raise ServiceError(f"중계서버에서 공지사항을 받지 못했습니다: {error.message}") from error
    return store_relay_notices(db, notices, institution_id)


# --- reading ----------------------------------------------------------------------------------


def _visible(actor: Actor) -> ColumnElement[bool]:
    """Agency notices, and the office notices of the actor's own institution."""
    return or_(Notice.source == NoticeSource.AGENCY,
               (Notice.source == NoticeSource.OFFICE) & (Notice.institution_id == actor.institution_id))


def _can_delete(actor: Actor, notice: Notice) -> bool:
    return (actor.is_admin and notice.source is NoticeSource.OFFICE
            and notice.institution_id == actor.institution_id)


def _row(actor: Actor, notice: Notice, is_read: bool) -> NoticeRow:
    author = (notice.created_by or "") if notice.source is NoticeSource.OFFICE else NoticeSource.AGENCY.label
    return NoticeRow(
        id=notice.id, source=notice.source, source_label=notice.source.label, title=notice.title, body=notice.body,
        posted_at=notice.posted_at, author=author, is_read=is_read, can_delete=_can_delete(actor, notice),
    )


def _read_ids(s: Session, actor: Actor, notice_ids: list[int]) -> set[int]:
    if actor.user_id is None or not notice_ids:
        return set()
    return set(s.scalars(select(NoticeRead.notice_id).where(NoticeRead.user_id == actor.user_id,
                                                            NoticeRead.notice_id.in_(notice_ids))))


def list_notices(db: Database, actor: Actor, *, unread_only: bool = False, limit: int = 500) -> list[NoticeRow]:
    """The board: newest first, each marked read or unread for this user."""
    with db.session() as s:
        stmt = select(Notice).where(_visible(actor)).order_by(Notice.posted_at.desc(), Notice.id.desc()).limit(limit)
        found = list(s.scalars(stmt))
        read = _read_ids(s, actor, [n.id for n in found])
        rows = [_row(actor, n, n.id in read) for n in found]
    return [r for r in rows if not r.is_read] if unread_only else rows


def unread_count(db: Database, actor: Actor) -> int:
    """How many notices this user has not opened yet (for the home screen and the menu)."""
    if actor.user_id is None:
        return 0
    read = select(NoticeRead.notice_id).where(NoticeRead.user_id == actor.user_id)
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Notice)
                            .where(_visible(actor), Notice.id.not_in(read))) or 0)


def latest_unread(db: Database, actor: Actor, limit: int = 3) -> list[NoticeRow]:
    """The newest notices this user has not opened (the home screen names them)."""
    if actor.user_id is None:
        return []
    read = select(NoticeRead.notice_id).where(NoticeRead.user_id == actor.user_id)
    with db.session() as s:
        found = s.scalars(select(Notice).where(_visible(actor), Notice.id.not_in(read))
                          .order_by(Notice.posted_at.desc(), Notice.id.desc()).limit(limit))
        return [_row(actor, n, False) for n in found]


def _get(s: Session, actor: Actor, notice_id: int) -> Notice:
    notice = s.scalar(select(Notice).where(Notice.id == notice_id, _visible(actor)))
    if notice is None:
        raise NotFoundError("공지사항을 찾을 수 없습니다. 다른 사용자가 삭제했을 수 있습니다. 목록을 새로 고치세요.")
    return notice


def _mark_read(s: Session, actor: Actor, notice_id: int, now: datetime) -> None:
    if actor.user_id is None:
        return
    stmt = _insert(s, NoticeRead).values(notice_id=notice_id, user_id=actor.user_id, read_at=_aware(now))
    s.execute(stmt.on_conflict_do_nothing(index_elements=["notice_id", "user_id"]))


def open_notice(db: Database, actor: Actor, notice_id: int, *, now: datetime) -> NoticeRow:
    """The notice in full, marked read for this user (opening it is reading it)."""
    with db.session() as s:
        notice = _get(s, actor, notice_id)
        _mark_read(s, actor, notice.id, now)
        return _row(actor, notice, True)


def mark_all_read(db: Database, actor: Actor, *, now: datetime) -> int:
    """Mark every visible notice read for this user; returns how many were unread."""
    if actor.user_id is None:
        return 0
    with db.session() as s:
        ids = list(s.scalars(select(Notice.id).where(_visible(actor))))
        read = _read_ids(s, actor, ids)
        unread = [i for i in ids if i not in read]
        for notice_id in unread:
            _mark_read(s, actor, notice_id, now)
    return len(unread)


# --- office notices ---------------------------------------------------------------------------


def _require_poster(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDeniedError("기관 공지는 관리자만 등록하거나 삭제할 수 있습니다.")


def post_office_notice(db: Database, actor: Actor, title: str, body: str, *, now: datetime) -> int:
    """An administrator's notice to the clerks of their own institution; returns its id.

    Read by its author at once (they just wrote it), unread for everyone else.
    """
    _require_poster(actor)
    title, body = title.strip(), body.strip()
    if not title:
        raise ValidationError("제목", "제목을 입력하세요.")
    if len(title) > TITLE_MAX:
        raise ValidationError("제목", f"제목은 {TITLE_MAX}자까지 쓸 수 있습니다 (지금 {len(title)}자).")
    if not body:
        raise ValidationError("내용", "내용을 입력하세요.")
    if len(body) > BODY_MAX:
        raise ValidationError("내용", f"내용은 {BODY_MAX:,}자까지 쓸 수 있습니다 (지금 {len(body):,}자).")
    with db.session() as s:
        notice = Notice(institution_id=actor.institution_id, source=NoticeSource.OFFICE, external_id=None,
                        title=title, body=body, posted_at=_aware(now), created_by=actor.login_id)
        s.add(notice)
        s.flush()
        _mark_read(s, actor, notice.id, now)
        audit.record(s, "notice_posted", actor=actor, at=_aware(now), target=title[:100],
                     detail={"notice_id": notice.id})
        return notice.id


def delete_office_notice(db: Database, actor: Actor, notice_id: int, *, now: datetime) -> None:
    """Remove one of the institution's own notices (administrators only; agency notices stay)."""
    _require_poster(actor)
    with db.session() as s:
        notice = _get(s, actor, notice_id)
        if notice.source is not NoticeSource.OFFICE:
            raise ServiceError("케이에스넷 공지는 삭제할 수 없습니다. 기관 공지만 삭제할 수 있습니다.")
        title = notice.title
        s.execute(delete(NoticeRead).where(NoticeRead.notice_id == notice.id))
        s.delete(notice)
        audit.record(s, "notice_deleted", actor=actor, at=_aware(now), target=title[:100],
                     detail={"notice_id": notice_id})
