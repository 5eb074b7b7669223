"""A paused month makes no charge: 이체의뢰 lists it as excluded with the reason, nothing is requested,
the automatic request and the home counts leave it out, and the month after the pause is charged again."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import event, func, select

from app.models import Contract, DebitRequest
from app.services.collection import automatic
from app.services.collection import missed as missed_cutoffs
from app.services.collection import requests as debits
from app.services.common.calendar import seoul_datetime
from app.services.common.errors import ServiceError
from app.services.customers import pauses
from app.services.exchange.transmissions import contract_info
from app.services.home import today as home_today
from tests.collection.helpers import check_invariants
from tests.factories import Office
from tests.pauses.helpers import FEB5, FEB_NOW, JAN5, JAN_NOW, MAR5, MAR_NOW, TODAY, add_payer, charges_made

REASON = "휴원 중입니다 (2027-01~2027-02: 가족 여행)"


def _rows(office: Office, debit_date, now):  # type: ignore[no-untyped-def]
    due = debits.list_due(office.db, office.admin, office.contract_id, debit_date, now=now)
    return due, {r.customer_no: r for r in due.rows}


def test_a_paused_month_is_excluded_with_its_reason_and_the_month_after_is_charged_again(office: Office) -> None:
    db, cid = office.db, office.contract_id
    minjun = add_payer(db, cid, "2024001", "김민준", monthly=300_000)
    seoyeon = add_payer(db, cid, "2024002", "이서연", monthly=200_000)
    added = pauses.add_pause(db, office.admin, minjun.customer_id, None, "2027-01", "2027-02", "가족 여행", today=TODAY)
    assert added.message == ("김민준(2024001) 수강료 2027-01~2027-02 휴원을 등록했습니다. 이 기간에는 청구하지 않고 "
                             "2027-03부터 다시 청구합니다.")

    for debit_date, now, period in ((JAN5, JAN_NOW, "2027-01"), (FEB5, FEB_NOW, "2027-02")):
        due, rows = _rows(office, debit_date, now)
        paused = rows["2024001"]
        assert paused.reason == REASON and paused.period == period
        assert (paused.charge_id, paused.monthly_amount, paused.charge_amount, paused.current_outstanding,
                paused.request_amount, paused.status_text) == (None, 300_000, 0, 0, 0, "휴원")
        assert rows["2024002"].requestable and rows["2024002"].request_amount == 200_000
        totals = due.totals
        assert (totals.requestable.count, totals.requestable.won) == (1, 200_000)
        assert (totals.blocked.count, totals.blocked.won) == (1, 0)  # a pause leaves nothing unpaid
        # Ticking the paused student is refused, and nothing is written (no charge either).
        with pytest.raises(ServiceError, match=r"의뢰할 수 없는 건이 있어 아무것도 의뢰하지 않았습니다: "
                                               r"김민준\(2024001\) 수강료: 휴원 중입니다 \(2027-01~2027-02: 가족 여행\)"):
            debits.request(db, office.admin, cid, debit_date, [minjun.agreement_id, seoyeon.agreement_id], now=now)
        outcome = debits.request(db, office.admin, cid, debit_date, [r.agreement_id for r in due.requestable], now=now)
        assert (outcome.count, outcome.total_amount) == (1, 200_000)

    assert charges_made(db) == {("2024002", "A01", "2027-01"): 200_000, ("2024002", "A01", "2027-02"): 200_000}

    due, rows = _rows(office, MAR5, MAR_NOW)
    assert rows["2024001"].requestable and rows["2024001"].reason is None
    assert (rows["2024001"].request_amount, rows["2024001"].status_text) == (300_000, "미의뢰")
    outcome = debits.request(db, office.admin, cid, MAR5, [r.agreement_id for r in due.requestable], now=MAR_NOW)
    assert (outcome.count, outcome.total_amount) == (2, 500_000)
    assert charges_made(db) == {("2024002", "A01", "2027-01"): 200_000, ("2024002", "A01", "2027-02"): 200_000,
                                ("2024001", "A01", "2027-03"): 300_000, ("2024002", "A01", "2027-03"): 200_000}
    with db.session() as s:
        asked = s.execute(select(DebitRequest.debit_date, DebitRequest.amount)
                          .where(DebitRequest.agreement_id == minjun.agreement_id)).all()
    assert asked == [(MAR5, 300_000)]  # nothing was ever asked of 김민준's bank for January or February
    check_invariants(db)


def test_one_item_paused_leaves_the_other_items_of_the_student_charged(office: Office) -> None:
    db, cid = office.db, office.contract_id
    tuition = add_payer(db, cid, "2024001", "김민준", monthly=300_000)
    books = add_payer(db, cid, "2024001", "김민준", monthly=40_000, item="A02")
    pauses.add_pause(db, office.admin, tuition.customer_id, [tuition.agreement_id], "2027-01", "2027-01", "방학 특강 불참",
                     today=TODAY)
    due, _rows_by_no = _rows(office, JAN5, JAN_NOW)
    by_item = {r.item_code: r for r in due.rows}
    assert by_item["A01"].reason == "휴원 중입니다 (2027-01: 방학 특강 불참)"
    assert by_item["A02"].requestable and by_item["A02"].request_amount == 40_000
    debits.request(db, office.admin, cid, JAN5, [books.agreement_id], now=JAN_NOW)
    assert charges_made(db) == {("2024001", "A02", "2027-01"): 40_000}


def test_the_automatic_request_skips_a_paused_student(office: Office) -> None:
    db, cid = office.db, office.contract_id
    minjun = add_payer(db, cid, "2024001", "김민준", monthly=300_000)
    add_payer(db, cid, "2024002", "이서연", monthly=200_000)
    pauses.add_pause(db, office.admin, minjun.customer_id, None, "2027-01", "2027-02", "가족 여행", today=TODAY)
    with db.session() as s:
        contract = s.get(Contract, cid)
        assert contract is not None
        contract.auto_request, contract.auto_request_lead_minutes = True, 60
    cutoff = seoul_datetime(date(2027, 1, 4), time(14))  # the business day before the 5th, 14:00
    report = automatic.auto_request_due(db, cid, cutoff - timedelta(minutes=30))
    assert report.count == 1 and report.outcomes[0].total_amount == 200_000
    assert charges_made(db) == {("2024002", "A01", "2027-01"): 200_000}
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(DebitRequest)
                        .where(DebitRequest.agreement_id == minjun.agreement_id)) == 0
    check_invariants(db)


def test_the_home_screen_does_not_count_a_paused_student_as_waiting_to_be_requested(office: Office) -> None:
    db, cid = office.db, office.contract_id
    minjun = add_payer(db, cid, "2024001", "김민준", monthly=300_000)
    add_payer(db, cid, "2024002", "이서연", monthly=200_000)
    with db.session() as s:
        assert home_today.unrequested(s, contract_info(s, cid), JAN5, JAN_NOW) == (2, 500_000)
    pauses.add_pause(db, office.admin, minjun.customer_id, None, "2027-01", "2027-02", "가족 여행", today=TODAY)
    with db.session() as s:
        assert home_today.unrequested(s, contract_info(s, cid), JAN5, JAN_NOW) == (1, 200_000)
        assert home_today.unrequested(s, contract_info(s, cid), MAR5, MAR_NOW) == (2, 500_000)


def test_a_cancelled_pause_charges_as_usual(office: Office) -> None:
    db, cid = office.db, office.contract_id
    minjun = add_payer(db, cid, "2024001", "김민준", monthly=300_000)
    added = pauses.add_pause(db, office.admin, minjun.customer_id, None, "2027-01", "2027-02", "가족 여행", today=TODAY)
    pauses.end_pause(db, office.admin, added.pause_ids[0], today=TODAY)
    _due, rows = _rows(office, JAN5, JAN_NOW)
    assert rows["2024001"].requestable and rows["2024001"].request_amount == 300_000


def test_the_request_list_reads_the_pauses_once_per_month_not_per_student(office: Office) -> None:
    db, cid = office.db, office.contract_id
    payers = [add_payer(db, cid, f"20240{n:02d}", f"학생{n}", monthly=100_000) for n in range(1, 31)]
    for p in payers[::3]:
        pauses.add_pause(db, office.admin, p.customer_id, None, "2027-01", "2027-01", "방학", today=TODAY)
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        _due, rows = _rows(office, JAN5, JAN_NOW)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert sum(1 for r in rows.values() if r.reason and r.reason.startswith("휴원 중입니다")) == 10
    assert sum(1 for r in rows.values() if r.requestable) == 20
    assert sum(1 for sql in statements if "FROM pause" in sql) == 1


def test_a_paused_month_is_not_a_missed_cut_off(office: Office) -> None:
    """After January's cut-off passes, the paused student is not listed as missed (only the other one is)."""
    db, cid = office.db, office.contract_id
    minjun = add_payer(db, cid, "2024001", "김민준", monthly=300_000)
    add_payer(db, cid, "2024002", "이서연", monthly=200_000)
    pauses.add_pause(db, office.admin, minjun.customer_id, None, "2027-01", "2027-01", "가족 여행", today=TODAY)
    after_cutoff = seoul_datetime(date(2027, 1, 4), time(15, 0))
    missed = missed_cutoffs.missed_debits(db, office.admin, cid, now=after_cutoff)
    january = [(r.customer_no, r.amount) for m in missed for r in m.rows if r.period == "2027-01"]
    assert january == [("2024002", 200_000)]  # December's rows, missed by both, are not the pause's business
