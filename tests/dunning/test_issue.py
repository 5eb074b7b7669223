"""[안내문 발행] and [재발행]: letters recorded once, one PDF page per household, the late fee on the letter,
the stages saved on the first issue, and the household's history."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.models import AuditLog, DunningLetter, DunningStage, LateFeeBasis, LateFeePolicy, LateFeeWaiver
from app.services.collection import dunning
from app.services.common.errors import ConflictError, ServiceError
from tests.apartment.complex import Complex, at
from tests.dunning.helpers import CHOI, LEE, PARK, due, issue, listed

OCT_29 = date(2026, 10, 29)


def _pages(path: Path) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(str(path)).pages]


def _letters(place: Complex) -> list[tuple[str, int, int, date]]:
    """(stage name, unpaid, late fee, due day) of every recorded letter, by id."""
    with place.db.session() as s:
        return [(name, unpaid, fee, due_on) for name, unpaid, fee, due_on in s.execute(
            select(DunningStage.name, DunningLetter.unpaid, DunningLetter.late_fee, DunningLetter.due_on)
            .join(DunningStage, DunningStage.id == DunningLetter.stage_id).order_by(DunningLetter.id))]


def _audits(place: Complex, action: str) -> list[dict[str, object]]:
    with place.db.session() as s:
        return [json.loads(d or "{}") for d in s.scalars(select(AuditLog.detail).where(AuditLog.action == action)
                                                         .order_by(AuditLog.id))]


def test_one_page_per_household_with_its_letters_and_amounts(autumn: Complex, tmp_path: Path) -> None:
    """On 10-29 nothing has been issued yet: five letters of three households, three pages."""
    out = issue(autumn, OCT_29, tmp_path)
    assert (len(out.letter_ids), out.pages) == (5, 3)
    assert out.message == f"안내문 5건(3세대)을 발행했습니다: {out.path}"
    lee, park, choi = _pages(out.path)
    assert "1차 안내" in lee and "수신: 이바다 님 (고객번호 1011002)" in lee
    assert "1차 안내 2026-09-28 관리비 2026-09 180,000원" in lee and "1차 안내 2026-10-26 관리비 2026-10 180,000원" in lee
    assert "합계 360,000원 0원" in lee
    assert "납부하실 금액: 360,000원 · 납부기한 2026년 11월 8일" in lee
    # the stage's wording with the household's figures (arrears_rules.fill_wording)
    assert "이바다 님, 안녕하십니까." in lee
    assert "미납액: 360,000원 연체료: 없음 납부기한: 2026년 11월 8일" in lee
    assert "신한은행 ****6789" in lee and "110123456789" not in lee
    assert "푸른숲아파트 관리사무소" in lee or "해오름수학학원" in lee  # the office's letterhead
    assert "박산들" in park and "320,000원" in park and "이바다" not in park
    assert "최들녘" in choi and "합계 320,000원" in choi  # 210,000 (September) + 110,000 (October)
    assert _letters(autumn) == [("1차 안내", 180_000, 0, date(2026, 10, 1)), ("1차 안내", 180_000, 0, OCT_29),
                                ("1차 안내", 320_000, 0, OCT_29), ("1차 안내", 210_000, 0, date(2026, 10, 1)),
                                ("1차 안내", 110_000, 0, OCT_29)]
    assert listed(autumn, OCT_29) == []
    [issued] = _audits(autumn, "dunning_issued")
    assert (issued["letters"], issued["households"]) == (5, 3)
    assert _audits(autumn, "personal_data_exported") == [{"format": "pdf", "letters": 5, "pages": 3}]


def test_the_first_issue_saves_the_default_stages_as_the_contracts(autumn: Complex, tmp_path: Path) -> None:
    with autumn.db.session() as s:
        assert s.scalars(select(DunningStage)).all() == []
    issue(autumn, date(2026, 10, 1), tmp_path, LEE)
    with autumn.db.session() as s:
        assert [(r.seq, r.name, r.days_after, r.active) for r in s.scalars(select(DunningStage).order_by(DunningStage.seq))] \
            == [(1, "1차 안내", 3, True), (2, "2차 독촉", 15, True), (3, "최고", 30, True)]
    # 최들녘's 1차 is still due, now on the saved stage
    assert listed(autumn, date(2026, 10, 1)) == [(CHOI, "1차 안내", "09-28", 210_000, "")]


def test_a_letter_cannot_be_issued_twice(autumn: Complex, tmp_path: Path) -> None:
    day = date(2026, 10, 1)
    keys = [d.key for d in due(autumn, day)]
    dunning.issue(autumn.db, autumn.clerk, autumn.contract_id, keys, day, tmp_path / "first.pdf", now=at(day))
    with pytest.raises(ConflictError) as refused:
        dunning.issue(autumn.db, autumn.clerk, autumn.contract_id, keys, day, tmp_path / "second.pdf", now=at(day, 11))
    assert refused.value.message == (
        "이미 발행한 안내문이 있어 아무것도 발행하지 않았습니다: 이바다 1차 안내 (2026-09-28 출금분, 2026-10-01 clerk1 발행); "
        "최들녘 1차 안내 (2026-09-28 출금분, 2026-10-01 clerk1 발행). 목록을 다시 조회하세요. "
        "다시 인쇄하려면 [발행 내역]에서 재발행하세요.")
    assert not (tmp_path / "second.pdf").exists()
    assert len(_letters(autumn)) == 2


def test_issuing_is_all_or_nothing(autumn: Complex, tmp_path: Path) -> None:
    """One letter of the choice stopped being due (박산들 paid in cash): nothing is issued, no file."""
    keys = [d.key for d in due(autumn, date(2026, 11, 2))]
    assert len(keys) == 5
    with pytest.raises(ConflictError, match="선택한 안내문 1건은 더 이상 발행 대상이 아닙니다"):
        dunning.issue(autumn.db, autumn.clerk, autumn.contract_id, keys, date(2026, 11, 3), tmp_path / "x.pdf",
                      now=at(date(2026, 11, 3)))
    assert not (tmp_path / "x.pdf").exists()
    assert _letters(autumn) == []


def test_only_todays_list_is_issued(autumn: Complex, tmp_path: Path) -> None:
    day = date(2026, 10, 1)
    keys = [d.key for d in due(autumn, day)]
    with pytest.raises(ServiceError, match="안내문은 오늘\\(2026-10-02\\) 목록에서만 발행합니다"):
        dunning.issue(autumn.db, autumn.clerk, autumn.contract_id, keys, day, tmp_path / "x.pdf",
                      now=at(date(2026, 10, 2)))
    with pytest.raises(ServiceError, match="발행할 안내문을 선택하세요"):
        dunning.issue(autumn.db, autumn.clerk, autumn.contract_id, [], day, tmp_path / "x.pdf", now=at(day))
    assert _letters(autumn) == []


def test_the_late_fee_on_the_letter_and_a_waived_one(autumn: Complex, tmp_path: Path) -> None:
    """관리규약: 0.05 % a day (500 ppm) after 5 days of grace, down to 10 won. On 10-29 the September 관리비
    (due 09-28, grace to 10-03) is 26 days late: 180,000 × 0.05 % × 26 = 2,340원 (이바다) and 210,000 ×
    0.05 % × 26 = 2,730원 (최들녘, waived by the manager). October's (due 10-26) is still in its grace."""
    with autumn.db.session() as s:
        s.add(LateFeePolicy(contract_id=autumn.contract_id, enabled=True, basis=LateFeeBasis.DAY, rate_ppm=500,
                            grace_days=5, rounding_unit=10, updated_by="admin"))
        s.add(LateFeeWaiver(contract_id=autumn.contract_id, customer_id=autumn.households["1022002"].customer_id,
                            reason="입원 치료", waived_by="admin"))
    rows = {(d.customer_name, d.debit_date.month): d for d in due(autumn, OCT_29)}
    assert rows[(LEE, 9)].late_fee_text == "2,340원" and rows[(LEE, 10)].late_fee_text == ""
    assert rows[(CHOI, 9)].late_fee_text == "연체료 감면" and rows[(CHOI, 9)].late_fee == 0
    assert rows[(CHOI, 9)].late_fee_waived == 2_730
    assert rows[(PARK, 10)].late_fee_text == ""
    out = issue(autumn, OCT_29, tmp_path)
    lee, _park, choi = _pages(out.path)
    assert "1차 안내 2026-09-28 관리비 2026-09 180,000원 2,340원" in lee
    assert "합계 360,000원 2,340원" in lee and "납부하실 금액: 362,340원" in lee
    assert "미납액: 360,000원 연체료: 2,340원" in lee
    assert "미납액: 320,000원 연체료: 감면" in choi
    assert "2,730원 감면" in choi and "납부하실 금액: 320,000원" in choi
    assert "'감면'으로 표시된 연체료는 면제되어 납부하지 않으셔도 됩니다." in choi
    assert [fee for _n, _u, fee, _d in _letters(autumn)] == [2_340, 0, 0, 0, 0]


