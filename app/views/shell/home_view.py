"""오늘 할 일: the screen that opens after login. Cards over `services.home.summary`; no SQL here.

The clerk reads it top to bottom the way the day runs: today and the next cut-off (with a
countdown that moves every minute), the results due today, the work waiting — each item a click
away from the screen where it is done — and the month against last month.

Above all of it, in red, stands every debit date whose request cut-off passed with payers left out
(`services.missed`): those families will not be debited and nothing else says so. Each line offers
the three remedies one click (and one confirmation) away; a viewer sees the list without them.
The list shows a few lines and folds the rest ("외 n건"), so the day's other cards stay in reach
at 1366×768.

Below it, until the office is set up, the 처음 설정 checklist (`services.first_setup`), so a new
office with no items and no payers is told what to do instead of "지금 처리할 일이 없습니다"; and
always the month drawn as its six steps with today and the next step marked (`services.month_flow`).
Both cards live in `home_setup`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.services.collection import missed
from app.services.collection.missed import MissedDebit, Remedy, RemedyOutcome
from app.services.common import formats
from app.services.common.calendar import SEOUL
from app.services.common.destinations import Destination
from app.services.common.errors import ServiceError
from app.services.common.formats import won
from app.services.home import month_flow
from app.services.home import today as home
from app.services.home.today import CutoffInfo, HomeSummary, MonthFigures, WorkItem
from app.services.settings import first_setup
from app.services.settings.first_setup import SetupProgress
from app.views.collection.missed_remedies import move_tooltip, remedy_question
from app.views.common.base import Page, confirm, hint_label, run_guarded
from app.views.common.context import AppContext
from app.views.shell import destinations
from app.views.shell.home_setup import MonthStrip, SetupChecklist

TICK_MS = 60_000
"""The countdown moves once a minute; the summary reloads when a cut-off or the day passes."""
MISSED_SHOWN = 3
"""Missed debit dates shown before the rest fold into '외 n건' (the cards below stay on screen)."""
REMEDIES = (Remedy.MOVE, Remedy.CASH, Remedy.UNPAID)

STYLE = """
QWidget#homeBody { background: #f4f6f9; }
QFrame#card { background: white; border: 1px solid #d5dde6; border-radius: 6px; }
QFrame#card QLabel { border: none; background: transparent; }
QLabel#cardTitle { font-size: 11pt; font-weight: bold; color: #1f3b5b; }
QLabel#bigText { font-size: 17pt; font-weight: bold; color: #1f3b5b; }
QLabel#bigAlert { font-size: 17pt; font-weight: bold; color: #c0392b; }
QLabel#muted { color: #6b7785; }
QLabel#alert { color: #c0392b; font-weight: bold; }
QLabel#ok { color: #2e7d32; font-weight: bold; }
QFrame#card QLabel#badge { background: #c0392b; color: white; border-radius: 10px; padding: 2px 8px;
                           font-weight: bold; }
