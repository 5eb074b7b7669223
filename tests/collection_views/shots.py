"""Screenshots of the 수납관리 screens with a realistic academy, for a person to look at.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.collection_views.shots [out_dir]

Builds a throw-away SQLite database (in a temporary folder, with an in-memory keyring) holding a
month of an academy's collection work — registrations in every state, the 5th's results, a cash
receipt, sibling discounts — and saves each screen, inside the main window as the clerk sees it
(1280×800, Korean font and style sheet applied), to `shots/collection-*.png`.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _academy(db, office, clerk):
    from app.models import RegistrationState
    from app.services.collection import cash, discounts
    from tests.collection_views.helpers import (
        NOW,
        TWENTY_FIFTH,
        add_payer,
        at,
        failed_fifth,
        request,
    )

    cid = office.contract_id
    fifth = [
        add_payer(db, cid, "2024001", "김민준", monthly=320_000, grade="초등3", bank="088", account="110245671234"),
        add_payer(db, cid, "2024002", "이서연", monthly=280_000, grade="초등5", bank="004", account="94370200123456"),
        add_payer(db, cid, "2024003", "박지호", monthly=350_000, grade="중등1", bank="020", account="1002345678912"),
        add_payer(db, cid, "2024004", "최하은", monthly=300_000, grade="초등4", bank="081", account="35791024681357"),
        add_payer(db, cid, "2024005", "정우진", monthly=410_000, grade="중등2", bank="011", account="3021234567890"),
        add_payer(db, cid, "2024006", "강서준", monthly=260_000, grade="초등2", bank="088", account="110998877665"),
        add_payer(db, cid, "2024007", "조예은", monthly=330_000, grade="중등3", bank="003", account="01012345678901"),
        add_payer(db, cid, "2024008", "윤도현", monthly=290_000, grade="초등6", bank="090", account="3333012345678"),
    ]
    fifth.append(add_payer(db, cid, "2024009", "이도윤", monthly=40_000, item="A02", grade="초등2", bank="020",
                           account="1002456789012"))
    failed_fifth(db, clerk, cid, fifth, reasons={"2024003": "0021", "2024006": "0031", "2024008": "0021"},
                 debited={"2024001": 320_000, "2024002": 280_000, "2024004": 300_000, "2024005": 200_000,
                          "2024007": 330_000})  # 2024009 stays 이체의뢰중
    rows = cash.list_cash_candidates(db, clerk, cid)
    target = next(r for r in rows if r.customer_no == "2024006")
    cash.receive_cash(db, clerk, target.charge_id, 100_000, date(2026, 11, 12))

    twenty_fifth = [
        add_payer(db, cid, "2024011", "한지우", monthly=300_000, day=25, grade="초등1", bank="088", account="110111222333"),
        add_payer(db, cid, "2024012", "한지민", monthly=300_000, day=25, grade="초등3", bank="088", account="110111222333"),
        add_payer(db, cid, "2024013", "오승민", monthly=380_000, day=25, grade="중등1", bank="020", account="1002987654321"),
        add_payer(db, cid, "2024014", "서유나", monthly=270_000, day=25, grade="초등2", bank="081", account="35712345678901"),
        add_payer(db, cid, "2024015", "신재원", monthly=60_000, day=25, item="A03", grade="초등4", bank="071",
                  account="01234567890123"),
    ]
    add_payer(db, cid, "2024016", "권나래", day=25, grade="초등5", bank="004", account="94370211112222",
              registration=RegistrationState.WAITING, requested_on=date(2026, 11, 19), first="2026-11")
    add_payer(db, cid, "2024017", "황민성", day=25, grade="중등2", bank="045", account="9003123456789",
              registration=RegistrationState.FAILED, reason_code="0014", requested_on=date(2026, 11, 9))
    add_payer(db, cid, "2024018", "안소율", day=25, grade="초등6", bank="032", account="112233445566",
              registration=RegistrationState.FAILED, reason_code="0012", requested_on=date(2026, 11, 10))
    add_payer(db, cid, "2024019", "송하람", day=5, grade="초등1", bank="088", account="110555666777",
              registration=RegistrationState.SENT, first="2026-12", requested_on=date(2026, 11, 18))
    add_payer(db, cid, "2024020", "임채원", day=5, grade="중등1", bank="090", account="3333098765432",
              registration=RegistrationState.WAITING, first="2026-12", requested_on=date(2026, 11, 20))
    siblings = [p.agreement_id for p in twenty_fifth[:2]]  # a sibling discount, decided in October
    discounts.apply_discount(db, office.admin, cid, siblings, 10, now=at(date(2026, 10, 28), 16))
    request(db, clerk, cid, TWENTY_FIFTH, twenty_fifth[:2], NOW)


def main(out_dir: Path) -> None:
    import keyring
    from PySide6.QtWidgets import QApplication

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
        from tests.collection_views.helpers import KEY, NOW, TWENTY_FIFTH, at
        from tests.factories import add_user, make_office

        app = QApplication.instance() or QApplication(sys.argv)
        apply_theme(app)
        db = Database.from_url(f"sqlite:///{(Path(folder) / 'shots.db').as_posix()}")
        migrations.upgrade(db.engine)
        office = make_office(db)
        clerk = add_user(office, "clerk1", Role.CLERK)
        _academy(db, office, clerk)
        out_dir.mkdir(parents=True, exist_ok=True)

        def window(moment=NOW, actor=office.admin):
            ctx = AppContext(db, actor, office.contract_id, KEY, clock=lambda: moment)
            win = MainWindow(ctx)
            win.resize(1280, 800)
            win.show()
            app.processEvents()
            return win

        def save(widget, name: str) -> None:
            app.processEvents()
            widget.grab().save(str(out_dir / name))
            print(out_dir / name)

        win = window()
        win.open_page("collection.registrations")
        page = win.pages["collection.registrations"]
        page.table.selectRow(next(i for i, r in enumerate(page.model.rows()) if r.customer_no == "2024017"))
        save(win, "collection-registrations.png")

        win.open_page("collection.requests")
        page = win.pages["collection.requests"]
        page.select_date(TWENTY_FIFTH)
        page.all_box.setChecked(True)
        page.table.selectRow(next(i for i, r in enumerate(page.model.rows()) if r.customer_no == "2024017"))
        save(win, "collection-requests.png")
        page.open_preflight(for_request=True)
        page.active_dialog.resize(980, 560)
        save(page.active_dialog, "collection-requests-preflight.png")
        page.active_dialog.reject()

        win.open_page("collection.retries")
        page = win.pages["collection.retries"]
        page.model.toggle(0)
        page.table.selectRow(next(i for i, r in enumerate(page.model.rows()) if r.customer_no == "2024006"))
        save(win, "collection-retries.png")

        win.open_page("collection.results")
        page = win.pages["collection.results"]
        page.show_reason(next(r for r in page.model.rows() if r.customer_no == "2024006"))
        save(win, "collection-results.png")

        win.open_page("collection.cash")
        save(win, "collection-cash.png")

        win.open_page("collection.discounts")
        page = win.pages["collection.discounts"]
        for i, row in enumerate(page.model.rows()):
            if row.customer_no in ("2024003", "2024013"):
                page.model.toggle(i)
        page.rate.setValue(15)
        save(win, "collection-discounts.png")
        win.close()

        late = window(at(date(2026, 11, 24), 14, 5))
        late.open_page("collection.requests")
        late.pages["collection.requests"].select_date(TWENTY_FIFTH)
        save(late, "collection-requests-closed.png")
        late.close()

        viewer = add_user(office, "viewer1", Role.VIEWER, birth="910606")
        seen = window(actor=viewer)
        seen.open_page("collection.requests")
        seen.pages["collection.requests"].select_date(TWENTY_FIFTH)
        save(seen, "collection-requests-viewer.png")
        seen.close()
        db.dispose()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shots")
