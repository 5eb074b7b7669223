"""Personal-data encryption: AES-GCM values, blind index, passphrase wrapping, keyring cache, masks.

The argon2 parameters are lowered (``FAST``) everywhere except one test that checks the defaults
are what gets stored.
"""

from __future__ import annotations

import copy
import json
import pickle
import unicodedata
from pathlib import Path

import keyring
import keyring.backend
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from keyring.backends import fail, null

from app.services.common.crypto import (
    DEFAULT_KDF_PARAMS,
    VALUE_FORMAT_V1,
    DataKey,
    DecryptionError,
    KdfParams,
    KeyringCache,
    MemoryKeyring,
    WrappedKey,
    WrappedKeyFormatError,
    WrongPassphraseError,
    keyring_is_trustworthy,
    unwrap_data_key,
    wrap_data_key,
)
from app.services.common.errors import ServiceError
from app.services.common.masking import (
    masked_account,
    masked_business_no,
    masked_resident_no,
)

FAST = KdfParams(time_cost=1, memory_cost=8, parallelism=1)
ACCOUNT = "110123456789"
RESIDENT = "9001011234567"


@pytest.fixture()
def key() -> DataKey:
    return DataKey.generate()


@pytest.fixture()
def memory_keyring() -> MemoryKeyring:
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    return ring


# --- AES-GCM values ---------------------------------------------------------------------------


def test_round_trip(key: DataKey) -> None:
    blob = key.encrypt(ACCOUNT, "account_no")
    assert isinstance(blob, bytes)
    assert key.decrypt(blob, "account_no") == ACCOUNT


def test_round_trip_korean_and_empty(key: DataKey) -> None:
    assert key.decrypt(key.encrypt("홍길동 똠", "holder_name"), "holder_name") == "홍길동 똠"
    assert key.decrypt(key.encrypt("", "account_no"), "account_no") == ""


def test_decrypt_accepts_memoryview_and_bytearray(key: DataKey) -> None:
    blob = key.encrypt(ACCOUNT, "account_no")
    assert key.decrypt(memoryview(blob), "account_no") == ACCOUNT
    assert key.decrypt(bytearray(blob), "account_no") == ACCOUNT


def test_layout_is_version_nonce_ciphertext_tag(key: DataKey) -> None:
    blob = key.encrypt(ACCOUNT, "account_no")
    assert blob[0] == VALUE_FORMAT_V1
    assert len(blob) == 1 + 12 + len(ACCOUNT) + 16


def test_random_nonce_each_time(key: DataKey) -> None:
    blobs = {key.encrypt(ACCOUNT, "account_no") for _ in range(20)}
    assert len(blobs) == 20
    assert len({b[1:13] for b in blobs}) == 20


@pytest.mark.parametrize("plaintext", [ACCOUNT, RESIDENT, "110-123-456789", "900101-1234567"])
def test_ciphertext_does_not_contain_plaintext_digits(key: DataKey, plaintext: str) -> None:
    blob = key.encrypt(plaintext, "account_no")
    raw = plaintext.encode("ascii")
    assert raw not in blob
    # no run of 6 consecutive plaintext characters appears anywhere either
    for start in range(len(raw) - 5):
        assert raw[start : start + 6] not in blob


def test_every_flipped_byte_is_detected(key: DataKey) -> None:
    blob = key.encrypt(ACCOUNT, "account_no")
    for position in range(len(blob)):
        tampered = bytearray(blob)
        tampered[position] ^= 0x01
        with pytest.raises(DecryptionError):
            key.decrypt(bytes(tampered), "account_no")


def test_truncated_or_extended_is_detected(key: DataKey) -> None:
    blob = key.encrypt(ACCOUNT, "account_no")
    for bad in (b"", blob[:1], blob[:13], blob[:-1], blob + b"\x00"):
        with pytest.raises(DecryptionError):
            key.decrypt(bad, "account_no")


def test_values_cannot_move_between_columns(key: DataKey) -> None:
    blob = key.encrypt(RESIDENT, "resident_no")
    with pytest.raises(DecryptionError):
        key.decrypt(blob, "account_no")


def test_wrong_key_is_detected(key: DataKey) -> None:
    blob = key.encrypt(ACCOUNT, "account_no")
    with pytest.raises(DecryptionError) as info:
        DataKey.generate().decrypt(blob, "account_no")
    assert isinstance(info.value, ServiceError)
    assert "암호" in info.value.message
    assert ACCOUNT not in str(info.value)


