"""argon2id hashes for passwords and for the operator's birth date.

The parameters can be lowered for tests (a full-strength hash costs ~50 ms, and a test suite logs
in hundreds of times); production always uses the library's defaults.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

INITIAL_PASSWORD = "000000"

_hasher = PasswordHasher()


def use_fast_hashing_for_tests() -> None:
    global _hasher
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


_dummy: tuple[PasswordHasher, str] | None = None


def dummy_hash() -> str:
    """A hash of a secret nobody knows, made with the current parameters.

    Login verifies against it when the institution or user ID is unknown, so a wrong ID costs the
    same argon2 work as a wrong password and the answer's timing does not tell which IDs exist.
    """
    global _dummy
    if _dummy is None or _dummy[0] is not _hasher:
        _dummy = (_hasher, _hasher.hash("unknown-user-" + INITIAL_PASSWORD))
    return _dummy[1]


def verify_secret(stored_hash: str, secret: str) -> bool:
    try:
        return _hasher.verify(stored_hash, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
