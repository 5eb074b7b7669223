"""The audit log: who did what, when, on which PC and under which OS account. Details never hold
personal numbers nor secrets."""

from __future__ import annotations

import getpass
import json
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import AuditLog
from app.models.base import utcnow
from app.services.common.session import Actor

ACTION_LABELS: dict[str, str] = {
    "login": "로그인",
    "login_failed": "로그인 실패",
    "login_locked": "계정 잠김",
    "logout": "로그아웃",
    "password_changed": "비밀번호 변경",
    "password_reset": "비밀번호 초기화",
    "user_created": "사용자 추가",
    "user_updated": "사용자 수정",
    "user_locked": "사용자 잠금",
    "user_unlocked": "잠금 해제",
    "user_deactivated": "사용 중지",
    "user_activated": "사용 재개",
    "contract_created": "계약정보 추가",
    "contract_updated": "계약정보 수정",
    "item_created": "집금항목 등록",
    "item_updated": "집금항목 수정",
    "settings_changed": "설정 변경",
    "personal_data_revealed": "개인정보 보기",
    "personal_data_exported": "개인정보 내보내기",
    "report_exported": "집계 출력·저장",
    "customers_imported": "고객 일괄등록",
    "notice_posted": "공지사항 등록",
    "cash_received": "현금수납",
    "cash_reversed": "현금수납 취소",
    "debit_requested": "이체의뢰",
    "debit_auto_requested": "자동 이체의뢰",
    "debit_retry_requested": "재처리의뢰",
    "debit_request_withdrawn": "이체의뢰 취소",
    "discount_applied": "할인 일괄적용",
    "registration_requeued": "계좌 재신청",
    "registration_withdrawn": "계좌신청 취소",
    "transmission_saved": "송수신 파일 저장",
    "evidence_attached": "동의자료 첨부",
    "evidence_destroyed": "동의자료 파기",
    "backup_restored_unverified": "검증 없이 복원",
    "notice_deleted": "공지사항 삭제",
    "cli_command": "명령줄 실행",
    "scheduler_credential_created": "스케줄러 자격 발급",
    "scheduler_credential_revoked": "스케줄러 자격 폐기",
    "scheduler_credential_refused": "스케줄러 자격 거부",
    "pause_added": "휴원 등록",
    "pause_ended": "휴원 종료",
    "refund_recorded": "반환 등록",
    "refund_paid": "반환 지급",
    "refund_cancelled": "반환 취소",
    "cash_receipt_recorded": "현금영수증 입력",
    "cash_receipt_corrected": "현금영수증 수정",
    "cash_receipt_cleared": "현금영수증 기록 삭제",
    "certificate_issued": "교육비 납입증명서 발급",
    "late_fee_waived": "연체료 감면",
    "late_fee_waiver_revoked": "연체료 감면 취소",
    "late_fees_billed": "연체료 청구",
    "month_closed": "월마감",
    "month_reopened": "월마감 취소(재개방)",
    "dunning_issued": "독촉 안내문 발행",
    "dunning_hold_added": "독촉 보류 등록",
    "dunning_hold_ended": "독촉 보류 해제",
    "late_fee_policy_saved": "연체료 규정 저장",
    "late_fee_policy_removed": "연체료 항목 규정 해제",
    "dunning_stages_saved": "독촉 단계 저장",
    "statement_applied": "통장입금 수납반영",
    "statement_dismissed": "통장입금 수납아님",
}


def _os_user() -> str:
    """The operating-system login of this process, so a shared application login still names a person."""
    try:
        return getpass.getuser()[:64]
    except Exception:  # noqa: BLE001 - no login name (a service account without one): say so, keep auditing
        return "?"


_HOST = socket.gethostname()
OS_USER = _os_user()


def record(
    session: Session,
    action: str,
    *,
    actor: Actor | None = None,
    institution_id: int | None = None,
    login_id: str | None = None,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Add an audit row in the caller's unit of work, so it commits or rolls back with the change."""
    session.add(
        AuditLog(
            at=at or utcnow(),
            institution_id=actor.institution_id if actor else institution_id,
            user_id=actor.user_id if actor else None,
            login_id=actor.login_id if actor else login_id,
            action=action,
            target=target,
            detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
            host=_HOST,
            os_user=OS_USER,
        )
    )


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    login_id: str
    action: str
    action_label: str
    target: str
    detail: str
    host: str
    os_user: str = ""


def search(
    db: Database,
    actor: Actor,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    login_id: str | None = None,
    action: str | None = None,
    limit: int = 1000,
) -> list[AuditRow]:
    actor.require_admin()
    stmt = select(AuditLog).where(AuditLog.institution_id == actor.institution_id)
    if since:
        stmt = stmt.where(AuditLog.at >= since)
    if until:
        stmt = stmt.where(AuditLog.at < until)
    if login_id:
        stmt = stmt.where(AuditLog.login_id == login_id)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    stmt = stmt.order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit)
    with db.session() as s:
        return [
            AuditRow(
                at=row.at,
                login_id=row.login_id or "",
                action=row.action,
                action_label=ACTION_LABELS.get(row.action, row.action),
                target=row.target or "",
                detail=row.detail or "",
                host=row.host or "",
                os_user=row.os_user or "",
            )
            for row in s.scalars(stmt)
        ]
