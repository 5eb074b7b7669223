"""Two cards of the home screen for an office finding its feet: the 처음 설정 checklist and the month.

`SetupChecklist` shows `services.first_setup.progress` until every step is done: one line per step,
ticked or numbered, its title a link to the screen that does it and a button for each such
screen. Two steps are done on the line itself, because no screen leaves a trace of them: the
administrator's [적어 두었습니다] for the data passphrase (after a confirmation) and [연결 시험] for
the relay, which runs off the UI thread (an SFTP login can take seconds) and says in the line why
it failed.

`MonthStrip` draws `services.month_flow`: the six steps of a debit as boxes in a row, each with its
rule and its date for the next debit date, today's box outlined and the next step's box filled,
and under them the next thing to do with a button to its screen. Boxes wrap their text so the
strip fits beside the menu at 1024×768.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.services.common.errors import ServiceError
from app.services.exchange import relay_config
from app.services.exchange.relay.base import Transport
from app.services.exchange.transmissions import ContractInfo
from app.services.home.month_flow import MonthFlow
from app.services.settings import first_setup
from app.services.settings.first_setup import SetupProgress, SetupStep
from app.views.common.base import confirm, run_guarded
from app.views.common.context import AppContext
from app.views.common.workers import Job
from app.views.shell import destinations

STYLE = """
QFrame#setupCard { background: #fffdf5; border: 1px solid #e0c97a; border-radius: 6px; }
QFrame#setupCard QLabel { border: none; background: transparent; }
QFrame#setupCard QLabel#setupTitle { font-size: 12pt; font-weight: bold; color: #1f3b5b; }
QFrame#setupCard QFrame#setupRow { border: none; border-top: 1px solid #efe3b8; background: transparent; }
QFrame#setupCard QLabel#stepDone { background: #2e7d32; color: white; border-radius: 9px; padding: 1px 5px;
                                   font-weight: bold; font-size: 9pt; }
QFrame#setupCard QLabel#stepOpen { background: #8a96a3; color: white; border-radius: 9px; padding: 1px 5px;
                                   font-weight: bold; font-size: 9pt; }
