"""Login, lockout and the users of an institution (환경설정 > 사용자관리).

Five wrong tries lock an account for ten minutes; an administrator can unlock it sooner. A user
whose password is the manual's initial `000000` (or was reset) must choose a new one at login.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import Contract, Institution, Role, User
from app.models.base import utcnow
from app.services.common import audit, validation
from app.services.common.access import require_institution
from app.services.common.errors import (
    AuthError,
    ConflictError,
    ServiceError,
)
from app.services.common.passwords import (
    INITIAL_PASSWORD,
    dummy_hash,
    hash_secret,
    verify_secret,
)
from app.services.common.session import Actor

MAX_FAILED_ATTEMPTS = 5
LOCK_DURATION = timedelta(minutes=10)
LOGIN_ID_PATTERN_HELP = "영문 소문자·숫자 4~30자"

Clock = Callable[[], datetime]

BAD_CREDENTIALS = "이용기관 ID, 사용자 ID, 비밀번호 또는 생년월일이 올바르지 않습니다."


@dataclass(frozen=True)
class LoginResult:
    actor: Actor
    must_change_password: bool


@dataclass(frozen=True)
class UserRow:
    id: int
    login_id: str
    name: str
    role: Role
    active: bool
    locked: bool
    locked_until: datetime | None
    must_change_password: bool
    phone: str
    email: str
    last_login_at: datetime | None
    notifications_enabled: bool
    version_id: int


@dataclass
class UserForm:
    name: str
    role: Role
    birth_date: str = ""  # YYMMDD; empty on edit means unchanged
    phone: str = ""
    email: str = ""
    notifications_enabled: bool = True


def normalise_birth(value: str) -> str:
    return validation.birth_date_yymmdd(value)


def _actor(user: User) -> Actor:
    return Actor(user.id, user.institution_id, user.login_id, user.name, user.role)


def _institution_id_for_code(s: Session, institution_code: str) -> int | None:
    return s.scalar(select(Contract.institution_id).where(Contract.institution_code == institution_code.strip()))


def login(
    db: Database,
    institution_code: str,
    login_id: str,
    password: str,
    birth_date: str,
    *,
    now: Clock = utcnow,
) -> LoginResult:
    """Check all four answers together, so a wrong answer never tells which one was wrong.

    The failed-attempt count and the audit row must be saved even though the login fails, so the
    attempt is decided inside the unit of work and the error raised only after it committed.
    """
    with db.session() as s:
        outcome = _attempt(s, institution_code.strip(), login_id.strip(), password, birth_date, now())
    if isinstance(outcome, str):
        raise AuthError(outcome)
    return outcome


def _attempt(
    s: Session, institution_code: str, login_id: str, password: str, birth_date: str, moment: datetime
) -> LoginResult | str:
    institution_id = _institution_id_for_code(s, institution_code)
    user = None
    if institution_id is not None:
        user = s.scalar(select(User).where(User.institution_id == institution_id, User.login_id == login_id))
    if user is None:
        _verify_as_if_known(password, birth_date)
        audit.record(s, "login_failed", institution_id=institution_id, login_id=login_id[:30],
                     detail={"reason": "unknown user"}, at=moment)
        return BAD_CREDENTIALS
    if user.locked_until is not None and user.locked_until > moment:
        minutes = max(1, int((user.locked_until - moment).total_seconds() // 60) + 1)
        audit.record(s, "login_failed", actor=_actor(user), detail={"reason": "locked"}, at=moment)
        if minutes > 60:
            return "잠긴 계정입니다. 관리자에게 잠금 해제를 요청하세요."
        return (
            f"비밀번호를 {MAX_FAILED_ATTEMPTS}회 잘못 입력하여 계정이 잠겼습니다. "
            f"약 {minutes}분 후 다시 시도하거나 관리자에게 잠금 해제를 요청하세요."
        )
    if not user.active:
        audit.record(s, "login_failed", actor=_actor(user), detail={"reason": "inactive"}, at=moment)
        return "사용이 중지된 사용자입니다. 관리자에게 문의하세요."
    birth_ok = verify_secret(user.birth_hash, birth_date.strip().replace("-", ""))
    if not (verify_secret(user.password_hash, password) and birth_ok):
        user.failed_attempts += 1
        if user.failed_attempts >= MAX_FAILED_ATTEMPTS:
            user.locked_until = moment + LOCK_DURATION
            user.failed_attempts = 0
            audit.record(s, "login_locked", actor=_actor(user), at=moment)
            return (
                f"비밀번호를 {MAX_FAILED_ATTEMPTS}회 잘못 입력하여 계정이 10분 동안 잠겼습니다. "
                "관리자가 잠금을 해제할 수 있습니다."
            )
        audit.record(s, "login_failed", actor=_actor(user), detail={"attempt": user.failed_attempts}, at=moment)
        return f"{BAD_CREDENTIALS} (남은 시도 {MAX_FAILED_ATTEMPTS - user.failed_attempts}회)"
    user.failed_attempts = 0
    user.locked_until = None
    user.last_login_at = moment
    must_change = user.must_change_password or verify_secret(user.password_hash, INITIAL_PASSWORD)
    audit.record(s, "login", actor=_actor(user), at=moment)
    return LoginResult(_actor(user), must_change)


def _verify_as_if_known(password: str, birth_date: str) -> None:
    """Spend on an unknown institution or user ID the two verifications a known one costs.

    Without this an unknown ID is answered in under a millisecond and a known one in a third of a
    second, and the difference lists the IDs that exist. Both results are discarded.
    """
    verify_secret(dummy_hash(), birth_date.strip().replace("-", ""))
    verify_secret(dummy_hash(), password)


def change_own_password(db: Database, actor: Actor, current: str, new: str) -> None:
    """사용자정보수정: the user's own password; the initial password is never accepted again."""
    if new == INITIAL_PASSWORD:
        raise ServiceError("초기 비밀번호는 사용할 수 없습니다.")
    if new == current:
        raise ServiceError("새 비밀번호가 현재 비밀번호와 같습니다.")
    validation.password(new)
    with db.session() as s:
        user = _get(s, actor, actor.user_id)
        if not verify_secret(user.password_hash, current):
            raise ServiceError("현재 비밀번호가 올바르지 않습니다.")
        user.password_hash = hash_secret(new)
        user.must_change_password = False
        audit.record(s, "password_changed", actor=actor, target=user.login_id)


