"""Screenshots of 통장입금대사 with a realistic academy and a real 국민은행 export, for a person to look at.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.statement_views.shots [out_dir]

Builds a throw-away SQLite database (a temporary folder, an in-memory keyring) whose payers' debits of
5 November failed, writes the office's statement as the bank exports it, and saves the page inside the
main window (통장 읽기 before and after [수납반영], 미처리 입금, 처리 내역) at 1366×768 and 1024×768, its
two dialogs, and 현금수납관리 listing the 계좌입금, to `statement-*.png`.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(out_dir: Path) -> None:
    import keyring
    from PySide6.QtCore import QThreadPool
    from PySide6.QtWidgets import QApplication, QWidget

    from app.models import Role
    from app.services.common.crypto import MemoryKeyring
    from app.services.common.passwords import use_fast_hashing_for_tests

    with tempfile.TemporaryDirectory() as folder:
        os.environ["KSCMS_DATA_DIR"] = str(Path(folder) / "data")
        keyring.set_keyring(MemoryKeyring())
        use_fast_hashing_for_tests()
        from app.database import migrate as migrations
        from app.database.engine import Database
        from app.views.common.context import AppContext
        from app.views.common.theme import apply_theme
        from app.views.shell.main_window import MainWindow
        from tests.collection_views.helpers import KEY, NOW
        from tests.factories import add_user, make_office
        from tests.statement_views.helpers import academy

        app = QApplication.instance() or QApplication(sys.argv)
        assert isinstance(app, QApplication)
        apply_theme(app)
        db = Database.from_url(f"sqlite:///{(Path(folder) / 'shots.db').as_posix()}")
        migrations.upgrade(db.engine)
        office = make_office(db)
        clerk = add_user(office, "clerk1", Role.CLERK)
        cid = office.contract_id
        path = academy(office, clerk, Path(folder))
        out_dir.mkdir(parents=True, exist_ok=True)

        def settle() -> None:
            for _ in range(4):
                QThreadPool.globalInstance().waitForDone(20_000)
                app.processEvents()

        def save(widget: QWidget, name: str) -> None:
            settle()
            widget.grab().save(str(out_dir / name))
            print(out_dir / name)

        ctx = AppContext(db, clerk, cid, KEY, clock=lambda: NOW)
        window = MainWindow(ctx)
        window.resize(1366, 768)
        window.show()
        window.open_page("collection.statement")
        page = window.pages["collection.statement"]
        save(window, "statement-read-empty.png")
        page.read_file(str(path))
        save(window, "statement-read.png")
        panel = page.read_list
        panel.select_deposit("박지호")
        save(window, "statement-read-excess.png")
        panel.select_deposit("홍길동")
        panel.open_change()
        settle()
        dialog = panel.active_dialog
        dialog.search.setText("")
        dialog.search_charges()
        save(dialog, "statement-change.png")
        dialog.resize(1366, 768)
        save(dialog, "statement-change-1366.png")
        dialog.reject()
        panel.select_deposit("(주)대한상사")
        panel.open_dismiss()
        settle()
        panel.active_dialog.save()  # no reason: the error shows
        save(panel.active_dialog, "statement-dismiss.png")
        panel.active_dialog.resize(1366, 768)
        save(panel.active_dialog, "statement-dismiss-1366.png")
        panel.active_dialog.reason.setText("임대료 입금 (관리비 아님)")
        panel.active_dialog.save()
        window.resize(1024, 768)
        save(window, "statement-read-1024.png")
        window.resize(1366, 768)
        from PySide6.QtWidgets import QMessageBox
        QMessageBox.question = lambda *_a, **_k: QMessageBox.StandardButton.Yes  # type: ignore[method-assign]
        QMessageBox.information = lambda *_a, **_k: QMessageBox.StandardButton.Ok  # type: ignore[method-assign]
        panel.apply_button.click()
        save(window, "statement-read-applied.png")
        page.tabs.setCurrentIndex(1)
        save(window, "statement-pending.png")
        page.tabs.setCurrentIndex(2)
        page.date_from.setDate(page.date_from.date().addDays(-30))
        page.history_search.click()
        save(window, "statement-history.png")
        window.resize(1024, 768)
        save(window, "statement-history-1024.png")
        window.resize(1366, 768)
        window.open_page("collection.cash")
        save(window, "statement-cash-list.png")
        window.close()
        db.dispose()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shots")
