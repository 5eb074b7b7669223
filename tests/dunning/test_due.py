"""Which letters are due on which day, on the apartment complex's autumn (tests/apartment/complex.py).

The failed debits: 이바다 2026-09-28 and 10-26 (180,000원 each); 박산들 10-26 (320,000원, paid in cash on
11-03); 최들녘 09-28 (210,000원), 10-26 (100,000원 of 210,000 taken: 110,000원 left) and 11-25. The
default stages: 1차 안내 3 days after the debit, 2차 독촉 15, 최고 30.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.services.collection import dunning
from app.services.common.errors import ConflictError, PermissionDeniedError, ServiceError
from app.services.common.session import Actor
from app.services.settings.arrears_rules import StageRule, save_stages
from tests.apartment.complex import Complex, at
from tests.dunning.helpers import CHOI, LEE, PARK, due, issue, listed


def test_nothing_is_due_a_day_before_the_first_stage(autumn: Complex) -> None:
    assert listed(autumn, date(2026, 9, 30)) == []
    assert listed(autumn, date(2026, 10, 1)) == [
        (LEE, "1차 안내", "09-28", 180_000, ""),
        (CHOI, "1차 안내", "09-28", 210_000, ""),
    ]
    [lee, _choi] = due(autumn, date(2026, 10, 1))
    assert (lee.customer_no, lee.item_name, lee.months, lee.due_on, lee.late_fee_text) == (
        "1011002", "관리비", "2026-09", date(2026, 10, 1), "")
    assert lee.account == "신한은행 ****6789"


def test_each_stage_comes_on_its_own_day_when_the_letters_go_out_on_time(autumn: Complex, tmp_path: Path) -> None:
    issue(autumn, date(2026, 10, 1), tmp_path)
    assert listed(autumn, date(2026, 10, 12)) == []
    assert listed(autumn, date(2026, 10, 13)) == [
        (LEE, "2차 독촉", "09-28", 180_000, ""),
        (CHOI, "2차 독촉", "09-28", 210_000, ""),
    ]
    issue(autumn, date(2026, 10, 13), tmp_path)
    assert listed(autumn, date(2026, 10, 27)) == []  # the October failures' results came on the 27th
    assert listed(autumn, date(2026, 10, 28)) == [
        (LEE, "최고", "09-28", 180_000, ""),
        (CHOI, "최고", "09-28", 210_000, ""),
    ]
    assert listed(autumn, date(2026, 10, 29)) == [
        (LEE, "최고", "09-28", 180_000, ""),
        (LEE, "1차 안내", "10-26", 180_000, ""),
        (PARK, "1차 안내", "10-26", 320_000, ""),
        (CHOI, "최고", "09-28", 210_000, ""),
        (CHOI, "1차 안내", "10-26", 110_000, ""),  # 100,000원 of the 210,000 was debited
    ]
    issue(autumn, date(2026, 10, 29), tmp_path)
    assert [x for x in listed(autumn, date(2026, 12, 31)) if x[2] == "09-28"] == []  # every stage went out


def test_a_later_stage_never_comes_before_the_earlier_one_went_out(autumn: Complex, tmp_path: Path) -> None:
    """The 1차 not issued: on the 최고's day the list still offers the 1차 (due since 10-01), nothing more."""
    assert [x[:3] for x in listed(autumn, date(2026, 10, 28)) if x[0] == LEE] == [(LEE, "1차 안내", "09-28")]
    issue(autumn, date(2026, 10, 20), tmp_path, LEE)  # late: the 2차 comes 12 days after it, not on 10-13
    assert [x for x in listed(autumn, date(2026, 10, 31)) if x[0] == LEE and x[2] == "09-28"] == []
    [second] = [d for d in due(autumn, date(2026, 11, 1)) if d.customer_name == LEE and d.debit_date.month == 9]
    assert (second.stage.name, second.due_on) == ("2차 독촉", date(2026, 11, 1))


def test_a_household_that_paid_in_cash_gets_no_letter(autumn: Complex) -> None:
    """박산들 paid the October 관리비 in cash on 11-03: listed on 10-29, gone from 11-03 on, no 2차 on 11-10."""
    assert [x for x in listed(autumn, date(2026, 11, 2)) if x[0] == PARK] == [(PARK, "1차 안내", "10-26", 320_000, "")]
    assert [x for x in listed(autumn, date(2026, 11, 3)) if x[0] == PARK] == []
    assert [x for x in listed(autumn, date(2026, 11, 10)) if x[0] == PARK] == []


