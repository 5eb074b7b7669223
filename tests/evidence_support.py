"""Consent evidence for tests that send new registrations (issue 16: EI13 before EB13).

Since an EB13 takes a 신규 only once its agreement's evidence was accepted, every test that sends
new registrations gives its payers evidence first. The shared helpers (tests/home/helpers.py,
tests/transmissions/helpers.py, tests/collection/academy_months.py, tests/scenarios/december.py …)
call `give_evidence`, so the tests themselves need not:

* ``state=EvidenceState.WAITING`` (default): attached, not yet sent — the scheduler sends it as the
  cut-off's EI13 and the built-in simulator accepts it, exactly as for a clerk's attachment; use it
  wherever the simulator answers the EB13 (it checks the evidence per 납부자번호 + bank + account).
* ``state=EvidenceState.ACCEPTED``: as if an earlier EI13 had been accepted — for tests of the EB13
  mechanics against a fake relay that knows nothing of evidence.

Rows are inserted with the model, sealed with the data key like `evidence.attach` seals them, the
content a real (tiny) JPEG the simulator's signature check takes. No audit row, no fitting: this is
test data, not a clerk's act.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from datetime import datetime

from PIL import Image
from sqlalchemy import select

from app.database.engine import Database
from app.models import (
    ConsentEvidence,
    Customer,
    DebitAgreement,
    EvidenceKind,
    EvidenceState,
)
from app.models.base import utcnow
from app.services.common.crypto import DataKey
from app.services.customers.evidence.sealed import EVIDENCE_PURPOSE


def tiny_jpeg(shade: int = 200) -> bytes:
    """A valid 8×8 grey JPEG of a few hundred bytes (FFD8FF … FFD9)."""
    out = io.BytesIO()
    Image.new("L", (8, 8), shade).save(out, "JPEG", quality=50)
    return out.getvalue()


TINY_JPEG = tiny_jpeg()


def give_evidence(db: Database, key: DataKey, agreement_ids: Iterable[int], *,
                  state: EvidenceState = EvidenceState.WAITING, content: bytes = TINY_JPEG, extension: str = "jpg",
                  kind: EvidenceKind = EvidenceKind.WRITTEN, at: datetime | None = None) -> list[int]:
    """One piece of evidence per agreement (sealed, in `state`); the new ids in the given order.

    Earlier waiting or refused evidence of the agreement becomes REPLACED, as `evidence.attach` does.
    """
    ids = list(agreement_ids)
    if not ids:
        return []
    when = at or utcnow()
    digest = hashlib.sha256(content).hexdigest()
    with db.session() as s:
        contracts = dict(s.execute(
            select(DebitAgreement.id, Customer.contract_id)
            .join(Customer, Customer.id == DebitAgreement.customer_id)
            .where(DebitAgreement.id.in_(ids))).all())
        for earlier in s.scalars(select(ConsentEvidence).where(
                ConsentEvidence.agreement_id.in_(ids),
                ConsentEvidence.state.in_([EvidenceState.WAITING, EvidenceState.REJECTED]))):
            earlier.state = EvidenceState.REPLACED
        rows = [
            ConsentEvidence(
                contract_id=contracts[agreement_id], agreement_id=agreement_id, kind=kind, extension=extension,
                original_name=f"동의서_{agreement_id}.{extension}", original_size=len(content), size=len(content),
                sha256=digest, content_enc=key.seal_bytes(content, EVIDENCE_PURPOSE, compress=False),
                attached_by="clerk", attached_at=when, state=state,
            )
            for agreement_id in ids
        ]
        s.add_all(rows)
        s.flush()
        return [row.id for row in rows]
