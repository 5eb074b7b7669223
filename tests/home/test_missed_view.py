"""A missed cut-off is loud on 오늘 할 일, each remedy one click (and one confirmation) away; the tray says it.

The December 2026 academy of test_missed_cutoff.py: 수강료 on the 5th, 15th and 25th, 교재비 on the
15th. The 5th is a Saturday, so its debit is Monday the 7th, cut-off Friday the 4th at 14:00; nobody
requested it. On Saturday the 5th at 10:00 윤산 (80,000원) and 한솔 (60,000원 less 10,000원) stand in
red at the top of the home screen, above the cut-off card of the 15th (cut-off Monday the 14th).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox
from sqlalchemy import func, select

from app.models import Charge, DebitRequest, RegistrationState
from app.services.collection import cash, missed
from app.services.collection.missed import Remedy
from app.services.common.calendar import ManualClock
from app.services.common.destinations import Destination
from app.services.common.session import Actor
from app.views.common.context import AppContext
from app.views.common.theme import apply_theme
from app.views.shell import home_view
from app.views.shell.home_view import HomePage
from app.views.shell.tray import NotificationTray
from tests.factories import Office
from tests.home.missed_december import december

SHOTS = Path("/tmp/work/shots")
LEFT = Qt.MouseButton.LeftButton
DONE = RegistrationState.DONE
SATURDAY = ManualClock.at(2026, 12, 5, 10, 0)
FIFTH = date(2026, 12, 7)  # the 5th's debit date (Saturday → Monday)
MOVE_TEXT = "12-15(화) 출금으로 옮기기"
MESSAGE = ("이체의뢰 마감 12-04(금) 14:00이 지났습니다. 의뢰하지 않은 2건 130,000원은 은행에 보내지 않아 "
           "출금되지 않습니다.")


@pytest.fixture(autouse=True)
def korean_and_no_boxes(qapp, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Korean font as the app sets it; an unexpected warning box would block, so it is recorded and fails."""
    apply_theme(qapp)
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: warnings.append(text))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: pytest.fail("confirm() was not patched"))
    yield warnings
    assert not warnings, f"unexpected warning boxes: {warnings}"


