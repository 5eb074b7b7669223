"""통장입금대사's two row dialogs, and how a deposit and what it pays are written on screen.

* [변경…] (`ChangeDialog`): the clerk decides what one deposit pays. The charges a deposit may pay
  are searched by 고객번호 or 이름 (the service's `candidates`, handed in as `find`, so the dialog
  holds no query of its own); ticking one fills in min(what is left of the deposit, what is still
  owed) and every amount typed is held to both bounds, so the dialog can never hand back a part
  above a charge's outstanding amount or a total above the deposit. What is left of the deposit is
  always on screen: it stays 미처리 and is never applied.
* [수납아님…] (`DismissDialog`): the deposit is not a payment at all (임대료, a refund coming back…);
  the reason is required, because a clerk who finds it later must see why it was set aside.

Neither dialog writes anything: the page collects the clerk's choices and applies them together.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.collection.cash import CashRow
from app.services.collection.statements.model import Allocation, Deposit
from app.services.common.validation import ValidationError, amount_won
from app.views.collection.table_models import (
    ALIGN_CENTER,
    ALIGN_RIGHT,
    Column,
    fit,
    make_tick_table,
    money_column,
    search_box,
)
from app.views.common.base import grow_to_fit, hint_label
from app.views.common.column_fit import set_elastic
from app.views.common.dialogs import accept_row
from app.views.common.tables import ALERT, MUTED, AnyIndex, RowsModel

NOTE_MAX = 200
"""A 수납아님 reason, as the statement line stores it."""
SHOWN_MAX = 500
"""Charges listed at once in [변경…]: more means the search should be narrower, and says so."""
CANDIDATE_SEARCH = "고객번호 또는 고객명"


def when_text(deposit: Deposit) -> str:
    """'2026-11-25 14:03' (the minute is what a clerk compares with the bank's screen)."""
    time = f" {deposit.occurred_time[:5]}" if deposit.occurred_time else ""
    return f"{deposit.occurred_on:%Y-%m-%d}{time}"


def allocation_line(part: Allocation) -> str:
    """'2024001 김민준 · 수강료 · 2026-11 · 300,000원': one charge a deposit pays."""
    return f"{part.customer_no} {part.customer_name} · {part.item_name} · {part.period} · {part.amount:,}원"


def allocations_text(parts: Sequence[Allocation]) -> str:
    """What a deposit pays in one line: a payer's months of one item together, several payers after ' / '.

    '2024001 김민준 · 수강료 · 2026-10, 2026-11 · 600,000원' reads at a glance in a table row, where one
    line per month would not fit; the cell's tooltip lists them one by one (`allocation_line`).
    """
    groups: dict[tuple[str, str, str], list[Allocation]] = {}
    for part in parts:
        groups.setdefault((part.customer_no, part.customer_name, part.item_name), []).append(part)
    return " / ".join(
        f"{no} {name} · {item} · {', '.join(p.period for p in group)} · {sum(p.amount for p in group):,}원"
        for (no, name, item), group in groups.items())


def _error_label() -> QLabel:
    label = QLabel("")
    label.setObjectName("errorText")
    label.setWordWrap(True)
    label.setVisible(False)
    return label


def _deposit_line(deposit: Deposit, available: int) -> str:
    left = "" if available == deposit.amount else f" (수납할 수 있는 남은 금액 {available:,}원)"
    memo = f" · 적요 {deposit.memo}" if deposit.memo else ""
    return f"{when_text(deposit)} · 입금자 {deposit.depositor} · 입금액 {deposit.amount:,}원{left}{memo}"


class DismissDialog(QDialog):
    """수납아님: why this deposit is no payment of a charge (required, at most 200 characters)."""

    def __init__(self, deposit: Deposit, note: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.deposit = deposit
        self.note = ""
        self.setWindowTitle("수납아님")
        self.setMinimumWidth(560)
        self.reason = QLineEdit(note)
        self.reason.setMaxLength(NOTE_MAX)
        self.reason.setPlaceholderText("예: 임대료 입금, 환불금 재입금, 다른 단체 회비 (필수)")
        self.reason.setMinimumWidth(360)
        self.error = _error_label()
        self.reason.textEdited.connect(lambda _t: self.error.setVisible(False))
        self.buttons = accept_row("수납아님", self.save, self.reject)
        form = QFormLayout()
        deposit_label = QLabel(_deposit_line(deposit, deposit.amount))
        deposit_label.setWordWrap(True)
        form.addRow("입금", deposit_label)
        form.addRow("사유", self.reason)
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label("이 입금은 미납을 낸 것이 아니므로 수납하지 않습니다. [수납반영]을 누를 때 사유와 함께 "
                                    "저장되고, 다시 읽어도 제안하지 않습니다."))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons.box)

    def save(self) -> None:
        note = " ".join(self.reason.text().split())
        if not note:
            self.error.setText("수납아님으로 두는 사유를 입력하세요.")
            self.error.setVisible(True)
            grow_to_fit(self)
            self.reason.setFocus()
            return
        self.note = note
        self.accept()


