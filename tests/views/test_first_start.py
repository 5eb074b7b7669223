"""First start on an empty database, and unlocking the data key on a PC that has not cached it."""

from __future__ import annotations

import keyring
import pytest
from PySide6.QtWidgets import QDialog

from app.db import Database
from app.services import auth, keys, setup
from app.views.first_run_dialog import FirstRunDialog
from app.views.passphrase_dialog import PassphraseDialog


def _fill(dialog: FirstRunDialog, **overrides: str) -> None:
    values = {
        "institution_name": "새봄피아노학원", "institution_code": "1234567890", "business_no": "1248100998",
        "representative": "박새봄", "account": "110-123-456789", "passbook": "새봄피아노",
        "admin_id": "owner", "admin_name": "박원장", "admin_birth": "750505",
        "passphrase": "office-secret-1", "passphrase_again": "office-secret-1",
    }
    values.update(overrides)
    for name, value in values.items():
        getattr(dialog, name).setText(value)
    dialog.bank.setCurrentIndex(dialog.bank.findData("088"))


def test_first_run_creates_institution_admin_and_key(qtbot, sqlite_db: Database) -> None:  # type: ignore[no-untyped-def]
    dialog = FirstRunDialog(sqlite_db)
    qtbot.addWidget(dialog)
    _fill(dialog)
    dialog.submit()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.data_key is not None
    assert setup.is_initialized(sqlite_db) and keys.has_data_key(sqlite_db)
    result = auth.login(sqlite_db, "1234567890", "owner", "000000", "750505")
    assert result.must_change_password


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"business_no": "1234567890"}, "사업자"),
        ({"passbook": "가나다라마바사아자"}, "통장기재내용"),
        ({"passphrase_again": "different-1"}, "서로 다릅니다"),
        ({"passphrase": "short", "passphrase_again": "short"}, "8자 이상"),
        ({"institution_code": "12345"}, "이용기관코드"),
    ],
)
def test_first_run_refuses_bad_input_and_writes_nothing(qtbot, sqlite_db: Database, override: dict[str, str],  # type: ignore[no-untyped-def]
                                                        expected: str) -> None:
    dialog = FirstRunDialog(sqlite_db)
    qtbot.addWidget(dialog)
    _fill(dialog, **override)
    dialog.submit()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert expected in dialog.error.text()
    assert not setup.is_initialized(sqlite_db)
    assert dialog.institution_name.text() == "새봄피아노학원"  # nothing the clerk typed is lost


def test_passphrase_dialog_unlocks_and_remembers_on_this_pc(qtbot, sqlite_db: Database) -> None:  # type: ignore[no-untyped-def]
    from app.services import demo_data

    demo_data.create(sqlite_db, passphrase="right-passphrase", customers=2)
    assert keys.cached(sqlite_db) is None
    dialog = PassphraseDialog(sqlite_db)
    qtbot.addWidget(dialog)
    dialog.passphrase.setText("wrong-passphrase")
    dialog.try_unlock()
    assert dialog.key is None and "올바르지 않습니다" in dialog.error.text()
    dialog.passphrase.setText("right-passphrase")
    dialog.try_unlock()
    assert dialog.key is not None
    assert keys.cached(sqlite_db) == dialog.key  # the in-memory test keyring now holds it
    assert keyring.get_keyring() is not None
