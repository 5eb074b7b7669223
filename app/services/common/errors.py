"""Errors a clerk can meet: each carries a Korean message that says what happened and what to do."""

from __future__ import annotations


class ServiceError(Exception):
    """A refused operation; `message` is shown to the clerk as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PermissionDeniedError(ServiceError):
    def __init__(self, message: str = "이 작업을 할 권한이 없습니다. 관리자에게 문의하세요.") -> None:
        super().__init__(message)


class NotFoundError(ServiceError):
    pass


class ConflictError(ServiceError):
    """Someone else changed the same row first (optimistic locking) or a unique rule was broken."""


class AuthError(ServiceError):
    pass


class MonthClosedError(ServiceError):
    """A change would touch a month that is closed (마감); the database refuses it too (migration 0014)."""

    def __init__(self, message: str = "마감된 달의 자료는 바꿀 수 없습니다. 정정은 열린 달에 정정 기록으로 남기거나, "
                 "관리자가 사유를 적고 마감을 다시 여십시오.") -> None:
        super().__init__(message)


MONTH_CLOSED_MARK = "KSCMS_MONTH_CLOSED"  # the text of the database's refusal (db/versions/0014_apartment.py)
