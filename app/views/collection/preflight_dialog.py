"""이체의뢰 사전 점검: what this debit date will ask for, against the same debit day last month.

Shown before every 이체의뢰 (and on its own from [사전 점검]) because the costly mistakes of a
monthly debit are visible only by comparison: a payer who silently dropped out, an amount that
changed, a discount that ended, a changed account. Every payer who cannot be requested is listed
with the reason, so the clerk fixes it before the cut-off rather than hearing from the parent.

The dialog only shows the service's `Preflight`; in request mode its [이체의뢰] button accepts the
dialog and the page does the request.

A charge above its item's posted 교습비 (학원) is listed first, under its own heading and in red, with
a warning line above the table: asking for it is charging more than the law allows.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.collection.requests import OVER_POSTED_FEE, PayerChange, Preflight
from app.views.collection.table_models import (
    ALIGN_CENTER,
    ALIGN_RIGHT,
    Column,
    TickModel,
    fit,
    make_tick_table,
    won,
)
from app.views.common.base import hint_label
from app.views.common.tables import ALERT, MUTED

EXCLUDED = "의뢰 불가"
ALREADY = "이미 의뢰"


@dataclass(frozen=True)
class CheckLine:
    """One row of the comparison: a payer change or an excluded payer, under its Korean heading."""

    group: str
    customer_no: str
    customer_name: str
    item_name: str
    last_amount: int | None
    this_amount: int | None
    text: str
    key: int


def check_lines(result: Preflight) -> list[CheckLine]:
    """The groups in the order a clerk checks them: who is missing first, then what changed."""
    lines: list[CheckLine] = []
    groups: tuple[tuple[str, tuple[PayerChange, ...]], ...] = (
        (OVER_POSTED_FEE, result.over_posted_fee), ("제외", result.dropped_payers), ("신규", result.new_payers),
        ("금액 변경", result.amount_changes),
        ("계좌 변경", result.changed_payers), ("할인 종료", result.expired_discounts),
    )
    for group, changes in groups:
        for change in changes:
            detail = change.text.removeprefix(f"{change.customer_name}({change.customer_no}) {change.item_name} ")
            if group == "신규":
                detail = "지난달 같은 이체일에는 의뢰하지 않은 고객입니다"
            lines.append(CheckLine(group, change.customer_no, change.customer_name, change.item_name,
                                   change.last_amount, change.this_amount, detail, len(lines)))
    # A row already queued for this date is not a problem to fix: listed last, under its own heading.
    excluded = sorted(result.excluded, key=lambda r: r.open_request_id is not None)
    for row in excluded:
        queued = row.open_request_id is not None
        lines.append(CheckLine(ALREADY if queued else EXCLUDED, row.customer_no, row.customer_name, row.item_name,
                               None, None, row.reason or "", len(lines)))
    return lines


COLUMNS = (
    Column("구분", lambda r: r.group, ALIGN_CENTER,
           lambda r: ALERT if r.group in ("제외", EXCLUDED, OVER_POSTED_FEE) else MUTED if r.group == ALREADY else None),
    Column("고객번호", lambda r: r.customer_no),
    Column("고객명", lambda r: r.customer_name),
    Column("집금항목", lambda r: r.item_name),
    Column("지난달", lambda r: won(r.last_amount), ALIGN_RIGHT),
    Column("이번", lambda r: won(r.this_amount), ALIGN_RIGHT),
    Column("내용", lambda r: r.text),
)


class PreflightDialog(QDialog):
    """The pre-flight summary; with `ticked` it is the last step before 이체의뢰 and offers the button."""

    def __init__(self, result: Preflight, parent: QWidget | None = None, *,
                 ticked: tuple[int, int] | None = None, can_request: bool = False) -> None:
        super().__init__(parent)
        self.preflight = result
        self.setWindowTitle(f"이체의뢰 사전 점검 — 출금일 {result.debit_date:%Y-%m-%d}")
        self.setMinimumSize(900, 560)
        layout = QVBoxLayout(self)

        last_dates = ", ".join(f"{d:%m-%d}" for d in result.last_debit_dates) or "없음"
        diff = result.this_amount - result.last_amount
        self.summary = QLabel(
            f"이번 출금일 {result.debit_date:%Y-%m-%d}: 의뢰 가능 {result.this_count}건 {result.this_amount:,}원\n"
            f"지난달 같은 이체일({last_dates}): {result.last_count}건 {result.last_amount:,}원 · 차이 {diff:+,}원")
        self.summary.setObjectName("headerInfo")
        layout.addWidget(self.summary)
        queued = sum(1 for r in result.excluded if r.open_request_id is not None)
        counts = ((OVER_POSTED_FEE, len(result.over_posted_fee)), ("신규", len(result.new_payers)), ("제외", len(result.dropped_payers)),
                  ("계좌 변경", len(result.changed_payers)), ("금액 변경", len(result.amount_changes)),
                  ("할인 종료", len(result.expired_discounts)), (EXCLUDED, len(result.excluded) - queued),
                  (ALREADY, queued))
        self.counts = QLabel(" · ".join(f"{name} {count}건" for name, count in counts))
        layout.addWidget(self.counts)
        over = len(result.over_posted_fee)
        self.fee_warning = hint_label(
            f"게시 교습비를 넘는 청구가 {over}건 있습니다. 게시한 교습비보다 많이 받으면 과태료 대상입니다 "
            "(학원법 제15조). 의뢰하기 전에 고객의 월이체금액이나 집금항목의 게시 교습비를 확인하세요.", warning=True)
        self.fee_warning.setVisible(bool(over))
        layout.addWidget(self.fee_warning)

        self.lines = check_lines(result)
        self.model = TickModel(COLUMNS, key=lambda r: r.key, ticks=False, parent=self)
        self.model.set_rows(self.lines)
        self.table = make_tick_table(self.model)
        layout.addWidget(self.table, 1)
        if not self.lines:
            layout.addWidget(hint_label("지난달과 달라진 고객이나 의뢰할 수 없는 고객이 없습니다."))
        fit(self.table)

        buttons = QHBoxLayout()
        self.request_button: QPushButton | None = None
        if ticked is not None:
            count, amount = ticked
            note = hint_label(f"체크한 {count}건 {amount:,}원을 이체의뢰합니다. 위 내용을 확인하세요."
                              if can_request else "이체의뢰 마감이 지나 이 출금일에는 의뢰할 수 없습니다.",
                              warning=not can_request)
            buttons.addWidget(note, 1)
            if can_request:
                self.request_button = QPushButton("이체의뢰")
                self.request_button.setProperty("primary", True)
                self.request_button.clicked.connect(self.accept)
                buttons.addWidget(self.request_button)
        else:
            buttons.addStretch(1)
        self.close_button = QPushButton("닫기")
        self.close_button.clicked.connect(self.reject)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
