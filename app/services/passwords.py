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


def verify_secret(stored_hash: str, secret: str) -> bool:
    try:
        return _hasher.verify(stored_hash, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
