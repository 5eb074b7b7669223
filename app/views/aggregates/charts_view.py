"""집계 개요: three charts with their numbers beside them (QtCharts).

* 월별 수납률 — the last 12 months, 출금금액 ÷ 결과가 나온 의뢰금액;
* 집금항목별 금액 — 의뢰금액 and 출금금액 per item over the period;
* 불능사유별 — failed requests of the period by the bank's reason.

A chart alone hides the figures, so each has a small table of the exact numbers next to it. The
widget is a tab of 이체의뢰내역집계 (the manual's menu has no entry of its own for it) and is also
served as the page key ``aggregates.overview`` for a direct link.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Any

from PySide6.QtCharts import (
    QAbstractBarSeries,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QPieSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.services.aggregates import overview as aggregates_overview
from app.services.aggregates.common import rate_text
from app.services.aggregates.overview import Overview
from app.services.common.periods import Period, default_period, month_number
from app.views.aggregates.aggregate_base import (
    ALIGN_CENTER,
    Background,
    Column,
    date_edit,
    won_column,
)
from app.views.common.base import Page, hint_label, show_error
from app.views.common.context import AppContext
from app.views.common.date_pickers import mark_closed_days
from app.views.common.tables import ALIGN_RIGHT, RowsModel, make_table

REQUESTED = QColor("#9db4d3")
DEBITED = QColor("#2f6db5")
RATE = QColor("#3f8f5a")
PIE = ("#c0392b", "#e67e22", "#f1c40f", "#8e44ad", "#16a085", "#7f8c8d")


def _chart(title: str, font: QFont) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    title_font = QFont(font)
    title_font.setBold(True)
    title_font.setPointSizeF(font.pointSizeF() + 1)
    chart.setTitleFont(title_font)
    chart.legend().setFont(font)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    return chart


def _view(chart: QChart) -> QChartView:
    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(190)
    return view


def whole_ticks(top: float, most: int = 6) -> tuple[int, int]:
    """(axis top, tick interval) for a count or 만원 axis: whole-number ticks of 1, 2 or 5 × 10ⁿ.

    Qt's own ticks divide the range evenly, so a top of 2 gives 0, 0.5, 1, 1.5, 2 which "%d" prints as
    0, 0, 1, 1, 2 — an axis that reads 2, 1, 1, 0. An integer interval ≥ 1 never repeats a label.
    """
    top = max(float(top), 1.0)
    interval = 1
    while math.ceil(top / interval) > most - 1:
        interval = _next_step(interval)
    return interval * math.ceil(top / interval), interval


def _next_step(step: int) -> int:
    """1 → 2 → 5 → 10 → 20 → 50 …"""
    lead = int(str(step)[0])
    return step * 2 if lead == 1 else step * 5 // 2 if lead == 2 else step * 2


def _man(won: int) -> float:
    """Chart axes in 만원 (10,000 won): a million-won axis in won is unreadable."""
    return won / 10000


class OverviewWidget(QWidget):
    """The three charts and tables; `show_overview` fills them from the service's figures."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        font = self.font()
        self.rate_chart = _chart("월별 수납률 (최근 12개월)", font)
        self.item_chart = _chart("집금항목별 금액 (만원)", font)
        self.reason_chart = _chart("불능사유별 건수", font)
        self.rate_model = RowsModel([
            Column("월", lambda m: m.month, ALIGN_CENTER),
            won_column("의뢰금액", lambda m: m.requested_amount),
            won_column("출금금액", lambda m: m.debited_amount),
            Column("수납률", lambda m: rate_text(m.rate_bp) if m.requested_amount else "-", ALIGN_RIGHT),
        ], self)
        self.item_model = RowsModel([
            Column("집금항목", lambda i: i.item),
            won_column("의뢰금액", lambda i: i.requested_amount),
            won_column("출금금액", lambda i: i.debited_amount),
        ], self)
        self.reason_model = RowsModel([
            Column("불능사유", lambda r: f"{r.code} {r.reason}".strip()),
            Column("건수", lambda r: f"{r.count:,}", ALIGN_RIGHT),
            won_column("불능금액", lambda r: r.amount),
        ], self)
        self.tables = [make_table(m) for m in (self.rate_model, self.item_model, self.reason_model)]
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        charts = (self.rate_chart, self.item_chart, self.reason_chart)
        for row, (chart, table) in enumerate(zip(charts, self.tables, strict=True)):
            table.setMinimumHeight(120)
            table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            grid.addWidget(_view(chart), row, 0)
            grid.addWidget(table, row, 1)
            grid.setRowStretch(row, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        self.empty_label = hint_label("")
        # The charts keep a readable height; on a 768-high screen the three scroll, up and down only.
        charts_area = QWidget()
        charts_area.setLayout(grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(charts_area)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll, 1)
        outer.addWidget(self.empty_label)

    def show_overview(self, overview: Overview) -> None:
        self._rates(overview.months)
        self._items(overview.items)
        self._reasons(overview.reasons)
        self.rate_model.set_rows(list(reversed(overview.months)))  # the latest month first, where the eye starts
        self.item_model.set_rows(list(overview.items))
        self.reason_model.set_rows(list(overview.reasons))
        self.empty_label.setText("" if overview.reasons else f"{overview.period.text}: 불능 건이 없습니다.")

    def _reset(self, chart: QChart) -> None:
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)

    def _axes(self, chart: QChart, series: Any, categories: Sequence[str], top: float, label: str, *,
              nice: bool = False) -> None:
        x = QBarCategoryAxis()
        x.append(list(categories))
        x.setLabelsFont(self.font())
        y = QValueAxis()
        if nice:
            # Whole-number ticks (0, 1, 2 … or 0, 500, 1000 …): never 0, 646, 1291, nor 2, 1, 1, 0.
            axis_top, interval = whole_ticks(top)
            y.setRange(0, axis_top)
            y.setTickType(QValueAxis.TickType.TicksDynamic)
            y.setTickAnchor(0)
            y.setTickInterval(interval)
        else:
            y.setRange(0, top)
        y.setLabelFormat(label)
        y.setLabelsFont(self.font())
        chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(x)
        series.attachAxis(y)

    def _rates(self, months: Sequence[aggregates_overview.MonthRate]) -> None:
        self._reset(self.rate_chart)
        bars = QBarSet("수납률(%)")
        bars.setColor(RATE)
        for month in months:
            bars.append(month.rate_bp / 100)
        series = QBarSeries()
        series.append(bars)
        series.setLabelsVisible(True)
        series.setLabelsFormat("@value%")
        series.setLabelsPosition(QAbstractBarSeries.LabelsPosition.LabelsInsideEnd)
        series.setLabelsAngle(-90)  # upright text fits inside a narrow bar
        self.rate_chart.addSeries(series)
        # "12월", "1월": twelve labels that fit under the bars of a 1024-wide screen ("25-12" did not).
        self._axes(self.rate_chart, series, [f"{month_number(m.month)}월" for m in months], 100, "%d%%")
        self.rate_chart.legend().setVisible(False)

    def _items(self, items: Sequence[aggregates_overview.ItemAmount]) -> None:
        self._reset(self.item_chart)
        requested, debited = QBarSet("의뢰금액"), QBarSet("출금금액")
        requested.setColor(REQUESTED)
        debited.setColor(DEBITED)
        for item in items:
            requested.append(_man(item.requested_amount))
            debited.append(_man(item.debited_amount))
        series = QBarSeries()
        series.append(requested)
        series.append(debited)
        self.item_chart.addSeries(series)
        top = max([_man(i.requested_amount) for i in items] + [1.0])
        self._axes(self.item_chart, series, [i.item for i in items] or ["-"], top, "%d", nice=True)
        self.item_chart.legend().setVisible(True)
        self.item_chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)

    def _reasons(self, reasons: Sequence[aggregates_overview.ReasonCount]) -> None:
        self._reset(self.reason_chart)
        series = QPieSeries()
        for i, reason in enumerate(reasons):
            piece = series.append(f"{reason.reason} {reason.count:,}건", reason.count)
            piece.setColor(QColor(PIE[i % len(PIE)]))
            piece.setLabelFont(self.font())
        series.setLabelsVisible(bool(reasons))
        self.reason_chart.addSeries(series)
        self.reason_chart.legend().setVisible(True)
        self.reason_chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)