def test_a_reprint_is_marked_and_records_no_new_letter(autumn: Complex, tmp_path: Path) -> None:
    issue(autumn, date(2026, 10, 1), tmp_path)
    issue(autumn, date(2026, 10, 13), tmp_path, LEE)
    issued = dunning.issued_letters(autumn.db, autumn.clerk, autumn.contract_id, date(2026, 10, 1), date(2026, 10, 31))
    assert [(x.issued_on, x.customer_name, x.stage_name, x.debit_date, x.periods, x.unpaid, x.pay_by) for x in issued] == [
        (date(2026, 10, 13), LEE, "2차 독촉", date(2026, 9, 28), ("2026-09",), 180_000, date(2026, 10, 23)),
        (date(2026, 10, 1), LEE, "1차 안내", date(2026, 9, 28), ("2026-09",), 180_000, date(2026, 10, 11)),
        (date(2026, 10, 1), CHOI, "1차 안내", date(2026, 9, 28), ("2026-09",), 210_000, date(2026, 10, 11)),
    ]
    assert dunning.issued_letters(autumn.db, autumn.clerk, autumn.contract_id, date(2026, 10, 2),
                                  date(2026, 10, 12)) == []
    path = dunning.reprint(autumn.db, autumn.clerk, autumn.contract_id, [x.id for x in issued], tmp_path / "again.pdf",
                           now=at(date(2026, 11, 2)))
    pages = _pages(path)
    assert len(pages) == 3  # a page per household and issue: 이바다 10-01, 최들녘 10-01, 이바다 10-13
    assert all("재발행 2026-11-02" in page for page in pages)
    assert "(최초 발행 2026-10-01)" in pages[0] and "납부기한 2026년 10월 11일" in pages[0]
    assert "2차 독촉" in pages[2] and "(최초 발행 2026-10-13)" in pages[2]
    assert len(_letters(autumn)) == 3
    assert _audits(autumn, "personal_data_exported")[-1] == {"format": "pdf", "letter_ids": sorted(x.id for x in issued),
                                                             "pages": 3}


def test_the_households_history_newest_first(autumn: Complex, tmp_path: Path) -> None:
    choi = autumn.households["1022002"].customer_id
    issue(autumn, date(2026, 10, 1), tmp_path, CHOI)
    held = dunning.hold(autumn.db, autumn.clerk, choi, "분납 약정", date(2026, 11, 30), date(2026, 10, 2),
                        now=at(date(2026, 10, 2)))
    dunning.end_hold(autumn.db, autumn.clerk, held.id, "약정 취소", at(date(2026, 10, 9)))
    history = dunning.customer_history(autumn.db, autumn.clerk, choi)
    assert (history[0].kind, history[0].text, history[0].by) == (
        "보류 해제", "분납 약정 · 종료 예정일 2026-11-30 전에 해제 (사유: 약정 취소)", "clerk1")
    assert [h.kind for h in history] == ["보류 해제", "보류 등록", "안내문 발행"]
    assert history[1].text == "분납 약정 (2026-10-02~2026-11-30)"
    assert history[2].text == "1차 안내 · 2026-09-28 출금분(관리비 2026-09) · 미납 210,000원 · 납부기한 2026-10-11"
    assert dunning.customer_history(autumn.db, autumn.clerk, autumn.households["1011001"].customer_id) == []