def _get(s: Session, actor: Actor, user_id: int | None) -> User:
    user = s.get(User, user_id) if user_id is not None else None
    require_institution(actor, user.institution_id if user is not None else None, "사용자를 찾을 수 없습니다.")
    assert user is not None  # require_institution refused a missing user
    return user


def _row(user: User, moment: datetime) -> UserRow:
    return UserRow(
        id=user.id,
        login_id=user.login_id,
        name=user.name,
        role=user.role,
        active=user.active,
        locked=user.locked_until is not None and user.locked_until > moment,
        locked_until=user.locked_until,
        must_change_password=user.must_change_password,
        phone=user.phone or "",
        email=user.email or "",
        last_login_at=user.last_login_at,
        notifications_enabled=user.notifications_enabled,
        version_id=user.version_id,
    )


def list_users(db: Database, actor: Actor, *, now: Clock = utcnow) -> list[UserRow]:
    """Administrators see everyone; others see only themselves (for 사용자정보수정)."""
    moment = now()
    with db.session() as s:
        stmt = select(User).where(User.institution_id == actor.institution_id).order_by(User.login_id)
        if not actor.is_admin:
            stmt = stmt.where(User.id == actor.user_id)
        return [_row(u, moment) for u in s.scalars(stmt)]


def get_user(db: Database, actor: Actor, user_id: int, *, now: Clock = utcnow) -> UserRow:
    if not actor.is_admin and user_id != actor.user_id:
        actor.require_admin()
    with db.session() as s:
        return _row(_get(s, actor, user_id), now())


def _validated(form: UserForm, *, require_birth: bool) -> tuple[str, str | None, str | None, str | None]:
    name = validation.euc_kr_text(form.name, "이름", 50)
    birth = None
    if form.birth_date.strip() or require_birth:
        birth = validation.birth_date_yymmdd(form.birth_date)
    phone = validation.phone(form.phone) if form.phone.strip() else None
    email = validation.email(form.email) if form.email.strip() else None
    return name, birth, phone, email


def validate_login_id(login_id: str) -> str:
    value = login_id.strip()
    if not (4 <= len(value) <= 30) or not all(c.isascii() and (c.isalnum() or c in "._-") for c in value):
        raise validation.ValidationError("사용자 ID", f"{LOGIN_ID_PATTERN_HELP}로 입력하세요.")
    return value


