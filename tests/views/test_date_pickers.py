"""Every date picker marks the contract's closed days red, named, as the institution's calendar knows them.

December 2026 on the demo academy: Tuesday the 1st; Saturdays 5, 12, 19, 26 and Sundays 6, 13, 20, 27;
Friday the 25th 성탄절 (named by its official name, 기독탄신일); Thursday the 31st 연말 휴무; and the
academy's own closed day, Thursday the 17th (학원 정기휴무). January 2027 opens with 신정 on Friday the
1st; the academy also closes Friday the 15th (겨울 방학). Thursday 2026-12-10 and Monday 2027-01-04 are
plain business days. No service adds an institution's closed day yet, so the tests insert
`InstitutionHoliday` rows as the home tests do.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QPoint, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QApplication,
    QCalendarWidget,
    QDateEdit,
    QMessageBox,
    QTableView,
    QWidget,
)

from app.models import Contract, InstitutionHoliday
from app.services.common import debit_days
from app.services.common.calendar import SEOUL, BusinessCalendar
from app.services.common.crypto import DataKey
from app.services.common.errors import NotFoundError
from app.services.customers import agreements
from app.services.customers import records as customers
from app.views.aggregates.aggregates_view import OutstandingAggregatePage
from app.views.common.context import AppContext
from app.views.common.date_pickers import CLOSED_DAY_COLOUR, ClosedDayMarks
from app.views.common.theme import apply_theme
from app.views.customers.agreement_dialog import AgreementDialog, EndAgreementDialog
from app.views.customers.customer_dialog import CustomerDialog
from app.views.shell.pages import page_factories
from tests.customers.conftest import agreement, item_ids, person
from tests.factories import BUSINESS_NO, Office

SHOTS = Path("/tmp/work/shots")
NOW = datetime(2026, 12, 10, 10, 0, tzinfo=SEOUL)  # Thursday, a business day
ACADEMY_DAY = date(2026, 12, 17)
ACADEMY_LABEL = "학원 정기휴무"
WINTER_DAY = date(2027, 1, 15)
WINTER_LABEL = "겨울 방학"

DECEMBER_2026 = {
    date(2026, 12, 5): "토요일", date(2026, 12, 6): "일요일",
    date(2026, 12, 12): "토요일", date(2026, 12, 13): "일요일",
    date(2026, 12, 17): ACADEMY_LABEL,
    date(2026, 12, 19): "토요일", date(2026, 12, 20): "일요일",
    date(2026, 12, 25): "기독탄신일",
    date(2026, 12, 26): "토요일", date(2026, 12, 27): "일요일",
    date(2026, 12, 31): "연말 휴무",
}


@pytest.fixture(autouse=True)
def korean_theme_and_no_boxes(qapp: QApplication, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The app's theme (Korean font, style sheet), restored afterwards; no message box may pop up."""
    font, sheet = qapp.font(), qapp.styleSheet()
    apply_theme(qapp)
    boxes: list[str] = []
    for kind in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, kind, lambda _p, _t, text, *a, **k: boxes.append(text))
    yield
    qapp.setFont(font)
    qapp.setStyleSheet(sheet)
    assert not boxes, boxes


@pytest.fixture
def key() -> DataKey:
    return DataKey.generate()


def _closed(office: Office, day: date, label: str, contract_id: int | None = None) -> None:
    with office.db.session() as s:
        s.add(InstitutionHoliday(contract_id=contract_id or office.contract_id, day=day, label=label))


def _second_contract(office: Office) -> int:
    """Another contract of the same academy (a second 기관코드), closed on its own day."""
    with office.db.session() as s:
        contract = Contract(
            institution_id=office.institution_id, institution_code="9912345679", name="해오름영어학원",
            business_no=BUSINESS_NO, representative="김해오", settlement_bank_code="088",
            settlement_account_no="110123456780", passbook_text="해오름영어", fee_per_debit=300,
            fee_per_registration=200, debit_days="10",
        )
        s.add(contract)
        s.flush()
        s.add(InstitutionHoliday(contract_id=contract.id, day=date(2026, 12, 9), label="영어학원 행사"))
        return contract.id


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _is_red(calendar: QCalendarWidget, day: date) -> bool:
    brush = calendar.dateTextFormat(_qdate(day)).foreground()
    return brush.style() != Qt.BrushStyle.NoBrush and brush.color() == CLOSED_DAY_COLOUR


def _tooltip(calendar: QCalendarWidget, day: date) -> str:
    """The tooltip the calendar's own grid gives the day's cell (what the clerk sees on hover)."""
    model = calendar.findChild(QTableView).model()
    cells = [model.index(row, column) for row in range(model.rowCount()) for column in range(model.columnCount())]
    same_number = [i for i in cells if str(model.data(i, Qt.ItemDataRole.DisplayRole)) == str(day.day)]
    assert same_number, f"{day} is not on the calendar's page"
    # The grid opens with the previous month's last days and ends with the next month's first ones:
    # a late number's first cell may be last month's, an early number's last cell next month's.
    cell = same_number[-1] if day.day >= 15 else same_number[0]
    return str(model.data(cell, Qt.ItemDataRole.ToolTipRole) or "")


