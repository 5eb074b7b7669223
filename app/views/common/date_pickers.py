"""Date pickers on the institution's calendar: closed days in red, named in the tooltip.

A clerk choosing a date in a calendar should see at a glance which days no debit happens —
weekends, Korean public holidays (성탄절, 설날 …) and the institution's own closed days — exactly as
the contract's `BusinessCalendar` knows them, the calendar the cut-offs and the status bar use. Qt
paints Saturdays and Sundays red on its own but knows nothing of Korean holidays or the office's
days, so every QDateEdit popup and QCalendarWidget in app/views goes through `mark_closed_days`.

Cheap by design: the marks cover the one month page the calendar shows, read (one small select,
`debit_days.closed_days`) when the calendar appears, when the clerk browses to another month while
it is open, and when the contract or its settings change while it is open. A picker whose calendar
is never opened costs nothing, and opening it again reads afresh, so a closed day added elsewhere
shows the next time. Looking only reads.
"""

from __future__ import annotations

import logging
from datetime import date

from PySide6.QtCore import QDate, QEvent, QLocale, QObject
from PySide6.QtGui import QColor, QTextCharFormat
from PySide6.QtWidgets import QCalendarWidget, QDateEdit

from app.services.common import debit_days
from app.services.common.errors import ServiceError
from app.views.common.context import AppContext

log = logging.getLogger(__name__)

__all__ = ["CLOSED_DAY_COLOUR", "KOREAN", "ClosedDayMarks", "mark_closed_days", "qdate_to_date"]

CLOSED_DAY_COLOUR = QColor("#c0392b")
"""The app's alert red (home screen, customer list), so a red day reads the same everywhere."""

KOREAN = QLocale(QLocale.Language.Korean, QLocale.Country.SouthKorea)
"""The calendars speak Korean (12월, 일 월 화 …, the week from Sunday as Korean calendars print it)
whatever the PC's own locale, like every other word on the clerk's screens."""

# Topics of `AppSignals.data_changed` that can change which days are closed (연말 휴무 is a
# contract setting; the institution's closed days belong to the contract).
_CALENDAR_TOPICS = frozenset({"contract"})


class ClosedDayMarks(QObject):
    """Keeps one calendar's red days in step with the month it shows and the contract.

    Lives as a child of the calendar widget, so it goes when the calendar goes. `contract_id` fixes
    the contract (a dialog about one customer's contract); without it the marks follow the
    context's chosen contract.
    """

    def __init__(self, calendar: QCalendarWidget, ctx: AppContext, contract_id: int | None = None) -> None:
        super().__init__(calendar)
        self.setObjectName("closedDayMarks")
        self._calendar = calendar
        self._ctx = ctx
        self._fixed_contract = contract_id
        self.marked: dict[QDate, str] = {}
        """The days marked now (the page last read), day → name: what the clerk sees, for tests."""
        calendar.setLocale(KOREAN)
        calendar.setFirstDayOfWeek(KOREAN.firstDayOfWeek())
        calendar.currentPageChanged.connect(self._page_changed)
        calendar.installEventFilter(self)
        if contract_id is None:
            ctx.signals.contract_changed.connect(self._contract_changed)
        ctx.signals.data_changed.connect(self._data_changed)
        if calendar.isVisible():
            self.refresh()

    @property
    def calendar(self) -> QCalendarWidget:
        return self._calendar

    @property
    def contract_id(self) -> int | None:
        return self._fixed_contract if self._fixed_contract is not None else self._ctx.contract_id

    def refresh(self) -> None:
        """Read the shown month's closed days and paint them; the other months' marks are dropped.

        Days of the neighbouring months that fill the grid are drawn grey by Qt whatever their
        format, so only the shown month needs marks.
        """
        year, month = self._calendar.yearShown(), self._calendar.monthShown()
        try:
            closed = debit_days.closed_days(self._ctx.db, self._ctx.actor, self.contract_id, year, month)
        except ServiceError as error:
            # The contract vanished or is not this user's: the bank calendar still tells the truth
            # about weekends and public holidays, which is better than no marks at all.
            log.warning("closed days of contract %s unavailable (%s); marking the bank calendar",
                        self.contract_id, error)
            closed = debit_days.closed_days(self._ctx.db, self._ctx.actor, None, year, month)
        self._calendar.setDateTextFormat(QDate(), QTextCharFormat())  # a null date clears every mark
        self.marked = {}
        for day, name in closed.items():
            when = QDate(day.year, day.month, day.day)
            look = QTextCharFormat()
            look.setForeground(CLOSED_DAY_COLOUR)
            look.setToolTip(name)
            self._calendar.setDateTextFormat(when, look)
            self.marked[when] = name

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if watched is self._calendar and event.type() == QEvent.Type.Show:
            self.refresh()
        return False

    def _page_changed(self, _year: int, _month: int) -> None:
        if self._calendar.isVisible():
            self.refresh()

    def _contract_changed(self, _contract_id: int) -> None:
        if self._calendar.isVisible():
            self.refresh()

    def _data_changed(self, topic: str) -> None:
        if topic in _CALENDAR_TOPICS and self._calendar.isVisible():
            self.refresh()


def _calendar_of(picker: QDateEdit | QCalendarWidget) -> QCalendarWidget:
    if isinstance(picker, QCalendarWidget):
        return picker
    if not picker.calendarPopup():
        raise ValueError("a QDateEdit without a calendar popup has no calendar to mark")
    return picker.calendarWidget()


def mark_closed_days(ctx: AppContext, *pickers: QDateEdit | QCalendarWidget,
                     contract_id: int | None = None) -> tuple[ClosedDayMarks, ...]:
    """Colour the closed days red, with their names as tooltips, in each picker's calendar.

    Call once per picker, after `setCalendarPopup(True)` for a QDateEdit (its popup calendar is
    the one marked). `contract_id` pins the contract whose calendar is used (default: the context's
    chosen contract, followed when it changes).
    """
    return tuple(ClosedDayMarks(_calendar_of(picker), ctx, contract_id) for picker in pickers)


def qdate_to_date(edit: QDateEdit) -> date:
    """The picked day as a `date`: PySide's `QDate.toPython()` is typed as returning `object`."""
    value = edit.date()
    return date(value.year(), value.month(), value.day())
