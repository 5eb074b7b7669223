"""The 이체의뢰 list adds up: 전체 = 이미 의뢰 + 의뢰 가능 + 의뢰 불가, in counts and won, on every day of a month.

December 2026 at 해오름수학학원 (debit days 5, 15, 25; 12-05 is a Saturday, so the 5th is debited on
Monday 12-07 with its cut-off on Friday 12-04 14:00; the 15th's cut-off is Monday 12-14 14:00):

=====  ====  ====  ========  ===============================================================
no     item  day   won       what happens
=====  ====  ====  ========  ===============================================================
P1     A01   5     50,000    never requested for 12-07 → moved to 12-15; debited there
P2     A01   5     70,000    never requested for 12-07 → moved to 12-15; fails there
P3     A01   5     30,000    never requested for 12-07 → moved to 12-15; 10,000 debited
P4     A02   5     20,000    never requested for 12-07 → 현금수납으로 받기
P5     A01   5     40,000    no account registration: 의뢰 불가 throughout
R1     A02   5     100,000   requested for 12-07, fails; 재처리의뢰 on 12-15, fails again
Q1     A01   15    60,000    requested for 12-15, debited
Q2     A01   15    70,000    (80,000 less a 10,000 discount) never requested → 미납으로 두기
Q3     A01   15    90,000    no account registration: 의뢰 불가 throughout
=====  ====  ====  ========  ===============================================================

Every total below is written out by hand; the identity is checked for counts and won each time.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from app.cli import collection as cli_collection
from app.cli import main as cli
from app.database.engine import Database
from app.models import (
    AccountRegistration,
    CollectionItem,
    DebitRequest,
    RegistrationKind,
    RegistrationState,
    RequestState,
)
from app.services.collection import cash, ledger, missed, retries
from app.services.collection import requests as debits
from app.services.collection.missed import Remedy
from app.services.collection.requests import DueList
from app.services.common.session import Actor
from tests.collection.helpers import add_payer, at, mark_sent
from tests.factories import Office, Payer
from tests.security.cli import use_login

SEVENTH = date(2026, 12, 7)  # the 5th's debit (12-05 is a Saturday)
FIFTEENTH = date(2026, 12, 15)


def _office(office: Office) -> dict[str, Payer]:
    db, cid = office.db, office.contract_id
    with_first = {"first": "2026-12"}
    return {
        "P1": add_payer(db, cid, "P1", name="김하나", monthly=50_000, day=5, **with_first),
        "P2": add_payer(db, cid, "P2", name="이두리", monthly=70_000, day=5, **with_first),
        "P3": add_payer(db, cid, "P3", name="박세나", monthly=30_000, day=5, **with_first),
        "P4": add_payer(db, cid, "P4", name="최네리", monthly=20_000, day=5, item="A02", **with_first),
        "P5": add_payer(db, cid, "P5", name="정다섯", monthly=40_000, day=5, registration=None, **with_first),
        "R1": add_payer(db, cid, "R1", name="한여섯", monthly=100_000, day=5, item="A02", **with_first),
        "Q1": add_payer(db, cid, "Q1", name="윤일곱", monthly=60_000, day=15, **with_first),
        "Q2": add_payer(db, cid, "Q2", name="강여덟", monthly=80_000, discount=10_000, day=15, **with_first),
        "Q3": add_payer(db, cid, "Q3", name="조아홉", monthly=90_000, day=15, registration=None, **with_first),
    }


def _list(office: Office, actor: Actor, debit_date: date, now: datetime, item: str | None = None) -> DueList:
    item_id = None
    if item is not None:
        with office.db.session() as s:
            item_id = s.scalar(select(CollectionItem.id).where(CollectionItem.contract_id == office.contract_id,
                                                               CollectionItem.code == item))
    return debits.list_due(office.db, actor, office.contract_id, debit_date, item_id, now=now)


def _adds_up(due: DueList) -> str:
    """The footer, after checking 전체 is the sum of the three parts and every row is in one part."""
    t = due.totals
    assert t.whole.count == len(due.rows) == sum(p.count for p in t.parts)
    assert t.whole.won == sum(p.won for p in t.parts)
    return t.text


def _rows(due: DueList) -> dict[str, tuple[str, int | None, str, str]]:
    """customer no → (category, 이체의뢰금액 as the screen shows it, 최종수납현황, note · reason)."""
    out = {}
    for r in due.rows:
        asked = r.requested_amount if r.requested else (r.request_amount if r.requestable else None)
        guidance = " · ".join(p for p in (r.note, r.reason) if p)
        out[r.customer_no] = (debits.row_part(r), asked, r.status_text, guidance)
    return out


def _answer(db: Database, answers: dict[int, tuple[int, str | None]], when: datetime) -> None:
    with db.session() as s:
        for request_id, (debited, code) in answers.items():
            ledger.apply_debit_outcome(s, request_id, debited, code, when)


def _request_of(db: Database, agreement_id: int, debit_date: date) -> int:
    with db.session() as s:
        found = s.scalar(select(DebitRequest.id).where(DebitRequest.agreement_id == agreement_id,
                                                       DebitRequest.debit_date == debit_date,
                                                       DebitRequest.state != RequestState.WITHDRAWN)
                         .order_by(DebitRequest.id.desc()).limit(1))
    assert found is not None
    return found


def test_the_request_list_adds_up_through_a_month(office: Office, clerk: Actor) -> None:
    p = _office(office)
    db, cid = office.db, office.contract_id

    # Tue 12-01: nothing requested yet. 50,000 + 70,000 + 30,000 + 20,000 + 100,000 = 270,000 may be asked.
    monday = at(date(2026, 12, 1))
    due = _list(office, clerk, SEVENTH, monday)
    assert _adds_up(due) == ("전체 6건 310,000원 = 이미 의뢰 0건 0원 + 의뢰 가능 5건 270,000원 "
                             "+ 의뢰 불가 1건 40,000원")
    assert _rows(due)["P5"][:2] == ("의뢰 불가", None)

    # R1 is requested: its row shows what was asked and that it is queued, and moves to 이미 의뢰.
    debits.request(db, clerk, cid, SEVENTH, [p["R1"].agreement_id], now=monday)
    due = _list(office, clerk, SEVENTH, monday)
    assert _adds_up(due) == ("전체 6건 310,000원 = 이미 의뢰 1건 100,000원 + 의뢰 가능 4건 170,000원 "
                             "+ 의뢰 불가 1건 40,000원")
    r1 = next(r for r in due.rows if r.customer_no == "R1")
    assert (r1.requested_amount, r1.requested_state, r1.request_amount) == (100_000, RequestState.WAITING, 0)
    assert r1.requested_id == _request_of(db, p["R1"].agreement_id, SEVENTH)
    assert _rows(due)["R1"][:3] == ("이미 의뢰", 100_000, "이체의뢰대기")

    # The file leaves at the cut-off; R1 fails on 12-08. The closed 12-07 says what was never sent.
    mark_sent(db)
    _answer(db, {_request_of(db, p["R1"].agreement_id, SEVENTH): (0, "0021")}, at(date(2026, 12, 8), 11))
    tuesday = at(date(2026, 12, 8), 12)
    due = _list(office, clerk, SEVENTH, tuesday)
    assert not due.cutoff.open
    assert _adds_up(due) == ("전체 6건 310,000원 = 이미 의뢰 1건 100,000원 + 마감 후 미의뢰 4건 170,000원 "
                             "+ 의뢰 불가 1건 40,000원")
    assert _rows(due)["R1"][:3] == ("이미 의뢰", 100_000, "이체처리미완료")
    gone = missed.missed_debits(db, clerk, cid, now=tuesday, debit_date=SEVENTH)
    assert [(m.item_name, m.count, m.amount) for m in gone] == [("수강료", 3, 150_000), ("교재비", 1, 20_000)]

    # R1 is retried on the 15th, A01's three are moved to the 15th, P4 will pay in cash.
    retry = retries.retry(db, clerk, cid, [_request_of(db, p["R1"].agreement_id, SEVENTH)], FIFTEENTH, now=tuesday)
    assert retry.total_amount == 100_000
    a01 = next(m for m in gone if m.item_name == "수강료")
    assert a01.move_to == FIFTEENTH
    moved = missed.apply_remedy(db, clerk, cid, SEVENTH, a01.item_id, Remedy.MOVE, now=tuesday)
    assert (moved.count, moved.amount, moved.moved_to) == (3, 150_000, FIFTEENTH)
    a02 = next(m for m in gone if m.item_name == "교재비")
    missed.apply_remedy(db, clerk, cid, SEVENTH, a02.item_id, Remedy.CASH, now=tuesday)
    assert missed.missed_debits(db, clerk, cid, now=tuesday, debit_date=SEVENTH) == []

    # The 7th now: the three moved rows stand held by the 15th's file (nothing left unrequested here),
    # P4 is to be paid in cash (its 20,000 stays unrequested), R1's request of the 7th is still what it asked.
    due = _list(office, clerk, SEVENTH, tuesday)
    assert _adds_up(due) == ("전체 6건 160,000원 = 이미 의뢰 1건 100,000원 + 마감 후 미의뢰 0건 0원 "
                             "+ 의뢰 불가 5건 60,000원")
    rows = _rows(due)
    assert rows["P1"] == ("의뢰 불가", None, "이체의뢰대기", "12-15 출금으로 의뢰됨 · 이미 이체의뢰되었습니다 (이체의뢰대기)")
    assert rows["P4"] == ("의뢰 불가", None, "미의뢰", "마감을 놓쳐 현금수납으로 받기로 했습니다")
    assert [(c.customer_no, c.outstanding) for c in cash.list_cash_candidates(db, clerk, cid)
            if c.customer_no == "P4"] == [("P4", 20_000)]

    # The 15th carries its own payers, the moved three and the retry: everything on the file is a row.
    due = _list(office, clerk, FIFTEENTH, tuesday)
    assert due.cutoff.open
    assert _adds_up(due) == ("전체 7건 470,000원 = 이미 의뢰 4건 250,000원 + 의뢰 가능 2건 130,000원 "
                             "+ 의뢰 불가 1건 90,000원")
    rows = _rows(due)
    assert [r.customer_no for r in due.rows] == ["Q1", "Q2", "Q3", "P1", "P2", "P3", "R1"]
    assert rows["P2"] == ("이미 의뢰", 70_000, "이체의뢰대기", "12-07 출금분을 옮겨 의뢰 · 이미 이체의뢰되었습니다 (이체의뢰대기)")
    assert rows["R1"] == ("이미 의뢰", 100_000, "이체의뢰대기", "재처리의뢰 (12-07 출금분) · 이미 이체의뢰되었습니다 (이체의뢰대기)")
    assert rows["Q2"] == ("의뢰 가능", 70_000, "미의뢰", "")
    assert all(r.brought for r in due.rows[3:]) and not any(r.brought for r in due.rows[:3])
    # The item filter holds for them too: the retry is 교재비, the moved three 수강료.
    assert _adds_up(_list(office, clerk, FIFTEENTH, tuesday, "A02")) == (
        "전체 1건 100,000원 = 이미 의뢰 1건 100,000원 + 의뢰 가능 0건 0원 + 의뢰 불가 0건 0원")
    assert _adds_up(_list(office, clerk, FIFTEENTH, tuesday, "A01")) == (
        "전체 6건 370,000원 = 이미 의뢰 3건 150,000원 + 의뢰 가능 2건 130,000원 + 의뢰 불가 1건 90,000원")
    # The pre-flight compares the payers due by their day, not what was brought.
    check = debits.preflight(db, clerk, cid, FIFTEENTH, now=tuesday)
    assert (check.this_count, check.this_amount) == (2, 130_000)
    assert [r.customer_no for r in check.excluded] == ["Q3"]

    # Part of the 15th is requested: Q1 moves from 의뢰 가능 to 이미 의뢰, the whole stays.
    debits.request(db, clerk, cid, FIFTEENTH, [p["Q1"].agreement_id], now=tuesday)
    due = _list(office, clerk, FIFTEENTH, tuesday)
    assert _adds_up(due) == ("전체 7건 470,000원 = 이미 의뢰 5건 310,000원 + 의뢰 가능 1건 70,000원 "
                             "+ 의뢰 불가 1건 90,000원")
    assert _rows(due)["Q1"][:3] == ("이미 의뢰", 60_000, "이체의뢰대기")

    # The file goes; the bank answers on 12-16. Each requested row shows its request's state.
    mark_sent(db)
    _answer(db, {
        _request_of(db, p["Q1"].agreement_id, FIFTEENTH): (60_000, None),
        _request_of(db, p["P1"].agreement_id, FIFTEENTH): (50_000, None),
        _request_of(db, p["P2"].agreement_id, FIFTEENTH): (0, "0021"),
        _request_of(db, p["P3"].agreement_id, FIFTEENTH): (10_000, "0021"),
        _request_of(db, p["R1"].agreement_id, FIFTEENTH): (0, "0021"),
    }, at(date(2026, 12, 16), 11))
    wednesday = at(date(2026, 12, 16), 12)
    due = _list(office, clerk, FIFTEENTH, wednesday)
    assert _adds_up(due) == ("전체 7건 470,000원 = 이미 의뢰 5건 310,000원 + 마감 후 미의뢰 1건 70,000원 "
                             "+ 의뢰 불가 1건 90,000원")
    states = {no: (amount, status) for no, (_part, amount, status, _g) in _rows(due).items()}
    assert states == {"Q1": (60_000, "이체처리완료"), "Q2": (70_000, "미의뢰"), "Q3": (None, "미의뢰"),
                      "P1": (50_000, "이체처리완료"), "P2": (70_000, "이체처리미완료"), "P3": (30_000, "부분출금"),
                      "R1": (100_000, "이체처리미완료")}

    # The 7th after the 15th's results: the moved three are not 마감 후 미의뢰 there — P1 was debited,
    # P2 and P3 owe 70,000 and 20,000 after their moved debit; R1's own request of the 7th stays.
    due = _list(office, clerk, SEVENTH, wednesday)
    assert _adds_up(due) == ("전체 6건 250,000원 = 이미 의뢰 1건 100,000원 + 마감 후 미의뢰 0건 0원 "
                             "+ 의뢰 불가 5건 150,000원")
    rows = _rows(due)
    assert rows["P1"] == ("의뢰 불가", None, "이체처리완료", "이미 출금되었습니다 (이체처리완료)")
    assert rows["P2"] == ("의뢰 불가", None, "이체처리미완료", "마감을 놓쳐 다음 출금일로 옮겼습니다")
    assert rows["R1"][:3] == ("이미 의뢰", 100_000, "이체처리미완료")

    # Q2 missed the 15th's cut-off: left 미납, it leaves 마감 후 미의뢰 for 의뢰 불가, the whole unchanged.
    (q2,) = missed.missed_debits(db, clerk, cid, now=wednesday, debit_date=FIFTEENTH)
    assert (q2.count, q2.amount) == (1, 70_000)
    missed.apply_remedy(db, clerk, cid, FIFTEENTH, q2.item_id, Remedy.UNPAID, now=wednesday)
    due = _list(office, clerk, FIFTEENTH, wednesday)
    assert _adds_up(due) == ("전체 7건 470,000원 = 이미 의뢰 5건 310,000원 + 마감 후 미의뢰 0건 0원 "
                             "+ 의뢰 불가 2건 160,000원")
    assert _rows(due)["Q2"] == ("의뢰 불가", None, "미의뢰", "마감을 놓쳐 미납으로 두었습니다")


def test_outstanding_counts_in_what_stays_unrequested_when_it_is_included(office: Office, clerk: Actor) -> None:
    """미수납액 포함: a blocked row's earlier outstanding is part of what stays unrequested; a
    requestable row counts what would be asked (capped by the limit), so the whole still adds up."""
    db, cid = office.db, office.contract_id
    s1 = add_payer(db, cid, "S1", monthly=60_000, day=15, limit=100_000, first="2026-11")
    s2 = add_payer(db, cid, "S2", monthly=50_000, day=15, first="2026-11")
    november = date(2026, 11, 16)  # the 15th is a Sunday
    ids = debits.request(db, clerk, cid, november, [s1.agreement_id, s2.agreement_id],
                         now=at(date(2026, 11, 10))).request_ids
    mark_sent(db, list(ids))
    _answer(db, {ids[0]: (0, "0021"), ids[1]: (0, "0021")}, at(date(2026, 11, 17), 11))
    with db.session() as s:  # S2 asked to change banks: the new account is not registered yet
        s.add(AccountRegistration(
            contract_id=cid, agreement_id=s2.agreement_id, kind=RegistrationKind.NEW,
            state=RegistrationState.WAITING, bank_code="088", account_no_enc=b"", account_last4="0000",
            holder_id="800101", requested_on=date(2026, 11, 30), created_by="clerk"))
    now = at(date(2026, 12, 1))
    plain = debits.list_due(db, clerk, cid, FIFTEENTH, now=now)
    assert _adds_up(plain) == ("전체 2건 110,000원 = 이미 의뢰 0건 0원 + 의뢰 가능 1건 60,000원 "
                               "+ 의뢰 불가 1건 50,000원")
    with_outstanding = debits.list_due(db, clerk, cid, FIFTEENTH, include_outstanding=True, now=now)
    # S1 asks November's 60,000 first, then 40,000 of December's within its 100,000 limit (20,000
    # stays outstanding, said in its note); S2 cannot be asked: 50,000 + November's 50,000 stay.
    assert _adds_up(with_outstanding) == ("전체 2건 200,000원 = 이미 의뢰 0건 0원 + 의뢰 가능 1건 100,000원 "
                                          "+ 의뢰 불가 1건 100,000원")
    assert with_outstanding.rows[0].left_outstanding == 20_000


def test_the_command_line_prints_the_same_footer(office: Office, clerk: Actor, monkeypatch, capsys) -> None:
    """`request --date` says the list's 전체 = 이미 의뢰 + … line, as the screen's footer, before it asks."""
    p = _office(office)
    use_login(monkeypatch, office.db)
    monday = at(date(2026, 12, 1))
    debits.request(office.db, clerk, office.contract_id, SEVENTH, [p["R1"].agreement_id], now=monday)
    monkeypatch.setattr(cli_collection, "_now", lambda: at(date(2026, 12, 8), 12))  # the 7th is closed
    assert cli.main(["request", "--contract", office.institution_code, "--date", "2026-12-07"]) == 1
    out = capsys.readouterr().out
    assert ("출금일 2026-12-07: 전체 6건 310,000원 = 이미 의뢰 1건 100,000원 + 마감 후 미의뢰 4건 170,000원 "
            "+ 의뢰 불가 1건 40,000원") in out
    assert "이체의뢰하지 않았습니다" in out
