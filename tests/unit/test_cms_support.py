"""Reason codes, bank codes, file names, masking and the masked textual view."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from app.services.exchange.cms import (
    BANK_NAMES,
    REASONS,
    REGISTRATION_REQUIRED_BANKS,
    CmsError,
    DebitHeader,
    DebitRecord,
    RegistrationHeader,
    RegistrationRecord,
    bank_name,
    branch_code,
    decode_eb13,
    decode_eb21,
    decode_eb22,
    describe,
    encode_eb13,
    encode_eb21,
    encode_eb22,
    encoded_length,
    logical_name,
    parse_remote_name,
    reason,
    remote_name,
    requires_registration,
)
from app.services.exchange.cms.banks import bank_of
from app.services.exchange.cms.masking import mask_account, mask_holder_id, mask_phone
from app.services.exchange.cms.reasons import is_retryable, reason_text
from app.services.exchange.cms.text import TextProblem, decode_text, encode_text

SPEC = Path("/work/shared/cms-file-format.md")

# ----------------------------------------------------------------------------- reasons


def test_project_wording_of_the_main_codes() -> None:
    assert reason("0021").text == "잔액부족"
    assert reason("0031").text == "계좌해지"
    assert reason("0017").text == "출금이체신청 없음"
    assert reason("0014").text == "예금주 불일치"
    assert reason("0021").label == "0021 잔액부족"


def test_retryable_codes() -> None:
    for code in ("0021", "0041", "9999", "0051"):
        assert reason(code).retryable, code
        assert "재처리의뢰 가능" in reason(code).hint
    for code in ("0031", "0017", "0014", "0012", "0035", "0062", "A016"):
        assert not reason(code).retryable, code
    assert reason("0031").hint and reason("0012").hint == "계좌 정보를 확인하여 계좌신청을 다시 하세요"
    assert is_retryable("0021") and not is_retryable(None) and not is_retryable("0031")


def test_unknown_code() -> None:
    unknown = reason("0999")
    assert unknown.text == "알 수 없는 사유(코드 0999)"
    assert not unknown.retryable and unknown.hint
    assert reason_text(None) == ""


@pytest.mark.skipif(not SPEC.exists(), reason="shared spec not available")
def test_every_code_of_section_4_is_mapped() -> None:
    section = SPEC.read_text(encoding="utf-8").split("## 4.", 1)[1].split("## 5.", 1)[0]
    codes = set()
    for line in section.splitlines():
        if line.startswith("| ") and not line.startswith("| Code") and not line.startswith("|---"):
            codes.update(re.findall(r"\b(?:\d{4}|A\d{3})\b", line.split("|")[1]))
    assert len(codes) == 54
    assert codes | {"0005"} == set(REASONS), sorted(codes ^ set(REASONS))  # 0005: legacy code named in §4
    assert all(r.text and r.hint for r in REASONS.values())


# ----------------------------------------------------------------------------- banks


def test_bank_table_and_branch_codes() -> None:
    assert len(BANK_NAMES) == 26
    assert BANK_NAMES["004"] == "KB국민은행" and BANK_NAMES["090"] == "카카오뱅크" and BANK_NAMES["011"] == "NH농협은행"
    assert bank_name("054") == "알 수 없는 은행(054)"
    assert branch_code("004") == "0040000"
    assert bank_of("0881234") == "088"
    assert dict(REGISTRATION_REQUIRED_BANKS) == {"004": "KB국민은행", "045": "새마을금고"}
    assert requires_registration("045") and not requires_registration("088")
    for bad in ("4", "0041", "abc"):
        with pytest.raises(ValueError):
            branch_code(bad)


# ----------------------------------------------------------------------------- names


def test_remote_names() -> None:
    day = dt.date(2026, 3, 15)
    assert logical_name("EB21", day) == "EB210315"
    assert remote_name("EB21", day) == "EB210315_2026"
    assert parse_remote_name("EB210315_2026") == ("EB21", day)
    assert parse_remote_name(remote_name("EB14", dt.date(2027, 12, 31))).day == dt.date(2027, 12, 31)
    for bad in ("EB210315", "EB210230_2026", "XX210315_2026", "EB990315_2026", "EB210315_2026.txt"):
        with pytest.raises(CmsError):
            parse_remote_name(bad)
    with pytest.raises(CmsError):
        remote_name("EB99", day)


# ----------------------------------------------------------------------------- text


def test_strict_text() -> None:
    assert encode_text("가A") == b"\xb0\xa1A"
    assert encoded_length("케이에스학원") == 12
    with pytest.raises(TextProblem):
        encode_text("똠")
    with pytest.raises(TextProblem):
        decode_text("똠".encode("euc_kr"))
    with pytest.raises(TextProblem):
        decode_text(b"\xb0")
    assert decode_text(b"\xb0\xa1\xa1\xa1 ") == "가"


# ----------------------------------------------------------------------------- masking and describe


def test_masks() -> None:
    assert mask_account("12345678901234") == "**********1234"
    assert mask_account("123") == "***"
    assert mask_holder_id("900101") == "90****"
    assert mask_holder_id("1234567890") == "12********"
    assert mask_phone("01012345678") == "*******5678"


def test_describe_masks_personal_numbers() -> None:
    header = DebitHeader("9912345678", dt.date(2026, 3, 16), "0880000", "1002003004005")
    rec = DebitRecord(1, "0040000", "12345678901234", 50_000, "900101", "케이에스학원", "C0001", phone="01012345678")
    request = decode_eb21(encode_eb21(header, [rec]), "f")
    rows = describe(request)
    assert [r["레코드"] for r in rows] == ["헤더", "데이터", "트레일러"]
    data = rows[1]
    assert data["출금계좌번호"] == "**********1234"
    assert data["생년월일/사업자번호"] == "90****"
    assert data["전화번호"] == "*******5678"
    assert data["출금의뢰금액"] == "50,000"
    assert data["통장기재내용"] == "케이에스학원"
    assert rows[0]["입금계좌번호"] == "*********4005"
    assert rows[0]["출금일자"] == "2026-03-16"
    assert "FILLER" not in data
    text = repr(rows)
    for secret in ("12345678901234", "900101", "01012345678", "1002003004005"):
        assert secret not in text

    failed = DebitRecord(1, "0040000", "12345678901234", 50_000, "900101", "케이에스학원", "C0001",
                         phone="01012345678", result_flag="N", reason_code="0021")
    result_rows = describe(decode_eb22(encode_eb22(header, [failed]), "f"))
    assert result_rows[1]["출금불능금액"] == "50,000"
    assert result_rows[1]["불능코드"] == "0021 잔액부족"
    assert result_rows[2]["전액출금 불능금액"] == "50,000"


def test_describe_registration_file() -> None:
    header = RegistrationHeader("9912345678", dt.date(2026, 3, 15))
    rec = RegistrationRecord(1, dt.date(2026, 3, 14), "1", "C0001", "0040000", "12345678901234", "1234567890")
    rows = describe(decode_eb13(encode_eb13(header, [rec]), "f"))
    assert rows[1]["지정출금계좌번호"] == "**********1234"
    assert rows[1]["생년월일/사업자번호"] == "12********"
    assert rows[2]["신규등록 건수"] == "1"
