"""오늘 할 일: the line of letters to issue, on a contract that uses 독촉."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from app.services.common.destinations import Destination
from app.services.home import today as home
from app.services.home.dunning_due import dunning_due
from tests.apartment.complex import Complex, at
from tests.dunning.helpers import CHOI, LEE, issue


def _line(place: Complex, day: date) -> list[tuple[str, int, int | None, tuple[str, ...]]]:
    with place.db.session() as s:
        return [(w.title, w.count, w.amount, w.examples) for w in dunning_due(s, place.contract_id, day)]


def test_the_home_line_counts_the_letters_to_issue(autumn: Complex, tmp_path: Path) -> None:
    # Stages never saved and no letter issued yet: the contract does not use 독촉, no line
    assert _line(autumn, date(2026, 10, 1)) == []
    issue(autumn, date(2026, 10, 1), tmp_path, LEE)  # the first letter saves the stages
    assert _line(autumn, date(2026, 10, 1)) == [("독촉 안내문 1건 발행 예정", 1, 210_000, ("최들녘 1차 안내 (09-28 출금분)",))]
    assert _line(autumn, date(2026, 10, 29)) == [
        ("독촉 안내문 5건 발행 예정", 5, 180_000 + 180_000 + 320_000 + 210_000 + 110_000,
         ("이바다 2차 독촉 (09-28 출금분)", "이바다 1차 안내 (10-26 출금분)", "박산들 1차 안내 (10-26 출금분)")),
    ]
    summary = home.summary(autumn.db, autumn.clerk, autumn.contract_id, now=at(date(2026, 10, 1), 9))
    item = summary.item("dunning")
    assert item is not None and item.destination is Destination.DUNNING and item.count == 1
    assert "독촉관리에서 확인하고 [안내문 발행]" in item.detail


def test_no_line_when_nothing_is_left_to_issue_or_all_are_held(autumn: Complex, tmp_path: Path) -> None:
    from app.services.collection import dunning

    issue(autumn, date(2026, 10, 1), tmp_path, LEE)
    dunning.hold(autumn.db, autumn.clerk, autumn.households["1022002"].customer_id, "분납 약정", date(2026, 10, 10),
                 date(2026, 10, 1))
    assert _line(autumn, date(2026, 10, 1)) == []  # 최들녘 is held, 이바다's letter went out
    assert [t for t, *_ in _line(autumn, date(2026, 10, 11))] == ["독촉 안내문 1건 발행 예정"]  # the hold ended
    issue(autumn, date(2026, 10, 11), tmp_path, CHOI)
    assert _line(autumn, date(2026, 10, 11)) == []
