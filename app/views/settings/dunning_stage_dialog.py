"""독촉 단계 한 개: its name, the days after a failed debit, and the letter's wording with a live preview.

The placeholders the wording may use are buttons that insert themselves at the cursor, so the clerk
never has to type a brace; an unknown one typed by hand is named in red as it is typed, and the
preview shows the letter's text filled with sample values by the same function the letters use
(`arrears_rules.fill_wording`). The dialog only checks and hands the stage back to the page: the list
is saved as a whole by the page's [저장] (a stage's days only make sense next to the others').
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.services.collection.dunning import PAY_WITHIN_DAYS
from app.services.common.validation import ValidationError
from app.services.settings import arrears_rules as rules
from app.services.settings.arrears_rules import LetterValues, StageRule
from app.views.common.base import grow_to_fit, hint_label
from app.views.common.dialogs import accept_row, close_row


def sample_values(institution: str, today: date) -> LetterValues:
    """The preview's household: a name and amounts anyone recognises as an example; 납부기한 as the
    letters set it (the issue day + `dunning.PAY_WITHIN_DAYS`)."""
    return LetterValues("홍길동", 180_000, 1_800, False, today + timedelta(days=PAY_WITHIN_DAYS), institution)


class DunningStageDialog(QDialog):
    """Add (`stage` None) or edit one stage; `others` are the names of the list's other stages."""

    def __init__(self, stage: StageRule | None, *, seq: int, suggested_days: int, others: list[str],
                 institution: str, today: date, editable: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stage, self.seq, self.others = stage, seq, others
        self.values = sample_values(institution, today)
        self.result_stage: StageRule | None = None
        self.setWindowTitle(("독촉 단계 추가" if stage is None else "독촉 단계 수정") if editable else "독촉 단계 보기")
        self.setMinimumWidth(760)

        self.name = QLineEdit(stage.name if stage else "")
        self.name.setMaxLength(rules.NAME_MAX)
        self.name.setPlaceholderText("예: 1차 안내")
        self.name.setMaximumWidth(220)
        self.days = QSpinBox()
        self.days.setRange(1, rules.MAX_STAGE_DAYS)
        self.days.setValue(stage.days_after if stage else suggested_days)
        self.days.setSuffix("일 후")
        days_row = QHBoxLayout()
        days_row.addWidget(QLabel("출금 실패"))
        days_row.addWidget(self.days)
        days_row.addWidget(QLabel("(출금일부터 센 날수)"))
        days_row.addStretch(1)

        self.wording = QPlainTextEdit(stage.wording if stage else "")
        self.wording.setMinimumSize(330, 250)
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setMinimumSize(330, 250)
        self.preview.setStyleSheet("QPlainTextEdit { background: #fbfaf5; }")
        self.counter = QLabel("")
        self.counter.setObjectName("hintText")
        self.unknown = QLabel("")
        self.unknown.setObjectName("warningText")
        self.unknown.setWordWrap(True)
        self.unknown.setVisible(False)

        chips = QHBoxLayout()
        chips.addWidget(QLabel("넣을 값:"))
        self.placeholder_buttons: dict[str, QPushButton] = {}
        for name in rules.PLACEHOLDERS:
            button = QPushButton(f"{{{name}}}")
            button.setToolTip(f"문구의 커서 자리에 {{{name}}}을(를) 넣습니다. 안내문에는 실제 값이 들어갑니다.")
            button.setEnabled(editable)
            button.clicked.connect(lambda _c=False, n=name: self.insert_placeholder(n))
            chips.addWidget(button)
            self.placeholder_buttons[name] = button
        chips.addStretch(1)

        left = QVBoxLayout()
        left.addWidget(QLabel("안내문 문구"))
        left.addWidget(self.wording, 1)
        left.addWidget(self.counter)
        right = QVBoxLayout()
        right.addWidget(QLabel(f"미리보기 (예: {self.values.customer_name}, 미납액 {self.values.unpaid:,}원, "
                               f"연체료 {self.values.late_fee:,}원)"))
        right.addWidget(self.preview, 1)
        right.addWidget(hint_label(f"납부기한은 안내문 발행일부터 {PAY_WITHIN_DAYS}일 뒤입니다."))
        texts = QHBoxLayout()
        texts.addLayout(left, 1)
        texts.addLayout(right, 1)

        form = QFormLayout()
        form.addRow("단계 이름", self.name)
        form.addRow("보내는 날", days_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(chips)
        layout.addLayout(texts, 1)
        layout.addWidget(self.unknown)
        self.error = QLabel("")
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        layout.addWidget(self.error)
        if editable:
            buttons = accept_row("확인", self.check, self.reject, default=False)
            layout.addWidget(buttons.box)
        else:
            for widget in (self.name, self.wording):
                widget.setReadOnly(True)
            self.days.setReadOnly(True)
            layout.addWidget(close_row(self.reject))
        self.wording.textChanged.connect(self._wording_changed)
        self._wording_changed()

    def insert_placeholder(self, name: str) -> None:
        self.wording.insertPlainText(f"{{{name}}}")
        self.wording.setFocus(Qt.FocusReason.OtherFocusReason)

    def _wording_changed(self) -> None:
        text = self.wording.toPlainText()
        self.preview.setPlainText(rules.fill_wording(text, self.values))
        self.counter.setText(f"{len(text.strip()):,} / {rules.WORDING_MAX:,}자")
        self.counter.setObjectName("warningText" if len(text.strip()) > rules.WORDING_MAX else "hintText")
        self.counter.style().polish(self.counter)
        unknown = rules.unknown_placeholders(text)
        self.unknown.setText(f"알 수 없는 자리표시: {', '.join(unknown)} — 위의 '넣을 값' 단추에 있는 것만 쓸 수 있습니다."
                             if unknown else "")
        if self.unknown.isVisible() != bool(unknown):
            self.unknown.setVisible(bool(unknown))
            grow_to_fit(self)

    def check(self) -> None:
        """[확인]: this stage's own checks (name, days, wording; the name not another stage's); the page
        checks the order of days across the list and saves it."""
        candidate = StageRule(self.stage.id if self.stage else None, self.seq, self.name.text(), self.days.value(),
                              self.wording.toPlainText(), True)
        problems: list[str] = []
        try:
            rules.validate_stages([candidate])
        except ValidationError as error:
            problems = [f"{p.field.removeprefix('1단계 ')}: {p.message}" for p in error.problems]
        if candidate.name.strip() and candidate.name.strip() in self.others:
            problems.append(f"이름: '{candidate.name.strip()}'은(는) 다른 단계의 이름입니다. 단계마다 다른 이름을 쓰세요.")
        if problems:
            self.error.setText("\n".join(problems))
            self.error.setVisible(True)
            grow_to_fit(self)
            (self.name if problems[0].startswith("이름") else self.wording).setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.result_stage = StageRule(candidate.id, self.seq, candidate.name.strip(), candidate.days_after,
                                      candidate.wording.strip(), True)
        self.accept()
