"""통장입금대사 > 열 연결: which column of an unknown bank statement is the date, the amount, the depositor.

The reader knows the exports of the major banks; any other (a 신협, a bank's new layout, a file the
clerk tidied in Excel) raises StatementColumnsMissing with the header, a guess from common words and
the first two data rows. This dialog shows each column with those two sample values and a choice of
what to read it as, the guess already chosen, so that most files need one look and [이대로 읽기].

It refuses what would read wrongly rather than explaining afterwards: [이대로 읽기] stays off until
the date, the depositor and an amount (입금액, or one 거래금액 column) are chosen; a field that takes
one column moves when chosen again; account-number columns and columns without a name cannot be
chosen at all (an account number is never read).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.collection.statements.layouts import (
    AMOUNT,
    DEPOSIT,
    DEPOSITOR,
    FIELDS,
    IGNORE,
    IGNORE_LABEL,
    KIND,
    MULTI_COLUMN_FIELDS,
    OCCURRED_ON,
    is_account_header,
)
from app.views.common.base import hint_label
from app.views.common.dialogs import accept_row

READ = "이대로 읽기"
HEADERS = ("파일의 열", "첫째 줄 값", "둘째 줄 값", "무엇으로 읽을까요")
ACCOUNT_TIP = "계좌번호 열은 읽지 않습니다."
NAMELESS_TIP = "열 이름이 없어 고를 수 없습니다."
REPEATED_TIP = "같은 이름의 열이 앞에 있어 앞의 열만 고를 수 있습니다."
CHOICE_WIDTH = 200


class StatementMappingDialog(QDialog):
    """Each column of the file with two sample values and what it is read as; `mapping()` when accepted."""

    def __init__(self, header: list[str], samples: list[list[str]], guess: dict[int, str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("통장 거래내역 열 연결")
        self.setMinimumSize(820, 520)
        self.header = [str(h).strip() for h in header]
        self.combos: dict[int, QComboBox] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label(
            "이 파일의 열 이름은 아는 은행의 양식과 달라, 각 열을 무엇으로 읽을지 정해야 합니다. 열 이름으로 짐작한 것을 "
            "미리 골라 두었으니 보기 값과 맞는지 확인하세요. 거래일, 입금자, 입금액(입금·출금이 한 열에 있으면 거래금액)은 "
            "꼭 골라야 합니다. 계좌번호 열은 읽지 않습니다."))

        self.table = QTableWidget(len(self.header), len(HEADERS))
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        seen: set[str] = set()
        for row, name in enumerate(self.header):
            self.table.setItem(row, 0, QTableWidgetItem(name or "(이름 없는 열)"))
            for offset in range(2):
                values = samples[offset] if offset < len(samples) else []
                self.table.setItem(row, 1 + offset, QTableWidgetItem(values[row] if row < len(values) else ""))
            combo = QComboBox()
            combo.addItem(IGNORE_LABEL, IGNORE)
            for key, label in FIELDS.items():
                combo.addItem(label, key)
            tip = ""
            if not name:
                tip = NAMELESS_TIP
            elif is_account_header(name):
                tip = ACCOUNT_TIP
            elif name in seen:
                tip = REPEATED_TIP
            seen.add(name)
            if tip:
                combo.setEnabled(False)
                combo.setToolTip(tip)
                for column in range(3):
                    item = self.table.item(row, column)
                    if item is not None:
                        item.setToolTip(tip)
            else:
                self.combos[row] = combo
                wanted = guess.get(row, IGNORE)
                combo.setCurrentIndex(max(combo.findData(wanted), 0))
                combo.currentIndexChanged.connect(lambda _i, r=row: self._chosen(r))
            self.table.setCellWidget(row, 3, combo)
        heading = self.table.horizontalHeader()
        for column in range(3):
            heading.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        heading.setSectionResizeMode(3, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnWidth(3, CHOICE_WIDTH)
        layout.addWidget(self.table, 1)

        self.status = QLabel()
        self.status.setObjectName("warningText")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.buttons = accept_row(READ, self.accept, self.reject)
        layout.addWidget(self.buttons.box)
        self._settle_guess()
        self._refresh()

    # --- choosing --------------------------------------------------------------------------------------

    def key_at(self, row: int) -> str:
        """What the row's column is read as (IGNORE for 사용 안 함 and columns that cannot be chosen)."""
        combo = self.combos.get(row)
        return str(combo.currentData()) if combo is not None else IGNORE

    def choose(self, row: int, key: str) -> None:
        """Read the row's column as `key` (the combo's own change, for tests and keyboard alike)."""
        combo = self.combos[row]
        combo.setCurrentIndex(max(combo.findData(key), 0))

    def _settle_guess(self) -> None:
        """A guess never holds one single-column field twice: the first column keeps it."""
        held: set[str] = set()
        for row, combo in self.combos.items():
            key = self.key_at(row)
            if key != IGNORE and key not in MULTI_COLUMN_FIELDS:
                if key in held:
                    combo.blockSignals(True)
                    combo.setCurrentIndex(0)
                    combo.blockSignals(False)
                held.add(key)

    def _chosen(self, row: int) -> None:
        key = self.key_at(row)
        if key != IGNORE and key not in MULTI_COLUMN_FIELDS:
            for other, combo in self.combos.items():
                if other != row and self.key_at(other) == key:
                    combo.blockSignals(True)
                    combo.setCurrentIndex(0)
                    combo.blockSignals(False)
        self._refresh()

    def problem(self) -> str:
        """Why [이대로 읽기] is off, in the clerk's words ('' when the choice can be read)."""
        chosen = {self.key_at(row) for row in self.combos} - {IGNORE}
        missing = [FIELDS[k] for k in (OCCURRED_ON, DEPOSITOR) if k not in chosen]
        if DEPOSIT not in chosen and AMOUNT not in chosen:
            missing.append(f"{FIELDS[DEPOSIT]}(또는 {FIELDS[AMOUNT]})")
        if missing:
            return "아직 고르지 않은 항목: " + ", ".join(missing)
        if DEPOSIT in chosen and AMOUNT in chosen:
            return (f"{FIELDS[DEPOSIT]}과 {FIELDS[AMOUNT]} 중 하나만 고르세요. 입금·출금이 따로 있으면 입금액, "
                    "한 열에 함께 있으면 거래금액입니다.")
        if KIND in chosen and AMOUNT not in chosen:
            return f"{FIELDS[KIND]}은 {FIELDS[AMOUNT]}과 함께 고르세요."
        return ""

    def _refresh(self) -> None:
        problem = self.problem()
        chosen = {self.key_at(row) for row in self.combos}
        if not problem and AMOUNT in chosen and KIND not in chosen:
            self.status.setObjectName("hintText")
            self.status.setText(f"{FIELDS[KIND]} 열이 없으면 거래금액의 부호(-)로 출금을 가립니다.")
        else:
            self.status.setObjectName("warningText")
            self.status.setText(problem)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.buttons.accept.setEnabled(not problem)

    def accept(self) -> None:
        if self.problem():
            return
        super().accept()

    def mapping(self) -> dict[str, str]:
        """File header → field key (IGNORE for 사용 안 함), for `read_statement(path, mapping=…)`."""
        result: dict[str, str] = {}
        for row, name in enumerate(self.header):
            if name and name not in result and not is_account_header(name):
                result[name] = self.key_at(row)
        return result
