"""Fixtures of the 동의자료 screen tests: the office of tests/conftest.py (SQLite and PostgreSQL), payers
with agreements, evidence files made by tests/evidence/helpers, and message boxes recorded instead of shown."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog
from sqlalchemy import update

from app.models import AgreementStatus, DebitAgreement
from app.services.common.session import Actor
from app.services.customers.evidence import store as evidence
from app.services.customers.evidence.sealed import EvidenceInfo
from app.views.common.context import AppContext
from tests.collection_views.helpers import KEY, NOW, Payer, add_payer
from tests.evidence.helpers import (
    der_bytes,
    encoded,
    form_page,
    pdf_document,
    wav_bytes,
)
from tests.factories import Office
from tests.message_boxes import Boxes, boxes  # noqa: F401 - the autouse fixture, shared with collection_views


@dataclass
class Chooser:
    """Answers the file dialogs: the next open / folder / save answer, and what was asked."""

    open_path: str = ""
    folder: str = ""
    save_path: str = ""
    filters: list[str] = field(default_factory=list)


@pytest.fixture
def chooser(monkeypatch: pytest.MonkeyPatch) -> Chooser:
    answer = Chooser()

    def get_open(_parent: Any, _title: str, _start: str = "", file_filter: str = "", *_a: Any) -> tuple[str, str]:
        answer.filters.append(file_filter)
        return answer.open_path, ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", get_open)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *_a, **_k: answer.folder)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (answer.save_path, ""))
    return answer


def context(office: Office, actor: Actor | None = None) -> AppContext:
    return AppContext(office.db, actor or office.admin, office.contract_id, KEY, clock=lambda: NOW)


@pytest.fixture
def payers(office: Office) -> list[Payer]:
    """Three payers of 수강료; 2024001 also pays 교재비 (two agreements)."""
    cid = office.contract_id
    return [
        add_payer(office.db, cid, "2024001", "김민준", bank="088", account="110245671234"),
        add_payer(office.db, cid, "2024002", "이서연", bank="004", account="94370200123456"),
        add_payer(office.db, cid, "2024003", "박지호", bank="020", account="1002345678912"),
        add_payer(office.db, cid, "2024001", "김민준", item="A02", monthly=40_000, bank="088", account="110245671234"),
    ]


def scan_jpeg(seed: int = 1) -> bytes:
    return encoded(form_page(seed=seed, width=620, height=877, noise=800), "JPEG", quality=70)


def scan_pdf(pages: int = 2) -> bytes:
    return pdf_document([form_page(seed=n, width=620, height=877, noise=500) for n in range(pages)], quality=60)


def recording() -> bytes:
    return wav_bytes(2.0, rate=8_000)


def signature() -> bytes:
    return der_bytes(b"consent-signature-" * 20)


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def attach(office: Office, payer: Payer, data: bytes, name: str) -> EvidenceInfo:
    return evidence.attach(office.db, office.admin, KEY, payer.agreement_id, data, name, now=NOW)


def end_long_ago(office: Office, payer: Payer, ended: date = date(2021, 1, 31)) -> None:
    """The agreement ended more than five years before NOW, so its evidence is due for destruction."""
    with office.db.session() as s:
        s.execute(update(DebitAgreement).where(DebitAgreement.id == payer.agreement_id)
                  .values(status=AgreementStatus.ENDED, ended_on=ended, last_month="2021-01")
                  .execution_options(synchronize_session=False))
