"""Who is at the keyboard: a small immutable value the services check permissions against."""

from __future__ import annotations

from dataclasses import dataclass

from app.models.enums import Role
from app.services.common.errors import PermissionDeniedError


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    institution_id: int
    login_id: str
    name: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def can_edit(self) -> bool:
        """관리자 and 담당자 do the daily work; 조회 only reads."""
        return self.role in (Role.ADMIN, Role.CLERK)

    def require_admin(self) -> None:
        if not self.is_admin:
            raise PermissionDeniedError("관리자만 할 수 있는 작업입니다.")

    def require_edit(self) -> None:
        if not self.can_edit:
            raise PermissionDeniedError("조회 권한으로는 변경할 수 없습니다.")


SYSTEM_ACTOR_LOGIN = "system"


def system_actor(institution_id: int) -> Actor:
    """The actor for work nobody logged in for: the automatic 이체의뢰 of a scheduler pass, the self-test.

    Never the command line's: every command logs in as a user (app/cli/login.py), so the audit log
    names a person rather than "system"."""
    return Actor(None, institution_id, SYSTEM_ACTOR_LOGIN, "시스템", Role.ADMIN)
