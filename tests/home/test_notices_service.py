"""공지사항: agency notices fetched from the simulator once, office notices by administrators, read marks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import Notice, NoticeRead, NoticeSource, Role
from app.services import notices
from app.services.common.calendar import ManualClock
from app.services.common.errors import (
    NotFoundError,
    PermissionDeniedError,
    ServiceError,
)
from app.services.common.session import Actor
from app.services.common.validation import ValidationError
from app.services.exchange.relay.base import RelayNotice, RelayUnavailableError
from app.services.exchange.transmissions import load_contract
from tests.factories import Office, add_user, make_office
from tests.home.helpers import Relay


def _transport(office: Office, relay: Relay):
    return relay.factory(load_contract(office.db, office.contract_id))


def _stored(office: Office) -> int:
    with office.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Notice)) or 0)


def test_simulator_notices_are_stored_once_however_often_fetched(office: Office, relay: Relay,
                                                                  clock: ManualClock) -> None:
    transport = _transport(office, relay)
    published = transport.list_notices()
    assert published, "the simulator publishes the tax-invoice and maintenance notices of recent months"

    first = notices.fetch_from_relay(office.db, transport, office.institution_id)
    again = notices.fetch_from_relay(office.db, transport, office.institution_id)

    assert first == len(published) and again == 0
    assert _stored(office) == len(published)
    rows = notices.list_notices(office.db, office.admin)
    assert [r.title for r in rows] == [n.title for n in published]  # newest first, as the relay lists them
    assert all(r.source is NoticeSource.AGENCY and not r.is_read and not r.can_delete for r in rows)
    assert [r.posted_at for r in rows] == sorted((r.posted_at for r in rows), reverse=True)

    clock.advance(timedelta(days=30))  # April's notices appear; March's stay, nothing doubles
    more = notices.fetch_from_relay(office.db, transport, office.institution_id)
    assert more > 0
    assert _stored(office) == len({n.notice_id for n in published} | {n.notice_id for n in transport.list_notices()})


def test_a_second_contract_of_the_institution_does_not_double_them(office: Office, relay: Relay) -> None:
    from app.models import Contract

    with office.db.session() as s:
        base = s.get(Contract, office.contract_id)
        assert base is not None
        other = Contract(institution_id=office.institution_id, institution_code="9912345679", name="해오름 2관",
                         business_no=base.business_no, representative="김해오", settlement_bank_code="088",
                         settlement_account_no="110123456780", passbook_text="해오름2관")
        s.add(other)
        s.flush()
        other_id = other.id
    count = notices.fetch_from_relay(office.db, _transport(office, relay), office.institution_id)
    again = notices.fetch_from_relay(office.db, relay.factory(load_contract(office.db, other_id)),
                                     office.institution_id)
    assert count > 0 and again == 0 and _stored(office) == count


def test_a_corrected_agency_notice_is_updated_and_unread_again(office: Office, clock: ManualClock) -> None:
    posted = clock.now()
    original = RelayNotice("seollal-2027", "2027년 설 연휴 이체 일정 안내", "마감: 2월 5일 14:00", posted)
    assert notices.store_relay_notices(office.db, [original], office.institution_id) == 1
    [row] = notices.list_notices(office.db, office.admin)
    notices.open_notice(office.db, office.admin, row.id, now=clock.now())
    assert notices.unread_count(office.db, office.admin) == 0

    corrected = RelayNotice("seollal-2027", original.title, "마감: 2월 4일 14:00 (변경)", posted)
    assert notices.store_relay_notices(office.db, [corrected], office.institution_id) == 0
    [row] = notices.list_notices(office.db, office.admin)
    assert row.body.endswith("(변경)") and not row.is_read
    assert notices.unread_count(office.db, office.admin) == 1


def test_an_unreachable_relay_is_a_korean_error_and_stores_nothing(office: Office) -> None:
    class Down:
        def list_notices(self) -> list[RelayNotice]:
            raise RelayUnavailableError("연결 시간 초과")

    with pytest.raises(ServiceError, match="공지사항을 받지 못했습니다: 연결 시간 초과"):
        notices.fetch_from_relay(office.db, Down(), office.institution_id)  # type: ignore[arg-type]
    assert _stored(office) == 0


def test_office_notices_are_posted_by_an_admin_and_read_by_clerks(office: Office, clerk: Actor, viewer: Actor,
                                                                   clock: ManualClock) -> None:
    notice_id = notices.post_office_notice(office.db, office.admin, "3월 현금수납 안내",
                                           "현금수납은 25일까지 받습니다.", now=clock.now())
    assert notices.unread_count(office.db, office.admin) == 0  # the author has read it
    for reader in (clerk, viewer):
        [row] = notices.list_notices(office.db, reader)
        assert (row.id, row.source, row.author, row.is_read, row.can_delete) == (
            notice_id, NoticeSource.OFFICE, "admin", False, False)
        assert notices.unread_count(office.db, reader) == 1

    opened = notices.open_notice(office.db, clerk, notice_id, now=clock.now())
    assert opened.is_read and opened.body == "현금수납은 25일까지 받습니다."
    notices.open_notice(office.db, clerk, notice_id, now=clock.now())  # opening twice marks once
    assert notices.unread_count(office.db, clerk) == 0
    assert notices.unread_count(office.db, viewer) == 1  # read marks are per user
    with office.db.session() as s:
        assert s.scalar(select(func.count()).select_from(NoticeRead).where(NoticeRead.user_id == clerk.user_id)) == 1


@pytest.mark.parametrize("role", [Role.CLERK, Role.VIEWER])
def test_only_administrators_post_or_delete(office: Office, clock: ManualClock, role: Role) -> None:
    other = add_user(office, f"user{role.value.lower()}", role)
    with pytest.raises(PermissionDeniedError, match="관리자만"):
        notices.post_office_notice(office.db, other, "제목", "내용", now=clock.now())
    notice_id = notices.post_office_notice(office.db, office.admin, "제목", "내용", now=clock.now())
    with pytest.raises(PermissionDeniedError):
        notices.delete_office_notice(office.db, other, notice_id, now=clock.now())
    assert len(notices.list_notices(office.db, other)) == 1


def test_admins_delete_their_office_notices_not_the_agencys(office: Office, clock: ManualClock) -> None:
    notices.store_relay_notices(office.db, [RelayNotice("maintenance-2026-03", "점검 안내", "본문", clock.now())],
                                office.institution_id)
    mine = notices.post_office_notice(office.db, office.admin, "기관 공지", "본문", now=clock.now())
    agency = next(r for r in notices.list_notices(office.db, office.admin) if r.source is NoticeSource.AGENCY)
    with pytest.raises(ServiceError, match="케이에스넷 공지는 삭제할 수 없습니다"):
        notices.delete_office_notice(office.db, office.admin, agency.id, now=clock.now())
    notices.delete_office_notice(office.db, office.admin, mine, now=clock.now())
    assert [r.id for r in notices.list_notices(office.db, office.admin)] == [agency.id]
    with pytest.raises(NotFoundError):
        notices.open_notice(office.db, office.admin, mine, now=clock.now())


def test_another_institutions_office_notices_stay_with_it(office: Office, clock: ManualClock) -> None:
    other = make_office(office.db, institution_code="9900000001")
    theirs = notices.post_office_notice(office.db, other.admin, "다른 기관 공지", "본문", now=clock.now())
    assert notices.list_notices(office.db, office.admin) == []
    with pytest.raises(NotFoundError):
        notices.open_notice(office.db, office.admin, theirs, now=clock.now())
    with pytest.raises(NotFoundError):
        notices.delete_office_notice(office.db, office.admin, theirs, now=clock.now())


def test_a_notice_needs_a_title_and_a_text(office: Office, clock: ManualClock) -> None:
    with pytest.raises(ValidationError) as missing:
        notices.post_office_notice(office.db, office.admin, "  ", "내용", now=clock.now())
    assert missing.value.field == "제목"
    with pytest.raises(ValidationError) as empty:
        notices.post_office_notice(office.db, office.admin, "제목", "\n", now=clock.now())
    assert empty.value.field == "내용"
    with pytest.raises(ValidationError, match="200자까지"):
        notices.post_office_notice(office.db, office.admin, "가" * 201, "내용", now=clock.now())


def test_mark_all_read(office: Office, clerk: Actor, clock: ManualClock) -> None:
    for n in range(3):
        notices.post_office_notice(office.db, office.admin, f"공지 {n}", "본문", now=clock.now() + timedelta(minutes=n))
    assert notices.mark_all_read(office.db, clerk, now=clock.now()) == 3
    assert notices.unread_count(office.db, clerk) == 0
    assert notices.list_notices(office.db, clerk, unread_only=True) == []
    assert [r.title for r in notices.list_notices(office.db, clerk)] == ["공지 2", "공지 1", "공지 0"]
