"""The letter as it is printed: the 결재란 when the contract asks for one, the late fee, a reprint's mark.

The PDFs are also kept under KSCMS_SHOTS (/tmp/work/shots/dunning by default) to look at."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

from pypdf import PdfReader

from app.models import Contract, LateFeeBasis, LateFeePolicy, LateFeeWaiver
from app.services.collection import dunning
from tests.apartment.complex import Complex, at
from tests.dunning.helpers import issue

SHOTS = Path(os.environ.get("KSCMS_SHOTS", "/tmp/work/shots")) / "dunning"


def _keep(path: Path, name: str, place: Complex) -> None:
    if place.db.is_sqlite:
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, SHOTS / name)


def test_the_printed_letters_with_the_approval_box_and_late_fees(autumn: Complex, tmp_path: Path) -> None:
    with autumn.db.session() as s:
        contract = s.get(Contract, autumn.contract_id)
        assert contract is not None
        contract.approval_box_enabled, contract.approval_box_labels = True, "담당,과장,관리소장"
        s.add(LateFeePolicy(contract_id=autumn.contract_id, enabled=True, basis=LateFeeBasis.DAY, rate_ppm=500,
                            grace_days=5, rounding_unit=10, updated_by="admin"))
        s.add(LateFeeWaiver(contract_id=autumn.contract_id, customer_id=autumn.households["1022002"].customer_id,
                            reason="입원 치료", waived_by="admin"))
    out = issue(autumn, date(2026, 10, 29), tmp_path)
    _keep(out.path, "letters.pdf", autumn)
    pages = [" ".join((p.extract_text() or "").split()) for p in PdfReader(str(out.path)).pages]
    assert len(pages) == 3
    assert all("결 재 담당 과장 관리소장" in p or ("담당" in p and "관리소장" in p) for p in pages)
    assert "연체료는 관리규약에 따라 2026년 10월 29일 현재로 계산한 금액입니다." in pages[0]
    again = dunning.reprint(autumn.db, autumn.clerk, autumn.contract_id, list(out.letter_ids), tmp_path / "again.pdf",
                            now=at(date(2026, 11, 2)))
    _keep(again, "reprint.pdf", autumn)
    reprinted = [" ".join((p.extract_text() or "").split()) for p in PdfReader(str(again)).pages]
    assert "재발행 2026-11-02 (최초 발행 2026-10-29)" in reprinted[0]
    # 최들녘's waived fee reads 감면 on the letter and again on its reprint (the letter row keeps it).
    waived = [p for p in pages if "최들녘" in p]
    assert len(waived) == 1 and "감면" in waived[0]
    assert [("감면" in p) for p in reprinted if "최들녘" in p] == [True]
