"""파일 > 백업 / 복원: administrators only, the confirmation names the date, and a restore really restores."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select, update

from app import config
from app.database import backup, copies, server_settings
from app.database import connection as db_setup
from app.database.engine import Database
from app.models import Contract, Role
from app.views.common.context import AppContext
from app.views.shell.backup_dialogs import RestoreDialog, restore_question
from app.views.shell.main_window import MainWindow
from tests.factories import add_user, make_office
from tests.security.backup_helpers import give_data_key


@pytest.fixture
def office_file(tmp_path: Path):
    db = db_setup.prepare(server_settings.sqlite_url(tmp_path / "kscms.db"))
    office = make_office(db)
    give_data_key(db)  # as setup does: backups are then signed, and verified on restore
    yield office
    db.dispose()


def _file_menu_texts(window: MainWindow) -> list[str]:
    menu = window.menuBar().actions()[0].menu()
    return [a.text() for a in menu.actions()]


def test_backup_and_restore_are_in_the_file_menu_for_administrators_only(qtbot, office_file) -> None:
    admin = MainWindow(AppContext(db=office_file.db, actor=office_file.admin))
    qtbot.addWidget(admin)
    assert {"백업…", "복원…"} <= set(_file_menu_texts(admin))
    clerk = add_user(office_file, "clerk1", Role.CLERK)
    window = MainWindow(AppContext(db=office_file.db, actor=clerk))
    qtbot.addWidget(window)
    assert not {"백업…", "복원…"} & set(_file_menu_texts(window))


def test_manual_backup_from_the_menu(qtbot, office_file, monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: shown.append(text))
    window = MainWindow(AppContext(db=office_file.db, actor=office_file.admin))
    qtbot.addWidget(window)
    next(a for a in window.menuBar().actions()[0].menu().actions() if a.text() == "백업…").trigger()
    [made] = copies.list_backups(config.backup_dir())
    assert made.kind == copies.MANUAL and str(made.path) in shown[0]


def test_the_confirmation_names_the_date_and_says_the_program_closes(qtbot, office_file) -> None:
    copy = copies.backup_sqlite(office_file.db.engine, config.backup_dir())
    check = backup.check_backup(copy)
    box, restore_button = restore_question(None, check)  # type: ignore[arg-type]
    qtbot.addWidget(box)
    assert f"{check.taken_at:%Y년 %m월 %d일 %H:%M}" in box.text()
    assert "종료" in box.text() and "사라집니다" in box.text()
    assert box.defaultButton() is not restore_button  # 취소 is the default


def test_restore_dialog_lists_newest_first_and_restores(qtbot, office_file) -> None:
    db: Database = office_file.db
    older = copies.backup_sqlite(db.engine, config.backup_dir(), reason=copies.DAILY)
    with db.session() as s:
        s.execute(update(Contract).values(name="오후에바뀐학원"))
    dialog = RestoreDialog(db)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 1 and dialog.table.item(0, 1).text() == "매일 자동"
    assert dialog.restore_from(older, confirm=False)
    assert dialog.restored and dialog.safety_copy is not None and dialog.safety_copy.exists()
    with db.session() as s:
        assert s.scalar(select(Contract.name)) == "해오름수학학원"


def test_restore_dialog_refuses_a_bad_file_with_a_message(qtbot, office_file, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text: shown.append(text))
    bad = tmp_path / "other.db"
    conn = sqlite3.connect(str(bad))
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    dialog = RestoreDialog(office_file.db)
    qtbot.addWidget(dialog)
    assert not dialog.restore_from(bad, confirm=False)
    assert not dialog.restored and "KSCMS desk 데이터베이스가 아닙니다" in shown[0]