def test_purpose_must_be_identifier(key: DataKey) -> None:
    for bad in ("", "Account", "account no", "계좌"):
        with pytest.raises(ValueError):
            key.encrypt(ACCOUNT, bad)


def test_non_str_refused(key: DataKey) -> None:
    with pytest.raises(TypeError):
        key.encrypt(110123456789, "account_no")  # type: ignore[arg-type]


@settings(max_examples=50, deadline=None)
@given(text=st.text(max_size=200))
def test_round_trip_any_text(text: str) -> None:
    k = _SHARED_KEY
    assert k.decrypt(k.encrypt(text, "memo"), "memo") == text


_SHARED_KEY = DataKey.generate()


# --- the key itself ---------------------------------------------------------------------------


def test_key_must_be_32_bytes() -> None:
    for bad in (b"", b"x" * 16, b"x" * 31, b"x" * 33):
        with pytest.raises(ValueError):
            DataKey(bad)


def test_same_raw_key_same_behaviour() -> None:
    raw = bytes(range(32))
    a, b = DataKey(raw), DataKey(raw)
    assert a == b and hash(a) == hash(b)
    assert b.decrypt(a.encrypt(ACCOUNT, "account_no"), "account_no") == ACCOUNT
    assert a != DataKey.generate()


def test_key_id_is_16_hex_and_stable() -> None:
    raw = bytes(range(32))
    key_id = DataKey(raw).key_id
    assert len(key_id) == 16 and all(c in "0123456789abcdef" for c in key_id)
    assert DataKey(raw).key_id == key_id
    assert DataKey.generate().key_id != key_id
    assert raw.hex()[:16] != key_id


def test_repr_does_not_leak_key() -> None:
    raw = bytes(range(32))
    text = repr(DataKey(raw))
    assert raw.hex() not in text and raw.hex()[:8] not in text
    assert DataKey(raw).key_id in text


def test_key_cannot_be_pickled_but_copies_are_itself(key: DataKey) -> None:
    with pytest.raises(TypeError):
        pickle.dumps(key)
    assert copy.copy(key) is key
    assert copy.deepcopy(key) is key


# --- blind index ------------------------------------------------------------------------------


def test_blind_index_ignores_hyphens_and_spaces(key: DataKey) -> None:
    plain = key.blind_index("110123456789", "account_no")
    assert key.blind_index("110-123-456789", "account_no") == plain
    assert key.blind_index(" 110 123 456789 ", "account_no") == plain


def test_blind_index_shape_and_determinism(key: DataKey) -> None:
    index = key.blind_index(ACCOUNT, "account_no")
    assert len(index) == 32 and all(c in "0123456789abcdef" for c in index)
    assert key.blind_index(ACCOUNT, "account_no") == index
    assert ACCOUNT not in index


def test_blind_index_depends_on_key_value_and_purpose(key: DataKey) -> None:
    index = key.blind_index(ACCOUNT, "account_no")
    assert DataKey.generate().blind_index(ACCOUNT, "account_no") != index
    assert key.blind_index("110123456780", "account_no") != index
    assert key.blind_index(ACCOUNT, "resident_no") != index


def test_blind_index_of_text_is_normalised(key: DataKey) -> None:
    nfd = unicodedata.normalize("NFD", "홍길동")
    assert key.blind_index(nfd, "holder_name") == key.blind_index(" 홍길동 ", "holder_name")
    assert key.blind_index("Hong  Gil", "holder_name") == key.blind_index("hong gil", "holder_name")


def test_blind_index_refuses_non_digits_for_numbers(key: DataKey) -> None:
    for bad in ("", "---", "110-12a-456", "１１０１２３"):
        with pytest.raises(ValueError) as info:
            key.blind_index(bad, "account_no")
        assert "110" not in str(info.value)


@settings(max_examples=50, deadline=None)
@given(digits=st.text(alphabet="0123456789", min_size=6, max_size=16), cuts=st.lists(st.integers(0, 16), max_size=3))
def test_blind_index_same_with_any_hyphenation(digits: str, cuts: list[int]) -> None:
    hyphenated = digits
    for cut in sorted(set(cuts), reverse=True):
        hyphenated = hyphenated[:cut] + "-" + hyphenated[cut:]
    assert _SHARED_KEY.blind_index(hyphenated, "account_no") == _SHARED_KEY.blind_index(digits, "account_no")


