"""Depositor names against payer names: who a bank statement's '김민준모' is.

A parent paying by transfer types whatever the banking app lets them, and the bank prints it cut to
7–10 characters. What offices see, and what this module reads:

* the payer as registered, give or take spaces and punctuation ('김 민준', '김민준.');
* the student's name with the parent's mark: '김민준모', '김민준母', '김민준엄마', '민준엄마', '김민준학부모';
* a class or month note: '김민준(3반)', '김민준3반', '김민준12월', '3반김민준';
* a company with or without its mark: '(주)해오름', '㈜해오름', '해오름 주식회사';
* the name cut by the bank: '해오름수학학' for 해오름수학학원.

The depositor may name the customer, the student (an academy's `Customer.student_name`), the
보호자 (`Customer.representative`) or the account holder (`DebitAgreement.holder_name`); each counts.

Names are compared after `clean`: NFKC (a macOS file's decomposed Hangul, full-width letters and ㈜
become plain), company marks out, bracketed notes out, then everything but letters and digits out.
A match is EXACT (the cleaned names are equal), HABIT (equal once the marks above are peeled off) or
PARTIAL (one is cut from the other, or contains it); `NameHit.reason` says which in the clerk's words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

COMPANY_MARKS = ("주식회사", "유한회사", "합자회사", "합명회사", "사단법인", "재단법인", "(주)", "(유)", "(합)", "(사)", "(재)")
"""Written before or after a company's name, or left out; never part of the name compared."""
CUT_COMPANY_TAILS = ("주식회", "주식", "유한회", "(주", "(유")
"""What is left of a company mark the bank cut off at the end of the name."""
PARENT_WORDS = ("학부모님", "학부모", "부모님", "어머님", "아버님", "어머니", "아버지", "보호자", "엄마", "아빠", "부모", "학모",
                "맘", "모", "부", "母", "父")
"""How a parent marks a payment for their child ('김민준모' is 김민준's mother), longest first."""
PAYMENT_WORDS = ("학원비", "수강료", "교재비", "차량비", "교육비", "관리비", "원비", "회비", "납부", "입금")
"""What the payment is for, typed after the name ('김민준수강료')."""
TWO_SYLLABLE_SURNAMES = ("남궁", "황보", "제갈", "선우", "독고", "사공", "서문", "동방")
MIN_CUT = 5
"""A depositor shorter than this is never taken for a longer name cut by the bank (banks cut at 7–10)."""

_BRACKETS = re.compile(r"[(\[{<]([^)\]}>]*)[)\]}>]")  # after NFKC: full-width brackets are plain ones
_CLASS_TAIL = re.compile(r"(?:초|중|고)?\d{1,2}(?:반|학년|월분|월)?$")
_CLASS_HEAD = re.compile(r"^(?:초|중|고)?\d{1,2}(?:반|학년|월분|월)")
_HANGUL = re.compile(r"^[가-힣]+$")


class NameMatch(Enum):
    """How a depositor names a payer; the value is the word the clerk reads."""

    EXACT = "일치"
    HABIT = "표기 습관"
    PARTIAL = "일부 일치"

    @property
    def rank(self) -> int:
        """3 for exact, 2 for a habit, 1 for part of a name: the more, the surer."""
        return {NameMatch.EXACT: 3, NameMatch.HABIT: 2, NameMatch.PARTIAL: 1}[self]


class Whom(Enum):
    """Which of the payer's names the depositor wrote; the value is how a reason names it."""

    CUSTOMER = "고객명"
    STUDENT = "학생"
    GUARDIAN = "보호자"
    HOLDER = "예금주"


