"""Encryption of personal data (resident and account numbers) and the handling of its key.

Why it looks like this:

* Resident and account numbers are personal data under Korean law, and the database file may be
  copied off a PC or shared on a server. Each value is therefore encrypted with AES-GCM under one
  random 32-byte *data key*; the database holds that key only *wrapped* by a key derived (argon2id)
  from an administrator passphrase, so the file alone reveals nothing.
* Every encrypted value carries its own random nonce, and the column's *purpose* (``resident_no``,
  ``account_no`` …) is bound in as associated data, so a ciphertext copied from one column into
  another does not decrypt.
* Searching by account number must not decrypt every row, so each searchable value also gets a
  *blind index*: an HMAC under a separate sub-key, deterministic for equal (normalised) values.
* Each PC unwraps the key once and keeps it in the OS keyring (Windows Credential Manager …). Where
  there is no trustworthy keyring the key stays in memory only: a plaintext file next to the
  database would defeat the whole scheme.

Nothing here logs a plaintext value or key material; logs name keys by their ``key_id`` only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import re
import unicodedata
import zlib
from dataclasses import dataclass
from typing import Any, Final

import keyring
import keyring.backend
import keyring.errors
from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.services.common.errors import ServiceError

log = logging.getLogger(__name__)

KEY_BYTES: Final = 32
NONCE_BYTES: Final = 12
SALT_BYTES: Final = 16
#: First byte of every encrypted value; a future format change gets a new number, old rows still decrypt.
VALUE_FORMAT_V1: Final = 1
#: First bytes of a sealed file (``seal_bytes``): a magic, then the format version.
SEALED_MAGIC: Final = b"KSB"
SEALED_FORMAT_V1: Final = 1
_SEALED_ZLIB: Final = 1  # flag byte: the plaintext was zlib-compressed before encryption
_SEALED_RAW: Final = 0
_SEALED_HEADER: Final = len(SEALED_MAGIC) + 1 + 1 + 8  # magic, version, flags, key id
#: Format number of a serialised WrappedKey.
WRAP_FORMAT_V1: Final = 1
BLIND_INDEX_CHARS: Final = 32
KEYRING_SERVICE: Final = "KSCMS desk"

_HKDF_INFO_BLIND_INDEX: Final = b"KSCMS desk blind index v1"
_HKDF_INFO_KEY_ID: Final = b"KSCMS desk key check v1"
_HKDF_INFO_BACKUP_MANIFEST: Final = b"KSCMS desk backup manifest v1"
_WRAP_AAD_PREFIX: Final = b"KSCMS desk wrapped data key v1|"
_KEYRING_PREFIX: Final = "kscms-data-key:v1:"
_PURPOSE_PATTERN: Final = re.compile(r"[a-z][a-z0-9_]{0,63}")
#: Purposes whose values are numbers: '110-123-456789' and '110123456789' must index the same.
DIGIT_PURPOSES: Final = frozenset({"account_no", "resident_no", "business_no", "holder_id", "phone"})
_DIGIT_SEPARATORS: Final = re.compile(r"[\s\-.]")

WRONG_PASSPHRASE_MESSAGE: Final = "데이터 암호 문구가 올바르지 않습니다."
#: What a service says when a personal number must be sealed or opened but no data key is open.
NO_KEY_MESSAGE: Final = "데이터 암호 키가 열려 있지 않아 주민등록번호·계좌번호를 저장하거나 볼 수 없습니다. 다시 로그인하세요."


class CryptoError(ServiceError):
    """Base of the errors below; each carries a Korean message a clerk can be shown."""


class DecryptionError(CryptoError):
    """A stored value did not decrypt: altered, moved to another column, or made under another key."""

    def __init__(
        self,
        message: str = "암호화된 값을 풀 수 없습니다. 값이 손상되었거나 다른 데이터 암호 키로 암호화된 값입니다.",
    ) -> None:
        super().__init__(message)


class WrongKeyError(DecryptionError):
    """A sealed file was made under another data key (its key id differs): say so, do not guess."""

    def __init__(self) -> None:
        super().__init__("이 파일은 다른 데이터 암호 키로 암호화되었습니다. 이 데이터베이스의 키로는 열 수 없습니다.")


class WrongPassphraseError(CryptoError):
    """The passphrase does not unwrap the stored data key."""

    def __init__(self, message: str = WRONG_PASSPHRASE_MESSAGE) -> None:
        super().__init__(message)


class WrappedKeyFormatError(CryptoError):
    """The stored wrapped key is not something this program wrote (corrupted or edited row)."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"저장된 데이터 암호 키의 형식이 올바르지 않습니다 ({detail}).")
        self.detail = detail


