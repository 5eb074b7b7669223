"""The agency's notices arrive through the embedded scheduler's passes, once each."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.models import Notice, NoticeSource
from app.services import notices
from app.services.common.calendar import ManualClock
from app.services.common.session import Actor
from app.services.exchange.relay.base import RelayUnavailableError
from app.services.exchange.transmissions import load_contract
from tests.factories import Office
from tests.home.helpers import Relay, at


def _agency_rows(office: Office) -> int:
    with office.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Notice).where(Notice.source == NoticeSource.AGENCY)) or 0)


def _published(office: Office, relay: Relay) -> list[str]:
    return [n.notice_id for n in relay.factory(load_contract(office.db, office.contract_id)).list_notices()]


def test_a_pass_brings_the_notices_and_later_passes_do_not_double_them(office: Office, relay: Relay,
                                                                        clock: ManualClock, clerk: Actor) -> None:
    published = _published(office, relay)
    assert published, "the simulator publishes notices"

    first = relay.scheduler.tick(clock.now())

    assert first.new_notices == len(published)
    assert f"새 공지사항 {len(published)}건을 받았습니다." in first.summary()
    listed = notices.list_notices(office.db, clerk)
    assert len(listed) == len(published) and all(not n.is_read for n in listed)

    relay.run_until(clock.now() + timedelta(days=3))  # many passes, hourly notice polls
    relay.scheduler.fetch_now(office.contract_id, office.admin)  # and the administrator's 지금 수신

    assert _agency_rows(office) == len(set(_published(office, relay)))
    titles = [n.title for n in notices.list_notices(office.db, clerk)]
    assert len(titles) == len(set(titles)), "a notice listed twice"


def test_notices_are_asked_for_at_most_hourly_but_at_once_on_fetch_now(office: Office, relay: Relay,
                                                                      clock: ManualClock) -> None:
    asked: list[object] = []
    factory = relay.scheduler.transport_for

    def counting(contract):
        transport = factory(contract)
        real = transport.list_notices

        def list_notices():
            asked.append(clock.now())
            return real()

        transport.list_notices = list_notices  # type: ignore[method-assign]
        return transport

    relay.scheduler.transport_for = counting
    relay.scheduler.tick(clock.now())
    relay.scheduler.tick(clock.now() + timedelta(minutes=20))
    assert len(asked) == 1
    relay.scheduler.tick(clock.now() + timedelta(minutes=61))
    assert len(asked) == 2
    relay.scheduler.fetch_now(office.contract_id, office.admin, now=clock.now() + timedelta(minutes=62))
    assert len(asked) == 3


def test_a_relay_that_cannot_list_notices_is_reported_and_the_pass_goes_on(office: Office, relay: Relay,
                                                                           clock: ManualClock) -> None:
    factory = relay.scheduler.transport_for

    def broken(contract):
        transport = factory(contract)

        def list_notices():
            raise RelayUnavailableError("중계서버 연결 끊김")

        transport.list_notices = list_notices  # type: ignore[method-assign]
        return transport

    relay.scheduler.transport_for = broken
    clock.set(at(clock.now().date(), 10))
    report = relay.scheduler.tick(clock.now())

    assert any("공지사항을 받지 못했습니다" in p for p in report.problems), report.problems
    assert _agency_rows(office) == 0
    relay.scheduler.transport_for = factory  # the relay is back: the next hourly poll stores them
    later = relay.scheduler.tick(clock.now() + timedelta(hours=1))
    assert later.new_notices > 0 and not later.problems
