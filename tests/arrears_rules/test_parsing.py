"""The rate as the clerk types it, in percent, becomes parts per million exactly; the line a clerk reads."""

from __future__ import annotations

import pytest

from app.models import LateFeeBasis
from app.services.common.validation import ValidationError
from app.services.settings.arrears_rules import (
    DEFAULT_STAGES,
    LateFeeForm,
    PolicyRow,
    percent_to_ppm,
    policy_text,
    ppm_to_percent,
    unknown_placeholders,
    validate_policy,
)


@pytest.mark.parametrize(("typed", "ppm"), [
    ("0.05", 500), ("2", 20_000), ("1.2345", 12_345), ("0.0274", 274), ("  3 ", 30_000), ("2%", 20_000),
    ("1.5 %", 15_000), (".5", 5_000), ("0", 0), ("100", 1_000_000), ("0.0001", 1), ("12.30", 123_000),
])
def test_percent_text_becomes_ppm_exactly(typed: str, ppm: int) -> None:
    assert percent_to_ppm(typed) == ppm


@pytest.mark.parametrize(("typed", "says"), [
    ("", "연체요율: 요율을 % 단위 숫자로 입력하세요 (예: 0.05)."),
    ("abc", "연체요율: 'abc'은(는) 요율이 아닙니다. % 단위 숫자만 입력하세요 (예: 0.05, 2)."),
    ("-1", "연체요율: '-1'은(는) 요율이 아닙니다. % 단위 숫자만 입력하세요 (예: 0.05, 2)."),
    ("1e-3", "연체요율: '1e-3'은(는) 요율이 아닙니다. % 단위 숫자만 입력하세요 (예: 0.05, 2)."),
    ("1,5", "연체요율: '1,5'은(는) 요율이 아닙니다. % 단위 숫자만 입력하세요 (예: 0.05, 2)."),
    ("０.５", "연체요율: '０.５'은(는) 요율이 아닙니다. % 단위 숫자만 입력하세요 (예: 0.05, 2)."),
    ("0.00001", "연체요율: 소수점 아래 4자리까지 입력할 수 있습니다 (예: 0.0274)."),
    ("100.0001", "연체요율: 100% 이하로 입력하세요."),
])
def test_bad_rates_are_refused_naming_the_field(typed: str, says: str) -> None:
    with pytest.raises(ValidationError) as refused:
        percent_to_ppm(typed)
    assert str(refused.value) == says


@pytest.mark.parametrize(("ppm", "text"), [(500, "0.05"), (20_000, "2"), (12_345, "1.2345"), (274, "0.0274"),
                                           (123_000, "12.3"), (0, "0")])
def test_ppm_reads_back_as_typed(ppm: int, text: str) -> None:
    assert ppm_to_percent(ppm) == text
    assert percent_to_ppm(text) == ppm


def _row(**terms) -> PolicyRow:  # type: ignore[no-untyped-def]
    values = dict(item_id=None, enabled=True, basis=LateFeeBasis.DAY, rate_ppm=500, grace_days=5, cap_amount=10_000,
                  rounding_unit=10, saved=True, version="v")
    values.update(terms)
    return PolicyRow(**values)  # type: ignore[arg-type]


def test_the_line_a_clerk_reads() -> None:
    assert policy_text(_row()) == "일 0.05% · 유예 5일 · 한도 10,000원 · 10원 미만 절사"
    assert policy_text(_row(basis=LateFeeBasis.MONTH, rate_ppm=20_000, grace_days=0, cap_amount=None,
                            rounding_unit=1)) == "월 2% · 유예 없음 · 한도 없음 · 원 미만 절사"
    assert policy_text(_row(rounding_unit=1000)) == "일 0.05% · 유예 5일 · 한도 10,000원 · 1,000원 미만 절사"
    assert policy_text(_row(enabled=False)) == "사용 안 함"
    assert policy_text(None) == "사용 안 함"


def test_a_form_is_checked_whole_naming_every_bad_field() -> None:
    form = LateFeeForm(enabled=True, basis="DAY", rate="0", grace_days="400", cap="0", rounding_unit="5")
    with pytest.raises(ValidationError) as refused:
        validate_policy(form)
    assert refused.value.lines() == ("연체요율: 연체료를 쓰려면 0보다 큰 요율을 입력하세요.\n"
                                     "유예일수: 0~365 사이로 입력하세요.\n"
                                     "한도: 한도가 없으면 비워 두세요 (0원이면 연체료가 붙지 않습니다).\n"
                                     "절사 단위: 1원, 10원, 100원, 1,000원 가운데서 고르세요.")


def test_a_form_as_typed_becomes_terms() -> None:
    terms = validate_policy(LateFeeForm(enabled=True, basis="MONTH", rate="1.5%", grace_days="5일",
                                        cap="10,000원", rounding_unit="100"))
    assert (terms.basis, terms.rate_ppm, terms.grace_days, terms.cap_amount, terms.rounding_unit) == (
        LateFeeBasis.MONTH, 15_000, 5, 10_000, 100)
    off = validate_policy(LateFeeForm(enabled=False, rate="", grace_days="", cap=""))
    assert (off.enabled, off.rate_ppm, off.grace_days, off.cap_amount, off.rounding_unit) == (False, 0, 0, None, 1)


def test_default_stages_and_their_placeholders() -> None:
    assert [(s.seq, s.name, s.days_after, s.id) for s in DEFAULT_STAGES] == [
        (1, "1차 안내", 3, None), (2, "2차 독촉", 15, None), (3, "최고", 30, None)]
    assert all(not unknown_placeholders(s.wording) for s in DEFAULT_STAGES)
    assert "법적 절차" in DEFAULT_STAGES[2].wording and "관리규약" in DEFAULT_STAGES[2].wording
    assert unknown_placeholders("{고객명} {주소} {금액} {주소}") == ["{주소}", "{금액}"]