def _check_purpose(purpose: str) -> bytes:
    """Purposes are short ASCII identifiers; a typo must fail loudly, not create a new 'column'."""
    if not isinstance(purpose, str) or not _PURPOSE_PATTERN.fullmatch(purpose):
        raise ValueError("purpose must be a lower-case identifier such as 'account_no'")
    return purpose.encode("ascii")


def _hkdf(key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(key)


def normalise_for_index(value: str, purpose: str) -> str:
    """The form of a value that the blind index hashes.

    Numbers (account, resident, business, holder id, phone) keep their digits only, so a search
    typed with or without hyphens finds the row. Other text is NFC-normalised, trimmed, with runs of
    whitespace collapsed and case folded, so '홍길동 ' and '홍길동' match.
    """
    _check_purpose(purpose)
    if not isinstance(value, str):
        raise TypeError("value must be str")
    if purpose in DIGIT_PURPOSES:
        digits = _DIGIT_SEPARATORS.sub("", value)
        if not digits or not (digits.isascii() and digits.isdigit()):
            # Never echo the value: it is personal data.
            raise ValueError(f"a {purpose} value for the blind index must be digits (hyphens and spaces allowed)")
        return digits
    text = " ".join(unicodedata.normalize("NFC", value).split()).casefold()
    if not text:
        raise ValueError("an empty value has no blind index")
    return text


class DataKey:
    """The installation's 32-byte personal-data key, with the sub-keys derived from it.

    The raw key never leaves this module except wrapped (``wrap_data_key``) or into the OS keyring
    (``KeyringCache``); ``repr`` shows only the key id, so a stray log line or traceback leaks nothing.
    """

    __slots__ = ("_aead", "_index_key", "_key_id", "_raw")

    def __init__(self, raw: bytes) -> None:
        if not isinstance(raw, (bytes, bytearray)) or len(raw) != KEY_BYTES:
            raise ValueError(f"a data key is exactly {KEY_BYTES} bytes")
        self._raw = bytes(raw)
        self._aead = AESGCM(self._raw)
        # Separate sub-keys: the blind index and the key id must not reveal anything about the
        # encryption key, and one must not be computable from the other.
        self._index_key = _hkdf(self._raw, _HKDF_INFO_BLIND_INDEX)
        self._key_id = hashlib.sha256(_hkdf(self._raw, _HKDF_INFO_KEY_ID)).hexdigest()[:16]

    @classmethod
    def generate(cls) -> DataKey:
        """A fresh random key (made once per installation, at first setup)."""
        return cls(os.urandom(KEY_BYTES))

    @property
    def key_id(self) -> str:
        """16 hex characters naming this key, so a PC can tell which key its keyring holds."""
        return self._key_id

    def encrypt(self, text: str, purpose: str) -> bytes:
        """``version byte + 12-byte random nonce + AES-GCM ciphertext (with its 16-byte tag)``.

        The purpose is the associated data: a resident number's ciphertext pasted into an account
        column fails to decrypt instead of showing up as an account number.
        """
        aad = _check_purpose(purpose)
        if not isinstance(text, str):
            raise TypeError("only str values are encrypted")
        nonce = os.urandom(NONCE_BYTES)
        return bytes([VALUE_FORMAT_V1]) + nonce + self._aead.encrypt(nonce, text.encode("utf-8"), aad)

    def decrypt(self, blob: bytes | bytearray | memoryview, purpose: str) -> str:
        """The text ``encrypt`` was given; ``DecryptionError`` for anything altered or foreign."""
        aad = _check_purpose(purpose)
        data = bytes(blob)
        if len(data) < 1 + NONCE_BYTES + 16 or data[0] != VALUE_FORMAT_V1:
            raise DecryptionError()
        nonce, ciphertext = data[1 : 1 + NONCE_BYTES], data[1 + NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, ciphertext, aad).decode("utf-8")
        except (InvalidTag, UnicodeDecodeError):
            raise DecryptionError() from None

    def seal_bytes(self, data: bytes | bytearray | memoryview, purpose: str, *, compress: bool = True) -> bytes:
        """A whole file (a bank file of up to 15 MB) encrypted for storage at rest.

        Layout: ``b"KSB" + version + flags + 8-byte key id + 12-byte random nonce + AES-GCM
        ciphertext``. The header is authenticated with the purpose, so a sealed file moved to another
        purpose, or an edited header, does not open; the key id lets ``open_bytes`` tell "another
        key" from "damaged". Compressing first (zlib level 1, ~7× on fixed-width bank text) keeps
        what PostgreSQL stores small now that its own compression cannot shrink ciphertext.
        """
        aad_purpose = _check_purpose(purpose)
        plain = bytes(data)
        flags = _SEALED_RAW
        if compress:
            plain, flags = zlib.compress(plain, 1), _SEALED_ZLIB
        header = SEALED_MAGIC + bytes([SEALED_FORMAT_V1, flags]) + bytes.fromhex(self._key_id)
        nonce = os.urandom(NONCE_BYTES)
        return header + nonce + self._aead.encrypt(nonce, plain, aad_purpose + b"|" + header)

    def open_bytes(self, blob: bytes | bytearray | memoryview, purpose: str) -> bytes:
        """The bytes ``seal_bytes`` was given. ``WrongKeyError`` when another key sealed them,
        ``DecryptionError`` for anything altered, truncated or not sealed at all."""
        aad_purpose = _check_purpose(purpose)
        data = bytes(blob)
        if not is_sealed(data) or len(data) < _SEALED_HEADER + NONCE_BYTES + 16:
            raise DecryptionError()
        header, flags = data[:_SEALED_HEADER], data[len(SEALED_MAGIC) + 1]
        if flags not in (_SEALED_RAW, _SEALED_ZLIB):
            raise DecryptionError()
        if header[-8:].hex() != self._key_id:
            raise WrongKeyError()
        nonce, ciphertext = data[_SEALED_HEADER : _SEALED_HEADER + NONCE_BYTES], data[_SEALED_HEADER + NONCE_BYTES :]
        try:
            plain = self._aead.decrypt(nonce, ciphertext, aad_purpose + b"|" + header)
        except InvalidTag:
            raise DecryptionError() from None
        if flags == _SEALED_ZLIB:
            try:
                plain = zlib.decompress(plain)
            except zlib.error:  # authenticated, so only a bug in this program could get here
                raise DecryptionError() from None
        return plain

    def blind_index(self, value: str, purpose: str) -> str:
        """Deterministic keyed hash for equality search: 32 hex chars (128 bits) of HMAC-SHA256.

        The purpose is hashed in as well, so the same digits as an account and as a resident number
        give unrelated indexes. Without the data key the index cannot be recomputed, so the short
        space of account numbers cannot be brute-forced from a copied database.
        """
        normalised = normalise_for_index(value, purpose)
        message = purpose.encode("ascii") + b"\x00" + normalised.encode("utf-8")
        return hmac.new(self._index_key, message, hashlib.sha256).hexdigest()[:BLIND_INDEX_CHARS]

    def manifest_tag(self, message: bytes) -> str:
        """HMAC-SHA256 (hex) of a backup manifest under a sub-key of its own purpose.

        Only a holder of the data key can make a tag that verifies, so a backup edited and given a
        recomputed SHA-256 (amounts ×10, a dropped table) is caught; the sub-key reveals nothing
        about the encryption or blind-index keys.
        """
        return hmac.new(_hkdf(self._raw, _HKDF_INFO_BACKUP_MANIFEST), message, hashlib.sha256).hexdigest()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DataKey):
            return NotImplemented
        return hmac.compare_digest(self._raw, other._raw)

    def __hash__(self) -> int:
        return hash(self._key_id)

    def __repr__(self) -> str:
        return f"DataKey(key_id={self._key_id!r})"

    def __copy__(self) -> DataKey:
        return self  # immutable

    def __deepcopy__(self, memo: dict[int, Any]) -> DataKey:
        return self  # immutable; also keeps dataclasses.asdict() on a holder working

    def __reduce__(self) -> Any:
        # Pickling would write the raw key wherever the pickle goes (a cache file, a crash dump).
        raise TypeError("DataKey cannot be pickled")