class Answers:
    """Stands in for confirm() of the home screen: records (title, question) and says yes, or no."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []
        self.no = False

    def __call__(self, _parent: object, text: str, title: str = "확인") -> bool:
        self.asked.append((title, text))
        return not self.no


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake = Answers()
    monkeypatch.setattr(home_view, "confirm", fake)
    return fake


_december = december


def _counts(office: Office) -> tuple[int, int]:
    with office.db.session() as s:
        return (s.scalar(select(func.count()).select_from(Charge)) or 0,
                s.scalar(select(func.count()).select_from(DebitRequest)) or 0)


def opened(qtbot, ctx: AppContext, size: tuple[int, int] = (1366, 768)) -> HomePage:
    page = HomePage(ctx)
    qtbot.addWidget(page)
    page.resize(*size)
    page.show()
    qtbot.waitExposed(page)
    QApplication.processEvents()  # widgets added to a shown layout show on the next event loop pass
    return page


def shot(page: HomePage, name: str, request) -> None:
    """The picture at 1366×768, once (from the SQLite run), to look at."""
    if request.node.callspec.params.get("db") != "sqlite":
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.resize(1366, 768)
    for _ in range(3):  # a scroll bar appearing asks for another layout pass
        QApplication.processEvents()
    assert page.grab().save(str(SHOTS / name))


def _texts(page: HomePage) -> list[str]:
    return [label.text() for label in page.missed_card.findChildren(home_view.QLabel)]


def _buttons(page: HomePage, m_key: str = f"{FIFTH.isoformat()}") -> dict[Remedy, str]:
    return {remedy: b.text() for (key, remedy), b in page.missed_buttons.items() if key.startswith(m_key)}


# --- the red list ---------------------------------------------------------------------------------------


def test_the_day_after_a_missed_cut_off_it_stands_in_red_at_the_top(qtbot, office: Office, request,
                                                                    answers) -> None:
    _december(office)
    # Friday 13:59, before the cut-off: nothing in red.
    quiet = opened(qtbot, AppContext(office.db, office.admin, office.contract_id,
                                     clock=ManualClock.at(2026, 12, 4, 13, 59)))
    assert quiet.missed_card.isHidden() and quiet.missed_buttons == {}
    quiet.close()

    before = _counts(office)
    page = opened(qtbot, AppContext(office.db, office.admin, office.contract_id, clock=SATURDAY))
    assert not page.missed_card.isHidden()
    assert page.missed_title.text() == "이체의뢰 마감을 놓쳤습니다 — 출금되지 않는 2건 · 130,000원"
    assert [h.text() for h in page.missed_lines] == [
        "<b>12-07(월) 출금 · 수강료</b> &nbsp;·&nbsp; 2건 &nbsp;·&nbsp; 130,000원"]
    assert MESSAGE in _texts(page)
    assert _buttons(page) == {Remedy.MOVE: MOVE_TEXT, Remedy.CASH: "현금수납으로 받기", Remedy.UNPAID: "미납으로 두기"}
    assert all(b.isEnabled() and b.isVisible() for b in page.missed_buttons.values())
    assert page.missed_more is None
    # Above the cut-off card: the most urgent thing is read first.
    cutoff_top = page.cutoff_label.mapTo(page, page.cutoff_label.rect().topLeft()).y()
    assert page.missed_card.mapTo(page, page.missed_card.rect().bottomLeft()).y() < cutoff_top
    assert page.cutoff_label.text() == "12-14(월) 14:00 마감 · 출금일 12-15(화)"
    assert _counts(office) == before  # looking never writes
    shot(page, "home_missed.png", request)


def test_move_queues_them_on_the_next_debit_date_and_the_list_empties(qtbot, office: Office, answers) -> None:
    ids = _december(office)
    ctx = AppContext(office.db, office.admin, office.contract_id, clock=SATURDAY)
    changed: list[str] = []
    ctx.signals.data_changed.connect(changed.append)
    page = opened(qtbot, ctx)
    [m] = page.summary.missed  # type: ignore[union-attr]
    qtbot.mouseClick(page.missed_buttons[(m.key, Remedy.MOVE)], LEFT)
    assert answers.asked == [(
        "다음 출금일로 옮기기",
        "12-07(월) 출금 · 수강료\n마감을 놓친 2건 130,000원을 12-15(화) 출금으로 옮겨 이체의뢰대기로 넣습니다.\n"
        "12-14(월) 14:00 마감에 은행으로 보냅니다. 옮길까요?")]
    assert page.missed_card.isHidden() and page.missed_buttons == {}
    assert page.status.text().startswith("12-07(월) 출금 · 수강료 2건 130,000원을 12-15(화) 출금으로 옮겨")
    assert not page.status.isHidden() and page.open_cash_button.isHidden()
    assert changed == ["collection"]
    # The cut-off card of the 15th now carries them as queued.
    card = page.summary.cutoff  # type: ignore[union-attr]
    assert (card.debit_date, card.queued_requests, card.queued_amount) == (date(2026, 12, 15), 2, 130_000)
    assert "수강료 · 12-15(화) — 의뢰 대기 2건 · 130,000원 / 미의뢰 1건 · 100,000원" in page.queued_label.text()
    with office.db.session() as s:
        queued = s.execute(select(DebitRequest.agreement_id, DebitRequest.debit_date)
                           .order_by(DebitRequest.agreement_id)).all()
    assert queued == [(ids["yoon"], date(2026, 12, 15)), (ids["han"], date(2026, 12, 15))]


def test_cash_makes_them_cash_candidates_and_offers_the_cash_screen(qtbot, office: Office, answers,
                                                                    request) -> None:
    _december(office)
    ctx = AppContext(office.db, office.admin, office.contract_id, clock=SATURDAY)
    pages: list[str] = []
    ctx.signals.open_page.connect(pages.append)
    page = opened(qtbot, ctx)
    [m] = page.summary.missed  # type: ignore[union-attr]
    qtbot.mouseClick(page.missed_buttons[(m.key, Remedy.CASH)], LEFT)
    assert answers.asked[0][0] == "현금수납으로 받기"
    assert answers.asked[0][1].startswith("12-07(월) 출금 · 수강료\n마감을 놓친 2건 130,000원을 현금수납 대상으로 돌립니다.")
    assert page.missed_card.isHidden()
    assert page.status.text() == ("12-07(월) 출금 · 수강료 2건 130,000원을 현금수납 대상으로 넣었습니다. "
                                  "받은 날에 현금수납 화면에서 한 건씩 기록하세요.")
    candidates = cash.list_cash_candidates(office.db, office.admin, office.contract_id)
    assert sorted((c.customer_name, c.outstanding, c.reason_text) for c in candidates) == [
        ("윤산", 80_000, "이체의뢰 마감 놓침"), ("한솔", 50_000, "이체의뢰 마감 놓침")]
    assert not page.open_cash_button.isHidden()
    shot(page, "home_after_cash.png", request)
    qtbot.mouseClick(page.open_cash_button, LEFT)
    assert pages == ["collection.cash"]


def test_unpaid_leaves_them_unpaid_and_gone_from_the_list(qtbot, office: Office, answers) -> None:
    ids = _december(office)
    page = opened(qtbot, AppContext(office.db, office.admin, office.contract_id, clock=SATURDAY))
    [m] = page.summary.missed  # type: ignore[union-attr]
    qtbot.mouseClick(page.missed_buttons[(m.key, Remedy.UNPAID)], LEFT)
    assert answers.asked[0] == (
        "미납으로 두기",
        "12-07(월) 출금 · 수강료\n마감을 놓친 2건 130,000원을 미납으로 둡니다. 출금하지 않으며, 출금일 12-07(월)이 "
        "지나면 미납내역집계와 미납 안내문에 미납으로 나옵니다.\n미납으로 둘까요?")
    assert page.missed_card.isHidden()
    assert page.status.text().startswith("12-07(월) 출금 · 수강료 2건 130,000원을 미납으로 두었습니다.")
    assert page.open_cash_button.isHidden()
    assert missed.missed_debits(office.db, office.admin, office.contract_id, now=SATURDAY.now()) == []
    with office.db.session() as s:
        remedies = s.execute(select(Charge.agreement_id, Charge.missed_remedy).order_by(Charge.agreement_id)).all()
    assert remedies == [(ids["yoon"], Remedy.UNPAID), (ids["han"], Remedy.UNPAID)]


def test_a_cancel_in_the_confirmation_changes_nothing(qtbot, office: Office, answers) -> None:
    _december(office)
    before = _counts(office)
    ctx = AppContext(office.db, office.admin, office.contract_id, clock=SATURDAY)
    changed: list[str] = []
    ctx.signals.data_changed.connect(changed.append)
    page = opened(qtbot, ctx)
    [m] = page.summary.missed  # type: ignore[union-attr]
    answers.no = True
    for remedy in (Remedy.MOVE, Remedy.CASH, Remedy.UNPAID):
        qtbot.mouseClick(page.missed_buttons[(m.key, remedy)], LEFT)
    assert [title for title, _q in answers.asked] == ["다음 출금일로 옮기기", "현금수납으로 받기", "미납으로 두기"]
    assert _counts(office) == before and changed == []
    assert page.status.isHidden() and not page.missed_card.isHidden()
    assert missed.missed_debits(office.db, office.admin, office.contract_id, now=SATURDAY.now()) == [m]


def test_a_viewer_sees_the_red_list_without_the_buttons(qtbot, office: Office, viewer: Actor, answers,
                                                       request) -> None:
    _december(office)
    page = opened(qtbot, AppContext(office.db, viewer, office.contract_id, clock=SATURDAY))
    assert not page.missed_card.isHidden() and page.missed_buttons == {}
    assert page.missed_card.findChildren(home_view.QPushButton) == []
    texts = _texts(page)
    assert MESSAGE in texts
    assert ("조회 권한으로는 처리할 수 없습니다. 관리자나 담당자가 다음 출금일로 옮기기, 현금수납으로 받기, "
            "미납으로 두기 가운데 하나를 고르세요.") in texts
    shot(page, "home_missed_viewer.png", request)


def test_a_clerk_can_act_and_without_a_next_date_move_is_disabled(qtbot, office: Office, clerk: Actor,
                                                                 answers) -> None:
    _december(office)
    page = opened(qtbot, AppContext(office.db, clerk, office.contract_id, clock=SATURDAY))
    [m] = page.summary.missed  # type: ignore[union-attr]
    assert page.missed_buttons[(m.key, Remedy.MOVE)].isEnabled()
    assert page.missed_buttons[(m.key, Remedy.MOVE)].toolTip() == (
        "12-15(화) 출금의 이체의뢰대기로 넣습니다. 12-14(월) 14:00 마감에 은행으로 보냅니다.")
    # A missed date with nowhere to move to: the button says so, cannot be pressed, and explains why.
    nowhere = missed.MissedDebit(m.debit_date, m.item_id, m.item_name, m.cutoff, m.rows, None, None)
    row = page._missed_row(nowhere)
    qtbot.addWidget(row)
    button = page.missed_buttons[(nowhere.key, Remedy.MOVE)]
    assert button.text() == "옮길 출금일 없음" and not button.isEnabled()
    assert button.toolTip() == ("수강료의 다음 출금일 가운데 이체의뢰 마감이 남은 날이 없어 옮길 수 없습니다. "
                                "현금수납이나 미납으로 처리하세요.")


def test_many_missed_dates_fold_into_a_few_lines(qtbot, office: Office, answers, request) -> None:
    _december(office)
    page = opened(qtbot, AppContext(office.db, office.admin, office.contract_id, clock=SATURDAY))
    summary = page.summary
    assert summary is not None
    [m] = summary.missed
    many = tuple(missed.MissedDebit(date(2026, 12, d), m.item_id, m.item_name, m.cutoff, m.rows, m.move_to,
                                    m.move_cutoff) for d in (1, 2, 3, 4, 7))
    page.summary = replace(summary, missed=many)
    page._show_missed(page.summary)
    assert len(page.missed_lines) == home_view.MISSED_SHOWN == 3
    assert page.missed_more is not None and page.missed_more.text() == "외 2건 모두 보기"
    assert page.missed_title.text() == "이체의뢰 마감을 놓쳤습니다 — 출금되지 않는 10건 · 650,000원"
    qtbot.mouseClick(page.missed_more, LEFT)
    assert len(page.missed_lines) == 5 and page.missed_more.text() == "접기"
    qtbot.mouseClick(page.missed_more, LEFT)
    assert len(page.missed_lines) == 3
    # Folded, the red card leaves the cut-off card in view at 1366×768.
    QApplication.processEvents()
    assert page.missed_card.height() < 768 / 2
    shot(page, "home_missed_many.png", request)


# --- the other two pictures -------------------------------------------------------------------------------


def test_home_on_a_quiet_day_and_on_the_cut_off_day(qtbot, office: Office, request, answers) -> None:
    ids = _december(office)
    quiet = opened(qtbot, AppContext(office.db, office.admin, office.contract_id,
                                     clock=ManualClock.at(2026, 12, 2, 10, 0)))
    assert quiet.missed_card.isHidden()
    assert quiet.cutoff_label.text() == "12-04(금) 14:00 마감 · 출금일 12-07(월)"
    shot(quiet, "home_quiet.png", request)
    quiet.close()

    # Saturday the clerk moved the 5th's payers; Monday the 14th at 13:20 the 15th's cut-off is 40
    # minutes away with them queued and 김하늘, 박구름 not requested yet.
    missed.apply_remedy(office.db, office.admin, office.contract_id, FIFTH,
                        missed.missed_debits(office.db, office.admin, office.contract_id, now=SATURDAY.now())[0].item_id,
                        Remedy.MOVE, now=SATURDAY.now())
    monday = ManualClock.at(2026, 12, 14, 13, 20)
    page = opened(qtbot, AppContext(office.db, office.admin, office.contract_id, clock=monday))
    assert page.missed_card.isHidden()
    assert page.countdown_label.text() == "40분 남음" and page.countdown_label.objectName() == "bigAlert"
    assert page.cutoff_label.text() == "12-14(월) 14:00 마감 · 출금일 12-15(화)"
    assert page.unrequested_label.text() == "아직 의뢰하지 않은 청구 2건 · 130,000원"
    assert ids["kim"] and not page.requests_button.isHidden()
    shot(page, "home_cutoff_day.png", request)


# --- the tray ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("system_tray", [False, True])
def test_the_tray_says_it_once_and_a_click_opens_home(qtbot, office: Office, system_tray: bool) -> None:
    _december(office)
    ctx = AppContext(office.db, office.admin, office.contract_id, clock=SATURDAY)
    window = QMainWindow()
    qtbot.addWidget(window)
    tray = NotificationTray(ctx, window, system_tray=system_tray)
    tray.start()
    pages: list[str] = []
    ctx.signals.open_page.connect(pages.append)
    [note] = tray.check_now()
    [m] = missed.missed_debits(office.db, office.admin, office.contract_id, now=SATURDAY.now())
    assert note.key == f"missed:{office.contract_id}:2026-12-07:{m.item_id}"
    assert note.title == "이체의뢰 마감을 놓쳤습니다" and note.warning and note.destination is Destination.HOME
    assert "12-07(월) 출금 · 수강료" in note.message and "의뢰하지 않은 2건 130,000원" in note.message
    assert tray.check_now() == []  # once per session
    if system_tray:
        assert tray.icon is not None
        tray.icon.messageClicked.emit()
    else:
        assert not tray.status_link.isHidden() and 'href="home"' in tray.status_link.text()
        assert "이체의뢰 마감을 놓쳤습니다" in tray.status_link.text()
        tray.status_link.linkActivated.emit("home")
        assert tray.status_link.isHidden()
    assert pages == ["home"]
    tray.stop()


def test_in_the_main_window_the_red_list_and_the_status_bar_link(qtbot, office: Office, request, answers) -> None:
    from app.views.shell.main_window import MainWindow

    _december(office)
    ctx = AppContext(office.db, office.admin, office.contract_id, clock=SATURDAY)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    assert window.current_key() == "home"
    [_note] = [n for n in window.tray.check_now() if n.key.startswith("missed:")]
    assert 'href="home"' in window.tray.status_link.text()
    page = window.findChild(HomePage)
    assert page is not None and page.isVisible() and not page.missed_card.isHidden()
    for _ in range(3):  # the status-bar link and the scroll bar each ask for another layout pass
        QApplication.processEvents()
    if request.node.callspec.params.get("db") == "sqlite":
        SHOTS.mkdir(parents=True, exist_ok=True)
        assert window.grab().save(str(SHOTS / "main_window_missed.png"))
    window.close()