def create_user(db: Database, actor: Actor, login_id: str, form: UserForm, password: str = INITIAL_PASSWORD) -> int:
    """A new user starts with the initial password and must change it at the first login."""
    actor.require_admin()
    login_id = validate_login_id(login_id)
    name, birth, phone, email = _validated(form, require_birth=True)
    if password != INITIAL_PASSWORD:
        validation.password(password)
    with db.session() as s:
        exists = s.scalar(
            select(func.count()).select_from(User).where(
                User.institution_id == actor.institution_id, User.login_id == login_id
            )
        )
        if exists:
            raise ConflictError(f"사용자 ID '{login_id}'는 이미 있습니다. ID는 다시 쓸 수 없습니다.")
        user = User(
            institution_id=actor.institution_id,
            login_id=login_id,
            name=name,
            role=form.role,
            password_hash=hash_secret(password),
            birth_hash=hash_secret(birth or ""),
            must_change_password=True,
            phone=phone,
            email=email,
            notifications_enabled=form.notifications_enabled,
        )
        s.add(user)
        s.flush()
        audit.record(s, "user_created", actor=actor, target=login_id, detail={"role": form.role.value})
        return user.id


def update_user(db: Database, actor: Actor, user_id: int, form: UserForm, *, version_id: int | None = None) -> None:
    """Edit name, role and contacts; the login ID cannot change. Users may edit only their own contacts.

    `version_id` is accepted for symmetry with the other forms but not compared: every login bumps
    the user row's version (failed-attempt counter, last login), and an administrator's edit must not
    be refused because the clerk logged in meanwhile. The edit touches only fields logins never write.
    """
    if user_id != actor.user_id:
        actor.require_admin()
    name, birth, phone, email = _validated(form, require_birth=False)
    with db.session() as s:
        user = _get(s, actor, user_id)
        changes: dict[str, str] = {}
        if form.role != user.role:
            actor.require_admin()
            if user.role is Role.ADMIN:
                _ensure_other_admin(s, user)
            changes["role"] = f"{user.role.value}->{form.role.value}"
            user.role = form.role
        if name != user.name:
            changes["name"] = "changed"
            user.name = name
        if birth:
            user.birth_hash = hash_secret(birth)
            changes["birth_date"] = "changed"
        user.phone, user.email = phone, email
        user.notifications_enabled = form.notifications_enabled
        audit.record(s, "user_updated", actor=actor, target=user.login_id, detail=changes or None)


def _ensure_other_admin(s: Session, user: User) -> None:
    others = s.scalar(
        select(func.count()).select_from(User).where(
            User.institution_id == user.institution_id,
            User.role == Role.ADMIN,
            User.active.is_(True),
            User.id != user.id,
        )
    )
    if not others:
        raise ServiceError("마지막 관리자는 권한을 바꾸거나 사용 중지할 수 없습니다.")


def reset_password(db: Database, actor: Actor, user_id: int, temporary: str = INITIAL_PASSWORD) -> None:
    actor.require_admin()
    if temporary != INITIAL_PASSWORD:
        validation.password(temporary)
    with db.session() as s:
        user = _get(s, actor, user_id)
        user.password_hash = hash_secret(temporary)
        user.must_change_password = True
        user.failed_attempts = 0
        user.locked_until = None
        audit.record(s, "password_reset", actor=actor, target=user.login_id)


def set_locked(db: Database, actor: Actor, user_id: int, locked: bool, *, now: Clock = utcnow) -> None:
    actor.require_admin()
    with db.session() as s:
        user = _get(s, actor, user_id)
        if locked and user.id == actor.user_id:
            raise ServiceError("자기 자신은 잠글 수 없습니다.")
        user.failed_attempts = 0
        user.locked_until = now() + timedelta(days=36500) if locked else None
        audit.record(s, "user_locked" if locked else "user_unlocked", actor=actor, target=user.login_id)


def set_active(db: Database, actor: Actor, user_id: int, active: bool) -> None:
    actor.require_admin()
    with db.session() as s:
        user = _get(s, actor, user_id)
        if not active:
            if user.id == actor.user_id:
                raise ServiceError("자기 자신은 사용 중지할 수 없습니다.")
            if user.role is Role.ADMIN:
                _ensure_other_admin(s, user)
        user.active = active
        audit.record(s, "user_activated" if active else "user_deactivated", actor=actor, target=user.login_id)


def create_first_admin(
    s: Session, institution: Institution, login_id: str, name: str, birth_date: str, password: str = INITIAL_PASSWORD
) -> User:
    """The first administrator of an installation (first start, demo data or `init`)."""
    login_id = validate_login_id(login_id)
    birth = validation.birth_date_yymmdd(birth_date)
    if password != INITIAL_PASSWORD:
        validation.password(password)
    user = User(
        institution_id=institution.id,
        login_id=login_id,
        name=name,
        role=Role.ADMIN,
        password_hash=hash_secret(password),
        birth_hash=hash_secret(birth),
        must_change_password=password == INITIAL_PASSWORD,
    )
    s.add(user)
    s.flush()
    audit.record(s, "user_created", institution_id=institution.id, login_id="system", target=login_id,
                 detail={"role": Role.ADMIN.value})
    return user
