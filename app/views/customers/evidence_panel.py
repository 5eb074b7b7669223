"""동의자료: the payer's consent evidence of one agreement, inside the 이체정보 dialog.

Shows the evidence that stands for the agreement now (kind, original name, size after fitting,
SHA-256, where it is — 증빙전송대기 … 증빙접수완료, or refused with the agency's reason — and who
attached it when), with 첨부/교체, which fits the file to the agency's limit in a worker thread and
says what the fitting did, and 보기/듣기, which opens it in the viewer (the service audits that).

In 이체정보 추가 the agreement does not exist yet: the chosen file is held in memory and attached
right after the agreement is saved (`attach_pending`), so the clerk with the signed form in hand
does it in one go. A 조회 user sees what evidence exists but can neither attach nor open it (the
form shows the full account number and the payer's signature; the service refuses it too).

`EvidenceDialog` shows the same panel on its own, from 고객 상세정보: for an ended agreement (its
evidence is kept for years) and for users who cannot open the 이체정보 dialog. `DisputePdf` is that
window's [민원 자료 PDF].
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QStandardPaths, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.models import EvidenceKind, EvidenceState
from app.services.common.errors import ServiceError
from app.services.common.formats import stamp_text
from app.services.customers.agreements import AgreementRow
from app.services.customers.evidence import fit, sealed
from app.services.customers.evidence import store as evidence
from app.services.customers.evidence.fit import MAX_INPUT_BYTES, extension_of, size_text
from app.services.customers.evidence.sealed import EvidenceInfo
from app.views.common.base import confirm, hint_label, show_error
from app.views.common.context import AppContext
from app.views.common.dialogs import accept_row, close_row
from app.views.common.save_target import checked_save_path
from app.views.common.workers import Background
from app.views.customers.evidence_viewer import (
    AUDIO_EXTENSIONS,
    EvidenceViewer,
    open_label,
    show_evidence,
    show_pdf_file,
)

log = logging.getLogger(__name__)

CHOICES: tuple[EvidenceKind, ...] = (EvidenceKind.WRITTEN, EvidenceKind.RECORDING, EvidenceKind.E_SIGNATURE,
                                     EvidenceKind.OTHER)
"""The kinds a clerk picks from (the EI13 knows more; these are the ones an office has on paper)."""
FILE_FILTER = ("동의자료 (" + " ".join(f"*.{e}" for e in sorted(fit.ALLOWED)) + ");;모든 파일 (*)")
STATE_COLOUR = {
    EvidenceState.WAITING: "#8a5a00",
    EvidenceState.SENT: "#1f5fa8",
    EvidenceState.ACCEPTED: "#2e7d32",
    EvidenceState.REJECTED: "#c0392b",
    EvidenceState.REPLACED: "#8a8a8a",
    EvidenceState.DESTROYED: "#8a8a8a",
}
STATE_HINT = {
    EvidenceState.WAITING: "다음 전송 때 EI13으로 먼저 보내고, 접수되면 계좌신청(EB13)을 보냅니다.",
    EvidenceState.SENT: "금융결제원이 확인하고 있습니다.",
    EvidenceState.ACCEPTED: "계좌신청에 쓸 수 있습니다.",
    EvidenceState.DESTROYED: "보관기한이 지나 내용을 파기했습니다. 기록만 남아 있습니다.",
    EvidenceState.REPLACED: "새 자료로 교체되었습니다.",
}


def guess_kind(name: str) -> EvidenceKind:
    """What a file most likely is: a recording, an electronic signature, else a signed form."""
    ext = extension_of(name)
    if ext in AUDIO_EXTENSIONS:
        return EvidenceKind.RECORDING
    if ext == "der":
        return EvidenceKind.E_SIGNATURE
    return EvidenceKind.WRITTEN


def state_text(info: EvidenceInfo) -> str:
    """The state as the clerk reads it, with the agency's reason and the fix for a refusal."""
    if info.state is EvidenceState.REJECTED:
        code = f"{info.reason_code} " if info.reason_code else ""
        why = info.reason_text or "사유 없음"
        return f"{info.state.label} — {code}{why}. [교체]로 맞는 자료를 다시 첨부하세요."
    hint = STATE_HINT.get(info.state, "")
    return f"{info.state.label} — {hint}" if hint else info.state.label


