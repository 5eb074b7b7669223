"""Screenshots of the 동의자료 screens at 1366×768, for a person to look at.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.evidence_views.shots [out_dir]

Builds a throw-away SQLite database (temporary folder, in-memory keyring) with an academy's payers,
evidence in several states and two agreements that ended in 2021, then saves the 이체정보 dialog's
동의자료 section, the viewer with a scan and with a PDF page, the bulk attach report and the
retention screen as `evidence_*.png` (Korean font and style sheet applied, as the clerk sees them).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SIZE = (1366, 768)


def main(out_dir: Path) -> None:  # one scene after another
    import gc

    import keyring
    from PySide6.QtCore import QThreadPool
    from PySide6.QtWidgets import QApplication

    from app.services.common.crypto import MemoryKeyring
    from app.services.common.passwords import use_fast_hashing_for_tests

    with tempfile.TemporaryDirectory() as folder:
        os.environ["KSCMS_DATA_DIR"] = str(Path(folder) / "data")
        keyring.set_keyring(MemoryKeyring())
        use_fast_hashing_for_tests()
        from sqlalchemy import update

        from app.database import migrate as migrations
        from app.database.engine import Database
        from app.models import ConsentEvidence, EvidenceState
        from app.services.customers import records as customers
        from app.services.customers.evidence import store as evidence
        from app.services.customers.evidence.fit import size_text
        from app.views.common.context import AppContext
        from app.views.common.theme import apply_theme
        from app.views.customers.agreement_dialog import AgreementDialog
        from app.views.customers.evidence_viewer import EvidenceViewer, evidence_facts
        from app.views.shell.main_window import MainWindow
        from tests.collection_views.helpers import KEY, NOW, add_payer
        from tests.evidence.helpers import encoded, form_page, pdf_document, tiff_pages
        from tests.evidence_views.conftest import (
            end_long_ago,
            recording,
            scan_jpeg,
            write,
        )
        from tests.factories import make_office

        app = QApplication.instance() or QApplication(sys.argv)
        apply_theme(app)
        db = Database.from_url(f"sqlite:///{(Path(folder) / 'shots.db').as_posix()}")
        migrations.upgrade(db.engine)
        office = make_office(db)
        cid = office.contract_id
        out_dir.mkdir(parents=True, exist_ok=True)
        names = [("2024001", "김민준"), ("2024002", "이서연"), ("2024003", "박지호"), ("2024004", "최하은"),
                 ("2024005", "정우진"), ("2024006", "강서준"), ("2024007", "조예은"), ("2024008", "윤도현"),
                 ("2024009", "이도윤"), ("2024010", "한지우"), ("2024011", "오승민"), ("2024012", "서유나")]
        payers = [add_payer(db, cid, no, name, account=f"1102456{n:05d}") for n, (no, name) in enumerate(names)]
        add_payer(db, cid, "2024001", "김민준", item="A02", monthly=40_000, account="110245600000")  # a 2nd item
        ended = [add_payer(db, cid, f"2019{n:03d}", name, account=f"3333012{n:05d}")
                 for n, name in enumerate(("송하람", "임채원", "황민성"), 1)]
        ctx = AppContext(db, office.admin, cid, KEY, clock=lambda: NOW)

        def save(widget, name: str) -> None:
            app.processEvents()
            widget.grab().save(str(out_dir / name))
            print(out_dir / name)

        # evidence on record: a TIFF stack fitted to JPEG for 김민준 (refused once, then re-attached)
        pages = [form_page(seed=1), form_page(seed=2, colour=False, title="CMS 출금이체 동의서 (2쪽)")]

        first = evidence.attach(db, office.admin, KEY, payers[0].agreement_id, encoded(pages[0], "JPEG", quality=95),
                                "김민준_동의서_스캔.jpg", now=NOW)
        with db.session() as s:
            s.execute(update(ConsentEvidence).where(ConsentEvidence.id == first.id)
                      .values(state=EvidenceState.REJECTED, reason_code="0103")
                      .execution_options(synchronize_session=False))
        evidence.attach(db, office.admin, KEY, payers[0].agreement_id, tiff_pages(pages), "김민준 동의서 2쪽.tif",
                        now=NOW)
        for payer, n in zip(ended, range(3), strict=False):
            evidence.attach(db, office.admin, KEY, payer.agreement_id, scan_jpeg(10 + n), f"{payer.customer_no}.jpg",
                            now=NOW)
            end_long_ago(office, payer)

        detail = customers.get_customer_detail(db, office.admin, payers[0].customer_id)
        row = next(a for a in detail.agreements if a.id == payers[0].agreement_id)
        dialog = AgreementDialog(ctx, detail, row)
        kept = evidence.current(db, office.admin, row.id)
        assert kept is not None
        dialog.evidence.message.setText(f"동의자료를 첨부했습니다 (JPG {size_text(kept.size)}).")  # as after 첨부
        dialog.show()
        dialog.adjustSize()  # the size it opens at
        save(dialog, "evidence_dialog_natural.png")
        dialog.resize(*SIZE)
        save(dialog, "evidence_dialog.png")
        dialog.close()

        info = evidence.current(db, office.admin, payers[0].agreement_id)
        assert info is not None
        content, ext = evidence.open_content(db, office.admin, KEY, info.id)
        viewer = EvidenceViewer(content, ext, title="동의자료 보기 — 김민준", facts=evidence_facts(info))
        viewer.resize(*SIZE)
        viewer.show()
        app.processEvents()
        viewer.pages.fit_to("page")  # type: ignore[union-attr]
        save(viewer, "evidence_viewer_image.png")
        viewer.reject()

        pdf = pdf_document([form_page(seed=5), form_page(seed=6, colour=False, title="자동이체 약관 확인서")], quality=60)
        pdf_viewer = EvidenceViewer(pdf, "pdf", title="동의자료 보기 — 이서연",
                                    facts="이서연 (2024002) · 수강료 · 서면 · 동의서.pdf → PDF · 2쪽")
        pdf_viewer.resize(*SIZE)
        pdf_viewer.show()
        app.processEvents()
        pdf_viewer.pages.go_to(1)  # type: ignore[union-attr]
        pdf_viewer.pages.set_zoom(1.0)  # type: ignore[union-attr]
        save(pdf_viewer, "evidence_viewer_pdf.png")
        pdf_viewer.reject()

        audio = EvidenceViewer(recording(), "wav", title="동의자료 듣기 — 박지호",
                               facts="박지호 (2024003) · 수강료 · 녹취 · 통화녹음.wav → MP3")
        audio.resize(*SIZE)
        audio.show()
        save(audio, "evidence_viewer_audio.png")
        audio.reject()

        target = evidence.dispute_pdf(db, office.admin, KEY, payers[0].customer_id, Path(folder) / "민원.pdf", now=NOW)
        dispute = EvidenceViewer(target.read_bytes(), "pdf", title="민원 자료 — 2024001 김민준",
                                 facts=f"민원 자료 — 2024001 김민준 · {target.name}", audited=False)
        dispute.resize(*SIZE)
        dispute.show()
        app.processEvents()
        dispute.pages.fit_to("width")  # type: ignore[union-attr]
        save(dispute, "evidence_dispute_pdf.png")
        dispute.reject()

        scans = Path(folder) / "스캔"
        scans.mkdir()
        for n, payer in enumerate(payers[1:9]):
            write(scans, f"{payer.customer_no} 동의서.jpg", scan_jpeg(20 + n))
        write(scans, "2024001.jpg", scan_jpeg(40))  # two agreements, no item named
        write(scans, "2023999.jpg", scan_jpeg(41))  # no such 고객번호
        write(scans, "2024009_수강료.pdf", b"%PDF-1.4 damaged")
        write(scans, "메모.txt", b"not evidence")
        window = MainWindow(ctx)
        window.resize(*SIZE)
        window.show()
        window.open_page("customers.evidence_bulk")
        bulk = window.pages["customers.evidence_bulk"]
        bulk.set_source(scans)
        bulk.run()
        while bulk.busy:
            app.processEvents()
        save(window, "evidence_bulk.png")

        window.open_page("settings.evidence_retention")
        retention = window.pages["settings.evidence_retention"]
        retention.model.toggle(0)
        retention.model.toggle(1)
        retention.export_archive(str(Path(folder) / "동의자료_보관_20261120.zip"))
        while retention._pending_export:
            app.processEvents()
        save(window, "evidence_retention.png")
        window.close()
        db.dispose()
        # tear Qt down before the interpreter does: PySide 6.12 sometimes crashed in the final garbage
        # collection of a script whose workers had passed results across threads
        QThreadPool.globalInstance().waitForDone()
        window.deleteLater()
        app.processEvents()
        gc.collect()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/work/shots"))
