"""Login, lockout, first-login password change and user management, as a clerk meets them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.models import AuditLog, Role
from app.services.common.errors import (
    AuthError,
    ConflictError,
    PermissionDeniedError,
    ServiceError,
)
from app.services.common.validation import ValidationError
from app.services.settings import users as auth
from tests.factories import ADMIN_BIRTH, ADMIN_PASSWORD, Office, add_user


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _login(office: Office, password: str = ADMIN_PASSWORD, *, login_id: str = "admin", birth: str = ADMIN_BIRTH,
           clock: Clock | None = None) -> auth.LoginResult:
    kwargs = {"now": clock} if clock else {}
    return auth.login(office.db, office.institution_code, login_id, password, birth, **kwargs)


def _actions(office: Office) -> list[str]:
    with office.db.session() as s:
        return list(s.scalars(select(AuditLog.action).order_by(AuditLog.id)))


def test_login_succeeds_with_all_four_answers(office: Office) -> None:
    result = _login(office)
    assert result.actor.login_id == "admin"
    assert result.actor.role is Role.ADMIN
    assert result.must_change_password is False
    assert _actions(office)[-1] == "login"


@pytest.mark.parametrize("field", ["institution", "login_id", "password", "birth"])
def test_any_wrong_answer_fails_without_saying_which(office: Office, field: str) -> None:
    args = {"institution": office.institution_code, "login_id": "admin", "password": ADMIN_PASSWORD, "birth": ADMIN_BIRTH}
    args[field] = "0000000000" if field == "institution" else "wrong999"
    with pytest.raises(AuthError, match="올바르지 않습니다"):
        auth.login(office.db, args["institution"], args["login_id"], args["password"], args["birth"])
    assert "login_failed" in _actions(office)


def test_five_wrong_passwords_lock_for_ten_minutes_then_it_opens(office: Office) -> None:
    clock = Clock()
    for attempt in range(1, 5):
        with pytest.raises(AuthError, match=f"남은 시도 {5 - attempt}회"):
            _login(office, "wrong9999", clock=clock)
    with pytest.raises(AuthError, match="10분 동안 잠겼습니다"):
        _login(office, "wrong9999", clock=clock)
    clock.now += timedelta(minutes=5)
    with pytest.raises(AuthError, match="잠겼습니다"):
        _login(office, clock=clock)  # even the right password waits
    clock.now += timedelta(minutes=6)
    assert _login(office, clock=clock).actor.login_id == "admin"
    assert "login_locked" in _actions(office)


def test_an_administrator_can_unlock_a_locked_clerk(office: Office) -> None:
    clerk = add_user(office, "clerk1", Role.CLERK)
    for _ in range(5):
        with pytest.raises(AuthError):
            _login(office, "bad00000", login_id="clerk1", birth="900505")
    auth.set_locked(office.db, office.admin, clerk.user_id or 0, False)
    assert _login(office, "clerk1234", login_id="clerk1", birth="900505").actor.role is Role.CLERK


def test_new_user_must_change_the_initial_password(office: Office) -> None:
    user_id = auth.create_user(office.db, office.admin, "newbie", auth.UserForm("신입", Role.CLERK, "950303"))
    result = _login(office, "000000", login_id="newbie", birth="950303")
    assert result.must_change_password
    with pytest.raises(ServiceError, match="초기 비밀번호"):
        auth.change_own_password(office.db, result.actor, "000000", "000000")
    with pytest.raises(ValidationError):
        auth.change_own_password(office.db, result.actor, "000000", "short1")
    auth.change_own_password(office.db, result.actor, "000000", "newpass123")
    again = _login(office, "newpass123", login_id="newbie", birth="950303")
    assert again.must_change_password is False
    assert auth.get_user(office.db, office.admin, user_id).must_change_password is False


@pytest.mark.parametrize("password", ["abc12", "abcdefgh", "12345678", "a1" * 33])
def test_password_rule_is_8_to_64_with_letters_and_digits(office: Office, password: str) -> None:
    result = _login(office)
    with pytest.raises(ValidationError):
        auth.change_own_password(office.db, result.actor, ADMIN_PASSWORD, password)


def test_a_long_password_beyond_the_manuals_12_is_allowed(office: Office) -> None:
    result = _login(office)
    auth.change_own_password(office.db, result.actor, ADMIN_PASSWORD, "a1" * 32)
    assert _login(office, "a1" * 32).actor.login_id == "admin"


def test_login_id_cannot_be_taken_twice(office: Office) -> None:
    add_user(office, "clerk1", Role.CLERK)
    with pytest.raises(ConflictError):
        auth.create_user(office.db, office.admin, "clerk1", auth.UserForm("둘째", Role.CLERK, "900101"))


def test_only_administrators_manage_users(office: Office) -> None:
    clerk = add_user(office, "clerk1", Role.CLERK)
    viewer = add_user(office, "viewer1", Role.VIEWER)
    for actor in (clerk, viewer):
        with pytest.raises(PermissionDeniedError):
            auth.create_user(office.db, actor, "other1", auth.UserForm("남", Role.CLERK, "900101"))
        with pytest.raises(PermissionDeniedError):
            auth.reset_password(office.db, actor, office.admin.user_id or 0)
    assert [u.login_id for u in auth.list_users(office.db, viewer)] == ["viewer1"]


def test_reset_password_forces_a_change(office: Office) -> None:
    clerk = add_user(office, "clerk1", Role.CLERK)
    auth.reset_password(office.db, office.admin, clerk.user_id or 0)
    assert _login(office, "000000", login_id="clerk1", birth="900505").must_change_password


def test_deactivated_user_cannot_log_in_and_the_last_admin_stays(office: Office) -> None:
    clerk = add_user(office, "clerk1", Role.CLERK)
    auth.set_active(office.db, office.admin, clerk.user_id or 0, False)
    with pytest.raises(AuthError, match="사용이 중지된"):
        _login(office, "clerk1234", login_id="clerk1", birth="900505")
    with pytest.raises(ServiceError):
        auth.set_active(office.db, office.admin, office.admin.user_id or 0, False)
    with pytest.raises(ServiceError, match="마지막 관리자"):
        auth.update_user(office.db, office.admin, office.admin.user_id or 0, auth.UserForm("관리자", Role.CLERK))


def test_user_changes_are_audited(office: Office) -> None:
    clerk = add_user(office, "clerk1", Role.CLERK)
    auth.update_user(office.db, office.admin, clerk.user_id or 0, auth.UserForm("김담당", Role.VIEWER))
    auth.set_locked(office.db, office.admin, clerk.user_id or 0, True)
    actions = _actions(office)
    for action in ("user_created", "user_updated", "user_locked"):
        assert action in actions
    with office.db.session() as s:
        details = [d for d in s.scalars(select(AuditLog.detail)) if d]
    assert all("clerk1234" not in d and "900505" not in d for d in details)


def test_stored_secrets_are_argon2id_hashes(office: Office) -> None:
    from app.models import User

    with office.db.session() as s:
        user = s.scalar(select(User).where(User.login_id == "admin"))
        assert user is not None
        assert user.password_hash.startswith("$argon2id$")
        assert user.birth_hash.startswith("$argon2id$")
        assert ADMIN_BIRTH not in user.birth_hash
