"""오늘 할 일: deposits read from the statement and still 미처리 stand on the home screen until decided."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from app.services.collection.statements import applying
from app.services.collection.statements.model import Action, Decision
from app.services.common.destinations import Destination
from app.services.home import today as home
from tests.collection.helpers import at
from tests.factories import Office
from tests.statements.payers import TODAY, deposit, failed, statement

SHOTS = Path("/tmp/work/shots/h3")


def test_pending_deposits_are_a_work_line_until_decided(office: Office) -> None:
    minjun = failed(office, "1", "김민준", monthly=150_000)
    assert home.summary(office.db, office.admin, office.contract_id, now=at(TODAY, 9)).item("statement") is None
    habit, stranger, sure = (deposit(1, date(2026, 4, 17), "김민준모", 150_000), deposit(2, date(2026, 5, 2), "홍길동", 33_000),
                             deposit(3, date(2026, 5, 4), "박지호", 60_000))
    applying.apply_decisions(office.db, office.admin, office.contract_id, statement(habit, stranger, sure), [],
                             today=TODAY)
    item = home.summary(office.db, office.admin, office.contract_id, now=at(TODAY, 9)).item("statement")
    assert item is not None and item.destination is Destination.STATEMENT
    assert (item.title, item.count, item.amount) == ("통장 미처리 입금 3건", 3, 243_000)
    assert item.examples == ("04-17 김민준모 150,000원", "05-02 홍길동 33,000원", "05-04 박지호 60,000원")
    assert item.detail.startswith("가장 오래된 입금은 33일 전의 것입니다.") and "통장입금대사" in item.detail
    applying.apply_decisions(office.db, office.admin, office.contract_id, None, [
        Decision(habit.identity, Action.APPLY, ((minjun.charges[0], 150_000),)),
        Decision(stranger.identity, Action.DISMISS, note="학원 운영비"),
        Decision(sure.identity, Action.DISMISS, note="교재 판매 대금")], today=TODAY)
    assert home.summary(office.db, office.admin, office.contract_id, now=at(TODAY, 9)).item("statement") is None


def test_the_home_screen_shows_the_line_and_opens_the_statement_page(qtbot, office: Office) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from app.services.common.calendar import ManualClock
    from app.views.common.context import AppContext
    from app.views.common.theme import apply_theme
    from app.views.shell.home_view import HomePage

    failed(office, "1", "김민준", monthly=150_000)
    applying.apply_decisions(office.db, office.admin, office.contract_id, statement(
        deposit(1, date(2026, 5, 18), "김민준모", 150_000), deposit(2, date(2026, 5, 19), "(주)교육나라", 1_250_000)), [],
        today=TODAY)
    apply_theme(QApplication.instance())  # type: ignore[arg-type]
    ctx = AppContext(office.db, office.admin, office.contract_id, clock=ManualClock.at(2026, 5, 20, 9, 0))
    opened: list[str] = []
    ctx.signals.open_page.connect(opened.append)
    page = HomePage(ctx)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    assert "statement" in page.work_buttons
    qtbot.mouseClick(page.work_buttons["statement"], Qt.MouseButton.LeftButton)
    assert opened[-1] == "collection.statement"
    if office.db.is_sqlite:
        SHOTS.mkdir(parents=True, exist_ok=True)
        QApplication.processEvents()
        assert page.grab().save(str(SHOTS / "home_statement.png"))
        page.resize(1366, 1500)
        QApplication.processEvents()
        assert page.grab().save(str(SHOTS / "home_statement_tall.png"))
