"""파일 > 백업 / 복원, for administrators.

Backing up is one click (the SQLite copy takes a moment; a PostgreSQL dump runs in the background).
Restoring names the backup's date, says what will be lost and that the program closes afterwards,
and only then replaces the data: the services verify the file against its manifest first (signed
with the data key: SHA-256, revision, shape, row counts) and keep a copy of the current data
("복원 전"), so a wrong choice can itself be undone. A backup whose manifest is missing or does not
verify is refused with the reason; the administrator may then choose "검증 없이 복원" explicitly,
by typing that phrase, and the restore is recorded in the audit log.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import config
from app.database import backup, backup_manifest, copies
from app.database.engine import Database
from app.services.common import output_files
from app.services.common.crypto import DataKey
from app.services.common.errors import ServiceError
from app.services.common.session import Actor
from app.views.common.context import AppContext

log = logging.getLogger(__name__)

TITLE_BACKUP = "백업"
TITLE_RESTORE = "복원"
UNVERIFIED_PHRASE = "검증 없이 복원"


def backup_actions(window: QMainWindow, ctx: AppContext) -> list[QAction]:
    """The two 파일-menu actions; the caller adds them for administrators only."""
    make = QAction("백업…", window)
    make.setStatusTip("지금 데이터베이스를 백업합니다")
    make.triggered.connect(lambda: run_backup(window, ctx))
    restore = QAction("복원…", window)
    restore.setStatusTip("백업한 데이터로 되돌립니다")
    restore.triggered.connect(lambda: open_restore(window, ctx))
    return [make, restore]


# --- 백업 ------------------------------------------------------------------------------------


def run_backup(parent: QWidget, ctx: AppContext) -> None:
    if not ctx.actor.is_admin:
        QMessageBox.warning(parent, TITLE_BACKUP, "관리자만 백업할 수 있습니다.")
        return
    if ctx.db.is_sqlite:
        try:
            path = copies.backup_sqlite(ctx.db.engine, config.backup_dir(), reason=copies.MANUAL, key=ctx.data_key)
        except copies.BackupError as error:
            QMessageBox.critical(parent, TITLE_BACKUP, error.message)
            return
        except (OSError, sqlite3.Error) as error:
            log.exception("manual backup failed")
            QMessageBox.critical(parent, TITLE_BACKUP, f"백업하지 못했습니다. 디스크 공간과 폴더 권한을 확인하세요. ({error})")
            return
        log.info("manual backup %s by %s", path.name, ctx.actor.login_id)
        QMessageBox.information(parent, TITLE_BACKUP, f"백업했습니다.\n\n{path}\n\n파일 > 복원에서 이 백업으로 되돌릴 수 있습니다.")
        return
    _backup_postgres(parent, ctx)


def _backup_postgres(parent: QWidget, ctx: AppContext) -> None:
    from app.views.common.workers import Worker

    suggested = backup.default_dump_path(config.backup_dir())
    chosen, _ = QFileDialog.getSaveFileName(parent, "공유 데이터베이스 백업 저장", str(suggested), "PostgreSQL 백업 (*.dump)")
    if not chosen:
        return
    target = _dump_target(parent, Path(chosen))
    if target is None:
        return
    force = config.backup_dir().resolve() not in target.parents  # the dialog asked; an old backup is never replaced
    url = ctx.db.engine.url.render_as_string(hide_password=False)
    key = ctx.data_key
    progress = QProgressDialog("공유 데이터베이스를 백업하는 중입니다…", "", 0, 0, parent)
    progress.setWindowTitle(TITLE_BACKUP)
    progress.setCancelButton(None)
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumDuration(0)
    worker = Worker(lambda: backup.backup_postgres(url, target, key=key, force=force, protected=[]), parent)

    def done(path: Path) -> None:
        progress.close()
        QMessageBox.information(parent, TITLE_BACKUP, f"백업했습니다.\n\n{path}\n\n복원은 서버 관리자가 pg_restore로 합니다 "
                                                      "(docs/shared-database.md).")

    def failed(error: BaseException) -> None:
        progress.close()
        message = error.message if isinstance(error, ServiceError) else f"백업하지 못했습니다. ({type(error).__name__})"
        QMessageBox.critical(parent, TITLE_BACKUP, message)

    worker.succeeded.connect(done)
    worker.failed.connect(failed)
    worker.finished.connect(worker.deleteLater)
    progress.show()
    worker.start()


def _dump_target(parent: QWidget, chosen: Path) -> Path | None:
    """The chosen dump file, unless it would replace a backup (or the database): then a Korean refusal."""
    inside_backups = config.backup_dir().resolve() in chosen.resolve().parents
    if inside_backups and (chosen.exists() or backup_manifest.manifest_path(chosen).exists()):
        QMessageBox.warning(parent, TITLE_BACKUP, f"이미 있는 백업 파일은 덮어쓸 수 없습니다. 다른 이름을 고르세요: {chosen}")
        return None
    try:
        return output_files.check_target(chosen, force=not inside_backups, protected=[] if inside_backups else None)
    except output_files.OutputRefusedError as error:
        QMessageBox.warning(parent, TITLE_BACKUP, error.message)
        return None


# --- 복원 ------------------------------------------------------------------------------------


def open_restore(window: QMainWindow, ctx: AppContext) -> None:
    if not ctx.actor.is_admin:
        QMessageBox.warning(window, TITLE_RESTORE, "관리자만 복원할 수 있습니다.")
        return
    if not ctx.db.is_sqlite:
        QMessageBox.information(
            window, TITLE_RESTORE,
            "공유 데이터베이스(PostgreSQL)는 프로그램에서 복원하지 않습니다. 모든 PC에서 프로그램을 닫은 뒤 서버 관리자가 "
            "pg_restore로 복원합니다. 설치 폴더 docs의 shared-database.md '복원하기'를 보세요.",
        )
        return
    dialog = RestoreDialog(ctx.db, window, actor=ctx.actor, data_key=ctx.data_key)
    if dialog.exec() == QDialog.DialogCode.Accepted and dialog.restored:
        window.close()


def restore_question(parent: QWidget, check: backup.BackupCheck) -> tuple[QMessageBox, QAbstractButton]:
    """The confirmation (not yet shown) and its 복원 button: names the backup's date, what is lost, and
    that the program closes. 취소 is the default button."""
    text = (
        f"{check.taken_at:%Y년 %m월 %d일 %H:%M}에 만든 백업으로 데이터베이스를 되돌립니다.\n\n"
        "그 뒤에 입력하거나 바꾼 내용(고객, 이체 기록, 설정 등)은 모두 사라집니다. 지금 데이터는 '복원 전' 백업으로 "
        "따로 저장해 두므로, 잘못 복원했으면 그 백업으로 다시 되돌릴 수 있습니다.\n\n"
        "복원이 끝나면 프로그램을 종료합니다. 다시 시작해서 로그인하세요."
    )
    if check.upgrade_needed:
        text += "\n\n이 백업은 이전 버전의 프로그램으로 만들어져, 다음 시작 때 자동으로 새 버전에 맞게 갱신됩니다."
    if not check.verified:
        text += ("\n\n검증되지 않은 백업입니다. 관리자가 직접 고른 복원으로 감사 기록에 남습니다. "
                 f"({check.unverified_reason or ''})")
    box = QMessageBox(QMessageBox.Icon.Warning, TITLE_RESTORE, text, QMessageBox.StandardButton.NoButton, parent)
    box.setInformativeText("이 백업으로 복원할까요?")
    yes = box.addButton("복원하고 종료", QMessageBox.ButtonRole.DestructiveRole)
    no = box.addButton("취소", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(no)
    box.setEscapeButton(no)
    return box, yes


class RestoreDialog(QDialog):
    """The backups in the data folder's backups/ (newest first), or another file, to restore from."""

    COLUMNS = ("만든 때", "종류", "크기", "확인 정보")

    def __init__(self, db: Database, parent: QWidget | None = None, *, actor: Actor | None = None,
                 data_key: DataKey | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.data_key = data_key
        self.restored = False
        self.safety_copy: Path | None = None
        self.setWindowTitle("복원: 백업으로 되돌리기")
        self.setMinimumSize(560, 420)
        explain = QLabel(
            "되돌릴 백업을 고르세요. 매일 자동 백업은 최근 14일치를 보관하고, 수동·업데이트 전·복원 전 백업은 지우지 "
            f"않습니다.\n백업 폴더: {config.backup_dir()}"
        )
        explain.setWordWrap(True)
        explain.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.table.doubleClicked.connect(lambda _index: self.restore_selected())
        other = QPushButton("다른 파일 선택…")
        other.clicked.connect(self.choose_file)
        self.restore_button = QPushButton("복원…")
        self.restore_button.clicked.connect(self.restore_selected)
        close = QPushButton("닫기")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(other)
        buttons.addStretch(1)
        buttons.addWidget(self.restore_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.backups: list[copies.BackupFile] = []
        self.reload()

    def reload(self) -> None:
        self.backups = copies.list_backups(config.backup_dir())
        self.table.setRowCount(len(self.backups))
        for row, item in enumerate(self.backups):
            cells = (f"{item.taken_at:%Y-%m-%d %H:%M:%S}", item.kind_label, f"{max(item.size // 1024, 1):,} KB",
                     item.manifest_label)
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if column == 2:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, cell)
        if self.backups:
            self.table.selectRow(0)
        self.restore_button.setEnabled(bool(self.backups))

    def choose_file(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "복원할 백업 파일", str(config.backup_dir()),
                                                "KSCMS desk 백업 (*.db);;모든 파일 (*)")
        if chosen:
            self.restore_from(Path(chosen))

    def restore_selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.backups):
            self.restore_from(self.backups[row].path)

    def restore_from(self, path: Path, *, confirm: bool = True, unverified: bool = False) -> bool:
        """Verify, ask, restore. True when the data was replaced (the program must then close).

        A backup whose manifest does not verify is refused with the reason; an administrator may
        then choose to restore it unverified (asked here when `confirm`, or `unverified` given).
        """
        check = self._checked(path, unverified=unverified, confirm=confirm)
        if check is None:
            return False
        if confirm:
            box, restore_button = restore_question(self, check)
            box.exec()
            if box.clickedButton() is not restore_button:
                return False
        try:
            self.safety_copy = backup.restore_database(self.db, path, safety_folder=config.backup_dir(),
                                                       key=self.data_key, unverified=not check.verified,
                                                       actor=self.actor)
        except copies.BackupError as error:
            QMessageBox.critical(self, TITLE_RESTORE, error.message)
            return False
        self.restored = True
        log.info("database restored from %s (%s)", path.name, "verified" if check.verified else "unverified")
        if confirm:
            QMessageBox.information(self, TITLE_RESTORE, "복원했습니다. 프로그램을 종료합니다. 다시 시작해서 로그인하세요.")
        self.accept()
        return True

    def _checked(self, path: Path, *, unverified: bool, confirm: bool) -> backup.BackupCheck | None:
        """The verified check; or, for an administrator who chooses it, the unverified one; else None."""
        try:
            return backup.verify_backup(path, key=self.data_key)
        except copies.BackupError as error:
            refusal = error
        try:
            loose = backup.verify_backup(path, key=self.data_key, unverified=True)
        except copies.BackupError:
            loose = None  # not a KSCMS database of a known revision and shape: no choice to offer
        admin = self.actor is not None and self.actor.is_admin
        if loose is None or not admin:
            QMessageBox.critical(self, TITLE_RESTORE, refusal.message)
            return None
        if unverified or (confirm and self.ask_unverified(refusal.message)):
            return loose
        if not confirm:
            QMessageBox.critical(self, TITLE_RESTORE, refusal.message)
        return None

    def ask_unverified(self, reason: str) -> bool:
        """The stern question: the refusal, then the phrase typed exactly (tests replace this method)."""
        box = QMessageBox(QMessageBox.Icon.Critical, TITLE_RESTORE,
                          f"{reason}\n\n이 백업은 검증할 수 없어 복원하지 않았습니다. 누군가 고친 파일일 수 있습니다"
                          "(금액, 계좌, 사용자). 출처를 확실히 아는 백업일 때만 관리자 책임으로 복원하세요. "
                          "이 복원은 감사 기록에 남습니다.", QMessageBox.StandardButton.NoButton, self)
        anyway = box.addButton(f"{UNVERIFIED_PHRASE}…", QMessageBox.ButtonRole.DestructiveRole)
        close = box.addButton("닫기", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(close)
        box.setEscapeButton(close)
        box.exec()
        if box.clickedButton() is not anyway:
            return False
        typed, ok = QInputDialog.getText(self, TITLE_RESTORE, f"계속하려면 '{UNVERIFIED_PHRASE}'를 그대로 입력하세요:")
        return bool(ok) and typed.strip() == UNVERIFIED_PHRASE