@dataclass(frozen=True)
class NameHit:
    """A depositor matched to one of a payer's names, and how."""

    kind: NameMatch
    whom: Whom
    name: str  # the payer's name as registered
    depositor: str  # as printed on the statement
    marks: tuple[str, ...] = ()  # what was peeled off the depositor ('모', '3반') for a habit
    given_only: bool = False  # the depositor used the given name only ('민준엄마')
    cut: bool = False  # the depositor is the start of the name: the bank cut it

    @property
    def reason(self) -> str:
        """'입금자명 김민준 = 고객명', '입금자명 김민준모 = 학생 김민준 + 모', …"""
        who = normalized(self.depositor).strip()
        if self.kind is NameMatch.EXACT:
            if who.replace(" ", "") == normalized(self.name).replace(" ", ""):
                return f"입금자명 {who} = {self.whom.value}"
            return f"입금자명 {who} = {self.whom.value} {self.name}"
        if self.kind is NameMatch.HABIT:
            if self.given_only:
                return f"입금자명 {who} = {self.whom.value} {self.name}의 이름 + {'·'.join(self.marks)}"
            return f"입금자명 {who} = {self.whom.value} {self.name} + {'·'.join(self.marks)}"
        if self.cut:
            return f"입금자명 {who} = {self.whom.value} {self.name}의 앞부분 (은행이 자른 이름)"
        if self.given_only:
            return f"입금자명 {who} = {self.whom.value} {self.name}의 이름만"
        return f"입금자명 {who}에 {self.whom.value} {self.name} 포함"


@dataclass(frozen=True)
class PayerNames:
    """The names one payer may be known by on a statement."""

    customer: str
    student: str | None = None
    guardian: str | None = None  # 보호자 (Customer.representative)
    holders: tuple[str, ...] = ()  # 예금주 of the payer's agreements

    def named(self) -> list[tuple[Whom, str]]:
        out = [(Whom.CUSTOMER, self.customer)]
        if self.student:
            out.append((Whom.STUDENT, self.student))
        if self.guardian:
            out.append((Whom.GUARDIAN, self.guardian))
        out.extend((Whom.HOLDER, h) for h in self.holders if h)
        return out


def _strip_marks(text: str) -> str:
    for mark in COMPANY_MARKS:
        text = text.replace(mark, " ")
    for tail in CUT_COMPANY_TAILS:
        if text.rstrip().endswith(tail) and len(text.rstrip()) > len(tail) + 1:
            text = text.rstrip()[: -len(tail)]
    return text


def _letters(text: str) -> str:
    """Letters and digits only (Hangul, Hanja, Latin upper-cased)."""
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN").upper()


def normalized(text: str) -> str:
    """NFKC: composed Hangul, ㈜ as (주), full-width letters and digits as plain ones."""
    return unicodedata.normalize("NFKC", text or "")


def clean(text: str) -> str:
    """The name as compared: marks and bracketed notes out, letters and digits only."""
    return _letters(_BRACKETS.sub(" ", _strip_marks(normalized(text))))


def _bracket_notes(text: str) -> tuple[str, ...]:
    """The notes in brackets, as written ('(3반)')."""
    return tuple(f"({m.strip()})" for m in _BRACKETS.findall(_strip_marks(normalized(text))) if m.strip())


def peel(depositor: str) -> tuple[str, tuple[str, ...]]:
    """The depositor's name with a parent's, class, month or payment mark taken off, and those marks.

    '김민준모' → ('김민준', ('모',)); '3반김민준(엄마)' → ('김민준', ('3반', '엄마')); '김민준' → ('김민준', ())."""
    marks = list(_bracket_notes(depositor))
    core = clean(depositor)
    head = _CLASS_HEAD.match(core)
    if head and len(core) - head.end() >= 2:
        marks.append(head.group(0))
        core = core[head.end():]
    changed = True
    while changed and len(core) > 2:
        changed = False
        tail = _CLASS_TAIL.search(core)
        if tail and tail.start() >= 2:
            marks.append(tail.group(0))
            core = core[: tail.start()]
            changed = True
            continue
        for word in (*PARENT_WORDS, *PAYMENT_WORDS):
            if core.endswith(word) and len(core) - len(word) >= 2:
                marks.append(word)
                core = core[: -len(word)]
                changed = True
                break
    return core, tuple(marks)


def given_name(name: str) -> str | None:
    """The given name of a Korean person's name ('김민준' → '민준', '남궁민수' → '민수'); None when not one."""
    core = clean(name)
    if not _HANGUL.match(core) or not 3 <= len(core) <= 5:
        return None
    surname = 2 if core[:2] in TWO_SYLLABLE_SURNAMES and len(core) >= 4 else 1
    given = core[surname:]
    return given if len(given) >= 2 else None


