"""Sending each built request file (EI13, EB13, EB21) exactly once, and what the relay's answer means.

`building` made the file and took its rows; here it is uploaded, and its rows marked.

**Upload** (`upload_transmission`): 생성/송신중/retryable 오류 → ask the relay whether it already
holds the name (`is_uploaded`); if not, mark 송신중 and upload the stored bytes (opened with the data
key); then mark 송신완료 and the rows SENT in one transaction. A crash anywhere leaves a state this
same function resumes from: before the upload the relay says "not there" and the same bytes go up;
after it the relay says "there" and only the state is saved. A relay that refuses the name as a
duplicate is holding our file, so that also counts as sent. The relay never gets a second file for
the same rows.

**Consent evidence (EI13)** goes the same way, with one difference: the agency validates an EI13
when it takes it and sends no result file, so the upload's answer is the result: taken (or already
there) → every evidence in it 증빙접수완료 and the file 반영완료; refused naming records
(`RelayRejectedError.record_codes`) → those 증빙접수불가 with their code, the rest back to
증빙전송대기 and the file given up (its name is free for a corrected one); refused as a file → given
up, all back to 증빙전송대기.

The crash-test steps ``built``, ``sending`` and ``uploaded`` are here (`building.crash_pause`).
"""


from __future__ import annotations

import logging
import time as _time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, exists, select, update
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import (
    ConsentEvidence,
    Direction,
    EvidenceState,
    FileKind,
    Transmission,
    TransmissionState,
)
from app.models.base import utcnow
from app.services.common.crypto import DataKey
from app.services.exchange.building import (
    RowState,
    carried_by,
    crash_pause,
    row_model,
    sent_state,
    waiting_state,
)
from app.services.exchange.relay.base import (
    RelayDuplicateError,
    RelayError,
    RelayRejectedError,
    RelayUnavailableError,
    Transport,
)
from app.services.exchange.transmissions import (
    OPEN_SEND_STATES,
    free_name,
    open_content,
)

log = logging.getLogger(__name__)


UPLOAD_DELAYS: tuple[float, ...] = (2.0, 5.0)
"""Waits between upload attempts within one pass (so 3 attempts); the scheduler retries later passes."""


@dataclass(frozen=True)
class UploadResult:
    transmission_id: int
    remote_name: str
    state: TransmissionState
    message: str
    refused_records: int = 0  # EI13: pieces of evidence the relay refused by name (the rest may go again)

    @property
    def sent(self) -> bool:
        """On the relay: 송신완료, or 반영완료 for an EI13 (the agency took it whole)."""
        return self.state in (TransmissionState.SENT, TransmissionState.APPLIED)


def upload_transmission(
    db: Database,
    transport: Transport,
    transmission_id: int,
    *,
    key: DataKey | None,
    now: Callable[[], datetime] = utcnow,
    delays: Sequence[float] = UPLOAD_DELAYS,
    sleep: Callable[[float], None] = _time.sleep,
    expired: bool = False,
) -> UploadResult:
    """Get a built file onto the relay exactly once, resuming from whatever state a crash left.

    `expired`: the file may no longer be sent (an EB21 whose debit date has come); it is only
    checked on the relay — sent if the relay already has it, otherwise given up and its rows
    released to the queue, where the clerk sees them as missed.

    `key` opens the stored (sealed) file; without it nothing is uploaded (KeyMissingError) and a
    file that does not open (DecryptionError) is left as it is for an administrator to look at.
    """
    with db.session() as s:
        t = s.get(Transmission, transmission_id)
        if t is None or t.direction != Direction.SEND or t.content is None:
            raise ValueError(f"transmission {transmission_id} is not a built request file")
        if t.state not in OPEN_SEND_STATES:
            return UploadResult(t.id, t.remote_name, t.state, "이미 송신한 파일입니다.")
        name, kind, state = t.remote_name, t.kind, t.state
        content = open_content(t.content, t.content_sealed, key, sha256=t.sha256)
    crash_pause("built")
    attempts = len(delays) + 1
    last_error: RelayError | None = None
    present = False
    for attempt in range(attempts):
        try:
            present = transport.is_uploaded(name)
            if present or expired:
                break
            if state != TransmissionState.SENDING:
                _set_state(db, transmission_id, TransmissionState.SENDING, None)
                state = TransmissionState.SENDING
            crash_pause("sending")
            transport.upload(name, content)
            present = True
            crash_pause("uploaded")
            break
        except RelayDuplicateError:
            log.info("%s: the relay already holds this name; it is our file", name)
            present = True
            break
        except RelayRejectedError as error:
            message = f"중계서버가 파일을 거부했습니다: {error.message}"
            if kind is FileKind.EI13 and error.record_codes:
                refuse_evidence(db, transmission_id, message, error.record_codes, now())
            else:
                give_up(db, transmission_id, message)
            return UploadResult(transmission_id, name, TransmissionState.ERROR, message, len(error.record_codes))
        except RelayUnavailableError as error:
            last_error = error
            log.warning("%s: relay unavailable (attempt %d/%d): %s", name, attempt + 1, attempts, error.message)
            if attempt < attempts - 1:
                sleep(delays[attempt])
    if present:
        if kind is FileKind.EI13:
            _mark_accepted(db, transmission_id, now())
            return UploadResult(transmission_id, name, TransmissionState.APPLIED,
                                "송신했습니다. 동의자료가 모두 접수되었습니다.")
        _mark_sent(db, transmission_id, kind, now())
        return UploadResult(transmission_id, name, TransmissionState.SENT, "송신했습니다.")
    if expired and last_error is None:
        message = "출금일이 지나 송신하지 않았습니다. 해당 의뢰는 다시 대기 상태가 되었습니다."
        give_up(db, transmission_id, message)
        return UploadResult(transmission_id, name, TransmissionState.ERROR, message)
    detail = last_error.message if last_error else "알 수 없는 오류"
    then = ("중계서버가 응답하면 파일이 올라갔는지 확인해 정리합니다." if expired
            else "파일과 대상 건은 그대로 있으며, 다음 작업 때 같은 파일을 다시 보냅니다.")
    message = f"중계서버에 연결하지 못했습니다 ({attempts}회 시도): {detail} {then}"
    _set_state(db, transmission_id, TransmissionState.ERROR, message)
    return UploadResult(transmission_id, name, TransmissionState.ERROR, message)


