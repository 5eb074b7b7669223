"""A missed cut-off is loud, and each remedy does what it says.

December 2026, an academy debiting 수강료 on the 5th, 15th and 25th and 교재비 on the 15th. The 5th
is a Saturday: its debit is Monday the 7th and its cut-off Friday the 4th at 14:00. Nobody requested
the 5th: on Saturday morning 윤산 (80,000원) and 한솔 (60,000원, 10,000원 할인) stand in red. The
15th's payers are not due yet and are not listed. The remedies: move to 수강료's next debit date
(12-15, cut-off 12-14 14:00), receive in cash, leave 미납.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.models import (
    Charge,
    DebitRequest,
    MissedRemedy,
    RegistrationState,
    RequestState,
)
from app.services.aggregates.common import GroupBy
from app.services.aggregates.outstanding import summarise
from app.services.collection import cash, ledger, missed
from app.services.collection import requests as debits
from app.services.common.calendar import ManualClock
from app.services.common.destinations import Destination
from app.services.common.errors import (
    ConflictError,
    PermissionDeniedError,
    ServiceError,
)
from app.services.common.periods import Period
from app.services.common.session import Actor
from app.services.exchange.transmissions import load_contract
from app.services.home import notifications
from app.services.home import today as home
from tests.factories import Office
from tests.home.helpers import at
from tests.home.missed_december import december

DONE = RegistrationState.DONE
SATURDAY = ManualClock.at(2026, 12, 5, 10, 0)
FIFTH = date(2026, 12, 7)  # the 5th's debit date (Saturday → Monday)
FIFTEENTH = date(2026, 12, 15)


_december = december


def _missed(office: Office, now: ManualClock = SATURDAY) -> list[missed.MissedDebit]:
    return missed.missed_debits(office.db, office.admin, office.contract_id, now=now.now())


def _counts(office: Office) -> tuple[int, int]:
    with office.db.session() as s:
        return (s.scalar(select(func.count()).select_from(Charge)) or 0,
                s.scalar(select(func.count()).select_from(DebitRequest)) or 0)


def test_a_missed_cut_off_stands_on_home_in_the_tray_and_in_the_list(office: Office) -> None:
    _december(office)
    before = _counts(office)
    # Friday 13:59: the cut-off is still ahead, nothing is missed yet.
    assert _missed(office, ManualClock.at(2026, 12, 4, 13, 59)) == []
    found = _missed(office)
    assert [(m.debit_date, m.item_name, m.count, m.amount) for m in found] == [(FIFTH, "수강료", 2, 130_000)]
    m = found[0]
    assert [(r.customer_name, r.amount, r.charge_id, r.request_id) for r in m.rows] == [
        ("윤산", 80_000, None, None), ("한솔", 50_000, None, None)]
    assert m.cutoff == at(date(2026, 12, 4), 14)
    assert (m.move_to, m.move_cutoff) == (FIFTEENTH, at(date(2026, 12, 14), 14))
    assert m.title == "12-07(월) 출금 · 수강료"
    assert m.message == ("이체의뢰 마감 12-04(금) 14:00이 지났습니다. 의뢰하지 않은 2건 130,000원은 은행에 보내지 않아 "
                         "출금되지 않습니다.")
    assert m.remedy_text(MissedRemedy.MOVE) == "12-15(화) 출금으로 옮기기"

    summary = home.summary(office.db, office.admin, office.contract_id, now=SATURDAY.now())
    assert summary.missed == tuple(found)
    notes = notifications.decide(office.db, office.admin, SATURDAY.now())
    missed_notes = [n for n in notes if n.key.startswith("missed:")]
    assert [n.key for n in missed_notes] == [f"missed:{office.contract_id}:2026-12-07:{m.item_id}"]
    assert "의뢰하지 않은 2건 130,000원" in missed_notes[0].message and missed_notes[0].destination is Destination.HOME
    assert _counts(office) == before  # looking never writes


def test_moving_queues_them_on_the_items_next_debit_date(office: Office) -> None:
    ids = _december(office)
    m = _missed(office)[0]
    outcome = missed.apply_remedy(office.db, office.admin, office.contract_id, FIFTH, m.item_id, MissedRemedy.MOVE,
                                  now=SATURDAY.now())
    assert (outcome.count, outcome.amount, outcome.moved_to) == (2, 130_000, FIFTEENTH)
    assert outcome.message.startswith("12-07(월) 출금 · 수강료 2건 130,000원을 12-15(화) 출금으로 옮겨")
    assert _missed(office) == []
    with office.db.session() as s:
        rows = s.execute(select(DebitRequest.agreement_id, DebitRequest.debit_date, DebitRequest.amount,
                                DebitRequest.state).order_by(DebitRequest.agreement_id)).all()
        remedies = s.execute(select(Charge.agreement_id, Charge.period, Charge.missed_debit_date, Charge.missed_remedy)
                             .order_by(Charge.agreement_id)).all()
    assert rows == [(ids["yoon"], FIFTEENTH, 80_000, RequestState.WAITING),
                    (ids["han"], FIFTEENTH, 50_000, RequestState.WAITING)]
    assert remedies == [(ids["yoon"], "2026-12", FIFTH, MissedRemedy.MOVE),
                        (ids["han"], "2026-12", FIFTH, MissedRemedy.MOVE)]
    # The home card of the 15th's cut-off counts them as queued.
    card = home.summary(office.db, office.admin, office.contract_id, now=SATURDAY.now()).cutoff
    assert (card.debit_date, card.queued_requests, card.queued_amount) == (FIFTEENTH, 2, 130_000)
    # Twice is refused: nothing is left to move.
    with pytest.raises(ConflictError):
        missed.apply_remedy(office.db, office.admin, office.contract_id, FIFTH, m.item_id, MissedRemedy.MOVE,
                            now=SATURDAY.now())


def test_cash_makes_them_cash_candidates_and_unpaid_makes_them_unpaid(office: Office) -> None:
    ids = _december(office)
    m = _missed(office)[0]
    outcome = missed.apply_remedy(office.db, office.admin, office.contract_id, FIFTH, m.item_id, MissedRemedy.CASH,
                                  now=SATURDAY.now(), agreement_ids=[ids["yoon"]])
    assert (outcome.count, outcome.amount) == (1, 80_000)
    left = _missed(office)
    assert [(x.count, x.amount, [r.customer_name for r in x.rows]) for x in left] == [(1, 50_000, ["한솔"])]
    candidates = cash.list_cash_candidates(office.db, office.admin, office.contract_id)
    assert [(c.customer_name, c.outstanding, c.reason_text, c.last_debit_date, c.blocked) for c in candidates] == [
        ("윤산", 80_000, "이체의뢰 마감 놓침", FIFTH, None)]
    receipt = cash.receive_cash(office.db, office.admin, candidates[0].charge_id, 80_000, date(2026, 12, 5),
                                today=date(2026, 12, 5))
    assert receipt.outstanding_after == 0

    outcome = missed.apply_remedy(office.db, office.admin, office.contract_id, FIFTH, m.item_id, MissedRemedy.UNPAID,
                                  now=SATURDAY.now())
    assert outcome.message == ("12-07(월) 출금 · 수강료 1건 50,000원을 미납으로 두었습니다. 출금일 12-07(월)이 지나면 "
                               "미납내역집계와 미납 안내문에 나옵니다.")
    assert _missed(office) == []
    info = load_contract(office.db, office.contract_id)
    with office.db.session() as s:
        han = s.scalar(select(Charge.id).where(Charge.agreement_id == ids["han"]))
        # 미납 once its debit date is gone (domain.md): scheduled on Saturday, unpaid on Tuesday the 8th.
        assert ledger.charge_states(s, info.calendar, office.contract_id, date(2026, 12, 5))[han] == (
            ledger.ChargeState.SCHEDULED, 50_000)
        assert ledger.charge_states(s, info.calendar, office.contract_id, date(2026, 12, 8))[han] == (
            ledger.ChargeState.UNPAID, 50_000)
    summary = summarise(office.db, office.admin, office.contract_id, Period(date(2026, 12, 1), date(2026, 12, 31)),
                        GroupBy.ITEM, today=date(2026, 12, 8))
    assert (summary.total.unpaid_count, summary.total.unpaid_amount) == (1, 50_000)
    # 미납 may be received in cash later too.
    assert [c.customer_name for c in cash.list_cash_candidates(office.db, office.admin, office.contract_id)] == ["한솔"]


def test_a_queued_request_never_sent_is_missed_and_can_be_moved(office: Office) -> None:
    ids = _december(office)
    friday = ManualClock.at(2026, 12, 4, 10, 0)
    debits.request(office.db, office.admin, office.contract_id, FIFTH, [ids["yoon"]], now=friday.now())
    # The scheduler never ran: at 14:00 the request is still 이체의뢰대기 with no file.
    m = _missed(office)[0]
    assert [(r.customer_name, r.amount, r.request_id is not None) for r in m.rows] == [
        ("윤산", 80_000, True), ("한솔", 50_000, False)]
    assert (m.queued_count, m.unrequested_count) == (1, 1)
    assert "이체의뢰대기로 남아 송신되지 않은 1건 80,000원" in m.message
    missed.apply_remedy(office.db, office.admin, office.contract_id, FIFTH, m.item_id, MissedRemedy.MOVE,
                        now=SATURDAY.now())
    with office.db.session() as s:
        dates = s.execute(select(DebitRequest.agreement_id, DebitRequest.debit_date, DebitRequest.state)
                          .order_by(DebitRequest.id)).all()
    assert dates == [(ids["yoon"], FIFTEENTH, RequestState.WAITING), (ids["han"], FIFTEENTH, RequestState.WAITING)]
    assert _missed(office) == []


def test_leaving_a_queued_request_unpaid_withdraws_it(office: Office) -> None:
    ids = _december(office)
    debits.request(office.db, office.admin, office.contract_id, FIFTH, [ids["yoon"], ids["han"]],
                   now=ManualClock.at(2026, 12, 4, 10, 0).now())
    m = _missed(office)[0]
    missed.apply_remedy(office.db, office.admin, office.contract_id, FIFTH, m.item_id, MissedRemedy.UNPAID,
                        now=SATURDAY.now())
    with office.db.session() as s:
        states = set(s.scalars(select(DebitRequest.state)))
    assert states == {RequestState.WITHDRAWN}
    assert _missed(office) == []


def test_a_viewer_may_look_but_not_choose(office: Office, viewer: Actor) -> None:
    _december(office)
    m = missed.missed_debits(office.db, viewer, office.contract_id, now=SATURDAY.now())[0]
    with pytest.raises(PermissionDeniedError):
        missed.apply_remedy(office.db, viewer, office.contract_id, FIFTH, m.item_id, MissedRemedy.UNPAID,
                            now=SATURDAY.now())


def test_moving_after_the_next_cut_off_is_refused_and_changes_nothing(office: Office) -> None:
    _december(office)
    late = ManualClock.at(2026, 12, 14, 14, 30)  # the 15th's cut-off passed too
    found = _missed(office, late)
    fifth = next(m for m in found if m.debit_date == FIFTH)
    assert fifth.move_to == date(2026, 12, 28)  # the 25th is 성탄절 (Friday): Monday the 28th
    before = _counts(office)
    with pytest.raises(ServiceError):
        missed.apply_remedy(office.db, office.admin, office.contract_id, FIFTH, fifth.item_id, MissedRemedy.MOVE,
                            now=late.now(), agreement_ids=[999_999])
    assert _counts(office) == before


def test_payers_set_for_cash_wait_on_home_until_received(office: Office) -> None:
    ids = _december(office)
    m = _missed(office)[0]
    missed.apply_remedy(office.db, office.admin, office.contract_id, FIFTH, m.item_id, MissedRemedy.CASH,
                        now=SATURDAY.now(), agreement_ids=[ids["yoon"]])
    work = home.summary(office.db, office.admin, office.contract_id, now=SATURDAY.now()).item("cash")
    assert work is not None and (work.count, work.amount) == (1, 80_000)
    assert work.examples == ("윤산(C005) 수강료",)
    charge_id = cash.list_cash_candidates(office.db, office.admin, office.contract_id)[0].charge_id
    cash.receive_cash(office.db, office.admin, charge_id, 80_000, date(2026, 12, 5), today=date(2026, 12, 5))
    assert home.summary(office.db, office.admin, office.contract_id, now=SATURDAY.now()).item("cash") is None
