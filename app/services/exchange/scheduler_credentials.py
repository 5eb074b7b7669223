"""Scheduler credentials: what an unattended PC runs `python -m app scheduler` under, instead of a user.

A PC that stays on to send and receive at the cut-offs must not hold an administrator's password
in a script. An administrator makes a credential for that PC; its token is shown once and only an
argon2 hash is kept. The token can send and receive (`scheduler`, `send`, `receive`) and nothing
else, and a revoked token is refused at the next pass of a scheduler that is already running.

Token format: ``ksch-<id>-<secret>``; the id finds the row, the secret is verified against its hash.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.database.engine import Database
from app.models import SchedulerCredential
from app.models.base import utcnow
from app.services.common import audit
from app.services.common.access import require_institution
from app.services.common.errors import AuthError, ServiceError
from app.services.common.passwords import dummy_hash, hash_secret, verify_secret
from app.services.common.session import Actor

TOKEN_PREFIX = "ksch"
NAME_MAX = 100
REFUSED = "스케줄러 자격이 올바르지 않거나 폐기되었습니다. 관리자에게 새 자격을 요청하세요."

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class SchedulerPrincipal:
    """Who a scheduler runs as: the credential, its institution and the PC's name."""

    credential_id: int
    institution_id: int
    name: str

    @property
    def audit_name(self) -> str:
        """The audit log's 사용자 column for work done under this credential (30 characters at most)."""
        return f"scheduler:{self.name}"[:30]


@dataclass(frozen=True)
class CredentialRow:
    id: int
    name: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def state(self) -> str:
        return "폐기됨" if self.revoked_at else "사용"


def _name(value: str) -> str:
    name = value.strip()
    if not name or len(name) > NAME_MAX or any(not c.isprintable() for c in name):
        raise ServiceError(f"자격 이름은 1~{NAME_MAX}자로 입력하세요 (예: 이 PC의 이름).")
    return name


def create(db: Database, actor: Actor, name: str) -> tuple[int, str]:
    """Make a credential for one PC; returns (id, token). The token is never stored nor shown again."""
    actor.require_admin()
    name = _name(name)
    secret = secrets.token_urlsafe(32)
    with db.session() as s:
        row = SchedulerCredential(institution_id=actor.institution_id, name=name, token_hash=hash_secret(secret),
                                  created_by_user_id=actor.user_id, created_by=actor.login_id, created_at=utcnow())
        s.add(row)
        s.flush()
        audit.record(s, "scheduler_credential_created", actor=actor, target=name, detail={"credential": row.id})
        return row.id, f"{TOKEN_PREFIX}-{row.id}-{secret}"


def list_credentials(db: Database, actor: Actor) -> list[CredentialRow]:
    """Every credential of the actor's institution, revoked ones included (for the record)."""
    actor.require_admin()
    with db.session() as s:
        rows = s.scalars(select(SchedulerCredential).where(SchedulerCredential.institution_id == actor.institution_id)
                         .order_by(SchedulerCredential.id))
        return [CredentialRow(r.id, r.name, r.created_by, r.created_at, r.revoked_at, r.last_used_at) for r in rows]


def revoke(db: Database, actor: Actor, credential_id: int, *, now: Clock = utcnow) -> str:
    """Revoke a credential; a scheduler running under it stops at its next pass. Returns its name."""
    actor.require_admin()
    with db.session() as s:
        row = s.get(SchedulerCredential, credential_id)
        require_institution(actor, row.institution_id if row is not None else None,
                            f"스케줄러 자격 {credential_id}번이 없습니다.")
        assert row is not None  # require_institution refused a missing credential
        if row.revoked_at is not None:
            raise ServiceError(f"스케줄러 자격 {credential_id}번은 이미 폐기되었습니다.")
        row.revoked_at = now()
        audit.record(s, "scheduler_credential_revoked", actor=actor, target=row.name, detail={"credential": row.id})
        return row.name


def _parse(token: str) -> tuple[int, str] | None:
    parts = token.strip().split("-", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1].isdigit() or not parts[2]:
        return None
    return int(parts[1]), parts[2]


def authenticate(db: Database, token: str, *, now: Clock = utcnow) -> SchedulerPrincipal:
    """The principal a token stands for, or AuthError (audited) when it is unknown, wrong or revoked.

    Called at the start of a command and again before every pass of a running scheduler, which is
    how a revocation reaches a process that is already running.
    """
    parsed = _parse(token)
    with db.session() as s:
        row = s.get(SchedulerCredential, parsed[0]) if parsed else None
        if row is None:
            verify_secret(dummy_hash(), parsed[1] if parsed else token)  # the same work as a known id
            audit.record(s, "scheduler_credential_refused", login_id="scheduler", detail={"reason": "unknown credential"})
            outcome: SchedulerPrincipal | None = None
        elif not verify_secret(row.token_hash, parsed[1]) or row.revoked_at is not None:  # type: ignore[index]  # a row was found, so the token parsed
            reason = "revoked" if row.revoked_at is not None else "wrong token"
            audit.record(s, "scheduler_credential_refused", institution_id=row.institution_id,
                         login_id=f"scheduler:{row.name}"[:30], detail={"reason": reason, "credential": row.id})
            outcome = None
        else:
            row.last_used_at = now()
            outcome = SchedulerPrincipal(row.id, row.institution_id, row.name)
    if outcome is None:
        raise AuthError(REFUSED)
    return outcome
