"""What to notify when: decisions from the database and an injected clock, shown once per session."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.models import (
    DebitAgreement,
    RegistrationState,
    Transmission,
    TransmissionState,
)
from app.services.collection import requests as debits
from app.services.common.calendar import ManualClock
from app.services.common.destinations import Destination
from app.services.common.session import Actor
from app.services.exchange.relay.base import RelayNotice, RelayUnavailableError
from app.services.exchange.scheduler import CollectionScheduler
from app.services.exchange.transmissions import load_contract
from app.services.home import notifications
from app.services.home.notifications import Notification, ShownEvents
from tests.factories import Office
from tests.home.helpers import KEY, Relay, add_payer, at


def _due_on_the_25th(office: Office) -> list[int]:
    done = RegistrationState.DONE
    return [add_payer(office.db, office.contract_id, f"C00{n}", account=f"11000000000{n}", name=name, registration=done,
                      monthly=amount).agreement_id
            for n, name, amount in ((1, "김하늘", 100_000), (2, "이바다", 55_000))]


def _cutoff(office: Office, clock: ManualClock) -> Notification | None:
    return notifications.cutoff_reminder(office.db, load_contract(office.db, office.contract_id), clock.now())


def test_half_an_hour_before_the_cutoff_with_due_charges_not_requested(office: Office, clerk: Actor,
                                                                       clock: ManualClock) -> None:
    due = _due_on_the_25th(office)
    clock.set(at(date(2026, 3, 24), 13, 29))
    assert _cutoff(office, clock) is None  # not yet
    clock.set(at(date(2026, 3, 24), 13, 30))
    note = _cutoff(office, clock)
    assert note is not None
    assert note.key == f"cutoff:{office.contract_id}:2026-03-25"
    assert note.title == "이체의뢰 마감 30분 전" and note.destination is Destination.REQUESTS and note.warning
    assert "출금일 03-25(수)" in note.message and "2건(155,000원)" in note.message and "14:00까지" in note.message
    assert [n.key for n in notifications.decide(office.db, clerk, clock.now())] == [note.key]

    clock.set(at(date(2026, 3, 24), 13, 45))
    debits.request(office.db, clerk, office.contract_id, date(2026, 3, 25), due[:1], now=clock.now())
    still = _cutoff(office, clock)
    assert still is not None and "1건(55,000원)" in still.message and still.title == "이체의뢰 마감 15분 전"
    debits.request(office.db, clerk, office.contract_id, date(2026, 3, 25), due[1:], now=clock.now())
    assert _cutoff(office, clock) is None  # everything due is requested
    clock.set(at(date(2026, 3, 24), 14, 0))
    assert _cutoff(office, clock) is None  # the cut-off itself: too late to remind


def test_no_reminder_on_a_day_without_a_cutoff_or_with_nothing_due(office: Office, clock: ManualClock) -> None:
    _due_on_the_25th(office)
    clock.set(at(date(2026, 3, 21), 13, 40))  # a Saturday
    assert _cutoff(office, clock) is None
    clock.set(at(date(2026, 3, 23), 13, 40))  # Monday: the 24th is no debit date of this contract
    assert _cutoff(office, clock) is None


def test_results_arriving_are_notified_with_their_counts_once(office: Office, clerk: Actor, relay: Relay,
                                                             clock: ManualClock) -> None:
    queued = clock.now()
    add_payer(office.db, office.contract_id, "C001", account="110000000001", name="김하늘", queued_at=queued, day=15)
    add_payer(office.db, office.contract_id, "C003", account="110000000012", name="박구름", queued_at=queued, day=15)
    shown = ShownEvents()
    relay.run_until(at(date(2026, 3, 10), 10, 59))
    assert shown.fresh(notifications.decide(office.db, clerk, clock.now())) == []

    relay.run_until(at(date(2026, 3, 10), 11, 5))
    [note] = shown.fresh(notifications.decide(office.db, clerk, clock.now()))
    assert note.title == "계좌신청 결과 도착" and note.destination is Destination.REGISTRATIONS
    assert "계좌신청완료 1건, 계좌신청미완료 1건" in note.message and note.warning
    assert shown.fresh(notifications.decide(office.db, clerk, clock.now())) == []  # once per session
    assert note.key in shown

    # The debit of the 16th: requested on Friday, result on Tuesday the 17th at 11:00.
    relay.run_until(at(date(2026, 3, 13), 10))
    with office.db.session() as s:
        ids = list(s.scalars(select(DebitAgreement.id).where(DebitAgreement.account_last4 == "0001")))
    debits.request(office.db, clerk, office.contract_id, date(2026, 3, 16), ids, now=clock.now())
    relay.run_until(at(date(2026, 3, 17), 11, 5))
    [debit] = shown.fresh(notifications.decide(office.db, clerk, clock.now()))
    assert debit.title == "이체의뢰 결과 도착" and debit.destination is Destination.RESULTS and not debit.warning
    assert "출금일 03-16(월): 이체처리완료 1건(100,000원), 이체처리미완료 0건." in debit.message
    # Tomorrow those results are history, not news.
    clock.advance(timedelta(days=1))
    assert [n for n in notifications.decide(office.db, clerk, clock.now()) if n.key.startswith("result:")] == []


class _Down:
    """A relay that does not answer."""

    def is_uploaded(self, remote_name: str) -> bool:
        raise RelayUnavailableError("연결 시간 초과")

    def upload(self, remote_name: str, data: bytes) -> None:
        raise RelayUnavailableError("연결 시간 초과")

    def list_results(self) -> list[str]:
        raise RelayUnavailableError("연결 시간 초과")

    def list_notices(self) -> list[RelayNotice]:
        raise RelayUnavailableError("연결 시간 초과")


def test_a_failed_sending_is_notified(office: Office, clerk: Actor, clock: ManualClock) -> None:
    add_payer(office.db, office.contract_id, "C001", account="110000000001", name="김하늘", queued_at=clock.now())
    scheduler = CollectionScheduler(office.db, clock=clock, transport_for=lambda _c: _Down(),  # type: ignore[arg-type,return-value]
                                    data_key=KEY, upload_delays=())
    clock.set(at(date(2026, 3, 9), 13, 58))
    scheduler.tick(clock.now())
    with office.db.session() as s:
        assert s.scalar(select(Transmission.state)) == TransmissionState.ERROR
    [note] = notifications.decide(office.db, clerk, clock.now())
    assert note.key.startswith("send-error:") and note.title == "파일 송신 실패"
    assert note.destination is Destination.TRANSMISSIONS and note.warning
    # The consent evidence goes first (issue 16); with the relay down the EB13 waits for it.
    assert "EI130309_2026 파일을 보내지 못했습니다" in note.message and "연결 시간 초과" in note.message


def test_a_user_who_turned_notifications_off_gets_none(office: Office, clerk: Actor, clock: ManualClock) -> None:
    _due_on_the_25th(office)
    clock.set(at(date(2026, 3, 24), 13, 30))
    assert notifications.is_enabled(office.db, clerk)
    notifications.set_enabled(office.db, clerk, False)
    assert not notifications.is_enabled(office.db, clerk)
    assert notifications.decide(office.db, clerk, clock.now()) == []
    assert len(notifications.decide(office.db, office.admin, clock.now())) == 1  # per user, not per office
    notifications.set_enabled(office.db, clerk, True)
    assert len(notifications.decide(office.db, clerk, clock.now())) == 1


def test_shown_events_remember_by_key() -> None:
    first = Notification("cutoff:1:2026-03-25", "이체의뢰 마감 30분 전", "2건", Destination.REQUESTS, 1)
    later = Notification("cutoff:1:2026-03-25", "이체의뢰 마감 15분 전", "1건", Destination.REQUESTS, 1)
    other = Notification("result:7", "이체의뢰 결과 도착", "…", Destination.RESULTS, 1)
    shown = ShownEvents()
    assert shown.fresh([first]) == [first]
    assert shown.fresh([later, other]) == [other]  # the same cut-off is reminded once, however the text moves
    assert shown.fresh([first, later, other]) == []