# --- wrapping ---------------------------------------------------------------------------------


def test_wrap_unwrap_round_trip(key: DataKey) -> None:
    wrapped = wrap_data_key(key, "correct horse 1", params=FAST)
    assert wrapped.key_id == key.key_id
    assert unwrap_data_key(wrapped, "correct horse 1") == key


def test_wrong_passphrase(key: DataKey) -> None:
    wrapped = wrap_data_key(key, "correct horse 1", params=FAST)
    with pytest.raises(WrongPassphraseError) as info:
        unwrap_data_key(wrapped, "correct horse 2")
    assert info.value.message == "데이터 암호 문구가 올바르지 않습니다."
    assert isinstance(info.value, ServiceError)
    with pytest.raises(WrongPassphraseError):
        unwrap_data_key(wrapped, "")


def test_passphrase_nfc_and_nfd_are_the_same(key: DataKey) -> None:
    wrapped = wrap_data_key(key, unicodedata.normalize("NFC", "한글 암호 문구 1"), params=FAST)
    assert unwrap_data_key(wrapped, unicodedata.normalize("NFD", "한글 암호 문구 1")) == key


def test_empty_passphrase_refused_when_wrapping(key: DataKey) -> None:
    with pytest.raises(ValueError):
        wrap_data_key(key, "", params=FAST)


def test_json_round_trip(key: DataKey) -> None:
    wrapped = wrap_data_key(key, "passphrase-1", params=FAST)
    text = wrapped.to_json()
    assert isinstance(text, str)
    assert " " not in text and "\n" not in text
    again = WrappedKey.from_json(text)
    assert again == wrapped
    assert WrappedKey.from_json(text.encode("utf-8")) == wrapped
    assert unwrap_data_key(again, "passphrase-1") == key
    fields = json.loads(text)
    assert fields["kdf"] == "argon2id" and fields["kid"] == key.key_id
    assert (fields["t"], fields["m"], fields["p"]) == (1, 8, 1)


def test_default_params_are_stored(key: DataKey) -> None:
    assert KdfParams(time_cost=3, memory_cost=64 * 1024, parallelism=2) == DEFAULT_KDF_PARAMS
    wrapped = wrap_data_key(key, "passphrase-1")
    fields = json.loads(wrapped.to_json())
    assert (fields["t"], fields["m"], fields["p"]) == (3, 65536, 2)
    assert unwrap_data_key(WrappedKey.from_json(wrapped.to_json()), "passphrase-1") == key


def test_fresh_salt_and_nonce_each_wrap(key: DataKey) -> None:
    a = wrap_data_key(key, "passphrase-1", params=FAST)
    b = wrap_data_key(key, "passphrase-1", params=FAST)
    assert a.salt != b.salt and a.nonce != b.nonce and a.ciphertext != b.ciphertext
    assert len(a.salt) == 16 and len(a.nonce) == 12


def test_stored_json_does_not_contain_the_key() -> None:
    raw = bytes(range(32))
    text = wrap_data_key(DataKey(raw), "passphrase-1", params=FAST).to_json()
    import base64

    assert base64.b64encode(raw).decode() not in text
    assert raw.hex() not in text


@pytest.mark.parametrize(
    "edit",
    [
        lambda f: f.update(kid="0" * 16),
        lambda f: f.update(t=2),
        lambda f: f.update(m=16),
        lambda f: f.update(salt="AAAAAAAAAAAAAAAAAAAAAA=="),
    ],
)
def test_edited_row_does_not_unwrap(key: DataKey, edit) -> None:
    fields = json.loads(wrap_data_key(key, "passphrase-1", params=FAST).to_json())
    edit(fields)
    with pytest.raises(WrongPassphraseError):
        unwrap_data_key(WrappedKey.from_json(json.dumps(fields)), "passphrase-1")


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"v":2}',
        b"\xff\xfe",
    ],
)
def test_malformed_json_refused(text: str | bytes) -> None:
    with pytest.raises(WrappedKeyFormatError) as info:
        WrappedKey.from_json(text)
    assert "데이터 암호 키" in info.value.message