def is_sealed(blob: bytes | bytearray | memoryview | None) -> bool:
    """Whether stored bytes look like ``DataKey.seal_bytes`` output (magic and version), not plaintext.

    A CMS file starts with its record type ('H'), never with the magic, so the two cannot be confused.
    """
    if blob is None:
        return False
    head = bytes(blob[: len(SEALED_MAGIC) + 1])
    return head == SEALED_MAGIC + bytes([SEALED_FORMAT_V1])


# --- wrapping under a passphrase -------------------------------------------------------------


@dataclass(frozen=True)
class KdfParams:
    """argon2id cost parameters; stored with the wrapped key so they can be raised later.

    ``memory_cost`` is in KiB (argon2's unit). The defaults take a few hundred milliseconds on an
    office PC, once per PC and start; tests pass cheap ones.
    """

    time_cost: int = 3
    memory_cost: int = 64 * 1024
    parallelism: int = 2

    def check(self) -> None:
        """Refuse absurd values, including ones read back from the database (a tampered row must not
        make the program allocate gigabytes)."""
        if not 1 <= self.parallelism <= 16:
            raise ValueError("parallelism must be 1..16")
        if not 1 <= self.time_cost <= 20:
            raise ValueError("time_cost must be 1..20")
        if not 8 * self.parallelism <= self.memory_cost <= 1024 * 1024:
            raise ValueError("memory_cost must be 8*parallelism KiB .. 1 GiB")