def read_file(path: Path) -> bytes:
    """The chosen file's bytes, or a Korean ServiceError saying why not and what to do."""
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise fit.EvidenceTooLarge(
                f"파일이 {size_text(size)}로 너무 큽니다 (최대 {size_text(MAX_INPUT_BYTES)}). "
                "스캔 해상도를 200dpi로 낮춰 다시 스캔하거나, 녹취는 필요한 부분만 잘라 저장하세요.")
        return path.read_bytes()
    except OSError as error:
        raise ServiceError(f"파일을 읽을 수 없습니다: {path.name} ({error.strerror or error}). "
                           "파일이 있는지, 다른 프로그램에서 열려 있지 않은지, USB·네트워크 드라이브가 "
                           "연결되어 있는지 확인하고 다시 고르세요.") from None


@dataclass(frozen=True)
class Pending:
    """A file chosen in 이체정보 추가, attached once the agreement is saved."""

    name: str
    data: bytes
    kind: EvidenceKind


class KindDialog(QDialog):
    """동의자료 첨부: the chosen file and its 동의자료 구분, guessed from the file and changeable."""

    def __init__(self, path: Path, size: int, limit_text: str, *, later: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("동의자료 첨부")
        self.kind = QComboBox()
        for kind in CHOICES:  # the code as item data: Qt hands a str enum back as a plain str
            self.kind.addItem(kind.label, kind.value)
        self.kind.setCurrentIndex(self.kind.findData(guess_kind(path.name).value))
        form = QFormLayout()
        name = QLabel(path.name)
        name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("파일", name)
        form.addRow("크기", QLabel(size_text(size)))
        form.addRow("동의자료 구분", self.kind)
        buttons = accept_row("첨부", self.accept, self.reject)
        self.ok_button = buttons.accept
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint_label(
            f"파일 종류를 보고 구분을 골라 두었습니다. 금융결제원 한도({limit_text})에 맞게 그림은 JPEG로 줄이고, "
            "여러 쪽 스캔은 한 장으로 이어 붙이고, 녹취는 MP3로 압축합니다. "
            + ("이체정보를 추가할 때 함께 저장합니다." if later
               else "[첨부]를 누르면 바로 보관합니다 (이체정보의 저장·취소와는 따로입니다).")))
        layout.addWidget(buttons.box)
        self.setMinimumWidth(460)

    def chosen(self) -> EvidenceKind:
        return EvidenceKind(self.kind.currentData())