QFrame#setupCard QLabel#setupMuted { color: #6b7785; }
QFrame#setupCard QLabel#setupError { color: #c0392b; font-weight: bold; }
QFrame#setupCard QLabel#setupOk { color: #2e7d32; font-weight: bold; }
QFrame#flowCard { background: white; border: 1px solid #d5dde6; border-radius: 6px; }
QFrame#flowCard QLabel { border: none; background: transparent; }
QFrame#flowCard QLabel#flowHead { font-size: 11pt; font-weight: bold; color: #1f3b5b; }
QFrame#flowCard QLabel#flowArrow { color: #8a96a3; font-weight: bold; }
QFrame#flowCard QLabel#flowNext { color: #1f3b5b; }
QFrame#flowStage { background: #f4f6f9; border: 1px solid #d5dde6; border-radius: 5px; }
QFrame#flowStage[today="true"] { background: #eaf1fb; border: 2px solid #1f5fa8; }
QFrame#flowStage[next="true"] { background: #1f5fa8; border: 2px solid #1f5fa8; }
QFrame#flowStage QLabel#flowTitle { font-weight: bold; color: #1f3b5b; }
QFrame#flowStage QLabel#flowRule { color: #6b7785; font-size: 9pt; }
QFrame#flowStage QLabel#flowWhen { color: #1f3b5b; font-size: 9pt; }
QFrame#flowStage QLabel#flowMark { color: #1f5fa8; font-weight: bold; font-size: 9pt; }
QFrame#flowStage[next="true"] QLabel#flowTitle { color: white; }
QFrame#flowStage[next="true"] QLabel#flowRule { color: #dce7f5; }
QFrame#flowStage[next="true"] QLabel#flowWhen { color: white; }
QFrame#flowStage[next="true"] QLabel#flowMark { color: #ffd54f; }
"""


def _label(text: str = "", name: str | None = None, *, wrap: bool = False) -> QLabel:
    label = QLabel(text)
    if name:
        label.setObjectName(name)
    label.setWordWrap(wrap)
    return label


def _repolish(label: QLabel, name: str) -> None:
    """A new object name takes its style only after the widget is polished again."""
    if label.objectName() != name:
        label.setObjectName(name)
        label.style().unpolish(label)
        label.style().polish(label)


def _clear(layout: QVBoxLayout | QHBoxLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.setParent(None)
            widget.deleteLater()


# --- 처음 설정 ---------------------------------------------------------------------------------------


class SetupChecklist(QFrame):
    """The checklist card; `show_progress` rebuilds it, `on_changed` is called after a step is done here."""

    def __init__(self, ctx: AppContext, on_changed: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.on_changed = on_changed
        self.progress: SetupProgress | None = None
        self.transport_for: Callable[[ContractInfo], Transport] = relay_config.transport_factory(ctx.db, clock=ctx.clock)
        self.link_buttons: dict[tuple[str, str], QPushButton] = {}  # (step key, page key)
        self.title_labels: dict[str, QLabel] = {}
        self.marks: dict[str, QLabel] = {}
        self.passphrase_button: QPushButton | None = None
        self.relay_button: QPushButton | None = None
        self.relay_status = _label("", "setupMuted", wrap=True)
        self.relay_job: Job | None = None
        self.relay_message: tuple[str, bool] | None = None  # (text, ok) of the last test, kept across rebuilds

        self.setObjectName("setupCard")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(14, 12, 14, 10)
        outer.setSpacing(4)
        self.title = _label("", "setupTitle", wrap=True)
        self.intro = _label("첫 출금까지 해야 할 일입니다. 줄을 누르면 그 화면이 열리고, 끝나면 저절로 체크됩니다. "
                            "모두 마치면 이 목록은 사라집니다.", "setupMuted", wrap=True)
        outer.addWidget(self.title)
        outer.addWidget(self.intro)
        self.rows = QVBoxLayout()
        self.rows.setSpacing(0)
        outer.addLayout(self.rows)

    def open(self, page_key: str) -> None:
        self.ctx.signals.open_page.emit(page_key)

    def show_progress(self, progress: SetupProgress) -> None:
        self.progress = progress
        self.link_buttons, self.title_labels, self.marks = {}, {}, {}
        self.passphrase_button = self.relay_button = None
        self.relay_status.setParent(None)
        _clear(self.rows)
        total = len(progress.steps)
        self.title.setText(f"처음 설정 — {total}단계 중 {progress.done_count}단계 완료")
        for number, step in enumerate(progress.steps, start=1):
            row = self._row(number, step)
            self.rows.addWidget(row)
            row.show()  # at once, not by the layout's queued call: the card may already be on screen

    def _row(self, number: int, step: SetupStep) -> QFrame:
        frame = QFrame()
        frame.setObjectName("setupRow")
        row = QHBoxLayout(frame)
        row.setContentsMargins(0, 7, 0, 5)
        row.setSpacing(10)
        mark = _label("완료" if step.done else str(number), "stepDone" if step.done else "stepOpen")
        mark.setAlignment(Qt.AlignmentFlag.AlignCenter)
        mark.setFixedWidth(34)
        self.marks[step.key] = mark
        row.addWidget(mark, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        text.setSpacing(2)
        title = _label("", "stepTitleDone" if step.done else None, wrap=True)
        title.setTextFormat(Qt.TextFormat.RichText)
        if step.links:
            colour = "#2e7d32" if step.done else "#1f5fa8"
            first = destinations.page_key(step.links[0].destination)
            title.setText(f"<a href='{escape(first)}' style='color:{colour}; text-decoration:none'>"
                          f"<b>{escape(step.title)}</b></a>")
            title.linkActivated.connect(self.open)
            title.setToolTip(f"{step.links[0].label} 화면을 엽니다.")
        else:
            title.setText(f"<b>{escape(step.title)}</b>")
        self.title_labels[step.key] = title
        text.addWidget(title)
        text.addWidget(_label(step.detail, "setupMuted", wrap=True))
        if step.key == first_setup.STEP_RELAY:
            self._relay_line(text, step)
        row.addLayout(text, 1)
        if step.key == first_setup.STEP_PASSPHRASE and not step.done:
            self._passphrase_button(row)
        if step.key == first_setup.STEP_RELAY and self.ctx.actor.can_edit:
            self.relay_button = QPushButton("연결 시험")
            self.relay_button.setToolTip("중계 서버(또는 내장 시뮬레이터)에 접속해 기관 폴더를 확인합니다. 파일은 보내지 않습니다.")
            self.relay_button.setEnabled(self.relay_job is None)
            self.relay_button.clicked.connect(self.test_relay)
            row.addWidget(self.relay_button, 0, Qt.AlignmentFlag.AlignVCenter)
        for link in step.links:
            button = QPushButton(f"{link.label} ›")
            button.setToolTip(f"{link.label} 화면을 엽니다.")
            key = destinations.page_key(link.destination)
            button.clicked.connect(lambda _=False, key=key: self.open(key))
            self.link_buttons[(step.key, key)] = button
            row.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
        return frame

    # --- the data passphrase -------------------------------------------------------------------------

    def _passphrase_button(self, row: QHBoxLayout) -> None:
        if not self.ctx.actor.is_admin:
            row.addWidget(_label("관리자가 확인합니다", "setupMuted"), 0, Qt.AlignmentFlag.AlignVCenter)
            return
        self.passphrase_button = QPushButton("적어 두었습니다")
        self.passphrase_button.setProperty("primary", True)
        self.passphrase_button.setToolTip("데이터 암호 문구를 종이에 적어 안전한 곳에 둔 뒤 누르세요.")
        self.passphrase_button.clicked.connect(self.confirm_passphrase)
        row.addWidget(self.passphrase_button, 0, Qt.AlignmentFlag.AlignVCenter)

    def confirm_passphrase(self) -> None:
        """The administrator says the passphrase is written down; the service records and audits it."""
        if not self.ctx.actor.is_admin:
            return
        if not confirm(self, "데이터 암호 문구를 종이에 적어 금고처럼 안전한 곳에 두었습니까?\n"
                             "잊으면 누구도 되살릴 수 없고, 새 PC나 복원한 데이터에서 계좌번호를 열 수 없습니다.",
                       "데이터 암호 문구 보관"):
            return
        if run_guarded(self, lambda: first_setup.confirm_passphrase(self.ctx.db, self.ctx.actor, now=self.ctx.clock())):
            self.ctx.signals.status_message.emit("데이터 암호 문구를 적어 둔 것으로 기록했습니다.")
            self.on_changed()

    # --- the relay -------------------------------------------------------------------------------------

    def _relay_line(self, text: QVBoxLayout, step: SetupStep) -> None:
        if self.relay_job is not None:
            _repolish(self.relay_status, "setupMuted")
            self.relay_status.setText("연결하는 중…")
        elif self.relay_message is not None and not (step.done and not self.relay_message[1]):
            message, ok = self.relay_message
            _repolish(self.relay_status, "setupOk" if ok else "setupError")
            self.relay_status.setText(message)
        else:
            self.relay_status.setText("")
        self.relay_status.setVisible(bool(self.relay_status.text()))
        text.addWidget(self.relay_status)

    def test_relay(self) -> None:
        """연결 시험 in a pool thread; the line says 연결하는 중… and then what answered or why not."""
        contract_id = self.ctx.contract_id
        if contract_id is None or self.relay_job is not None or not self.ctx.actor.can_edit:
            return
        db, actor, now, transport_for = self.ctx.db, self.ctx.actor, self.ctx.clock(), self.transport_for
        job = Job(lambda: first_setup.run_relay_test(db, actor, contract_id, transport_for, now=now))
        job.signals.finished.connect(self._relay_tested)
        job.signals.failed.connect(self._relay_failed)
        self.relay_job = job
        self.relay_message = None
        if self.relay_button is not None:
            self.relay_button.setEnabled(False)
        _repolish(self.relay_status, "setupMuted")
        self.relay_status.setText("연결하는 중…")
        self.relay_status.setVisible(True)
        job.start()

    def _relay_tested(self, answer: object) -> None:
        self.relay_job = None
        self.relay_message = (f"연결했습니다: {answer}", True)
        self.ctx.signals.status_message.emit("중계 연결 시험에 성공했습니다.")
        self.on_changed()

    def _relay_failed(self, error: object) -> None:
        self.relay_job = None
        message = error.message if isinstance(error, ServiceError) else f"연결 시험 중 오류가 났습니다 ({type(error).__name__})."
        self.relay_message = (message, False)
        self.on_changed()


# --- the month ---------------------------------------------------------------------------------------


class MonthStrip(QFrame):
    """The six steps of a debit in a row, today outlined and the next step filled; rebuilt by `show_flow`."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.flow: MonthFlow | None = None
        self.stage_frames: dict[str, QFrame] = {}
        self.marks: dict[str, QLabel] = {}
        self.setObjectName("flowCard")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(14, 10, 14, 10)
        outer.setSpacing(8)
        self.head = _label("", "flowHead", wrap=True)
        outer.addWidget(self.head)
        self.strip = QHBoxLayout()
        self.strip.setSpacing(4)
        outer.addLayout(self.strip)
        bottom = QHBoxLayout()
        self.next_label = _label("", "flowNext", wrap=True)
        self.next_label.setTextFormat(Qt.TextFormat.RichText)
        self.next_button = QPushButton("바로 가기 ›")
        self.next_button.clicked.connect(self._open_next)
        bottom.addWidget(self.next_label, 1)
        bottom.addWidget(self.next_button, 0, Qt.AlignmentFlag.AlignVCenter)
        outer.addLayout(bottom)

    def _open_next(self) -> None:
        if self.flow is not None:
            self.ctx.signals.open_page.emit(destinations.page_key(self.flow.next_destination))

    def show_flow(self, flow: MonthFlow) -> None:
        from app.services.common.formats import day_text

        self.flow = flow
        self.stage_frames, self.marks = {}, {}
        _clear(self.strip)
        self.head.setText(f"한 달의 흐름 · {day_text(flow.debit_date)} 출금 기준")
        for index, stage in enumerate(flow.stages):
            if index:
                arrow = _label("→", "flowArrow")
                arrow.setAlignment(Qt.AlignmentFlag.AlignCenter)
                self.strip.addWidget(arrow)
            box = self._stage(stage.key, stage.title, stage.rule, stage.when, today=stage.key == flow.today,
                              is_next=stage.key == flow.next_step)
            self.strip.addWidget(box, 1)
            box.show()
        self.next_label.setText(f"<b>다음 할 일</b> &nbsp;{escape(flow.next_text)}")
        self.next_button.setToolTip(f"{flow.stage(flow.next_step).title} 화면을 엽니다.")

    def _stage(self, key: str, title: str, rule: str, when: str, *, today: bool, is_next: bool) -> QFrame:
        frame = QFrame()
        frame.setObjectName("flowStage")
        frame.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        frame.setProperty("today", today)
        frame.setProperty("next", is_next)
        frame.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        frame.setMinimumWidth(84)
        box = QVBoxLayout(frame)
        box.setContentsMargins(6, 4, 6, 6)
        box.setSpacing(1)
        marks = [text for on, text in ((today, "오늘"), (is_next, "다음")) if on]
        mark = _label(" · ".join(marks) or " ", "flowMark")
        self.marks[key] = mark
        box.addWidget(mark)
        for text, name in ((title, "flowTitle"), (rule, "flowRule"), (when, "flowWhen")):
            box.addWidget(_label(text, name, wrap=True))
        box.addStretch(1)
        self.stage_frames[key] = frame
        return frame

    def marked(self, kind: str) -> str | None:
        """The key of the stage marked 'today' or 'next' (tests and the picture check read it)."""
        if self.flow is None:
            return None
        return self.flow.today if kind == "today" else self.flow.next_step