def test_a_later_failure_has_its_own_letters(autumn: Complex) -> None:
    assert [x for x in listed(autumn, date(2026, 11, 28)) if x[2] == "11-25"] == [(CHOI, "1차 안내", "11-25", 210_000, "")]
    assert [x for x in listed(autumn, date(2026, 11, 27)) if x[2] == "11-25"] == []


# --- holds -------------------------------------------------------------------------------------------


def _choi(place: Complex) -> int:
    return place.households["1022002"].customer_id


def test_a_held_household_is_listed_as_held_and_gets_its_letters_after_the_hold(autumn: Complex,
                                                                                tmp_path: Path) -> None:
    held = dunning.hold(autumn.db, autumn.clerk, _choi(autumn), "분납 약정 (10월까지 2회)", date(2026, 10, 20),
                        date(2026, 10, 1))
    assert held.text == "보류: 분납 약정 (10월까지 2회) (~2026-10-20)"
    assert listed(autumn, date(2026, 10, 1)) == [
        (LEE, "1차 안내", "09-28", 180_000, ""),
        (CHOI, "1차 안내", "09-28", 210_000, "보류: 분납 약정 (10월까지 2회) (~2026-10-20)"),
    ]
    out = issue(autumn, date(2026, 10, 1), tmp_path)  # every row that is not held: 이바다 alone
    assert out.pages == 1 and len(out.letter_ids) == 1
    [choi] = [d for d in due(autumn, date(2026, 10, 1)) if d.customer_name == CHOI]
    with pytest.raises(ConflictError, match="보류 중인 세대는 안내문을 발행하지 않습니다: 최들녘"):
        dunning.issue(autumn.db, autumn.clerk, autumn.contract_id, [choi.key], date(2026, 10, 1),
                      tmp_path / "held.pdf", now=at(date(2026, 10, 1)))
    assert not (tmp_path / "held.pdf").exists()
    assert [x[4] for x in listed(autumn, date(2026, 10, 20)) if x[0] == CHOI] == [held.text]
    assert [x for x in listed(autumn, date(2026, 10, 21)) if x[0] == CHOI] == [(CHOI, "1차 안내", "09-28", 210_000, "")]
    assert [h.customer_name for h in dunning.holds(autumn.db, autumn.clerk, autumn.contract_id, date(2026, 10, 20))] \
        == [CHOI]
    assert dunning.holds(autumn.db, autumn.clerk, autumn.contract_id, date(2026, 10, 21)) == []


def test_ending_a_hold_early_brings_the_letters_back_that_day(autumn: Complex) -> None:
    held = dunning.hold(autumn.db, autumn.clerk, _choi(autumn), "관리비 이의 제기", date(2026, 11, 30), date(2026, 10, 1))
    with pytest.raises(ServiceError, match="보류 해제 사유를 입력하세요"):
        dunning.end_hold(autumn.db, autumn.clerk, held.id, "  ", at(date(2026, 10, 5)))
    said = dunning.end_hold(autumn.db, autumn.clerk, held.id, "이의 해결", at(date(2026, 10, 5)))
    assert said == "최들녘의 독촉 보류를 해제했습니다. 밀린 안내문이 있으면 발행 예정 목록에 다시 나옵니다."
    assert [x[4] for x in listed(autumn, date(2026, 10, 4)) if x[0] == CHOI] == [held.text]
    assert [x[4] for x in listed(autumn, date(2026, 10, 5)) if x[0] == CHOI] == [""]
    with pytest.raises(ConflictError, match="이미 2026-10-05에 해제한 보류입니다"):
        dunning.end_hold(autumn.db, autumn.clerk, held.id, "다시", at(date(2026, 10, 6)))


@pytest.mark.parametrize(("reason", "ends_on", "message"), [
    ("", date(2026, 10, 20), "보류 사유를 입력하세요"),
    ("가" * 201, date(2026, 10, 20), "보류 사유는 200자까지 입력할 수 있습니다 \\(지금 201자\\)"),
    ("분납", date(2026, 10, 1), "보류 종료일은 오늘\\(2026-10-01\\) 다음 날부터"),
    ("분납", date(2027, 10, 2), "보류는 1년 뒤\\(2027-10-01\\)까지만"),
])
def test_a_hold_needs_a_reason_and_an_end_within_a_year(autumn: Complex, reason: str, ends_on: date,
                                                        message: str) -> None:
    with pytest.raises(ServiceError, match=message):
        dunning.hold(autumn.db, autumn.clerk, _choi(autumn), reason, ends_on, date(2026, 10, 1))
    assert dunning.holds(autumn.db, autumn.clerk, autumn.contract_id, date(2026, 10, 1)) == []


