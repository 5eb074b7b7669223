"""데이터 암호 문구: unlock the personal-data key on a PC that has not cached it yet."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.database.engine import Database
from app.services.common import keys
from app.services.common.crypto import DataKey, WrongPassphraseError
from app.views.common.base import grow_to_fit
from app.views.common.dialogs import accept_row


class PassphraseDialog(QDialog):
    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.key: DataKey | None = None
        self.setWindowTitle("데이터 암호 문구")
        self.setMinimumWidth(440)
        remembered = keys.keyring_available(db)
        explain = QLabel(
            "주민등록번호와 계좌번호는 암호화되어 저장됩니다. 관리자가 정한 데이터 암호 문구를 입력하세요."
            + ("\n이 PC의 자격 증명 저장소에 기억되어 다음부터는 묻지 않습니다." if remembered
               else "\n이 PC에는 자격 증명 저장소가 없어 프로그램을 시작할 때마다 묻습니다.")
        )
        explain.setWordWrap(True)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel("")
        self.error.setObjectName("errorText")
        self.error.setVisible(False)
        buttons = accept_row("확인", self.try_unlock, self.reject, primary=False)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addWidget(self.passphrase)
        layout.addWidget(self.error)
        layout.addWidget(buttons.box)

    def try_unlock(self) -> None:
        try:
            self.key = keys.unlock(self.db, self.passphrase.text())
        except WrongPassphraseError:
            self.passphrase.clear()
            self.error.setText("데이터 암호 문구가 올바르지 않습니다.")
            self.error.setVisible(True)
            grow_to_fit(self)
            return
        self.accept()