def _set_state(db: Database, tid: int, state: TransmissionState, error: str | None) -> None:
    with db.session() as s:
        t = s.get(Transmission, tid)
        assert t is not None
        t.state, t.error = state, error


def _move_rows(s: Session, t: Transmission, from_states: Sequence[RowState], values: dict[str, object],
               *more: ColumnElement[bool]) -> None:
    """Set `values` on the file's rows that are in `from_states` (bumping `version_id` where kept)."""
    model = row_model(t.kind)
    version = getattr(model, "version_id", None)
    if version is not None:
        values = {**values, "version_id": version + 1}
    s.execute(update(model).where(*carried_by(t.kind, t.id, t.contract_id, t.file_date),
                                  model.state.in_(from_states), *more)
              .values(**values).execution_options(synchronize_session=False))


def _mark_sent(db: Database, tid: int, kind: FileKind, at: datetime) -> None:
    """송신완료, and the file's rows WAITING → SENT, together."""
    with db.session() as s:
        t = s.get(Transmission, tid)
        assert t is not None
        if t.state in (TransmissionState.CREATED, TransmissionState.SENDING, TransmissionState.ERROR):
            t.state, t.sent_at, t.error = TransmissionState.SENT, at, None
        _move_rows(s, t, [waiting_state(kind)], {"state": sent_state(kind)})
    log.info("transmission %s sent", tid)


def _mark_accepted(db: Database, tid: int, at: datetime) -> None:
    """An EI13 the relay took: the agency validated it on receipt and sends no result, so the file is
    반영완료 and every evidence it carries 증빙접수완료, together."""
    with db.session() as s:
        t = s.get(Transmission, tid)
        assert t is not None
        if t.state in (TransmissionState.CREATED, TransmissionState.SENDING, TransmissionState.ERROR):
            t.state, t.sent_at, t.error = TransmissionState.APPLIED, at, None
            t.applied_at = at
        _move_rows(s, t, [EvidenceState.WAITING, EvidenceState.SENT],
                   {"state": EvidenceState.ACCEPTED, "reason_code": None, "updated_at": at})
    log.info("EI13 transmission %s accepted", tid)


def refuse_evidence(db: Database, tid: int, message: str, record_codes: dict[int, str], at: datetime) -> None:
    """An EI13 the relay refused for some of its evidence (`record_codes`: 일련번호 → 불능코드).

    Those pieces become 증빙접수불가 with their code (they keep the file and number that carried them,
    so the clerk sees where they were refused); every other piece goes back to 증빙전송대기 for the
    next file, and the file is given up like any refused request file (its name is free again).
    """
    with db.session() as s:
        t = s.get(Transmission, tid)
        assert t is not None
        for seq, code in sorted(record_codes.items()):
            _move_rows(s, t, [EvidenceState.WAITING, EvidenceState.SENT],
                       {"state": EvidenceState.REJECTED, "reason_code": code[:4], "updated_at": at},
                       ConsentEvidence.seq_no == seq)
        _give_up(s, t, message)
    log.warning("EI13 transmission %s given up: %d evidence refused", tid, len(record_codes))


def give_up(db: Database, tid: int, message: str) -> None:
    """A request file that will never be processed: 오류 for good, its rows back in the queue.

    Only called once the relay has said it does not hold the file (or refused it), so no row is
    released that a bank might still process. The file keeps its bytes for inspection under its name
    with ``#n`` appended, which frees the name for a corrected file (the relay frees it too).
    """
    with db.session() as s:
        t = s.get(Transmission, tid)
        assert t is not None
        _give_up(s, t, message)
    log.warning("transmission %s given up: %s", tid, message)


def _give_up(s: Session, t: Transmission, message: str) -> None:
    kind = t.kind
    t.state, t.error = TransmissionState.ERROR, message
    t.remote_name = free_name(s, t.contract_id, kind, Direction.SEND, t.remote_name)
    _move_rows(s, t, [waiting_state(kind), sent_state(kind)],
               {"transmission_id": None, "seq_no": None, "state": waiting_state(kind)})


def pending_uploads(db: Database, contract_id: int) -> list[tuple[int, FileKind, date]]:
    """(id, kind, file date) of the contract's request files not yet on the relay.

    생성 and 송신중 (a crash or an interrupted pass), and 오류 that still carries rows (the relay was
    down); an 오류 whose rows were released is final.
    """
    with db.session() as s:
        found = s.execute(
            select(Transmission.id, Transmission.kind, Transmission.file_date, Transmission.state)
            .where(Transmission.contract_id == contract_id, Transmission.direction == Direction.SEND,
                   Transmission.state.in_(OPEN_SEND_STATES))
            .order_by(Transmission.id)
        ).all()
        out: list[tuple[int, FileKind, date]] = []
        for tid, kind, file_date, state in found:
            if state == TransmissionState.ERROR:
                model = row_model(kind)
                live = [waiting_state(kind), sent_state(kind)]  # not evidence refused by it
                if not s.scalar(select(exists().where(*carried_by(kind, tid, contract_id, file_date),
                                                      model.state.in_(live)))):
                    continue
            out.append((tid, kind, file_date))
        return out