def _open_popup(qtbot, edit: QDateEdit) -> QCalendarWidget:
    """Click the picker's drop-down arrow, as the clerk does."""
    calendar = edit.calendarWidget()
    qtbot.mouseClick(edit, Qt.MouseButton.LeftButton, pos=QPoint(edit.width() - 6, edit.height() // 2))
    qtbot.waitUntil(calendar.isVisible)
    return calendar


def _outstanding_page(qtbot, office: Office) -> OutstandingAggregatePage:
    page = OutstandingAggregatePage(AppContext(office.db, office.admin, office.contract_id, clock=lambda: NOW))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.show()
    return page


# --- the service: a month's closed days, read-only ------------------------------------------------------


def test_a_month_of_closed_days_names_each_one() -> None:
    calendar = BusinessCalendar(extra_days={ACADEMY_DAY: ACADEMY_LABEL})
    assert debit_days.month_closed_days(calendar, 2026, 12) == DECEMBER_2026
    assert debit_days.month_closed_days(calendar, 2027, 1) == {
        date(2027, 1, 1): "신정", date(2027, 1, 2): "토요일", date(2027, 1, 3): "일요일",
        date(2027, 1, 9): "토요일", date(2027, 1, 10): "일요일", date(2027, 1, 16): "토요일",
        date(2027, 1, 17): "일요일", date(2027, 1, 23): "토요일", date(2027, 1, 24): "일요일",
        date(2027, 1, 30): "토요일", date(2027, 1, 31): "일요일",
    }


def test_closed_days_are_the_contracts(office: Office) -> None:
    _closed(office, ACADEMY_DAY, ACADEMY_LABEL)
    assert debit_days.closed_days(office.db, office.admin, office.contract_id, 2026, 12) == DECEMBER_2026
    bank_only = debit_days.closed_days(office.db, office.admin, None, 2026, 12)
    assert ACADEMY_DAY not in bank_only and bank_only[date(2026, 12, 25)] == "기독탄신일"
    with pytest.raises(NotFoundError):
        debit_days.closed_days(office.db, office.admin, office.contract_id + 1000, 2026, 12)


# --- the 집계 period picker ----------------------------------------------------------------------------------


def test_the_aggregate_period_picker_marks_the_institutions_closed_days(qtbot, office: Office) -> None:
    _closed(office, ACADEMY_DAY, ACADEMY_LABEL)
    _closed(office, WINTER_DAY, WINTER_LABEL)
    page = _outstanding_page(qtbot, office)
    assert page.start_edit.date() == QDate(2026, 12, 1)
    calendar = page.start_edit.calendarWidget()
    assert calendar.dateTextFormat() == {}  # nothing read before the clerk opens it

    calendar = _open_popup(qtbot, page.start_edit)
    assert (calendar.yearShown(), calendar.monthShown()) == (2026, 12)
    for day, name in ((ACADEMY_DAY, ACADEMY_LABEL), (date(2026, 12, 25), "기독탄신일"), (date(2026, 12, 5), "토요일"),
                      (date(2026, 12, 31), "연말 휴무")):
        assert _is_red(calendar, day), day
        assert _tooltip(calendar, day) == name
    assert not _is_red(calendar, date(2026, 12, 10)) and _tooltip(calendar, date(2026, 12, 10)) == ""
    assert {QDate.toPython(d) for d in calendar.dateTextFormat()} == set(DECEMBER_2026)
    _shot_popup(page, calendar, "datepicker_aggregate_2026-12.png", office)

    calendar.showNextMonth()  # January 2027: its own days, December's marks gone
    assert (calendar.yearShown(), calendar.monthShown()) == (2027, 1)
    assert _is_red(calendar, date(2027, 1, 1)) and _tooltip(calendar, date(2027, 1, 1)) == "신정"
    assert _is_red(calendar, WINTER_DAY) and _tooltip(calendar, WINTER_DAY) == WINTER_LABEL
    assert _is_red(calendar, date(2027, 1, 9))
    assert not _is_red(calendar, date(2027, 1, 4))
    assert not _is_red(calendar, date(2026, 12, 25))

    # Any year the clerk browses to: 설날 2030 runs Saturday 2 – Monday 4 February, and as it takes a
    # Sunday, Tuesday the 5th is its substitute holiday; Wednesday the 6th is open.
    calendar.setCurrentPage(2030, 2)
    assert {day: _tooltip(calendar, day) for day in (date(2030, 2, d) for d in range(2, 7))} == {
        date(2030, 2, 2): "설날 전날", date(2030, 2, 3): "설날", date(2030, 2, 4): "설날 다음날",
        date(2030, 2, 5): "대체공휴일(설날)", date(2030, 2, 6): ""}
    assert _is_red(calendar, date(2030, 2, 5)) and not _is_red(calendar, date(2030, 2, 6))
    calendar.setCurrentPage(9999, 12)  # the picker's last page (Qt's maximum date) still reads
    assert _tooltip(calendar, date(9999, 12, 31)) == "연말 휴무" and not _is_red(calendar, date(9999, 12, 30))
    calendar.window().hide()


def test_the_marks_follow_the_chosen_contract(qtbot, office: Office) -> None:
    _closed(office, ACADEMY_DAY, ACADEMY_LABEL)
    other = _second_contract(office)
    page = _outstanding_page(qtbot, office)
    calendar = _open_popup(qtbot, page.end_edit)
    assert _is_red(calendar, ACADEMY_DAY) and not _is_red(calendar, date(2026, 12, 9))

    page.ctx.set_contract(other)
    assert _is_red(calendar, date(2026, 12, 9)) and _tooltip(calendar, date(2026, 12, 9)) == "영어학원 행사"
    assert not _is_red(calendar, ACADEMY_DAY) and _is_red(calendar, date(2026, 12, 25))
    calendar.window().hide()


def test_opening_again_reads_a_closed_day_added_meanwhile(qtbot, office: Office) -> None:
    page = _outstanding_page(qtbot, office)
    calendar = _open_popup(qtbot, page.start_edit)
    assert not _is_red(calendar, ACADEMY_DAY)
    calendar.window().hide()
    _closed(office, ACADEMY_DAY, ACADEMY_LABEL)
    calendar = _open_popup(qtbot, page.start_edit)
    assert _is_red(calendar, ACADEMY_DAY) and _tooltip(calendar, ACADEMY_DAY) == ACADEMY_LABEL
    calendar.window().hide()


# --- every picker of the app ----------------------------------------------------------------------------------


def _unmarked(widget: QWidget) -> list[str]:
    """The widget's date pickers whose calendar nobody marks (each named by its class and object)."""
    missing: list[str] = []
    calendars: list[QCalendarWidget] = []
    for edit in widget.findChildren(QDateEdit):
        if not edit.calendarPopup():
            missing.append(f"{type(widget).__name__}: a QDateEdit without calendar popup")
            continue
        calendars.append(edit.calendarWidget())
    calendars += [c for c in widget.findChildren(QCalendarWidget) if c not in calendars]
    for calendar in calendars:
        if calendar.findChild(ClosedDayMarks) is None:
            missing.append(f"{type(widget).__name__}: {calendar.parent()!r}")
    return missing


def test_every_date_picker_of_the_app_marks_closed_days(qtbot, office: Office, key: DataKey) -> None:
    ctx = AppContext(office.db, office.admin, office.contract_id, key, clock=lambda: NOW)
    customer_id = customers.create_customer(office.db, office.admin, office.contract_id, person(), key).id
    agreements.create_agreement(office.db, office.admin, customer_id, agreement(item_ids(office.db, office)["수강료"]),
                                data_key=key, today=NOW.date())
    detail = customers.get_customer_detail(office.db, office.admin, customer_id)
    widgets: list[QWidget] = [factory(ctx) for factory in page_factories().values()]
    widgets += [CustomerDialog(ctx), CustomerDialog(ctx, detail), AgreementDialog(ctx, detail),
                EndAgreementDialog(ctx, detail, detail.agreements[0])]
    pickers = 0
    missing: list[str] = []
    for widget in widgets:
        qtbot.addWidget(widget)
        pickers += len(widget.findChildren(QDateEdit))
        missing += _unmarked(widget)
    assert not missing, missing
    # 집계: six pages and 개요 with a period each (14); 계좌신청, 이체결과, 전송내역, 감사기록 with a period
    # each (8); 현금수납's 수납일 and its history's period (3); 최초가입일 in the new and the edit dialog (2);
    # 이체정보's first and last month (2) and 해지's last month (1); 현금수납's 현금영수증 발급일 (1), 현금영수증관리's
    # period (2) and 반환관리's 지급일 (1); 연체료관리's 기준일 (1), 독촉관리's 기준일 and 발행 내역 period (3);
    # 통장입금대사's 처리 내역 period (2).
    assert pickers == 40

    # A picker in a dialog about one customer marks that customer's contract.
    _closed(office, ACADEMY_DAY, ACADEMY_LABEL)
    dialog = CustomerDialog(ctx, detail)
    qtbot.addWidget(dialog)
    dialog.joined_on.setDate(QDate(2026, 12, 1))
    dialog.show()
    calendar = _open_popup(qtbot, dialog.joined_on)
    assert _is_red(calendar, ACADEMY_DAY) and _is_red(calendar, date(2026, 12, 25))
    calendar.window().hide()


# --- the picture -----------------------------------------------------------------------------------------------


def _shot_popup(page: QWidget, calendar: QCalendarWidget, name: str, office: Office) -> None:
    """The page at 1366×768 with the open calendar popup painted where it stands (a popup is its own
    window, so the page's grab alone would not show it). Same on both databases: the SQLite run's."""
    if not office.db.is_sqlite:
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    picture = page.grab()
    popup = calendar.window()
    painter = QPainter(picture)
    painter.drawPixmap(page.mapFromGlobal(popup.mapToGlobal(QPoint(0, 0))), popup.grab())
    painter.end()
    assert picture.save(str(SHOTS / name))
    assert popup.grab().scaled(popup.width() * 2, popup.height() * 2).save(
        str(SHOTS / name.replace(".png", "_popup_x2.png")))