@pytest.mark.parametrize(
    "edit",
    [
        lambda f: f.pop("salt"),
        lambda f: f.update(ct="***"),
        lambda f: f.update(nonce="AAAA"),
        lambda f: f.update(m=10 * 1024 * 1024),  # a tampered row must not allocate 10 GiB
        lambda f: f.update(t="3"),
        lambda f: f.update(p=0),
        lambda f: f.update(kdf="scrypt"),
        lambda f: f.update(kid="not hex!"),
    ],
)
def test_bad_fields_refused(key: DataKey, edit) -> None:
    fields = json.loads(wrap_data_key(key, "passphrase-1", params=FAST).to_json())
    edit(fields)
    with pytest.raises(WrappedKeyFormatError):
        WrappedKey.from_json(json.dumps(fields))


# --- keyring cache ----------------------------------------------------------------------------


def test_keyring_save_load_forget(key: DataKey, memory_keyring: MemoryKeyring) -> None:
    cache = KeyringCache(account="db-1")
    assert cache.available
    assert cache.load() is None
    assert cache.save(key) is True
    assert cache.load() == key
    assert KeyringCache(account="db-2").load() is None
    cache.forget()
    assert cache.load() is None
    cache.forget()  # forgetting twice is fine


def test_keyring_entry_is_under_service_and_account(key: DataKey, memory_keyring: MemoryKeyring) -> None:
    KeyringCache(account=key.key_id).save(key)
    stored = keyring.get_password("KSCMS desk", key.key_id)
    assert stored is not None and stored.startswith("kscms-data-key:v1:")


def test_keyring_damaged_entry_ignored(memory_keyring: MemoryKeyring) -> None:
    for junk in ("hello", "kscms-data-key:v1:***", "kscms-data-key:v1:AAAA"):
        keyring.set_password("KSCMS desk", "db-1", junk)
        assert KeyringCache(account="db-1").load() is None


@pytest.mark.parametrize("backend", [fail.Keyring, null.Keyring])
def test_no_os_keyring_means_memory_only(key: DataKey, backend, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    keyring.set_keyring(backend())
    cache = KeyringCache(account="db-1")
    assert cache.available is False
    assert cache.save(key) is False
    assert cache.load() is None
    cache.forget()
    assert list(tmp_path.iterdir()) == []  # and no file was written instead


class _PlaintextLike(keyring.backend.KeyringBackend):
    priority = 0.5
    viable = False

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise AssertionError("must never be written to")

    def delete_password(self, service: str, username: str) -> None:
        pass


_PlaintextLike.__module__ = "keyrings.alt.file"


class _Recommended(_PlaintextLike):
    priority = 5


_Recommended.__module__ = "keyring.backends.Windows"


def test_untrusted_backends_are_not_used(key: DataKey) -> None:
    assert not keyring_is_trustworthy(_PlaintextLike())
    keyring.set_keyring(_PlaintextLike())
    cache = KeyringCache(account="db-1")
    assert cache.available is False
    assert cache.save(key) is False


def test_recommended_backend_is_trusted() -> None:
    assert keyring_is_trustworthy(_Recommended())


def test_memory_keyring_is_never_chosen_automatically() -> None:
    assert MemoryKeyring.priority < 0
    assert MemoryKeyring.viable is False
    assert MemoryKeyring not in set(keyring.backend.KeyringBackend.get_viable_backends())


def test_keyring_cache_needs_an_account() -> None:
    with pytest.raises(ValueError):
        KeyringCache(account="")


# --- masks ------------------------------------------------------------------------------------


def test_masked_resident_no() -> None:
    assert masked_resident_no("9001011234567") == "900101-1******"
    assert masked_resident_no("900101-1234567") == "900101-1******"
    assert masked_resident_no("90010112") == "******-*******"
    assert masked_resident_no("") == "******-*******"


def test_masked_account() -> None:
    assert masked_account("110123456789") == "********6789"
    assert masked_account("110-123-456789") == "********6789"
    assert masked_account("1234") == "****"
    assert masked_account("") == ""


def test_masked_business_no() -> None:
    assert masked_business_no("1248100998") == "124-81-*****"
    assert masked_business_no("124-81-00998") == "124-81-*****"
    assert masked_business_no("12345") == "***-**-*****"