QFrame#workRow { border: none; border-top: 1px solid #e6ebf0; }
QLabel#metricHead { color: #6b7785; font-weight: bold; }
QLabel#metric { font-size: 11pt; }
QLabel#metricNow { font-size: 11pt; font-weight: bold; color: #1f3b5b; }
QFrame#missedCard { background: #fdecea; border: 2px solid #c0392b; border-radius: 6px; }
QFrame#missedCard QLabel { border: none; background: transparent; }
QFrame#missedCard QLabel#missedTitle { font-size: 12pt; font-weight: bold; color: #c0392b; }
QFrame#missedCard QLabel#missedHead { color: #c0392b; }
QFrame#missedCard QLabel#missedText { color: #7a2318; }
QFrame#missedCard QFrame#missedRow { border: none; border-top: 1px solid #f1b8b0; background: transparent; }
"""


def countdown_text(remaining: timedelta) -> str:
    """'2시간 15분 남음', '1일 3시간 남음', '마감' — minutes rounded up, so '1분' means still open."""
    seconds = remaining.total_seconds()
    if seconds <= 0:
        return "마감"
    minutes = math.ceil(seconds / 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days}일 {hours}시간 남음" if hours else f"{days}일 남음"
    if hours:
        return f"{hours}시간 {minutes}분 남음" if minutes else f"{hours}시간 남음"
    return f"{minutes}분 남음"


def cutoff_lines(c: CutoffInfo) -> list[str]:
    """One line per item and debit date the cut-off closes: queued and not yet queued, in counts and won.

    'A01 수업료 · 12-15(화) 15일분 — 의뢰 대기 81건 · 8,100,000원 / 미의뢰 3건 · 300,000원'; without
    item lines (a contract with no debit day) the totals alone.
    """
    if not c.lines:
        return [f"이체의뢰 대기 {c.queued_requests:,}건 · {won(c.queued_amount)}"]
    out = []
    for line in c.lines:
        days = "·".join(str(d) for d in line.days)
        moved = "" if line.days == (line.debit_date.day,) else f" {days}일분"
        out.append(f"{line.item_name} · {formats.day_text(line.debit_date)}{moved} — 의뢰 대기 {line.queued_requests:,}건 · "
                   f"{won(line.queued_amount)} / 미의뢰 {line.unrequested_count:,}건 · {won(line.unrequested_amount)}")
    return out


def _label(text: str = "", name: str | None = None, *, wrap: bool = False) -> QLabel:
    label = QLabel(text)
    if name:
        label.setObjectName(name)
    label.setWordWrap(wrap)
    return label


def _card(title: str) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName("card")
    frame.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(14, 12, 14, 12)
    layout.setSpacing(6)
    layout.addWidget(_label(title, "cardTitle"))
    return frame, layout


def _clear(layout: QLayout, keep: int = 0) -> None:
    """Remove every widget after the first `keep` (the card title stays)."""
    while layout.count() > keep:
        item = layout.takeAt(keep)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.setParent(None)
            widget.deleteLater()
        elif item is not None and (inner := item.layout()) is not None:
            _clear(inner)


def _rate(figures: MonthFigures) -> str:
    return f"{figures.rate * 100:.1f}%" if figures.rate is not None else "-"


METRICS: tuple[tuple[str, Callable[[MonthFigures], str], Callable[[MonthFigures], float | None]], ...] = (
    ("이체의뢰", lambda f: f"{f.requested_count:,}건 · {won(f.requested)}", lambda f: f.requested),
    ("출금", lambda f: won(f.debited), lambda f: f.debited),
    ("출금불능", lambda f: won(f.failed), lambda f: f.failed),
    ("현금수납", lambda f: won(f.cash), lambda f: f.cash),
    ("미납", lambda f: won(f.unpaid), lambda f: f.unpaid),
    ("수납률", _rate, lambda f: f.rate),
)


def _difference(now: float | None, before: float | None, *, percent: bool) -> str:
    if now is None or before is None:
        return "-"
    if percent:
        diff = (now - before) * 100
        return "변동 없음" if abs(diff) < 0.05 else f"{diff:+.1f}%p"
    diff_won = int(now) - int(before)
    return "변동 없음" if diff_won == 0 else f"{diff_won:+,}원"


class HomePage(Page):
    """오늘 할 일 (key "home")."""

    title = "오늘 할 일"
    key = "home"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.summary: HomeSummary | None = None
        self.work_buttons: dict[str, QPushButton] = {}
        self.result_buttons: list[QPushButton] = []
        self.missed_buttons: dict[tuple[str, Remedy], QPushButton] = {}  # (MissedDebit.key, remedy)
        self.missed_lines: list[QLabel] = []  # the heads of the lines shown
        self.missed_expanded = False
        self.missed_more: QPushButton | None = None  # '외 n건 모두 보기' / '접기' when the list is folded

        self.refresh_button = QPushButton("새로 고침")
        self.refresh_button.clicked.connect(self.refresh)
        self.contract_label = _label("", "muted")
        top = QHBoxLayout()
        top.addWidget(self.contract_label, 1)
        top.addWidget(self.refresh_button)
        self.body.addLayout(top)
        # The outcome of a remedy; after 현금수납 it offers the screen where the money is recorded.
        self.status = hint_label("")
        self.open_cash_button = QPushButton("현금수납 화면 열기 ›")
        self.open_cash_button.clicked.connect(lambda: self.open(destinations.page_key(Destination.CASH)))
        status_row = QHBoxLayout()
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.open_cash_button)
        self.body.addLayout(status_row)
        self.status.setVisible(False)
        self.open_cash_button.setVisible(False)

        content = QWidget()
        content.setObjectName("homeBody")
        content.setStyleSheet(STYLE)
        content.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        grid = QVBoxLayout(content)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(12)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        self.body.addWidget(scroll, 1)

        self.missed_card = QFrame()
        self.missed_card.setObjectName("missedCard")
        self.missed_card.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.missed_box = QVBoxLayout(self.missed_card)
        self.missed_box.setContentsMargins(14, 10, 14, 10)
        self.missed_box.setSpacing(4)
        self.missed_title = _label("", "missedTitle", wrap=True)
        self.missed_box.addWidget(self.missed_title)
        self.missed_card.setVisible(False)
        grid.addWidget(self.missed_card)

        # Until the office is set up, the checklist of what is left (home_setup); then the month's steps.
        self.setup: SetupProgress | None = None
        self.setup_card = SetupChecklist(ctx, self.refresh)
        self.setup_card.setVisible(False)
        grid.addWidget(self.setup_card)
        self.month_strip = MonthStrip(ctx)
        self.month_strip.setVisible(False)
        grid.addWidget(self.month_strip)

        row = QHBoxLayout()
        row.setSpacing(12)
        today_card, self.today_box = _card("오늘")
        self.day_label = _label("", "bigText", wrap=True)
        self.day_note = _label("", "muted", wrap=True)
        self.today_box.addWidget(self.day_label)
        self.today_box.addWidget(self.day_note)
        self.today_box.addStretch(1)
        cutoff_card, self.cutoff_box = _card("다음 이체의뢰 마감")
        self.cutoff_label = _label("", "muted", wrap=True)
        self.countdown_label = _label("", "bigText")
        self.queued_label = _label("", wrap=True)
        self.unrequested_label = _label("", "alert", wrap=True)
        self.requests_button = QPushButton("이체의뢰 화면으로")
        self.requests_button.clicked.connect(lambda: self.open(destinations.page_key(Destination.REQUESTS)))
        for widget in (self.countdown_label, self.cutoff_label, self.queued_label, self.unrequested_label):
            self.cutoff_box.addWidget(widget)
        self.cutoff_box.addStretch(1)
        self.cutoff_box.addWidget(self.requests_button, 0, Qt.AlignmentFlag.AlignLeft)
        results_card, self.results_box = _card("오늘 도착할 결과")
        for card, stretch in ((today_card, 2), (cutoff_card, 3), (results_card, 3)):
            card.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
            row.addWidget(card, stretch)
        grid.addLayout(row)

        work_card, self.work_box = _card("처리할 일")
        grid.addWidget(work_card)
        month_card, month_box = _card("이번 달 한눈에")
        self.month_grid = QGridLayout()
        self.month_grid.setHorizontalSpacing(24)
        self.month_grid.setVerticalSpacing(6)
        month_box.addLayout(self.month_grid)
        self.month_note = _label("수납률 = 해당 월 청구액(할인 후) 가운데 출금·현금수납으로 받은 비율. "
                                 "이체의뢰·출금·출금불능은 출금일 기준, 현금수납은 수납일 기준입니다.", "muted", wrap=True)
        month_box.addWidget(self.month_note)
        grid.addWidget(month_card)
        grid.addStretch(1)

        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        ctx.signals.data_changed.connect(self._data_changed)

    # --- loading -----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the summary again and rebuild the cards."""
        if self.ctx.contract_id is None:
            self.summary = self.setup = None
            self.setup_card.setVisible(False)
            self.month_strip.setVisible(False)
            self.contract_label.setText("계약정보가 없습니다. 환경설정 › 계약정보에서 먼저 등록하세요.")
            return
        try:
            self.summary = home.summary(self.ctx.db, self.ctx.actor, self.ctx.contract_id, now=self.ctx.clock())
            self.setup = first_setup.progress(self.ctx.db, self.ctx.actor, self.ctx.contract_id)
            flow = month_flow.flow(self.ctx.db, self.ctx.actor, self.ctx.contract_id, self.summary,
                                   has_payers=self.setup.step(first_setup.STEP_PAYERS).done)
        except ServiceError as error:
            self.summary = self.setup = None
            self.setup_card.setVisible(False)
            self.month_strip.setVisible(False)
            self.contract_label.setText(error.message)
            return
        s = self.summary
        self.contract_label.setText(f"{s.contract_name} · {s.now:%Y-%m-%d %H:%M} 기준")
        self._show_missed(s)
        if not self.setup.ready:
            self.setup_card.show_progress(self.setup)
        self.setup_card.setVisible(not self.setup.ready)
        self.month_strip.show_flow(flow)
        self.month_strip.setVisible(True)
        self._show_day(s)
        self._show_cutoff(s)
        self._show_results(s)
        self._show_work(s)
        self._show_month(s)

    def tick(self) -> None:
        """Once a minute: move the countdown; reload when the cut-off or the day has passed."""
        if self.summary is None or not self.isVisible():
            return
        now = self.ctx.clock()
        if now >= self.summary.cutoff.at or now.date() != self.summary.day.today:
            self.refresh()
        else:
            self.countdown_label.setText(countdown_text(self.summary.cutoff.remaining(now)))
            self._colour_countdown(self.summary.cutoff.remaining(now).total_seconds())

    def _data_changed(self, _topic: str) -> None:
        if self.isVisible():
            self.refresh()

    def open(self, page_key: str) -> None:
        self.ctx.signals.open_page.emit(page_key)

    # --- a missed cut-off -----------------------------------------------------------------------

    def apply_remedy(self, m: MissedDebit, remedy: Remedy) -> None:
        """One remedy for one missed debit date, after the clerk confirms it (all or nothing, the service decides)."""
        contract_id = self.ctx.contract_id
        if contract_id is None or not self.ctx.actor.can_edit:
            return
        today = self.ctx.clock().astimezone(SEOUL).date()
        if not confirm(self, remedy_question(m, remedy, today), remedy.label):
            return
        outcome: list[RemedyOutcome] = []
        if run_guarded(self, lambda: outcome.append(missed.apply_remedy(
                self.ctx.db, self.ctx.actor, contract_id, m.debit_date, m.item_id, remedy, now=self.ctx.clock()))):
            message = outcome[0].message
            self.status.setText(message)
            self.status.setVisible(True)
            self.open_cash_button.setVisible(remedy is Remedy.CASH)
            self.ctx.signals.status_message.emit(message)
            self.ctx.signals.data_changed.emit("collection")  # refreshes this page too, when shown
            if not self.isVisible():
                self.refresh()
        else:
            self.refresh()  # someone else may have acted first: show the list as it is now

    def toggle_missed(self) -> None:
        """Show every missed line, or fold back to the first few."""
        self.missed_expanded = not self.missed_expanded
        if self.summary is not None:
            self._show_missed(self.summary)

    def _show_missed(self, s: HomeSummary) -> None:
        _clear(self.missed_box, keep=1)
        self.missed_buttons = {}
        self.missed_lines = []
        self.missed_more = None
        found = s.missed
        self.missed_card.setVisible(bool(found))
        if not found:
            return
        count = sum(m.count for m in found)
        amount = sum(m.amount for m in found)
        self.missed_title.setText(f"이체의뢰 마감을 놓쳤습니다 — 출금되지 않는 {count:,}건 · {won(amount)}")
        shown = found if self.missed_expanded or len(found) <= MISSED_SHOWN else found[:MISSED_SHOWN]
        for m in shown:
            self.missed_box.addWidget(self._missed_row(m))
        if len(found) > MISSED_SHOWN:
            rest = len(found) - MISSED_SHOWN
            more = QPushButton("접기" if self.missed_expanded else f"외 {rest:,}건 모두 보기")
            more.setFlat(True)
            more.setObjectName("missedMore")
            more.clicked.connect(self.toggle_missed)
            self.missed_more = more
            self.missed_box.addWidget(more, 0, Qt.AlignmentFlag.AlignLeft)
        if not self.ctx.actor.can_edit:
            self.missed_box.addWidget(_label(
                "조회 권한으로는 처리할 수 없습니다. 관리자나 담당자가 다음 출금일로 옮기기, 현금수납으로 받기, "
                "미납으로 두기 가운데 하나를 고르세요.", "missedText", wrap=True))

    def _missed_row(self, m: MissedDebit) -> QFrame:
        frame = QFrame()
        frame.setObjectName("missedRow")
        row = QHBoxLayout(frame)
        row.setContentsMargins(0, 6, 0, 2)
        text = QVBoxLayout()
        text.setSpacing(2)
        head = _label(f"<b>{m.title}</b> &nbsp;·&nbsp; {m.count:,}건 &nbsp;·&nbsp; {won(m.amount)}", "missedHead")
        head.setTextFormat(Qt.TextFormat.RichText)
        self.missed_lines.append(head)
        text.addWidget(head)
        text.addWidget(_label(m.message, "missedText", wrap=True))
        row.addLayout(text, 1)
        if self.ctx.actor.can_edit:
            for remedy in REMEDIES:
                button = QPushButton(m.remedy_text(remedy))
                if remedy is Remedy.MOVE:
                    button.setEnabled(m.move_to is not None)
                    button.setToolTip(move_tooltip(m))
                else:
                    button.setToolTip(remedy_question(m, remedy, self.ctx.clock().astimezone(SEOUL).date())
                                      .rsplit("\n", 1)[0])
                button.clicked.connect(lambda _=False, m=m, remedy=remedy: self.apply_remedy(m, remedy))
                self.missed_buttons[(m.key, remedy)] = button
                row.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
        return frame

    # --- cards -------------------------------------------------------------------------------

    def _show_day(self, s: HomeSummary) -> None:
        self.day_label.setText(s.day.text.replace(" · ", "\n"))
        if s.day.is_business_day:
            self.day_note.setText("은행이 처리하는 날입니다. 마감 전에 의뢰한 건은 오늘 보냅니다.")
        else:
            self.day_note.setText(f"은행이 쉬는 날입니다. 다음 영업일은 {formats.day_text(s.day.next_business_day)}입니다.")

    def _colour_countdown(self, seconds: float) -> None:
        name = "bigAlert" if 0 < seconds <= 3600 else "bigText"
        if self.countdown_label.objectName() != name:
            self.countdown_label.setObjectName(name)
            self.countdown_label.style().unpolish(self.countdown_label)
            self.countdown_label.style().polish(self.countdown_label)

    def _show_cutoff(self, s: HomeSummary) -> None:
        c = s.cutoff
        remaining = c.remaining(s.now)
        self.countdown_label.setText(countdown_text(remaining))
        self._colour_countdown(remaining.total_seconds())
        dates = ", ".join(formats.day_text(d) for d in c.debit_dates)
        self.cutoff_label.setText(f"{formats.moment_text(c.at)} 마감 · 출금일 {dates}")
        registration = f"계좌신청 대기 {c.queued_registrations:,}건"
        if c.registration_at != c.at:
            registration += f" ({formats.moment_text(c.registration_at)} 마감)"
        self.queued_label.setText("\n".join([registration, *cutoff_lines(c)]))
        if c.unrequested_count:
            self.unrequested_label.setText(f"아직 의뢰하지 않은 청구 {c.unrequested_count:,}건 · "
                                           f"{won(c.unrequested_amount)}")
        else:
            self.unrequested_label.setText("")
        self.unrequested_label.setVisible(bool(c.unrequested_count))
        self.requests_button.setVisible(bool(c.unrequested_count))

    def _show_results(self, s: HomeSummary) -> None:
        _clear(self.results_box, keep=1)
        self.result_buttons = []
        if not s.results:
            self.results_box.addWidget(_label("오늘 도착할 결과가 없습니다.", "muted", wrap=True))
            self.results_box.addStretch(1)
            return
        for result in s.results:
            self.results_box.addWidget(_label(result.label, wrap=True))
            if result.arrived:
                if result.kind == "EB22":
                    text = (f"도착 · 이체처리완료 {result.done:,}건 ({won(result.debited)}), "
                            f"이체처리미완료 {result.failed:,}건")
                else:
                    text = f"도착 · 계좌신청완료 {result.done:,}건, 계좌신청미완료 {result.failed:,}건"
                status = _label(text, "ok" if not result.failed else "alert", wrap=True)
            elif result.overdue:
                status = _label(f"지연 · {formats.moment_text(result.due_at)}부터 받을 수 있었으나 아직 오지 않았습니다.",
                                "alert", wrap=True)
            else:
                status = _label(f"대기 · {result.due_at.astimezone(s.now.tzinfo):%H:%M}부터 받을 수 있습니다 "
                                f"({result.records:,}건).", "muted", wrap=True)
            self.results_box.addWidget(status)
            if result.arrived:
                button = QPushButton("결과 보기")
                key = destinations.page_key(result.destination)
                button.clicked.connect(lambda _=False, key=key: self.open(key))
                self.result_buttons.append(button)
                self.results_box.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
        self.results_box.addStretch(1)

    def _show_work(self, s: HomeSummary) -> None:
        _clear(self.work_box, keep=1)
        self.work_buttons = {}
        if not s.work:
            if self.setup is not None and not self.setup.ready:  # a new office has work: the checklist above
                self.work_box.addWidget(_label("처음 설정을 마치면 그날 처리할 일이 여기에 나옵니다. "
                                               "위의 '처음 설정' 목록부터 하세요.", "muted", wrap=True))
            else:
                self.work_box.addWidget(_label("지금 처리할 일이 없습니다.", "muted"))
            return
        for item in s.work:
            self.work_box.addWidget(self._work_row(item))

    def _work_row(self, item: WorkItem) -> QFrame:
        frame = QFrame()
        frame.setObjectName("workRow")
        row = QHBoxLayout(frame)
        row.setContentsMargins(0, 8, 0, 4)
        badge = _label(f"{item.count:,}", "badge")
        badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        badge.setMinimumWidth(34)
        row.addWidget(badge, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        text.setSpacing(2)
        head = f"<b>{item.title}</b>" + (f" &nbsp;·&nbsp; {won(item.amount)}" if item.amount else "")
        title = _label(head)
        title.setTextFormat(Qt.TextFormat.RichText)
        text.addWidget(title)
        text.addWidget(_label(item.detail, "muted", wrap=True))
        if item.examples:
            more = f" 외 {item.count - len(item.examples):,}건" if item.count > len(item.examples) else ""
            text.addWidget(_label(" / ".join(item.examples) + more, wrap=True))
        row.addLayout(text, 1)
        button = QPushButton("바로 가기 ›")
        button.setToolTip(f"{item.title} 화면을 엽니다.")
        key = destinations.page_key(item.destination)
        button.clicked.connect(lambda _=False, key=key: self.open(key))
        self.work_buttons[item.key] = button
        row.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
        return frame

    def _show_month(self, s: HomeSummary) -> None:
        _clear(self.month_grid)
        now, before = s.this_month, s.last_month
        heads = ("", f"이번 달 ({now.period})", f"지난달 ({before.period})", "증감")
        for column, head in enumerate(heads):
            self.month_grid.addWidget(_label(head, "metricHead"), 0, column)
        for row, (name, text, value) in enumerate(METRICS, start=1):
            self.month_grid.addWidget(_label(name, "metricHead"), row, 0)
            self.month_grid.addWidget(_label(text(now), "metricNow"), row, 1)
            self.month_grid.addWidget(_label(text(before), "metric"), row, 2)
            diff = _difference(value(now), value(before), percent=name == "수납률")
            self.month_grid.addWidget(_label(diff, "metric"), row, 3)
        self.month_grid.setColumnStretch(4, 1)

    def metric_text(self, name: str, column: int = 1) -> str:
        """The text shown for a metric (tests and the picture check read it)."""
        for row in range(1, self.month_grid.rowCount()):
            head = self.month_grid.itemAtPosition(row, 0)
            title = head.widget() if head is not None else None
            if isinstance(title, QLabel) and title.text() == name:
                cell = self.month_grid.itemAtPosition(row, column)
                value = cell.widget() if cell is not None else None
                return value.text() if isinstance(value, QLabel) else ""
        return ""