class OverviewPage(Page):
    """집계 개요 on its own (page key aggregates.overview): a period and the three charts."""

    title = "집계 개요"
    key = "aggregates.overview"
    loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        period = default_period(ctx.clock().date())
        self.start_edit, self.end_edit = date_edit(period.start), date_edit(period.end)
        mark_closed_days(ctx, self.start_edit, self.end_edit)
        self.search_button = QPushButton("조회")
        self.search_button.clicked.connect(self.refresh)
        bar = QHBoxLayout()
        for widget in (QLabel("조회기간"), self.start_edit, QLabel("~"), self.end_edit, self.search_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        self.body.addLayout(bar)
        self.overview = OverviewWidget(self)
        self.body.addWidget(self.overview, 1)
        self._query = Background(self)
        self._query.finished.connect(self._ready)
        self._query.failed.connect(lambda _t, error: show_error(self, error))

    def refresh(self) -> None:
        if self.ctx.contract_id is None:
            return
        start, end = self.start_edit.date(), self.end_edit.date()
        period = Period(date(start.year(), start.month(), start.day()), date(end.year(), end.month(), end.day()))
        db, actor, contract_id = self.ctx.db, self.ctx.actor, self.ctx.contract_id
        self._query.start(lambda: aggregates_overview.overview(db, actor, contract_id, period))

    def _ready(self, token: int, overview: Overview) -> None:
        if self._query.is_current(token):
            self.overview.show_overview(overview)
            self.loaded.emit()