class ChargeModel(RowsModel):
    """The charges found, a tick in front and the amount to apply beside what is owed; both live in the
    dialog's `parts`, so a tick survives a new search (a sibling's charge found after the first payer's)."""

    TICK = "선택"
    AMOUNT = "수납할 금액"

    def __init__(self, dialog: ChangeDialog) -> None:
        super().__init__(CHARGE_COLUMNS, dialog)
        self.dialog = dialog
        owed = [c.header for c in CHARGE_COLUMNS].index("미수납액")
        # what each view column shows: the tick, a column of CHARGE_COLUMNS, or the amount to apply
        self._slots: list[str | int] = [self.TICK, *range(owed + 1), self.AMOUNT,
                                        *range(owed + 1, len(CHARGE_COLUMNS))]

    @property
    def amount_column(self) -> int:
        return self._slots.index(self.AMOUNT)

    def column_of(self, header: str) -> int:
        if header in (self.TICK, self.AMOUNT):
            return self._slots.index(header)
        return self._slots.index([c.header for c in self._columns].index(header))

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802 (Qt naming)
        return 0 if parent.isValid() else len(self._slots)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None:
            return base
        if index.column() == 0 and self.dialog.why_not(row) is None:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        if index.column() == self.amount_column and row.charge_id in self.dialog.parts:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row: CashRow | None = self.row_at(index.row()) if index.isValid() else None
        if row is None:
            return None
        reason = self.dialog.why_not(row)
        part = self.dialog.parts.get(row.charge_id)
        slot = self._slots[index.column()]
        if slot == self.TICK:
            if role == Qt.ItemDataRole.CheckStateRole and reason is None:
                return Qt.CheckState.Checked if part is not None else Qt.CheckState.Unchecked
            return reason if role == Qt.ItemDataRole.ToolTipRole else None
        if slot == self.AMOUNT:
            if role == Qt.ItemDataRole.DisplayRole:
                return "" if part is None else f"{part.amount:,}원"
            if role == Qt.ItemDataRole.EditRole:
                return "" if part is None else f"{part.amount:,}"
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(ALIGN_RIGHT.value)
            if role == Qt.ItemDataRole.ToolTipRole and part is not None:
                return f"두 번 눌러 고칩니다 (최대 {self.dialog.limit(row):,}원)"
            return None
        assert isinstance(slot, int)
        column = self._columns[slot]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.dialog.remark(row) if column.header == "비고" else column.text(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            text = self.dialog.remark(row) if column.header == "비고" else column.text(row)
            return f"{text}\n{reason}" if reason and text and text != reason else reason or text
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align.value)
        if role == Qt.ItemDataRole.ForegroundRole:
            colour = column.foreground(row) if column.foreground is not None else None
            return MUTED if reason is not None else colour
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802 (Qt naming)
        row: CashRow | None = self.row_at(index.row()) if index.isValid() else None
        if row is None:
            return False
        slot = self._slots[index.column()]
        if slot == self.TICK and role == Qt.ItemDataRole.CheckStateRole:
            state = value if isinstance(value, Qt.CheckState) else Qt.CheckState(int(value))
            return self.dialog.set_ticked(row, state == Qt.CheckState.Checked)
        if slot == self.AMOUNT and role == Qt.ItemDataRole.EditRole:
            return self.dialog.set_amount(row, str(value))
        return False

    def headerData(  # noqa: N802 (Qt naming)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._slots):
            return None
        slot = self._slots[section]
        if isinstance(slot, int):
            return super().headerData(slot, orientation, role)
        if role == Qt.ItemDataRole.DisplayRole:
            return slot
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int((ALIGN_CENTER if slot == self.TICK else ALIGN_RIGHT).value)
        return None

    def changed(self) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, self.columnCount() - 1))


