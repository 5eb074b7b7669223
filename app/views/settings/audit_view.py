"""환경설정 > 감사기록 (administrators only): who did what, and when, on this installation.

Not in the manual; it answers the questions an office asks after something went wrong: who reset
that password, who changed the settlement account, whose login was refused. The search is capped
by the service, so the page says when the list was cut and the period should be narrowed.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from app.models.enums import Role
from app.services.common import audit
from app.services.common.audit import AuditRow
from app.services.common.calendar import SEOUL
from app.services.common.formats import stamp_text
from app.services.settings import users as auth
from app.views.common.base import Page, hint_label
from app.views.common.context import AppContext
from app.views.common.date_pickers import mark_closed_days, qdate_to_date
from app.views.common.tables import (
    ALIGN_CENTER,
    Column,
    RowsModel,
    fit_columns,
    make_table,
)

SEARCH_LIMIT = 1000
DEFAULT_DAYS = 7

# Korean names for the keys and values the services put in `detail` (English codes in the database).
DETAIL_KEYS: dict[str, str] = {
    "reason": "사유", "attempt": "실패 횟수", "role": "권한", "name": "이름", "birth_date": "생년월일",
    "days": "집금일", "active": "사용", "institution_code": "이용기관코드", "business_no": "사업자등록번호",
    "representative": "대표자명", "settlement_bank_code": "정산은행", "settlement_account_no": "정산계좌번호",
    "passbook_text": "통장기재내용", "fee_per_debit": "건당수수료(이체)", "fee_per_registration": "건당수수료(계좌신청)",
    "debit_days": "이체가능일", "registration_cutoff": "계좌신청 마감시각", "request_cutoff": "이체의뢰 마감시각",
    "result_time": "결과 수신시각", "auto_request": "자동 이체의뢰", "auto_request_lead_minutes": "자동의뢰 시각",
    "approval_box_enabled": "결재란 사용", "approval_box_labels": "결재란", "year_end_closing": "연말 휴무",
    "credential": "스케줄러 자격 번호",
}
DETAIL_VALUES: dict[str, str] = {
    "unknown user": "없는 사용자", "locked": "잠긴 계정", "inactive": "사용 중지된 사용자",
    "revoked": "폐기된 자격", "unknown credential": "없는 자격", "wrong token": "틀린 토큰",
    "changed": "변경", "True": "예", "False": "아니오", **{r.value: r.label for r in Role},
}


def _value_text(value: object) -> str:
    text = str(value)
    if re.fullmatch(r"[0-9]+(,[0-9]+)+", text):  # days are stored as "5,25"
        return text.replace(",", ", ")
    if "->" in text:  # a role change is stored as "CLERK->ADMIN"
        return " → ".join(DETAIL_VALUES.get(part, part) for part in text.split("->"))
    return DETAIL_VALUES.get(text, text)


def detail_text(detail: str) -> str:
    """The stored JSON detail as a line a clerk can read: '권한: 담당자 → 관리자, 이름: 변경'."""
    if not detail:
        return ""
    try:
        data = json.loads(detail)
    except ValueError:
        return detail
    if not isinstance(data, dict):
        return str(data)
    return ", ".join(f"{DETAIL_KEYS.get(k, k)}: {_value_text(v)}" for k, v in data.items())


def day_range(first: date, last: date) -> tuple[datetime, datetime]:
    """Whole office days, first to last inclusive, as the aware bounds the service compares with."""
    return datetime.combine(first, time.min, SEOUL), datetime.combine(last + timedelta(days=1), time.min, SEOUL)


DETAIL_COLUMN = Column("내용", lambda r: detail_text(r.detail))
AUDIT_COLUMNS = (
    Column("일시", lambda r: stamp_text(r.at, "%Y-%m-%d %H:%M:%S"), ALIGN_CENTER),
    Column("사용자", lambda r: r.login_id),
    Column("작업", lambda r: r.action_label),
    Column("대상", lambda r: r.target),
    DETAIL_COLUMN,
    Column("PC", lambda r: r.host),
    Column("OS 사용자", lambda r: r.os_user),
)


class AuditPage(Page):
    """감사기록: search by period, user and action. Building it for a non-administrator is refused."""

    title = "감사기록"
    key = "settings.audit"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        ctx.actor.require_admin()  # raises PermissionDeniedError: there is no such page for others
        super().__init__(ctx, parent)
        today = ctx.clock().astimezone(SEOUL).date()
        self.date_from = self._date_box(today - timedelta(days=DEFAULT_DAYS - 1))
        self.date_to = self._date_box(today)
        mark_closed_days(ctx, self.date_from, self.date_to)
        self.user = QComboBox()
        self.user.setEditable(True)
        self.user.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        typing = self.user.lineEdit()
        assert typing is not None  # setEditable(True) gave the combo its line edit
        typing.setPlaceholderText("전체")
        self.user.setMinimumWidth(140)
        typing.returnPressed.connect(self.search)
        self.action = QComboBox()
        self.action.addItem("전체", "")
        for code, label in audit.ACTION_LABELS.items():
            self.action.addItem(label, code)
        self.search_button = QPushButton("조회")
        self.search_button.setProperty("primary", True)
        self.search_button.clicked.connect(self.search)

        filters = QWidget()
        row = QHBoxLayout(filters)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("기간"))
        row.addWidget(self.date_from)
        row.addWidget(QLabel("~"))
        row.addWidget(self.date_to)
        row.addSpacing(12)
        row.addWidget(QLabel("사용자 ID"))
        row.addWidget(self.user)
        row.addSpacing(12)
        row.addWidget(QLabel("작업"))
        row.addWidget(self.action)
        row.addWidget(self.search_button)
        row.addStretch(1)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):  # Enter in any filter searches
            shortcut = QShortcut(QKeySequence(key), filters)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.search)

        self.model = RowsModel(AUDIT_COLUMNS, self)
        self.table = make_table(self.model, stretch=AUDIT_COLUMNS.index(DETAIL_COLUMN))
        self.count = hint_label("")
        self.body.addWidget(filters)
        self.body.addWidget(self.table, 1)
        self.body.addWidget(self.count)
        self.setTabOrder(self.date_from, self.date_to)
        self.setTabOrder(self.date_to, self.user)
        self.setTabOrder(self.user, self.action)
        self.setTabOrder(self.action, self.search_button)
        self.setTabOrder(self.search_button, self.table)

    @staticmethod
    def _date_box(day: date) -> QDateEdit:
        box = QDateEdit(QDate(day.year, day.month, day.day))
        box.setCalendarPopup(True)
        box.setDisplayFormat("yyyy-MM-dd")
        return box

    def refresh(self) -> None:
        """On show: offer the current users in the filter, and run the search with the filters as they are."""
        typed = self.user.currentText()
        self.user.blockSignals(True)
        self.user.clear()
        self.user.addItem("")
        for row in auth.list_users(self.ctx.db, self.ctx.actor, now=self.ctx.clock):
            self.user.addItem(row.login_id)
        self.user.setEditText(typed)
        self.user.blockSignals(False)
        self.search()

    def search(self) -> None:
        first, last = qdate_to_date(self.date_from), qdate_to_date(self.date_to)
        if last < first:
            self.count.setText("기간: 끝 날짜가 시작 날짜보다 앞입니다. 날짜를 바꾸세요.")
            self.model.set_rows([])
            return
        since, until = day_range(first, last)
        rows: list[AuditRow] = audit.search(
            self.ctx.db, self.ctx.actor, since=since, until=until,
            login_id=self.user.currentText().strip() or None,
            action=str(self.action.currentData() or "") or None, limit=SEARCH_LIMIT,
        )
        self.model.set_rows(rows)
        fit_columns(self.table)
        note = f" 최근 {SEARCH_LIMIT}건까지만 보입니다. 기간을 좁혀 조회하세요." if len(rows) >= SEARCH_LIMIT else ""
        self.count.setText(f"{len(rows)}건 · {first:%Y-%m-%d} ~ {last:%Y-%m-%d}{note}")
