"""Depositor names as parents and banks write them, against the payer's names (no database)."""

from __future__ import annotations

import unicodedata

import pytest

from app.services.collection.statements.names import NameMatch, PayerNames, Whom, clean, match_name, peel

MINJUN = PayerNames("김민준", student="김민준", guardian="이수진", holders=("이수진",))


@pytest.mark.parametrize(("depositor", "kind", "reason"), [
    ("김민준", NameMatch.EXACT, "입금자명 김민준 = 고객명"),
    ("김 민 준", NameMatch.EXACT, "입금자명 김 민 준 = 고객명"),
    (unicodedata.normalize("NFD", "김민준"), NameMatch.EXACT, "입금자명 김민준 = 고객명"),  # a Mac's file
    ("이수진", NameMatch.EXACT, "입금자명 이수진 = 보호자"),
    ("김민준모", NameMatch.HABIT, "입금자명 김민준모 = 고객명 김민준 + 모"),
    ("김민준母", NameMatch.HABIT, "입금자명 김민준母 = 고객명 김민준 + 母"),
    ("민준엄마", NameMatch.HABIT, "입금자명 민준엄마 = 고객명 김민준의 이름 + 엄마"),
    ("김민준(3반)", NameMatch.HABIT, "입금자명 김민준(3반) = 고객명 김민준 + (3반)"),
    ("김민준（3반）", NameMatch.HABIT, "입금자명 김민준(3반) = 고객명 김민준 + (3반)"),  # full-width brackets
    ("김민준학부모", NameMatch.HABIT, "입금자명 김민준학부모 = 고객명 김민준 + 학부모"),
    ("김민준학부", NameMatch.HABIT, "입금자명 김민준학부 = 고객명 김민준 + 학부모"),  # the bank cut 학부모
    ("3반김민준", NameMatch.HABIT, "입금자명 3반김민준 = 고객명 김민준 + 3반"),
    ("김민준12월", NameMatch.HABIT, "입금자명 김민준12월 = 고객명 김민준 + 12월"),
    ("김민준수강료", NameMatch.HABIT, "입금자명 김민준수강료 = 고객명 김민준 + 수강료"),
    ("민준", NameMatch.PARTIAL, "입금자명 민준 = 고객명 김민준의 이름만"),
])
def test_how_parents_write_a_childs_name(depositor: str, kind: NameMatch, reason: str) -> None:
    hit = match_name(depositor, MINJUN)
    assert hit is not None and (hit.kind, hit.reason) == (kind, reason)


@pytest.mark.parametrize("depositor", ["박서준", "김민", "김민준호", "이수", "", "   ", "1234"])
def test_other_people_are_not_taken_for_the_payer(depositor: str) -> None:
    assert match_name(depositor, MINJUN) is None


COMPANY = PayerNames("(주)해오름수학학원", holders=("해오름수학학원 주식회사",))


@pytest.mark.parametrize(("depositor", "kind"), [
    ("해오름수학학원", NameMatch.EXACT),
    ("㈜해오름수학학원", NameMatch.EXACT),
    ("해오름수학학원 주식회사", NameMatch.EXACT),
    ("주식회사 해오름수학학원", NameMatch.EXACT),
    ("해오름수학학원주식", NameMatch.EXACT),  # 주식회사, cut by the bank
    ("해오름수학학", NameMatch.PARTIAL),  # the name itself, cut at seven characters
])
def test_a_company_with_or_without_its_mark_and_cut_by_the_bank(depositor: str, kind: NameMatch) -> None:
    hit = match_name(depositor, COMPANY)
    assert hit is not None and hit.kind is kind
    if kind is NameMatch.PARTIAL:
        assert hit.reason == "입금자명 해오름수학학 = 고객명 (주)해오름수학학원의 앞부분 (은행이 자른 이름)"
    assert match_name("해오름", COMPANY) is None  # too short to be taken for a cut name


def test_the_student_and_the_holder_count_and_say_which() -> None:
    family = PayerNames("이수진", student="박하늘", holders=("박정우",))
    student = match_name("박하늘모", family)
    holder = match_name("박정우", family)
    assert student is not None and (student.whom, student.reason) == (Whom.STUDENT, "입금자명 박하늘모 = 학생 박하늘 + 모")
    assert holder is not None and (holder.whom, holder.kind) == (Whom.HOLDER, NameMatch.EXACT)
    assert holder.reason == "입금자명 박정우 = 예금주"
    two_syllable = match_name("민수아빠", PayerNames("남궁민수"))
    assert two_syllable is not None and two_syllable.kind is NameMatch.HABIT


def test_cleaning_and_peeling() -> None:
    assert clean(" 김 민준. ") == "김민준" and clean("ＫＩＭ Min-jun") == "KIMMINJUN"
    assert peel("김민준모") == ("김민준", ("모",))
    assert peel("3반김민준(엄마)") == ("김민준", ("(엄마)", "3반"))
    assert peel("김모") == ("김모", ())  # a two-syllable name keeps its last syllable
