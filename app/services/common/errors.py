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
