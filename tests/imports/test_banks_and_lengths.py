"""Banks by the names clerks write, the column words, and the per-bank account-number lengths (with
the 이체정보 window's warning)."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.services.common.calendar import SEOUL
from app.services.common.crypto import DataKey
from app.services.customers import records as customers
from app.services.customers.imports.rows import (
    BY_KEY,
    COLUMNS,
    SHARED_WORDS,
    SYNONYMS,
    field_for,
    header_key,
    plan_columns,
)
from app.services.exchange.cms.account_numbers import (
    ACCOUNT_LENGTHS,
    length_warning,
    numbering_warning,
)
from app.services.exchange.cms.banks import (
    BANK_ALIASES,
    BANK_NAMES,
    BankMatch,
    _name_key,
    find_bank,
)
from app.views.common.context import AppContext
from app.views.customers.agreement_dialog import AgreementDialog
from tests.customers.conftest import person
from tests.factories import Office

NAMES = {
    "국민": "004", "국민은행": "004", "KB국민은행": "004", "kb 국민은행": "004", "농협": "011", "NH농협은행": "011",
    "NH 농협": "011", "지역농협": "012", "단위농협": "012", "우리": "020", "우리은행": "020", "신한": "088",
    "신한은행": "088", "하나": "081", "KEB하나은행": "081", "기업": "003", "IBK기업은행": "003", "IBK": "003",
    "카카오뱅크": "090", "카카오": "090", "토스뱅크": "092", "토스": "092", "케이뱅크": "089", "K뱅크": "089",
    "우체국": "071", "새마을금고": "045", "MG새마을금고": "045", "신협": "048", "수협": "007", "산업은행": "002",
    "SC제일은행": "023", "씨티은행": "027", "대구은행": "031", "iM뱅크": "031", "부산은행": "032", "경남은행": "039",
    "광주은행": "034", "전북은행": "037", "제주은행": "035", "저축은행": "050", "산림조합": "064",
    "주식회사 우리은행": "020", "하나은행(주)": "081",
    "4": "004", "04": "004", "004": "004", "88": "088", "004 KB국민은행": "004", "농협 (011)": "011",
}


@pytest.mark.parametrize("written", list(NAMES))
def test_a_bank_by_the_name_or_code_a_clerk_writes(written: str) -> None:
    found = find_bank(written)
    assert (found.code, found.guessed) == (NAMES[written], False)


def test_a_longer_text_is_read_by_the_bank_name_in_it_and_says_so() -> None:
    assert (find_bank("국민은행 강남지점").code, find_bank("국민은행 강남지점").guessed) == ("004", True)
    assert find_bank("단위농협 ○○지점").code == "012"  # the longer name inside wins over 농협


@pytest.mark.parametrize(("written", "candidates"), [
    ("뱅크", {"031", "089", "090", "092"}), ("한국", {"002", "008", "027"}), ("004 신한은행", {"004", "088"})])
def test_a_name_several_banks_share_is_not_guessed(written: str, candidates: set[str]) -> None:
    found = find_bank(written)
    assert found.code is None and set(found.candidates) == candidates


def test_an_unknown_name_is_nobody() -> None:
    assert find_bank("없는은행").code is None and find_bank("xyz").candidates == ()


def test_every_spelling_names_one_bank_only() -> None:
    owner: dict[str, str] = {}
    for code, aliases in BANK_ALIASES.items():
        assert code in BANK_NAMES
        for alias in (BANK_NAMES[code], *aliases):
            assert owner.setdefault(_name_key(alias), code) == code, alias
            assert find_bank(alias) == BankMatch(code), alias


def test_every_column_word_names_one_field() -> None:
    seen: dict[str, str] = {}
    for column in COLUMNS:
        assert header_key(column.header) == column.key
    for key, words in SYNONYMS.items():
        assert key in BY_KEY
        for word in words:
            assert seen.setdefault(word, key) == key, word
            assert header_key(word) == key, word
    for word, keys in SHARED_WORDS.items():
        assert word not in seen and all(k in BY_KEY for k in keys)
    assert field_for("월이체금액") == "monthly_amount" and field_for("memo") == "memo" and field_for("사용 안 함") == ""
    assert field_for("아무말") is None


def test_the_brief_s_synonyms() -> None:
    plan = plan_columns(["회원번호", "납부자번호", "학생번호", "출금일", "이체일", "금액", "회비", "월회비", "수강료",
                         "예금주", "생년월일", "휴대폰", "핸드폰", "연락처", "은행명", "계좌"])
    read = {c.header: c.key for c in plan.columns}
    assert read["회원번호"] == "customer_no" and read["출금일"] == "debit_day" and read["금액"] == "monthly_amount"
    assert read["예금주"] == "holder_name" and read["생년월일"] == "holder_id" and read["휴대폰"] == "mobile"
    assert read["연락처"] == "phone"  # 휴대폰 took the mobile number first
    assert {c.header for c in plan.undecided} == {"납부자번호", "학생번호", "이체일", "회비", "월회비", "수강료", "핸드폰"}


# --- account-number lengths -----------------------------------------------------------------------


def test_the_length_table_covers_the_banks_clerks_use() -> None:
    assert set(ACCOUNT_LENGTHS) <= set(BANK_NAMES)
    assert set(BANK_NAMES) - set(ACCOUNT_LENGTHS) == {"008"}  # 수출입은행 keeps no payers' accounts
    assert all(6 <= n <= 16 for lengths in ACCOUNT_LENGTHS.values() for n in lengths)


@pytest.mark.parametrize(("bank", "account", "warned"), [
    ("004", "123456", True), ("004", "123-45-678901", False), ("004", "1234-56-7890123-4", False),
    ("004", "1234567890123", True), ("090", "3333-01-1234567", False), ("090", "3333011234567890", True),
    ("092", "1000-1234-5678", False), ("045", "9002-12-345678", True), ("088", "110-123-456789", False),
    ("008", "123456", False),    # no table for the bank: no warning
    ("004", "12345", False),     # under 6 digits: the field rule refuses it, no second message
    ("004", "12-34A", False),    # not digits: the field rule's
])
def test_an_account_length_its_bank_does_not_use_is_warned(bank: str, account: str, warned: bool) -> None:
    assert bool(length_warning(bank, account)) is warned


def test_the_warning_says_what_the_bank_uses() -> None:
    assert length_warning("004", "123456") == (
        "KB국민은행 계좌번호는 10·11·12·14자리인데 6자리입니다. 통장이나 출금동의서에서 계좌번호와 은행을 다시 "
        "확인하세요. 이대로 계좌신청을 보내면 은행이 거절할 수 있습니다.")
    assert "7~14자리" in (length_warning("031", "123456") or "")


@pytest.mark.parametrize(("bank", "account", "other"), [
    ("011", "351-1234-5678-91", "지역 농·축협(012)"), ("012", "302-1234-5678-91", "NH농협은행(011)")])
def test_an_account_of_the_other_nonghyup_is_warned(bank: str, account: str, other: str) -> None:
    """'농협' means two participants; their 13-digit accounts start differently (KFTC table)."""
    assert other in (numbering_warning(bank, account) or "")
    assert numbering_warning("011", "302-1234-5678-91") is None and numbering_warning("012", "3511234567891") is None
    assert numbering_warning("004", "123456") == length_warning("004", "123456")


def test_the_agreement_window_warns_before_the_registration_goes_out(qtbot, office: Office) -> None:
    key = DataKey.generate()
    now = datetime(2026, 11, 27, 10, 30, tzinfo=SEOUL)
    customer_id = customers.create_customer(office.db, office.admin, office.contract_id, person(), key).id
    dialog = AgreementDialog(AppContext(office.db, office.admin, office.contract_id, key, clock=lambda: now),
                             customers.get_customer_detail(office.db, office.admin, customer_id))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.bank.setCurrentIndex(dialog.bank.findData("004"))
    qtbot.keyClicks(dialog.account_no, "123456")
    assert "KB국민은행 계좌번호는 10·11·12·14자리인데 6자리입니다" in dialog.notice.text() and dialog.notice.isVisible()
    dialog.account_no.clear()
    qtbot.keyClicks(dialog.account_no, "123-45-678901")
    assert "자리인데" not in dialog.notice.text()
    dialog.bank.setCurrentIndex(dialog.bank.findData("090"))  # the same number is 11 digits: not a 카카오뱅크 one
    assert "카카오뱅크 계좌번호는 13자리인데 11자리입니다" in dialog.notice.text()
    assert dialog.save_button.isEnabled()  # a warning, not a refusal