DEFAULT_KDF_PARAMS: Final = KdfParams()


@dataclass(frozen=True)
class WrappedKey:
    """The data key encrypted under a passphrase-derived key: what the database stores (one row)."""

    salt: bytes
    nonce: bytes
    ciphertext: bytes
    key_id: str
    params: KdfParams = DEFAULT_KDF_PARAMS
    kdf: str = "argon2id"
    version: int = WRAP_FORMAT_V1

    def to_json(self) -> str:
        """Compact JSON, binary fields in base64; stable key order so equal keys give equal text."""
        return json.dumps(
            {
                "v": self.version,
                "kdf": self.kdf,
                "t": self.params.time_cost,
                "m": self.params.memory_cost,
                "p": self.params.parallelism,
                "salt": _b64(self.salt),
                "nonce": _b64(self.nonce),
                "ct": _b64(self.ciphertext),
                "kid": self.key_id,
            },
            separators=(",", ":"),
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> WrappedKey:
        """Parse what ``to_json`` wrote; ``WrappedKeyFormatError`` for anything else."""
        try:
            raw = json.loads(text)
        except (ValueError, TypeError):
            raise WrappedKeyFormatError("JSON이 아님") from None
        if not isinstance(raw, dict):
            raise WrappedKeyFormatError("JSON 객체가 아님")
        if raw.get("v") != WRAP_FORMAT_V1:
            raise WrappedKeyFormatError(f"알 수 없는 버전 {raw.get('v')!r}")
        if raw.get("kdf") != "argon2id":
            raise WrappedKeyFormatError("알 수 없는 키 유도 방식")
        try:
            params = KdfParams(time_cost=_int(raw["t"]), memory_cost=_int(raw["m"]), parallelism=_int(raw["p"]))
            params.check()
            wrapped = cls(
                salt=_unb64(raw["salt"]),
                nonce=_unb64(raw["nonce"]),
                ciphertext=_unb64(raw["ct"]),
                key_id=str(raw["kid"]),
                params=params,
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise WrappedKeyFormatError(f"항목 오류: {type(exc).__name__}") from None
        if len(wrapped.salt) != SALT_BYTES or len(wrapped.nonce) != NONCE_BYTES or len(wrapped.ciphertext) != KEY_BYTES + 16:
            raise WrappedKeyFormatError("길이 오류")
        if not re.fullmatch(r"[0-9a-f]{16}", wrapped.key_id):
            raise WrappedKeyFormatError("키 ID 오류")
        return wrapped


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("integer expected")
    return value


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise TypeError("base64 text expected")
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error:
        raise ValueError("bad base64") from None


def _passphrase_bytes(passphrase: str) -> bytes:
    """NFC first: the same Korean passphrase typed on another system may arrive decomposed (NFD)."""
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def _derive_kek(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    return hash_secret_raw(
        secret=_passphrase_bytes(passphrase),
        salt=salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_cost,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def _wrap_aad(key_id: str, params: KdfParams) -> bytes:
    # The key id and the parameters are authenticated: an edited row fails to unwrap.
    return _WRAP_AAD_PREFIX + f"{key_id}|{params.time_cost}|{params.memory_cost}|{params.parallelism}".encode("ascii")


def wrap_data_key(key: DataKey, passphrase: str, *, params: KdfParams = DEFAULT_KDF_PARAMS) -> WrappedKey:
    """Encrypt the data key under an argon2id key from the passphrase (fresh salt and nonce).

    Changing the passphrase is unwrap with the old one, wrap with the new one: the data key, and so
    every encrypted row, stays the same.
    """
    if not isinstance(passphrase, str) or not passphrase:
        raise ValueError("a passphrase is required")
    params.check()
    salt = os.urandom(SALT_BYTES)
    nonce = os.urandom(NONCE_BYTES)
    kek = _derive_kek(passphrase, salt, params)
    ciphertext = AESGCM(kek).encrypt(nonce, key._raw, _wrap_aad(key.key_id, params))
    return WrappedKey(salt=salt, nonce=nonce, ciphertext=ciphertext, key_id=key.key_id, params=params)


def unwrap_data_key(wrapped: WrappedKey, passphrase: str) -> DataKey:
    """The data key, or ``WrongPassphraseError`` (Korean message) if the passphrase does not fit."""
    wrapped.params.check()
    kek = _derive_kek(passphrase, wrapped.salt, wrapped.params)
    try:
        raw = AESGCM(kek).decrypt(wrapped.nonce, wrapped.ciphertext, _wrap_aad(wrapped.key_id, wrapped.params))
    except InvalidTag:
        log.info("data key %s: passphrase did not unwrap it", wrapped.key_id)
        raise WrongPassphraseError() from None
    key = DataKey(raw)
    if key.key_id != wrapped.key_id:  # cannot happen unless the AAD check is broken; be sure anyway
        raise WrappedKeyFormatError("키 ID 불일치")
    return key


# --- the OS keyring ---------------------------------------------------------------------------


class MemoryKeyring(keyring.backend.KeyringBackend):
    """An in-process keyring for TESTS ONLY: nothing is written anywhere, all is lost at exit.

    Its priority is negative and it declares itself not viable, so keyring never picks it on its
    own; it is used only where a test calls ``keyring.set_keyring(MemoryKeyring())``.
    """

    priority = -10.0
    viable = False

    def __init__(self) -> None:
        super().__init__()
        self._store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self._store[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError("not found") from None


def keyring_is_trustworthy(backend: keyring.backend.KeyringBackend) -> bool:
    """Whether a backend keeps secrets in a real OS store.

    Refused: the fail and null backends (no keyring at all), keyrings.alt's file backends (a
    plaintext or weakly protected file is exactly what must not happen), a chainer with nothing to
    chain, and anything keyring itself does not recommend (priority below 1).
    """
    from keyring.backends import chainer, fail, null

    if isinstance(backend, MemoryKeyring):
        return True
    if isinstance(backend, (fail.Keyring, null.Keyring)):
        return False
    if type(backend).__module__.startswith("keyrings.alt"):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        chained = list(backend.backends)
        return bool(chained) and all(keyring_is_trustworthy(b) for b in chained)
    try:
        return float(backend.priority) >= 1
    except Exception:  # noqa: BLE001 - a backend whose priority raises is not usable here
        return False


class KeyringCache:
    """This PC's copy of the unwrapped data key, in the OS keyring under (service, account).

    ``account`` names the installation/database (the lead uses the key id), so two databases on one
    PC do not overwrite each other. When ``available`` is False, ``load`` returns None and ``save``
    does nothing: the caller keeps the key in memory and asks for the passphrase next time.
    """

    def __init__(self, *, account: str, service: str = KEYRING_SERVICE) -> None:
        if not account:
            raise ValueError("a keyring account (installation or database id) is required")
        self.service = service
        self.account = account

    @property
    def available(self) -> bool:
        return keyring_is_trustworthy(keyring.get_keyring())

    def load(self) -> DataKey | None:
        """The cached key, or None (no keyring, nothing stored, keyring locked, entry unreadable)."""
        if not self.available:
            return None
        try:
            stored = keyring.get_password(self.service, self.account)
        except keyring.errors.KeyringError as exc:
            log.warning("keyring read failed for %s: %s", self.account, type(exc).__name__)
            return None
        if stored is None:
            return None
        if not stored.startswith(_KEYRING_PREFIX):
            log.warning("keyring entry for %s is not a KSCMS data key; ignored", self.account)
            return None
        try:
            return DataKey(base64.b64decode(stored[len(_KEYRING_PREFIX) :], validate=True))
        except (binascii.Error, ValueError):
            log.warning("keyring entry for %s is damaged; ignored", self.account)
            return None

    def save(self, key: DataKey) -> bool:
        """Store the key; True when stored. Never falls back to a file."""
        if not self.available:
            log.info("no trustworthy OS keyring; data key %s kept in memory only", key.key_id)
            return False
        try:
            keyring.set_password(self.service, self.account, _KEYRING_PREFIX + _b64(key._raw))
        except keyring.errors.KeyringError as exc:
            log.warning("keyring write failed for data key %s: %s", key.key_id, type(exc).__name__)
            return False
        return True

    def forget(self) -> None:
        """Remove this PC's copy (at sign-out of the installation, or after a key change)."""
        if not self.available:
            return
        try:
            keyring.delete_password(self.service, self.account)
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as exc:
            log.warning("keyring delete failed for %s: %s", self.account, type(exc).__name__)
