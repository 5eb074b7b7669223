"""Why this PC cannot use a database, in Korean with what to do: the kinds, and reading a driver's error.

libpq reports connection failures as text only (no SQLSTATE), in English or, on a Korean Windows
server, in Korean; ``describe_connection_error`` matches both and says what to do (server off,
firewall, wrong password, database missing ...). A module of its own so that the server settings,
the backups and the CLI can name a problem without importing the connecting and upgrading.
"""

from __future__ import annotations

import logging
from enum import Enum

from sqlalchemy.exc import DBAPIError

from app.services.common.errors import ServiceError

log = logging.getLogger(__name__)


class ProblemKind(str, Enum):
    UNREACHABLE = "unreachable"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    AUTH = "auth"
    NOT_ALLOWED = "not_allowed"  # pg_hba.conf has no line for this PC
    NO_ROLE = "no_role"
    NO_DATABASE = "no_database"
    PERMISSION = "permission"
    TOO_NEW = "too_new"
    NOT_KSCMS = "not_kscms"
    FILE = "file"
    OTHER = "other"


class ConnectionProblem(ServiceError):
    """Why this PC cannot use the chosen database, in Korean, with what to do about it."""

    def __init__(self, kind: ProblemKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


# --- what went wrong ---------------------------------------------------------------------------

_PATTERNS: tuple[tuple[ProblemKind, tuple[str, ...]], ...] = (
    (ProblemKind.AUTH, ("password authentication failed", "no password supplied", "password 인증을 실패",
                        "비밀번호 인증", "암호 인증", "fe_sendauth")),
    (ProblemKind.NOT_ALLOWED, ("pg_hba.conf",)),
    (ProblemKind.NO_DATABASE, ('database "', "데이터베이스 없음")),  # checked after role: see _kind
    (ProblemKind.PERMISSION, ("permission denied", "권한 없음", "접근 권한", "must be owner")),
    (ProblemKind.REFUSED, ("connection refused", "10061", "연결을 거부")),
    (ProblemKind.TIMEOUT, ("timeout expired", "timed out", "10060", "시간 초과", "시간을 초과")),
    (ProblemKind.UNREACHABLE, ("failed to resolve host", "could not translate host name", "name or service not known",
                               "no route to host", "network is unreachable", "nodename nor servname",
                               "getaddrinfo failed", "11001", "10065", "10051")),
)


def _kind(text_lower: str) -> ProblemKind:
    if ("role \"" in text_lower or "롤 \"" in text_lower or "역할 \"" in text_lower) and (
        "does not exist" in text_lower or "없음" in text_lower
    ):
        return ProblemKind.NO_ROLE
    for kind, needles in _PATTERNS:
        if kind is ProblemKind.NO_DATABASE:
            if any(n in text_lower for n in needles) and ("does not exist" in text_lower or "없음" in text_lower):
                return kind
            continue
        if any(n in text_lower for n in needles):
            return kind
    return ProblemKind.OTHER


def describe_connection_error(error: BaseException, where: str = "") -> ConnectionProblem:
    """A Korean ConnectionProblem for a driver or SQLAlchemy error met while connecting or migrating."""
    if isinstance(error, ConnectionProblem):
        return error
    original = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    sqlstate = getattr(original, "sqlstate", None)
    detail = str(original).strip()
    kind = {"28P01": ProblemKind.AUTH, "3D000": ProblemKind.NO_DATABASE, "42501": ProblemKind.PERMISSION,
            "28000": ProblemKind.NOT_ALLOWED}.get(sqlstate or "") or _kind(detail.lower())
    at = f"({where})" if where else ""
    messages = {
        ProblemKind.REFUSED: f"서버{at}가 연결을 거부했습니다. PostgreSQL이 실행 중인지, 포트 번호가 맞는지, "
                             "서버가 사무실 네트워크의 연결을 받도록(listen_addresses) 설정되었는지 확인하세요.",
        ProblemKind.TIMEOUT: f"서버{at}가 응답하지 않습니다(시간 초과). 서버 주소와 네트워크 연결, "
                             "서버의 방화벽(포트 5432)을 확인하세요.",
        ProblemKind.UNREACHABLE: f"서버{at}를 찾거나 연결할 수 없습니다. 서버 주소를 확인하고, "
                                 "이 PC가 사무실 네트워크에 연결되어 있는지 확인하세요.",
        ProblemKind.AUTH: "비밀번호가 틀렸거나 입력되지 않았습니다. 데이터베이스 사용자 이름과 비밀번호를 확인하세요.",
        ProblemKind.NOT_ALLOWED: "서버가 이 PC의 접속을 허용하지 않습니다. 서버 관리자에게 pg_hba.conf에 사무실 "
                                 "네트워크 줄을 추가해 달라고 하세요 (docs/shared-database.md 참고).",
        ProblemKind.NO_ROLE: "서버에 그런 데이터베이스 사용자가 없습니다. 사용자 이름을 확인하거나 서버 관리자에게 "
                             "사용자(role)를 만들어 달라고 하세요.",
        ProblemKind.NO_DATABASE: "서버에 그런 이름의 데이터베이스가 없습니다. 데이터베이스 이름을 확인하거나 서버 "
                                 "관리자에게 데이터베이스를 만들어 달라고 하세요 (docs/shared-database.md 참고).",
        ProblemKind.PERMISSION: "이 사용자에게 데이터베이스를 쓸 권한이 없습니다. 서버 관리자에게 데이터베이스의 "
                                "소유자를 이 사용자로 해 달라고 하세요 (docs/shared-database.md 참고).",
    }
    message = messages.get(kind) or f"데이터베이스에 연결하지 못했습니다. 설정을 확인하세요. ({type(original).__name__})"
    log.info("database connection problem %s: %s", kind.value, type(original).__name__)
    return ConnectionProblem(kind, message)