class EvidencePanel(QGroupBox):
    """The 동의자료 section: what is on record and the 첨부/교체 and 보기/듣기 buttons."""

    attached = Signal(object)  # the new EvidenceInfo

    def __init__(self, ctx: AppContext, agreement_id: int | None, parent: QWidget | None = None) -> None:
        super().__init__("동의자료 (출금동의 증빙)", parent)
        self.ctx = ctx
        self.agreement_id = agreement_id
        self.info: EvidenceInfo | None = None
        self.earlier = 0
        self.pending: Pending | None = None
        self.kind_dialog: KindDialog | None = None
        self.viewer: EvidenceViewer | None = None
        self.busy = False
        self._chosen: Path | None = None

        self.values: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(3)
        for row, names in enumerate((("구분", "상태"), ("파일", "SHA-256"), ("첨부", "처리"))):
            for column, name in enumerate(names):
                caption = QLabel(name)
                caption.setObjectName("hintText")
                value = QLabel("")
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                value.setWordWrap(True)
                self.values[name] = value
                grid.addWidget(caption, row, column * 2, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
                grid.addWidget(value, row, column * 2 + 1, Qt.AlignmentFlag.AlignTop)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(3, 3)
        self.details = QWidget()
        self.details.setLayout(grid)
        grid.setContentsMargins(0, 0, 0, 0)
        self.empty = hint_label("", warning=True)
        self.message = hint_label("")
        self.error = QLabel("")
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setVisible(False)

        self.attach_button = QPushButton("첨부…")
        self.attach_button.setProperty("primary", True)
        self.open_button = QPushButton("보기")
        for button in (self.attach_button, self.open_button):
            button.setAutoDefault(False)
        self.attach_button.setVisible(ctx.actor.can_edit)
        if not ctx.actor.can_edit:
            self.open_button.setEnabled(False)
            self.open_button.setToolTip("조회 권한으로는 동의자료를 열 수 없습니다 (서명과 계좌번호가 보이는 자료입니다).")
        buttons = QVBoxLayout()
        buttons.addWidget(self.attach_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(self.details)
        left.addWidget(self.empty)
        left.addWidget(self.message)
        left.addWidget(self.error)
        left.addStretch(1)
        panel = QHBoxLayout(self)
        panel.setContentsMargins(10, 14, 10, 8)
        panel.addLayout(left, 1)
        panel.addLayout(buttons)

        # as tall as its lines: a taller dialog gives its room to the form, not to this box
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.attach_button.clicked.connect(self.choose_file)
        self.open_button.clicked.connect(self.open_viewer)
        self._work = Background(self)
        self._work.finished.connect(self._finished)
        self._work.failed.connect(self._failed)
        self.reload()

    # --- showing ---------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read what is on record for the agreement (nothing yet while adding one)."""
        if self.agreement_id is None:
            self.info, self.earlier = None, 0
        else:
            rows = evidence.for_agreement(self.ctx.db, self.ctx.actor, self.agreement_id)
            live = [r for r in rows if r.state not in (EvidenceState.REPLACED, EvidenceState.DESTROYED)]
            self.info = live[0] if live else (rows[0] if rows else None)
            self.earlier = len(rows) - (1 if self.info else 0)
        self._show()

    def _show(self) -> None:
        info = self.info
        self.details.setVisible(info is not None)
        self.empty.setVisible(info is None)
        if info is None:
            if self.pending is not None:
                self.empty.setText(f"저장하면 첨부합니다: {self.pending.name} ({size_text(len(self.pending.data))}, "
                                   f"{self.pending.kind.label})")
            elif self.agreement_id is None:
                self.empty.setText("동의자료가 없습니다. 지금 첨부하면 이체정보를 추가할 때 함께 저장합니다. "
                                   "신규 계좌신청은 동의자료가 접수된 뒤에 은행에 보냅니다.")
            else:
                self.empty.setText("동의자료가 없습니다. 신규 계좌신청은 동의자료 없이 보내지 않습니다 "
                                   "(‘동의자료 없음’으로 보류). 서명한 신청서 스캔이나 녹취 파일을 첨부하세요.")
        else:
            self._fill(info)
        live = info is not None and info.state not in (EvidenceState.REPLACED, EvidenceState.DESTROYED)
        self.attach_button.setText("교체…" if live or self.pending else "첨부…")
        self.attach_button.setProperty("primary", not live)  # the next thing to do: attach, else look
        self.open_button.setProperty("primary", live)
        for button in (self.attach_button, self.open_button):
            button.style().unpolish(button)
            button.style().polish(button)
        self.attach_button.setEnabled(not self.busy)
        self.attach_button.setToolTip(
            "은행에 보낸 자료는 그대로 두고, 새 자료를 다음 전송 때 보냅니다." if info is not None
            and info.state in (EvidenceState.SENT, EvidenceState.ACCEPTED) else "")
        can_open = info is not None and not info.destroyed
        self.open_button.setVisible(can_open)
        if info is not None:
            self.open_button.setText(open_label(info.extension))
        if self.ctx.actor.can_edit:
            self.open_button.setEnabled(can_open and not self.busy)

    def _fill(self, info: EvidenceInfo) -> None:
        v = self.values
        v["구분"].setText(f"{info.kind.value} {info.kind.label}")
        v["상태"].setText(state_text(info))
        v["상태"].setStyleSheet(f"color: {STATE_COLOUR.get(info.state, '#000')};")
        original = f" (원본 {size_text(info.original_size)})" if info.original_size != info.size else ""
        v["파일"].setText(f"{info.original_name} → {info.extension.upper()} {size_text(info.size)}{original}")
        v["SHA-256"].setText(f"{info.sha256[:16]}…")
        v["SHA-256"].setToolTip(info.sha256)
        earlier = f" · 이전 자료 {self.earlier}건" if self.earlier else ""
        v["첨부"].setText(f"{info.attached_by} · {stamp_text(info.attached_at)}{earlier}")
        if info.destroyed and info.destroyed_at is not None:
            v["처리"].setText(f"파기 {info.destroyed_by or ''} · {stamp_text(info.destroyed_at)}")
        else:
            v["처리"].setText(info.note or "원본 그대로")

    # --- attaching -------------------------------------------------------------------------------

    def choose_file(self) -> None:
        """첨부/교체: a file, then its 동의자료 구분 (guessed), then the fitting in a worker."""
        if not self.ctx.actor.can_edit or self.busy:
            return
        start = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        chosen, _ = QFileDialog.getOpenFileName(self, "동의자료 파일 선택", start, FILE_FILTER)
        if not chosen:
            return
        path = Path(chosen)
        try:
            size = path.stat().st_size
        except OSError as error:
            self._fail(f"파일을 읽을 수 없습니다: {path.name} ({error.strerror or error}). 파일이 있는지 확인하고 다시 고르세요.")
            return
        ext = extension_of(path.name)
        if ext not in fit.ALLOWED:
            self._fail(f"'{path.name}'은(는) 동의자료로 받을 수 없는 형식입니다. 서명한 신청서는 JPG·PNG·PDF·TIF로, "
                       "녹취는 MP3·WAV·M4A·WMA·OGG로, 전자서명은 DER로 저장해 고르세요.")
            return
        limit = size_text(self._limit()) if self.agreement_id is not None else "계약정보의 한도"
        self._chosen = path
        if self.kind_dialog is not None:
            self.kind_dialog.deleteLater()
        self.kind_dialog = KindDialog(path, size, limit, later=self.agreement_id is None, parent=self)
        self.kind_dialog.accepted.connect(self._kind_chosen)
        self.kind_dialog.open()

    def _limit(self) -> int:
        assert self.agreement_id is not None
        try:
            return sealed.limit_for(self.ctx.db, self.ctx.actor, self.agreement_id)
        except ServiceError:
            return 300 * 1024

    def _kind_chosen(self) -> None:
        dialog, path = self.kind_dialog, self._chosen
        if dialog is None or path is None:
            return
        self.start(path, dialog.chosen())

    def start(self, path: Path, kind: EvidenceKind) -> None:
        """Read (and, for an existing agreement, fit and store) `path` in a worker thread."""
        self._set_busy(True, "파일을 읽어 한도에 맞추는 중입니다…")
        db, actor, key, agreement_id, now = self.ctx.db, self.ctx.actor, self.ctx.data_key, self.agreement_id, \
            self.ctx.clock()
        if agreement_id is None:
            self._work.start(lambda: Pending(path.name, read_file(path), kind))
        else:
            self._work.start(lambda: evidence.attach(db, actor, sealed.require_key(key), agreement_id,
                                                     read_file(path), path.name, kind=kind, now=now))

    def _finished(self, token: int, result: Any) -> None:
        if not self._work.is_current(token):
            return
        self._set_busy(False, "")
        if isinstance(result, Pending):
            self.pending = result
            self._show()
            return
        self.reload()
        note = f" {result.note}" if result.note else ""
        self.message.setText(f"동의자료를 첨부했습니다 ({result.extension.upper()} {size_text(result.size)}).{note}")
        self.attached.emit(result)

    def _failed(self, token: int, error: Any) -> None:
        if not self._work.is_current(token):
            return
        self._set_busy(False, "")
        if isinstance(error, ServiceError):
            self._fail(error.message)
        else:
            log.error("evidence attach failed: %s", type(error).__name__)
            self._fail(f"동의자료를 첨부하지 못했습니다 ({type(error).__name__}). 다시 시도하고, 계속되면 관리자에게 문의하세요.")

    def _set_busy(self, busy: bool, text: str) -> None:
        if busy == self.busy:
            return
        self.busy = busy
        if busy:
            self.error.setVisible(False)
            QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        else:
            QGuiApplication.restoreOverrideCursor()
        self.message.setText(text)
        self._show()

    def _fail(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(True)

    def attach_pending(self, agreement_id: int) -> str:
        """After 이체정보 추가 saved the agreement: attach the file chosen before (busy cursor while
        fitting). Returns the sentence for the done message; a refusal leaves the agreement saved."""
        pending, self.pending = self.pending, None
        self.agreement_id = agreement_id
        if pending is None:
            return ""
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            info = evidence.attach(self.ctx.db, self.ctx.actor, sealed.require_key(self.ctx.data_key), agreement_id,
                                   pending.data, pending.name, kind=pending.kind, now=self.ctx.clock())
        except ServiceError as error:
            return f"동의자료는 첨부하지 못했습니다: {error.message} 이체정보 수정에서 다시 첨부하세요."
        finally:
            QGuiApplication.restoreOverrideCursor()
        return f"동의자료를 첨부했습니다 ({info.extension.upper()} {size_text(info.size)})."

    # --- opening ---------------------------------------------------------------------------------

    def open_viewer(self) -> None:
        if self.info is None or self.info.destroyed or not self.ctx.actor.can_edit:
            return
        self.viewer = show_evidence(self.ctx, self, self.info)

    def shutdown(self) -> None:
        """The dialog closes: put the cursor back if a fitting was still running."""
        if self.busy:
            self.busy = False
            QGuiApplication.restoreOverrideCursor()


class EvidenceDialog(QDialog):
    """동의자료 of one agreement on its own (from 고객 상세정보), for any agreement and any role."""

    def __init__(self, ctx: AppContext, customer_label: str, agreement: AgreementRow,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"동의자료 — {customer_label} · {agreement.item_name}")
        self.done_message = ""
        self.panel = EvidencePanel(ctx, agreement.id, self)
        self.panel.attached.connect(lambda info: setattr(self, "done_message", "동의자료를 첨부했습니다."))
        close = close_row(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label(f"{agreement.item_name} · {agreement.bank_name} {agreement.account_masked} · "
                                    f"{agreement.status.label}"))
        layout.addWidget(self.panel)
        layout.addWidget(close)
        self.setMinimumWidth(760)

    def done(self, result: int) -> None:  # the panel may still hold the busy cursor
        self.panel.shutdown()
        super().done(result)


class DisputePdf(QObject):
    """[민원 자료 PDF] of 고객 상세정보: one payer's whole record as a PDF (administrators).

    The file is chosen in a save dialog, checked like every saved file (`checked_save_path`), built
    in a worker thread by `evidence.dispute_pdf` (which audits it), then the clerk may open it in
    the page viewer to check it before handing it over.
    """

    saved = Signal(str)  # the path written

    def __init__(self, ctx: AppContext, parent: QWidget) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.owner = parent
        self.viewer: EvidenceViewer | None = None
        self.title = ""
        self._work = Background(self)
        self._work.finished.connect(self._finished)
        self._work.failed.connect(self._failed)

    def save(self, customer_id: int, customer_no: str, name: str, path: str | None = None) -> None:
        self.title = f"민원 자료 — {customer_no} {name}"
        if path is None:
            folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
            suggested = Path(folder) / f"민원자료_{customer_no}_{self.ctx.clock():%Y%m%d}.pdf"
            path, _ = QFileDialog.getSaveFileName(self.owner, "민원 자료 PDF 저장", str(suggested), "PDF 파일 (*.pdf)")
            if not path:
                return
        if checked_save_path(self.owner, self.ctx.db, path, "민원 자료 PDF") is None:
            return
        db, actor, key, target, now = self.ctx.db, self.ctx.actor, self.ctx.data_key, Path(path), self.ctx.clock()
        self.ctx.signals.status_message.emit("민원 자료를 만드는 중입니다…")
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        # the save dialog asked before replacing a file; the database and backups stay refused
        self._work.start(lambda: str(evidence.dispute_pdf(db, actor, sealed.require_key(key), customer_id, target,
                                                          force=True, now=now)))

    def _finished(self, _token: int, path: Any) -> None:
        QGuiApplication.restoreOverrideCursor()
        self.ctx.signals.status_message.emit(f"민원 자료를 저장했습니다: {path}")
        self.saved.emit(str(path))
        if confirm(self.owner, f"민원 자료를 저장했습니다.\n{path}\n\n지금 열어 확인하시겠습니까?", "민원 자료 PDF"):
            self.viewer = show_pdf_file(self.owner, Path(str(path)), self.title)

    def _failed(self, _token: int, error: Any) -> None:
        QGuiApplication.restoreOverrideCursor()
        show_error(self.owner, error if isinstance(error, ServiceError) else
                   ServiceError(f"민원 자료를 만들지 못했습니다 ({type(error).__name__}). 다시 시도하고, 계속되면 관리자에게 "
                                "문의하세요."), "민원 자료 PDF")
