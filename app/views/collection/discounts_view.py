"""수납관리 > 할인관리: give ticked customers a discount rate, see the amounts first, apply them at once.

The manual's steps, in order: search the customers, ① tick them, ② enter the 면제할인비율, ③ the
amounts against each monthly amount appear at once, ④ 일괄적용, ⑤ confirm — and the discount
applies from the next request. The amounts in ③ come from the discount service's preview (the
same computation that applies them, truncated to the won), never from arithmetic in this screen.

The history panel shows who changed which discount, when, from what to what, because a discount
changes money for every later month and the office must be able to answer "since when?".
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.models import CustomerType
from app.services.collection import discounts
from app.services.collection.discounts import (
    DiscountPreview,
    DiscountQuery,
    DiscountRow,
)
from app.services.common.formats import stamp_text
from app.services.customers import records as customers
from app.views.collection.table_models import (
    ALIGN_CENTER,
    ALIGN_RIGHT,
    ALL,
    Column,
    TickModel,
    contract_line,
    fill_items,
    fit,
    item_combo,
    make_tick_table,
    money_column,
    search_box,
    sync_all_box,
    update_contract_line,
    won,
)
from app.views.common.base import Page, confirm, hint_label, run_guarded
from app.views.common.column_fit import set_elastic
from app.views.common.context import AppContext
from app.views.common.empty_state import EmptyState, has_customers
from app.views.common.tables import ALERT

INTRO = ("할인 적용할 고객을 체크박스로 선택하고 면제할인비율을 입력하면 월 이체금액 대비 할인금액이 자동 계산되어 "
         "표시됩니다. 금액에 이상이 없으면 [일괄적용]을 누르세요. 다음 이체 분부터 할인된 금액으로 이체의뢰됩니다.")
NEW_COLOUR = ALERT


def _rate(rate: int) -> str:
    return f"{rate}%"


class DiscountsPage(Page):
    """할인관리: filtered agreements with ticks, a rate, the preview, 일괄적용 and the change history."""

    title = "할인관리"
    key = "collection.discounts"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.previews: dict[int, DiscountPreview] = {}
        self.contract_label = contract_line(ctx)
        self.body.addWidget(self.contract_label)
        self.body.addWidget(hint_label(INTRO))

        self.item_filter = item_combo(90)
        self.grade_filter = QComboBox()
        self.grade_filter.setMinimumWidth(90)
        # As wide as a usual grade, not the longest (고등1 의대반): the filter row fits a 1024 screen.
        self.grade_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.grade_filter.setMinimumContentsLength(8)
        self.grade_filter.addItem(ALL, None)
        self.type_filter = QComboBox()
        self.type_filter.addItem(ALL, None)
        for kind in CustomerType:
            self.type_filter.addItem(kind.label, kind.value)
        self.text_filter = search_box()
        self.only_discounted = QCheckBox("할인 고객만")
        self.search_button = QPushButton("검색")
        self.search_button.setProperty("primary", True)
        filters = QHBoxLayout()
        for caption, widget in (("집금항목", self.item_filter), ("고객등급", self.grade_filter),
                                ("고객구분", self.type_filter)):
            filters.addWidget(QLabel(caption))
            filters.addWidget(widget)
        filters.addWidget(self.text_filter)  # its placeholder names it (고객번호 또는 고객명): the row fits 1024
        filters.addWidget(self.only_discounted)
        filters.addWidget(self.search_button)
        filters.addStretch(1)
        self.body.addLayout(filters)
        self.search_button.clicked.connect(self.refresh)
        self.text_filter.returnPressed.connect(self.refresh)

        editing = ctx.actor.can_edit
        self.all_box = QCheckBox("전체 선택")
        self.all_box.toggled.connect(lambda on: self.model.set_all_checked(on))
        self.rate = QSpinBox()
        self.rate.setRange(0, 100)
        self.rate.setSuffix(" %")
        self.rate.setMinimumWidth(80)
        self.rate.valueChanged.connect(lambda _v: self.update_preview())
        self.apply_button = QPushButton("일괄적용")
        self.apply_button.setProperty("primary", True)
        self.apply_button.clicked.connect(self.apply)
        self.summary = QLabel()
        actions = QHBoxLayout()
        actions.addWidget(self.all_box)
        actions.addSpacing(12)
        actions.addWidget(self.summary, 1)
        actions.addWidget(QLabel("면제할인비율"))
        actions.addWidget(self.rate)
        actions.addWidget(self.apply_button)
        self.action_row = QWidget()
        self.action_row.setLayout(actions)
        actions.setContentsMargins(0, 0, 0, 0)
        for control in (self.all_box, self.rate, self.apply_button):
            control.setVisible(editing)
        self.body.addWidget(self.action_row)

        columns = (
            Column("고객번호", lambda r: r.customer_no),
            Column("고객명", lambda r: r.customer_name),
            Column("고객등급", lambda r: r.grade, ALIGN_CENTER),
            Column("집금항목", lambda r: r.item_name),
            money_column("월이체금액", lambda r: r.monthly_amount),
            Column("할인율", lambda r: _rate(r.discount_rate), ALIGN_CENTER),
            money_column("할인금액", lambda r: r.discount_amount, blank_zero=True),
            money_column("이체금액", lambda r: r.net_amount),
            # What 일괄적용 would make of a ticked row, titled short so that twelve columns fit 1024.
            Column("새 할인율", lambda r: self._preview_text(r, lambda p: _rate(p.new_rate)), ALIGN_CENTER,
                   lambda _r: NEW_COLOUR),
            money_column("새 할인금액", lambda r: self._preview_value(r, lambda p: p.new_amount),
                         lambda _r: NEW_COLOUR),
            money_column("새 이체금액", lambda r: self._preview_value(r, lambda p: p.new_net),
                         lambda _r: NEW_COLOUR),
        )
        self.model: TickModel = TickModel(columns, key=lambda r: r.agreement_id, ticks=editing, parent=self)
        self.model.checked_changed.connect(self.update_preview)
        self.table = make_tick_table(self.model)
        set_elastic(self.table, self.model.column_of("고객등급"))  # a class name narrows before a payer's name
        self.body.addWidget(self.table, 4)
        self.empty = EmptyState(self.table, ctx)
        self.status = hint_label("")
        self.body.addWidget(self.status)
        self.body.addWidget(self._history_box(), 1)
        self.update_preview()

    def _history_box(self) -> QGroupBox:
        box = QGroupBox("할인 변경 이력")
        layout = QVBoxLayout(box)
        columns = (
            Column("변경일시", lambda r: stamp_text(r.at), ALIGN_CENTER),
            Column("변경자", lambda r: r.login_id, ALIGN_CENTER),
            Column("고객번호", lambda r: r.customer_no),
            Column("고객명", lambda r: r.customer_name),
            Column("집금항목", lambda r: r.item_name),
            Column("변경 전", lambda r: f"{r.old_rate}% · {won(r.old_amount)}", ALIGN_RIGHT),
            Column("변경 후", lambda r: f"{r.new_rate}% · {won(r.new_amount)}", ALIGN_RIGHT),
            Column("", lambda _r: ""),  # takes the spare width, so 변경 후 stays beside 변경 전
        )
        self.history_model = TickModel(columns, key=lambda r: (r.at, r.agreement_id), ticks=False, parent=self)
        self.history_table = make_tick_table(self.history_model)
        self.history_table.setMinimumHeight(110)
        box.setMaximumHeight(230)
        layout.addWidget(self.history_table)
        return box

    # --- preview -------------------------------------------------------------------------------------

    def _preview_value(self, row: DiscountRow, value: Callable[[DiscountPreview], int]) -> int | None:
        """A preview figure for a ticked row; blank for the others (nothing would change for them)."""
        preview = self.previews.get(row.agreement_id)
        return value(preview) if preview is not None else None

    def _preview_text(self, row: DiscountRow, text: Callable[[DiscountPreview], str]) -> str:
        preview = self.previews.get(row.agreement_id)
        return text(preview) if preview is not None else ""

    def update_preview(self) -> None:
        """③: the ticked rows' amounts at the entered rate, as the service would apply them."""
        ticked = [r.agreement_id for r in self.model.checked_rows()]
        self.previews = {}
        if ticked and self.ctx.contract_id is not None:
            found = discounts.preview_discount(self.ctx.db, self.ctx.actor, self.ctx.contract_id, ticked,
                                               self.rate.value())
            self.previews = {p.agreement_id: p for p in found}
        self.model.refresh_cells()
        sync_all_box(self.all_box, self.model)
        if self.model.rowCount():
            fit(self.table)
        chosen = list(self.previews.values())
        if chosen:
            monthly = sum(p.monthly_amount for p in chosen)
            new = sum(p.new_amount for p in chosen)
            self.summary.setText(f"선택 {len(chosen)}건 · 월이체금액 {monthly:,}원 · 할인금액 {new:,}원 · "
                                 f"적용 후 이체금액 {monthly - new:,}원")
        else:
            self.summary.setText("할인 적용할 고객을 체크하세요." if self.ctx.actor.can_edit else "")
        self.apply_button.setEnabled(bool(chosen))

    # --- loading -------------------------------------------------------------------------------------

    def query(self) -> DiscountQuery:
        kind = self.type_filter.currentData()
        return DiscountQuery(item_id=self.item_filter.currentData(), grade=self.grade_filter.currentData(),
                             customer_type=CustomerType(kind) if kind else None,
                             text=self.text_filter.text().strip() or None,
                             only_discounted=self.only_discounted.isChecked())

    def refresh(self) -> None:
        if self.ctx.contract_id is None:
            return
        update_contract_line(self.ctx, self.contract_label)
        fill_items(self.ctx, self.item_filter)
        self._fill_grades()
        rows = discounts.list_agreements(self.ctx.db, self.ctx.actor, self.ctx.contract_id, self.query())
        self.model.set_rows(rows)  # its checked_changed recomputes the preview of what stays ticked
        fit(self.table)
        self._show_empty()
        self.load_history()

    def _show_empty(self) -> None:
        """No agreement listed: with no filter, where agreements come from; with one, the filter's words."""
        query = self.query()
        if self.model.rowCount():
            self.empty.clear()
        elif query.item_id is not None or query.grade or query.customer_type or query.text:
            self.empty.show_filtered("조건에 맞는 이체정보가 없습니다.")
        elif query.only_discounted:
            self.empty.show_filtered("할인 중인 고객이 없습니다. '할인 고객만'을 풀면 모든 이체정보가 나옵니다.")
        elif not has_customers(self.ctx):
            self.empty.show_no_customers("할인은 고객의 이체정보에 적용합니다. 고객과 이체정보를 먼저 넣으세요.")
        else:
            self.empty.show_empty("할인할 이체정보가 없습니다 — 고객 상세정보에서 이체정보를 추가하세요",
                                  "이체정보(집금항목·월이체금액)가 있는 고객이 여기에 나옵니다.",
                                  [("고객관리 ›", "customers.list")] if self.ctx.actor.can_edit else [])

    def _fill_grades(self) -> None:
        keep = self.grade_filter.currentData()
        self.grade_filter.clear()
        self.grade_filter.addItem(ALL, None)
        for grade in customers.filter_options(self.ctx.db, self.ctx.actor, self.ctx.contract_id or 0).grades:
            self.grade_filter.addItem(grade, grade)
        self.grade_filter.setCurrentIndex(max(self.grade_filter.findData(keep), 0))

    def load_history(self) -> None:
        if self.ctx.contract_id is None:
            return
        self.history_model.set_rows(discounts.discount_history(self.ctx.db, self.ctx.actor, self.ctx.contract_id))
        fit(self.history_table)

    # --- 일괄적용 ------------------------------------------------------------------------------------

    def apply(self) -> None:
        """④ 일괄적용 → ⑤ 확인: all ticked agreements at once, or none (the service is all or nothing)."""
        chosen = list(self.previews.values())
        if not chosen or self.ctx.contract_id is None:
            return
        rate = self.rate.value()
        changing = [p for p in chosen if p.changed]
        text = (f"선택한 {len(chosen)}건에 면제할인비율 {rate}%를 일괄적용할까요?\n"
                f"할인금액 합계 {sum(p.new_amount for p in chosen):,}원 "
                f"(바뀌는 건 {len(changing)}건). 다음 이체 분부터 적용됩니다.")
        if not confirm(self, text, "할인 일괄적용"):
            return
        ids = [p.agreement_id for p in chosen]
        outcome: list[discounts.DiscountApplied] = []
        if run_guarded(self, lambda: outcome.append(discounts.apply_discount(
                self.ctx.db, self.ctx.actor, self.ctx.contract_id or 0, ids, rate, now=self.ctx.clock()))):
            self.model.set_all_checked(False)  # applied: the next rate starts from a clean slate
            self.refresh()
            self.status.setText(outcome[0].message)
            self.ctx.signals.status_message.emit(outcome[0].message)
            self.ctx.signals.data_changed.emit("collection")