def test_one_hold_at_a_time(autumn: Complex) -> None:
    dunning.hold(autumn.db, autumn.clerk, _choi(autumn), "분납 약정", date(2027, 10, 1), date(2026, 10, 1))
    with pytest.raises(ConflictError, match="최들녘은\\(는\\) 이미 독촉 보류 중입니다 \\(보류: 분납 약정 \\(~2027-10-01\\)\\)"):
        dunning.hold(autumn.db, autumn.clerk, _choi(autumn), "이의", date(2026, 12, 1), date(2026, 10, 2))


def test_a_viewer_sees_the_lists_but_cannot_hold_nor_issue(autumn: Complex, viewer: Actor, tmp_path: Path) -> None:
    day = date(2026, 10, 1)
    letters = due(autumn, day, viewer)
    assert [d.customer_name for d in letters] == [LEE, CHOI]
    with pytest.raises(PermissionDeniedError):
        dunning.issue(autumn.db, viewer, autumn.contract_id, [d.key for d in letters], day, tmp_path / "v.pdf",
                      now=at(day))
    with pytest.raises(PermissionDeniedError):
        dunning.hold(autumn.db, viewer, _choi(autumn), "분납", date(2026, 10, 20), day)
    assert not (tmp_path / "v.pdf").exists()
    assert [d.customer_name for d in due(autumn, day)] == [LEE, CHOI]  # nothing was recorded


def test_the_offices_own_stages_decide_the_days(autumn: Complex, tmp_path: Path) -> None:
    """Saved on 연체료·독촉 규정: 안내 at 5 days, 최고 at 20 (the defaults no longer apply)."""
    wording = "{고객명} 님, 미납액 {미납액}을 {납부기한}까지 납부해 주십시오. {기관명}"
    save_stages(autumn.db, autumn.admin, autumn.contract_id,
                [StageRule(None, 1, "안내", 5, wording), StageRule(None, 2, "최고", 20, wording)])
    assert listed(autumn, date(2026, 10, 2)) == []
    assert listed(autumn, date(2026, 10, 3)) == [(LEE, "안내", "09-28", 180_000, ""), (CHOI, "안내", "09-28", 210_000, "")]
    out = issue(autumn, date(2026, 10, 3), tmp_path, LEE)
    assert "이바다 님, 미납액 180,000원을 2026년 10월 13일까지 납부해 주십시오." in " ".join(
        (PdfReader(str(out.path)).pages[0].extract_text() or "").split())
    assert [x for x in listed(autumn, date(2026, 10, 17)) if x[0] == LEE] == []
    assert [x for x in listed(autumn, date(2026, 10, 18)) if x[0] == LEE] == [(LEE, "최고", "09-28", 180_000, "")]


def _retry(place: Complex, no: str, taken: int) -> None:
    """재처리의뢰 of the household's 11-25 failure on Monday 11-30, sent, and the bank's answer."""
    from sqlalchemy import select

    from app.models import DebitRequest
    from app.services.collection import ledger, retries
    from tests.collection.helpers import mark_sent

    with place.db.session() as s:
        failed = s.scalar(select(DebitRequest.id).where(
            DebitRequest.agreement_id == place.households[no].agreement_id,
            DebitRequest.debit_date == date(2026, 11, 25)))
    out = retries.retry(place.db, place.admin, place.contract_id, [failed], date(2026, 11, 30),
                        now=at(date(2026, 11, 26), 15))
    mark_sent(place.db, list(out.request_ids))
    with place.db.session() as s:
        ledger.apply_debit_outcome(s, out.request_ids[0], taken, None if taken else "0021", at(date(2026, 12, 1), 11))


def test_a_failed_retry_starts_no_second_set_of_letters(autumn: Complex) -> None:
    _retry(autumn, "1022002", 0)
    # while the retry was with the bank (asked on 11-26, answered 12-01) the letter waited for its result
    assert [x for x in listed(autumn, date(2026, 11, 30)) if x[2] in ("11-25", "11-30")] == []
    assert [x for x in listed(autumn, date(2026, 12, 3)) if x[2] in ("11-25", "11-30")] == [
        (CHOI, "1차 안내", "11-25", 210_000, "")]


def test_a_retry_that_took_the_money_ends_the_letters(autumn: Complex) -> None:
    assert [x[2] for x in listed(autumn, date(2026, 11, 30)) if x[0] == CHOI] == ["09-28", "10-26", "11-25"]
    _retry(autumn, "1022002", 210_000)
    assert [x[2] for x in listed(autumn, date(2026, 12, 1)) if x[0] == CHOI] == ["09-28", "10-26"]