@dataclass
class NameIndex:
    """Payers by their cleaned names, so 300 depositors are matched against thousands of payers quickly."""

    exact: dict[str, list[tuple[int, Whom, str]]] = field(default_factory=dict)
    given: dict[str, list[tuple[int, Whom, str]]] = field(default_factory=dict)
    everyone: list[tuple[int, Whom, str, str]] = field(default_factory=list)  # (key, whom, name, cleaned)

    @classmethod
    def of(cls, payers: Iterable[tuple[int, PayerNames]]) -> NameIndex:
        index = cls()
        for key, names in payers:
            index.add(key, names)
        return index

    def add(self, key: int, names: PayerNames) -> None:
        for whom, name in names.named():
            cleaned = clean(name)
            if not cleaned:
                continue
            self.exact.setdefault(cleaned, []).append((key, whom, name))
            self.everyone.append((key, whom, name, cleaned))
            given = given_name(name)
            if given:
                self.given.setdefault(given, []).append((key, whom, name))

    def match(self, depositor: str, *, partial: bool = True) -> dict[int, NameHit]:
        """Each payer the depositor may name, with its best hit (exact before habit before partial)."""
        found: dict[int, NameHit] = {}

        def keep(key: int, hit: NameHit) -> None:
            old = found.get(key)
            if old is None or hit.kind.rank > old.kind.rank:
                found[key] = hit

        cleaned = clean(depositor)
        if not cleaned:
            return found
        notes = _bracket_notes(depositor)
        for key, whom, name in self.exact.get(cleaned, ()):
            if notes:
                keep(key, NameHit(NameMatch.HABIT, whom, name, depositor, notes))
            else:
                keep(key, NameHit(NameMatch.EXACT, whom, name, depositor))
        core, marks = peel(depositor)
        if core != cleaned or notes:
            for key, whom, name in self.exact.get(core, ()):
                keep(key, NameHit(NameMatch.HABIT, whom, name, depositor, marks))
        if marks:
            for key, whom, name in self.given.get(core, ()):
                if any(m in PARENT_WORDS for m in marks):  # '민준엄마': a parent, by the child's given name
                    keep(key, NameHit(NameMatch.HABIT, whom, name, depositor, marks, given_only=True))
        if found or not partial:
            return found
        for key, whom, name in self.given.get(cleaned, ()):  # '민준': the given name alone
            keep(key, NameHit(NameMatch.PARTIAL, whom, name, depositor, given_only=True))
        for key, whom, name, whole in self.everyone:
            hit = _partial(depositor, cleaned, core, whom, name, whole)
            if hit is not None:
                keep(key, hit)
        return found


def _partial(depositor: str, cleaned: str, core: str, whom: Whom, name: str, whole: str) -> NameHit | None:
    """A name cut by the bank ('해오름수학학'), a name inside a longer note, or a parent's mark cut short."""
    if len(cleaned) >= MIN_CUT and len(cleaned) < len(whole) and whole.startswith(cleaned):
        return NameHit(NameMatch.PARTIAL, whom, name, depositor, cut=True)
    for word in sorted(PARENT_WORDS[:9], key=len):  # '김민준학부' is 김민준 + 학부모, cut
        joined = whole + word
        if len(cleaned) > len(whole) and len(cleaned) < len(joined) and joined.startswith(cleaned):
            return NameHit(NameMatch.HABIT, whom, name, depositor, (word,))
    if len(whole) >= 3 and whole in cleaned and len(cleaned) - len(whole) >= 2:
        return NameHit(NameMatch.PARTIAL, whom, name, depositor)
    if len(whole) >= 3 and whole in core and core != cleaned:
        return NameHit(NameMatch.PARTIAL, whom, name, depositor)
    return None


def match_name(depositor: str, names: PayerNames) -> NameHit | None:
    """The best way `depositor` names this payer, or None."""
    return NameIndex.of([(0, names)]).match(depositor).get(0)
