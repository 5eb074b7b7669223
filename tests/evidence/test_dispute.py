"""민원 자료 (app/services/customers/evidence/dispute.py): one payer's whole story as one PDF, on both databases.

The PDF is rendered to PNG under /tmp/work/shots/ (dispute_<db>_<page>.png) so a person can look at it;
the test reads its text back to check that every section, every SHA-256 and every money row is there
and that no full account number is.
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import update

from app.models import (
    AccountRegistration,
    DebitRequest,
    EvidenceKind,
    Payment,
    PaymentMethod,
    RegistrationState,
    RequestState,
)
from app.services.common.crypto import DataKey
from app.services.common.errors import NotFoundError, PermissionDeniedError
from app.services.common.output_files import OutputRefusedError
from app.services.common.session import Actor
from app.services.customers.evidence import sealed
from app.services.customers.evidence import store as evidence
from app.services.exchange.cms.reasons import reason_text
from tests.evidence.conftest import ACCOUNTS
from tests.evidence.helpers import (
    der_bytes,
    form_page,
    pdf_document,
    tiff_pages,
    wav_bytes,
)
from tests.evidence.test_bulk import second_agreement
from tests.factories import Office
from tests.transmissions.helpers import Payer, queue_registrations, queue_requests

SHOTS = Path("/tmp/work/shots")


def at(day: int, hour: int = 1) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=UTC)


def a_payers_history(office: Office, key: DataKey, payer: Payer, clerk: Actor) -> list[sealed.EvidenceInfo]:
    """Two agreements; a two-page form replaced by a copier PDF, a phone recording; registrations
    (one refused 0078, then accepted), debits (one failed for want of funds, one debited) and cash."""
    books = second_agreement(office, key, payer)
    db = office.db
    first = evidence.attach(db, clerk, key, payer.agreement_id,
                            tiff_pages([form_page(seed=s, colour=s == 1, title=f"CMS 출금이체 동의서 ({s + 1}/2)")
                                        for s in range(2)]), "홍길동 동의서.tif", now=at(1))
    second = evidence.attach(db, clerk, key, payer.agreement_id,
                             pdf_document([form_page(width=700, height=990, noise=0, title="동의서 (재작성)")]),
                             "복합기 스캔.pdf", now=at(3))
    if shutil.which("ffmpeg"):
        third = evidence.attach(db, clerk, key, books, wav_bytes(42), "통화녹음 0302.wav", now=at(4))
    else:
        third = evidence.attach(db, clerk, key, books, der_bytes(b"s" * 900), "sign.der", now=at(4),
                                kind=EvidenceKind.E_SIGNATURE)
    regs = queue_registrations(db, office.contract_id, key, [payer], requested_on=date(2026, 3, 2))
    regs += queue_registrations(db, office.contract_id, key, [payer], requested_on=date(2026, 3, 4))
    with db.session() as s:
        s.execute(update(AccountRegistration).where(AccountRegistration.id == regs[0])
                  .values(state=RegistrationState.FAILED, reason_code="0078", result_at=at(3, 2)))
        s.execute(update(AccountRegistration).where(AccountRegistration.id == regs[1])
                  .values(state=RegistrationState.DONE, result_at=at(5, 2)))
    failed, = queue_requests(db, office.contract_id, [payer], date(2026, 3, 12), amount=150_000)
    with db.session() as s:
        s.execute(update(DebitRequest).where(DebitRequest.id == failed)
                  .values(state=RequestState.FAILED, reason_code="0021", result_at=at(13, 2)))
        charge_id = s.get(DebitRequest, failed).lines[0].charge_id  # type: ignore[union-attr]
    retry, = queue_requests(db, office.contract_id, [payer], date(2026, 4, 6), amount=80_000, period="2026-04")
    with db.session() as s:
        s.execute(update(DebitRequest).where(DebitRequest.id == retry)
                  .values(state=RequestState.DONE, debited_amount=80_000,
                          result_at=datetime(2026, 4, 7, 2, tzinfo=UTC)))
        april = s.get(DebitRequest, retry).lines[0].charge_id  # type: ignore[union-attr]
        s.add(Payment(contract_id=office.contract_id, charge_id=april, method=PaymentMethod.DEBIT, amount=80_000,
                      paid_on=date(2026, 4, 6), debit_request_id=retry, created_by="system"))
        cash = Payment(contract_id=office.contract_id, charge_id=charge_id, method=PaymentMethod.CASH, amount=150_000,
                       paid_on=date(2026, 3, 16), created_by="clerk")
        s.add(cash)
        s.flush()
        s.add(Payment(contract_id=office.contract_id, charge_id=charge_id, method=PaymentMethod.CASH, amount=150_000,
                      paid_on=date(2026, 3, 17), reversed_by_id=cash.id, reversal_reason="이중 입력", created_by="clerk"))
        s.add(Payment(contract_id=office.contract_id, charge_id=charge_id, method=PaymentMethod.CASH, amount=150_000,
                      paid_on=date(2026, 3, 17), created_by="clerk"))
    return [first, second, third]


def render_pages(pdf: Path, prefix: str) -> list[Path]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob(f"{prefix}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf), str(SHOTS / prefix)], check=True, timeout=300)
    return sorted(SHOTS.glob(f"{prefix}-*.png"))


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils is installed by dev.sh")
def test_the_dispute_pdf_holds_the_payers_whole_story(office: Office, key: DataKey, payers: list[Payer],
                                                      clerk: Actor, tmp_path: Path) -> None:
    payer = payers[0]
    pieces = a_payers_history(office, key, payer, clerk)
    target = tmp_path / "민원_C0000001.pdf"
    with pytest.raises(PermissionDeniedError):
        evidence.dispute_pdf(office.db, clerk, key, payer.customer_id, target)
    written = evidence.dispute_pdf(office.db, office.admin, key, payer.customer_id, target, now=at(20, 3))
    assert written == target.resolve() and stat.S_IMODE(target.stat().st_mode) == 0o600

    reader = PdfReader(io.BytesIO(target.read_bytes()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = "".join(text.split())
    for words in ("출금동의민원자료", "1.이체정보", "2.출금동의증빙", "3.계좌신청이력", "4.청구", "5.이체의뢰와결과",
                  "6.수납", "납부자1", "해오름수학학원", "****8901", "0078" + "".join(reason_text("0078").split()), "0021잔액부족",
                  "150,000원", "80,000원", "이중입력", "교체됨", "증빙전송대기"):
        assert words in flat, words
    for piece in pieces:
        assert piece.sha256 in flat, piece.id
    if pieces[2].extension == "mp3":
        assert "길이0분42초" in flat or "길이42초" in flat
    for account in ACCOUNTS:
        assert account not in flat
    images = sum(len(page.images) for page in reader.pages)
    assert images >= 3  # the two scanned pages (cut apart again) and the rendered PDF page

    shots = render_pages(target, f"dispute_{office.db.engine.dialect.name}")
    assert len(shots) == len(reader.pages) >= 3


def test_the_dispute_pdf_is_refused_where_it_must_be(office: Office, key: DataKey, payers: list[Payer],
                                                     stranger: Actor, tmp_path: Path) -> None:
    target = tmp_path / "민원.pdf"
    target.write_bytes(b"keep me")
    with pytest.raises(OutputRefusedError, match="이미 있습니다"):
        evidence.dispute_pdf(office.db, office.admin, key, payers[0].customer_id, target)
    assert target.read_bytes() == b"keep me"
    with pytest.raises(NotFoundError):
        evidence.dispute_pdf(office.db, stranger, key, payers[0].customer_id, tmp_path / "x.pdf")
    written = evidence.dispute_pdf(office.db, office.admin, key, payers[1].customer_id, target, force=True)
    flat = "".join("\n".join(p.extract_text() for p in PdfReader(str(written)).pages).split())
    assert "첨부된동의자료가없습니다." in flat and "이체의뢰없음" in flat
    assert not os.path.exists(tmp_path / "x.pdf")
