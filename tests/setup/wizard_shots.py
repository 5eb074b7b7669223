"""Render every page of the first-start wizard (and the backup dialogs) to PNG, for looking at them.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.setup.wizard_shots [OUT_DIR]   (default: shots/)
Works in a temporary data folder with an in-memory keyring; writes only the PNG files.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import UTC
from pathlib import Path

from app.database import copies, server_settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_KEY = ("ssh-ed25519", "SHA256:Xq3v8f0yJc2m0yQ3mYb2qvTzq1dP6rW7p5nT3yJ0c8E",
              "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample")


def main(out: Path) -> list[Path]:
    import keyring
    from PySide6.QtWidgets import QApplication

    from app.services.common.crypto import MemoryKeyring
    from app.services.common.passwords import use_fast_hashing_for_tests
    from app.views.common.theme import apply_theme

    out.mkdir(parents=True, exist_ok=True)
    keyring.set_keyring(MemoryKeyring())
    use_fast_hashing_for_tests()
    app = QApplication.instance() or QApplication([])
    apply_theme(app)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["KSCMS_DATA_DIR"] = str(Path(tmp) / "data")
        os.environ.pop("KSCMS_DATABASE_URL", None)
        return _new_installation(app, out, Path(tmp)) + _join(app, out, Path(tmp)) + _backups(app, out, Path(tmp))


def _grab(app, widget, path: Path) -> Path:
    widget.show()
    for _ in range(5):
        app.processEvents()
    widget.grab().save(str(path))
    return path


def _wait(app, wizard) -> None:
    import time

    deadline = time.monotonic() + 30
    while wizard.workers and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)
    for _ in range(5):
        app.processEvents()


def _new_installation(app, out: Path, tmp: Path) -> list[Path]:
    from app.services.exchange.relay.config import HostKeyInfo
    from app.views.setup.setup_wizard import SetupWizard
    from tests.setup.wizard_helpers import fill_admin, fill_institution, fill_passphrase

    shots = []
    wizard = SetupWizard()
    wizard.show()
    shots.append(_grab(app, wizard, out / "wizard-1-database-local.png"))
    page = wizard.database_page
    page.server.setChecked(True)
    page.host.setText("127.0.0.1")
    page.port.setValue(1)
    page.dbname.setText("kscms")
    page.user.setText("kscms")
    page.password.setText("secret-pw-1")
    page.test_connection()
    _wait(app, wizard)
    shots.append(_grab(app, wizard, out / "wizard-1-database-server-refused.png"))
    page.local.setChecked(True)
    page.file_path.setText(str(tmp / "new.db"))
    wizard.next()
    _wait(app, wizard)
    fill_institution(wizard.institution_page)
    shots.append(_grab(app, wizard, out / "wizard-2-institution.png"))
    wizard.institution_page.business_no.setText("1234567890")
    wizard.next()
    shots.append(_grab(app, wizard, out / "wizard-2-institution-error.png"))
    wizard.institution_page.business_no.setText("1248100998")
    wizard.next()
    fill_admin(wizard.admin_page)
    shots.append(_grab(app, wizard, out / "wizard-3-admin.png"))
    wizard.next()
    fill_passphrase(wizard.passphrase_page)
    shots.append(_grab(app, wizard, out / "wizard-4-passphrase.png"))
    wizard.next()
    relay = wizard.relay_page
    shots.append(_grab(app, wizard, out / "wizard-5-relay-simulator.png"))
    relay.sftp.setChecked(True)
    relay.host.setText("relay.example.kr")
    relay.username.setText("ks9912345678")
    relay.password.setText("relay-pw-1")
    relay._fetched("relay.example.kr", 22, HostKeyInfo(*SAMPLE_KEY))
    relay.confirmed.setChecked(True)
    shots.append(_grab(app, wizard, out / "wizard-5-relay-sftp.png"))
    wizard.next()
    shots.append(_grab(app, wizard, out / "wizard-6-summary.png"))
    wizard.reject()
    return shots


def _join(app, out: Path, tmp: Path) -> list[Path]:
    from app.database import connection as db_setup
    from app.services.settings.demo import data as demo_data
    from app.views.setup.setup_wizard import SetupWizard

    url = server_settings.sqlite_url(tmp / "shared.db")
    db = db_setup.prepare(url)
    demo_data.create(db, passphrase="right-passphrase", customers=2)
    db.dispose()
    wizard = SetupWizard(url=url)
    wizard.show()
    wizard.next()
    _wait(app, wizard)
    wizard.join_page.passphrase.setText("wrong-passphrase")
    wizard.next()
    shots = [_grab(app, wizard, out / "wizard-join-wrong-passphrase.png")]
    wizard.join_page.passphrase.setText("right-passphrase")
    wizard.next()
    shots.append(_grab(app, wizard, out / "wizard-join-summary.png"))
    wizard.reject()
    return shots + _join_sftp(app, out, tmp)


def _join_sftp(app, out: Path, tmp: Path) -> list[Path]:
    """A second PC joining a database whose relay is the agency's SFTP server: only the password is asked."""
    from datetime import datetime

    from app.database import connection as db_setup
    from app.services.common.session import system_actor
    from app.services.exchange import relay_config
    from app.services.exchange.relay.config import (
        MODE_SFTP,
        HostKeyInfo,
        RelayConfig,
        SftpSettings,
    )
    from app.services.settings import setup
    from app.views.setup.setup_wizard import SetupWizard

    url = server_settings.sqlite_url(tmp / "sftp.db")
    db = db_setup.prepare(url)
    setup.initialize(db, setup.SetupForm(
        institution_name="새봄피아노학원", institution_code="1234567890", business_no="1248100998",
        representative="박새봄", settlement_bank_code="088", settlement_account_no="110123456789",
        passbook_text="새봄피아노", admin_login_id="owner", admin_name="박원장", admin_birth_date="750505",
        passphrase="right-passphrase", admin_password="spring2026"))
    relay = RelayConfig(mode=MODE_SFTP, sftp=SftpSettings(host="relay.example.kr", username="ks1234567890"))
    relay = relay.pin(HostKeyInfo(*SAMPLE_KEY), pinned_at=datetime.now(UTC), pinned_by="owner")
    relay_config.save(db, system_actor(1), relay)
    db.dispose()
    wizard = SetupWizard(url=url)
    wizard.show()
    wizard.next()
    _wait(app, wizard)
    wizard.join_page.passphrase.setText("right-passphrase")
    wizard.next()
    shots = [_grab(app, wizard, out / "wizard-join-relay-password.png")]
    wizard.next()
    shots.append(_grab(app, wizard, out / "wizard-join-relay-summary.png"))
    wizard.reject()
    return shots


def _backups(app, out: Path, tmp: Path) -> list[Path]:
    from app import config
    from app.database import backup
    from app.database import connection as db_setup
    from app.services.settings.demo import data as demo_data
    from app.views.shell.backup_dialogs import RestoreDialog, restore_question

    url = server_settings.sqlite_url(tmp / "office.db")
    db = db_setup.prepare(url)
    demo_data.create(db, passphrase="right-passphrase", customers=2)
    folder = config.backup_dir()
    copies.backup_sqlite(db.engine, folder, reason=copies.DAILY)
    copies.backup_sqlite(db.engine, folder, reason=copies.MANUAL)
    dialog = RestoreDialog(db)
    shots = [_grab(app, dialog, out / "backup-restore-list.png")]
    box, _restore = restore_question(dialog, backup.check_backup(copies.list_backups(folder)[0].path))
    shots.append(_grab(app, box, out / "backup-restore-confirm.png"))
    box.close()
    dialog.close()
    db.dispose()
    return shots


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "shots"
    for shot in main(target):
        print(shot)