CHARGE_COLUMNS = (
    Column("고객번호", lambda r: r.customer_no),
    Column("고객명", lambda r: r.customer_name),
    Column("집금항목", lambda r: r.item_name),
    Column("청구월", lambda r: r.period, ALIGN_CENTER),
    money_column("미수납액", lambda r: r.outstanding, lambda r: ALERT),
    Column("비고", lambda r: r.blocked or ""),  # the dialog adds what other ticked deposits already pay
)


class ChangeDialog(QDialog):
    """What one deposit pays, chosen by the clerk: charges ticked, each with an amount within bounds.

    `available` is what of the deposit may still be applied (all of it for a deposit just read, the
    remainder for a stored one); `reserved` is, per charge, what the other deposits ticked on the page
    already take, so two deposits together never pay more than a charge owes.
    """

    def __init__(self, deposit: Deposit, available: int, current: Sequence[Allocation],
                 find: Callable[[str], list[CashRow]], *, reserved: dict[int, int] | None = None,
                 search: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.deposit = deposit
        self.available = available
        self.find_charges = find
        self.reserved = dict(reserved or {})
        self.parts: dict[int, Allocation] = {p.charge_id: p for p in current}
        self.setWindowTitle("입금 수납 변경")
        self.setMinimumWidth(760)

        self.search = search_box(CANDIDATE_SEARCH, 200)
        self.search.setText(search)
        self.search_button = QPushButton("검색")
        self.search_button.clicked.connect(self.search_charges)
        self.search.returnPressed.connect(self.search_charges)
        self.model = ChargeModel(self)
        self.table = make_tick_table(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        set_elastic(self.table, self.model.column_of("비고"))  # a hold's reason may be long
        self.table.setMinimumHeight(200)
        self.found = hint_label("")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.chosen = hint_label("")
        self.error = _error_label()
        self.buttons = accept_row("확인", self.save, self.reject, default=False)

        top = QHBoxLayout()
        top.addWidget(QLabel("청구 찾기"))
        top.addWidget(self.search)
        top.addWidget(self.search_button)
        top.addWidget(self.found, 1)
        self.deposit_label = QLabel(_deposit_line(deposit, available))
        self.deposit_label.setObjectName("sectionTitle")
        self.deposit_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.deposit_label)
        layout.addWidget(hint_label("이 입금으로 수납할 청구를 체크하세요. 금액은 남은 입금액과 미수납액 중 작은 금액으로 채워지고, "
                                    "[수납할 금액]을 두 번 눌러 줄일 수 있습니다. 남는 금액은 수납하지 않고 미처리로 남습니다."))
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.chosen)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons.box)
        self.search_charges()

    # --- bounds ----------------------------------------------------------------------------------

    def limit(self, row: CashRow) -> int:
        """The most this deposit may pay of `row`: what it owes less what other ticked deposits take."""
        return max(row.outstanding - self.reserved.get(row.charge_id, 0), 0)

    def total(self) -> int:
        return sum(p.amount for p in self.parts.values())

    def remaining(self) -> int:
        return self.available - self.total()

    def remark(self, row: CashRow) -> str:
        """비고: why the charge cannot be paid now, or what other ticked deposits already pay of it."""
        if row.blocked:
            return row.blocked
        taken = self.reserved.get(row.charge_id, 0)
        return f"다른 입금에서 {taken:,}원 수납 예정" if taken else ""

    def why_not(self, row: CashRow) -> str | None:
        if row.blocked:
            return row.blocked
        if row.charge_id not in self.parts and self.limit(row) <= 0:
            return "다른 입금으로 미수납액을 모두 수납합니다"
        return None

    # --- the clerk's changes -----------------------------------------------------------------------

    def search_charges(self) -> None:
        """The charges matching the search (all the contract's, when it is empty)."""
        try:
            rows = self.find_charges(self.search.text().strip())
        except ValidationError as error:
            self._refuse(f"{error.field}: {error.message}")
            return
        shown = rows[:SHOWN_MAX]
        self.model.set_rows(shown)
        fit(self.table)
        if not rows:
            self.found.setText("수납할 수 있는 청구가 없습니다.")
        elif len(rows) > SHOWN_MAX:
            self.found.setText(f"{len(rows):,}건 중 앞 {SHOWN_MAX}건만 보입니다 — 고객번호나 이름으로 좁히세요.")
        else:
            self.found.setText(f"{len(rows):,}건")
        self._update()

    def set_ticked(self, row: CashRow, ticked: bool) -> bool:
        if not ticked:
            self.parts.pop(row.charge_id, None)
        elif row.charge_id not in self.parts:
            if self.why_not(row) is not None:
                return False
            amount = min(self.remaining(), self.limit(row))
            if amount <= 0:
                self._refuse("입금액을 모두 나누었습니다. 다른 청구의 금액을 줄이거나 체크를 풀고 고르세요.")
                return False
            self.parts[row.charge_id] = _part(row, amount)
        self.error.setVisible(False)
        self._update()
        return True

    def set_amount(self, row: CashRow, text: str) -> bool:
        """An amount typed for a ticked charge: refused (the old one kept) above either bound."""
        part = self.parts.get(row.charge_id)
        if part is None:
            return False
        name = f"{row.customer_no} {row.customer_name} · {row.item_name} {row.period}"
        try:
            amount = amount_won(text, "수납할 금액", minimum=1)
        except ValidationError as error:
            self._refuse(f"{name}: {error.message}")
            return False
        most = self.remaining() + part.amount
        if amount > self.limit(row):
            self._refuse(f"{name}: 미수납액 {self.limit(row):,}원보다 많이 수납할 수 없습니다.")
            return False
        if amount > most:
            self._refuse(f"{name}: 입금액에서 남은 {most:,}원보다 많이 수납할 수 없습니다.")
            return False
        self.parts[row.charge_id] = _part(row, amount)
        self.error.setVisible(False)
        self._update()
        return True

    def allocations(self) -> tuple[Allocation, ...]:
        return tuple(self.parts.values())

    def save(self) -> None:
        if not self.parts:
            self._refuse("이 입금으로 수납할 청구를 하나 이상 체크하세요. 수납하지 않을 입금이면 [취소] 후 [수납아님…]을 누르세요.")
            return
        self.accept()

    def _update(self) -> None:
        self.model.changed()
        count, total, left = len(self.parts), self.total(), self.remaining()
        text = f"입금액 {self.available:,}원 · 선택한 청구 {count}건 {total:,}원 · 남은 입금 {left:,}원"
        if count and left:
            text += f" (남은 {left:,}원은 수납하지 않고 미처리로 남습니다)"
        self.summary.setText(text)
        self.chosen.setText("\n".join(allocation_line(p) for p in self.parts.values()))
        self.chosen.setVisible(bool(self.parts))
        self.buttons.accept.setEnabled(bool(self.parts))
        grow_to_fit(self)

    def _refuse(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(True)
        grow_to_fit(self)


def _part(row: CashRow, amount: int) -> Allocation:
    return Allocation(charge_id=row.charge_id, customer_id=row.customer_id, customer_no=row.customer_no,
                      customer_name=row.customer_name, item_name=row.item_name, period=row.period, amount=amount,
                      outstanding=row.outstanding)
