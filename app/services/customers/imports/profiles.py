"""Payer lists from elsewhere: the Excel exports of other CMS services, recognised by their header.

An office moving to this desk has its payers in the export of the service it leaves. Each profile
here says which columns that export has (its header → field of `rows.COLUMNS`, or IGNORE), how it is
recognised (its own header words: the profile whose words the header row holds most wins, given at
least `min_score` of them; a tie chooses none, and the clerk connects the columns as for any list),
and its value habits:

* a status column whose 해지/중지/… rows are skipped with a note (a card payer has no bank account to
  register and is skipped the same way);
* account numbers exported masked (``451*****720``): a row error saying the full number is needed
  (for every list, not only a profile's, because a masked number can never be registered);
* a masked resident number (``800102-1******``) is read as the birth date it begins with;
* the payer's number kept as 고객번호 (zero-padded where the service pads it), 납부자명 kept apart
  from 예금주, "미지정" and "-" read as empty, an end date 9999-12-31 read as "계속".

What the profile is based on — said here so the lead can say so — per profile:

* **효성 CMS+ (효성에프엠에스)**: the 22 columns of the 회원/계약정보 export, as a public parser of real
  exports lists them (github.com/endyd116-dot/TBFA-SIREN-CMS, lib/hyosung-parser.ts: "NO., 회원번호,
  회원명, 납부자 휴대전화, 회원상태, 계약상태, 약정일, 결제방식, 결제수단, 결제정보, 예금주/명의자명,
  결제등록상태, 동의여부, 전자계약, 상품목록, 상품금액합, 청구시작일, 청구종료일, 담당관리자, 회원구분,
  청구자동생성, 발송방식") with the values it documents: 결제정보 masked as ``451*****720(농협은행)``,
  회원/계약상태 사용/중지/기간만료, 결제방식 자동결제/미등록, 결제수단 CMS/카드, 청구종료일 9999-12-31.
  Confirmed column set. The export has neither the full account number nor the holder's birth date:
  both are asked per row (or added to the file as columns). 청구시작일 is the old service's start, so
  the first month is asked for the whole file instead. The 효성CMS+ manual (hyosungcmsplus.oopy.io)
  says consent evidence is attached at 회원등록, which is why it does not travel with the export.
* **NICE 더빌 (The Bill)**: built from what is public, not a confirmed export: the terms of 더빌's own FAQ
  (cmsthebill.com: 회원상태/출금설정, 약정일, 서비스개시월, 회원등록성공, 회원동의여부, 일시정지) and the
  member fields its web list and REST API use in public code (memberId, memberName, hpNo, statusNm;
  bankCd, accountNo, accountName, idNo, serviceCd BANK/CARD), named as the screens name them (회원ID,
  회원명, 휴대폰번호, 회원상태, 결제구분, 은행명, 계좌번호, 예금주명, 생년월일(사업자번호), 약정일, 약정금액).
* **도너스 (Donus)**: built from what is public, not a confirmed export: the Donus Knowledge Base's terms
  (knowledge.donus.org: 구성원, 약정, 약정코드 — the name its CMS 증빙자료 일괄등록 gives each file —,
  납입방법 CMS/NICE, 납입주기 정기/일시, 납입시작월, 정기납입일, 결제수단 해지신청) as column names.
* **학원관리 프로그램 (맥가이 회원명단)**: the 회원명단 export of the academy program 맥가이 as a public
  academy tool reads it (a Streamlit 학생관리 app of 플래닛학원: 학생번호 kept at 5 digits, 학생명, 학교,
  학년, 학생연락처, 학부모연락처, 학급, 상태 재원/신입/휴원/퇴원). Confirmed for those columns; the export
  carries no bank data, so the office adds 은행·계좌번호·예금주·예금주생년월일·원비 columns (read by their
  usual names) or fills them per row. Without a 학부모명 column the student's name is the payer's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.services.common.errors import ServiceError
from app.services.customers.imports.rows import IGNORE, normalise_header
from app.services.exchange.cms.banks import find_bank

__all__ = [
    "PROFILES",
    "Prepared",
    "Profile",
    "Recognised",
    "RowHabits",
    "StatusRule",
    "by_key",
    "field_of_header",
    "header_words",
    "recognise",
]

MASKED_ACCOUNT = (
    "가려진 계좌번호입니다(*표시). 은행에 출금이체를 다시 신청하려면 전체 계좌번호가 필요합니다: 출금동의서나 "
    "통장에서 확인해 미리보기의 '{column}' 칸에 입력하거나, 파일에 전체 번호를 적어 다시 선택하세요."
)
# Masking marks: * (also full-width \uFF0A), ● and •, or a run of x. Full-width brackets are \uFF08/\uFF09.
_MASK_MARKS = re.compile("[*\uFF0A\u25CF\u2022]|[xX]{2,}")
_BANK_SUFFIX = re.compile("^(?P<number>[^()]*?)\\s*[(\uFF08](?P<bank>[^()\uFF08\uFF09]{1,20})[)\uFF09]\\s*$")
_MASKED_RESIDENT = re.compile(
    "(?P<birth>[0-9]{6})\\s*-?\\s*(?:[1-8][*\uFF0A\u25CF\u2022xX]{6}|[*\uFF0A\u25CF\u2022xX]{7})")
_FULL_DATE = re.compile(r"(?P<year>[0-9]{4})\s*[-./]\s*(?P<month>[0-9]{1,2})\s*[-./]\s*[0-9]{1,2}\.?")


def _key(text: Any) -> str:
    """A header as profiles compare them: the normalised header, upper case ('회원Id' is '회원ID')."""
    return normalise_header(text).upper()


def _value(text: Any) -> str:
    """A status cell as the rules compare it: no spaces, upper case ('CMS', '해지 완료' is '해지완료')."""
    return re.sub(r"\s+", "", str(text or "")).upper()


@dataclass(frozen=True)
class StatusRule:
    """A column whose values decide a row: `values` maps a (normalised) value to the note said for
    the row; `skip` rows are not imported (해지, 카드), the others are imported with the note."""

    header: str
    values: Mapping[str, str]
    skip: bool = True


@dataclass(frozen=True)
class Profile:
    """One service's payer-list export: its columns, how it is recognised, and its value habits."""

    key: str
    name: str  # '효성 CMS+ 납부자 목록': what the notice says the file was read as
    service: str  # '효성 CMS+': the service the payers leave (the re-registration notice names it)
    short: str  # what the 열 연결 step's 근거 column says of a column the profile reads ('효성 CMS+')
    columns: Mapping[str, str]  # header → field key or IGNORE
    markers: frozenset[str]  # the header words that identify the export (normalised, upper case)
    min_score: int
    statuses: tuple[StatusRule, ...] = ()
    fallbacks: Mapping[str, str] = field(default_factory=dict)  # header → field it gives when none other does
    number_width: int = 0  # the service pads 고객번호 with zeros to this width (a number cell lost them)
    bank_in_account: bool = False  # the account cell ends with the bank's name: '451*****720(농협은행)'
    blank_words: frozenset[str] = frozenset({"-", "미지정", "없음"})
    end_forever: str = "9999"  # an end date in this year means "no end" (계속)
    lacks: str = ""  # what the export does not carry, said in the preview
    evidence_hint: str = ""  # how the service names its consent files, when that differs from 고객번호
    basis: str = ""  # what the column set is based on (confirmed export / public terms)

    def score(self, header: Sequence[Any]) -> int:
        """How many of the profile's own header words the header row holds."""
        return len(self.markers & {_key(h) for h in header if h is not None})

    def mapping_for(self, header: Sequence[Any]) -> dict[str, str]:
        """The profile's field for each column of this header (header text → key or IGNORE).

        A fallback applies when no other column of the file gives its field: 학생명 is the student's
        name, or the payer's when the export has no 학부모명."""
        by_key = {_key(k): v for k, v in self.columns.items()}
        found: dict[str, str] = {}
        for cell in header:
            if cell is None or not str(cell).strip():
                continue
            wanted = by_key.get(_key(cell))
            if wanted is not None:
                found[str(cell).strip()] = wanted
        given = {v for v in found.values() if v}
        for header_word, wanted in self.fallbacks.items():
            if wanted in given:
                continue
            for cell in found:
                if _key(cell) == _key(header_word):
                    found[cell] = wanted
                    given.add(wanted)
        return found

    def words(self) -> frozenset[str]:
        """Every header word of the export (the reader looks for the header row with them)."""
        return frozenset(normalise_header(k) for k in self.columns)


_HYOSUNG_STOP = "효성 CMS+에서 {what} 회원이라 건너뜁니다. 다시 받으려면 신규등록으로 추가하세요."
HYOSUNG = Profile(
    key="hyosung",
    name="효성 CMS+ 납부자 목록",
    service="효성 CMS+",
    short="효성 CMS+",
    columns={
        "NO.": IGNORE, "회원번호": "customer_no", "회원명": "name", "납부자 휴대전화": "mobile",
        "회원상태": IGNORE, "계약상태": IGNORE, "약정일": "debit_day", "결제방식": IGNORE, "결제수단": IGNORE,
        "결제정보": "account_no", "예금주/명의자명": "holder_name", "결제등록상태": IGNORE, "동의여부": IGNORE,
        "전자계약": IGNORE, "상품목록": IGNORE, "상품금액합": "monthly_amount", "청구시작일": IGNORE,
        "청구종료일": "last_month", "담당관리자": "manager_name", "회원구분": "grade", "청구자동생성": IGNORE,
        "발송방식": IGNORE,
    },
    markers=frozenset(_key(w) for w in (
        "납부자 휴대전화", "회원상태", "계약상태", "약정일", "결제방식", "결제수단", "결제정보", "예금주/명의자명",
        "결제등록상태", "동의여부", "전자계약", "상품목록", "상품금액합", "청구시작일", "청구종료일", "담당관리자",
        "회원구분", "청구자동생성", "발송방식")),
    min_score=6,
    statuses=(
        StatusRule("회원상태", {_value(v): _HYOSUNG_STOP.format(what=f"{v}된") for v in ("중지", "탈퇴", "삭제", "해지")}),
        StatusRule("계약상태", {**{_value(v): _HYOSUNG_STOP.format(what=f"계약이 {v}된") for v in ("중지", "해지")},
                            _value("기간만료"): _HYOSUNG_STOP.format(what="계약 기간이 끝난")}),
        StatusRule("결제방식", {_value("미등록"): "효성 CMS+에 결제수단이 등록되지 않은 회원이라 건너뜁니다. 계좌와 출금동의를 "
                                                  "받으면 신규등록으로 추가하세요."}),
        StatusRule("결제수단", {_value(v): f"{v} 결제 회원이라 건너뜁니다 (계좌 자동이체만 옮겨 옵니다)."
                            for v in ("카드", "신용카드", "휴대폰", "가상계좌")}),
    ),
    bank_in_account=True,
    lacks=("효성 CMS+의 계약정보 엑셀에는 전체 계좌번호(결제정보는 가려져 있음)와 예금주 생년월일이 없습니다. 출금동의서에서 "
           "확인해 미리보기의 '결제정보'·'예금주생년월일' 칸에 행마다 입력하거나, 파일의 결제정보를 전체 "
           "계좌번호로 고치고 '예금주생년월일' 열을 추가해 다시 선택하세요. 이체은행은 결제정보의 괄호 안 은행 이름으로 "
           "읽습니다. 청구시작일은 효성 CMS+의 것이라 읽지 않으니 최초이체년월을 파일 전체 값으로 정하세요."),
    basis="효성 CMS+ 계약정보 엑셀(22열)",
)

_THEBILL_STOP = "더빌에서 {what} 회원이라 건너뜁니다. 다시 받으려면 신규등록으로 추가하세요."
THEBILL = Profile(
    key="thebill",
    name="NICE 더빌 회원 목록",
    service="NICE 더빌",
    short="더빌",
    columns={
        "회원ID": "customer_no", "회원아이디": "customer_no", "회원명": "name", "회원상태": IGNORE,
        "휴대폰번호": "mobile", "이메일": "email", "결제구분": IGNORE, "은행명": "bank_code", "계좌번호": "account_no",
        "예금주명": "holder_name", "생년월일(사업자번호)": "holder_id", "약정일": "debit_day", "약정금액": "monthly_amount",
        "서비스개시월": IGNORE, "회원동의여부": IGNORE, "등록일": "joined_on",
    },
    markers=frozenset(_key(w) for w in (
        "회원ID", "회원아이디", "회원상태", "결제구분", "약정일", "약정금액", "서비스개시월", "회원동의여부",
        "생년월일(사업자번호)")),
    min_score=4,
    statuses=(
        StatusRule("회원상태", {**{_value(v): _THEBILL_STOP.format(what=f"{v}된") for v in ("해지", "삭제")},
                            _value("해지완료"): _THEBILL_STOP.format(what="해지된"),
                            _value("일시정지"): _THEBILL_STOP.format(what="출금을 일시정지한"),
                            _value("출금정지"): _THEBILL_STOP.format(what="출금을 정지한")}),
        StatusRule("회원상태", {_value(v): "더빌에서 회원등록(계좌 등록)이 실패했던 납부자입니다. 계좌번호·예금주·생년월일이 "
                                           "맞는지 출금동의서와 확인하세요." for v in ("회원등록실패", "등록실패")},
                   skip=False),
        StatusRule("결제구분", {_value(v): "카드 결제 회원이라 건너뜁니다 (계좌 자동이체만 옮겨 옵니다)."
                            for v in ("카드", "CARD", "신용카드")}),
    ),
    lacks="더빌의 서비스개시월은 더빌에서 출금을 시작한 달이라 읽지 않습니다. 최초이체년월을 파일 전체 값으로 정하세요.",
    basis="더빌 FAQ와 공개 API의 회원 항목 (내보내기 양식 미확인)",
)

_DONUS_STOP = "도너스에서 {what} 약정이라 건너뜁니다."
DONUS = Profile(
    key="donus",
    name="도너스 후원자(약정) 목록",
    service="도너스",
    short="도너스",
    columns={
        "구성원번호": "customer_no", "구성원명": "name", "후원자명": "name", "약정코드": "memo", "약정상태": IGNORE,
        "납입방법": IGNORE, "납입주기": IGNORE, "약정금액": "monthly_amount", "납입시작월": IGNORE,
        "정기납입일": "debit_day", "은행": "bank_code", "계좌번호": "account_no", "예금주": "holder_name",
        "예금주생년월일": "holder_id", "휴대전화": "mobile", "이메일": "email", "주소": "address",
    },
    markers=frozenset(_key(w) for w in (
        "구성원번호", "구성원명", "후원자명", "약정코드", "약정상태", "납입방법", "납입주기", "약정금액", "납입시작월",
        "정기납입일")),
    min_score=4,
    statuses=(
        StatusRule("약정상태", {_value(v): _DONUS_STOP.format(what=f"{v}된") for v in ("종료", "해지", "중지", "일시중지")}),
        StatusRule("납입방법", {_value(v): f"{v} 약정이라 건너뜁니다 (계좌 자동이체(CMS)만 옮겨 옵니다)."
                            for v in ("신용카드", "카드", "NICE", "휴대폰", "가상계좌", "지로", "무통장", "계좌이체")}),
        StatusRule("납입주기", {_value("일시"): "일시후원 약정이라 건너뜁니다 (매달 자동이체하는 정기 약정만 옮겨 옵니다)."}),
    ),
    lacks="도너스의 납입시작월은 도너스에서 납입을 시작한 달이라 읽지 않습니다. 최초이체년월을 파일 전체 값으로 정하세요.",
    evidence_hint=("도너스의 출금동의 증빙 파일은 약정코드로 이름이 붙어 있습니다. 이 프로그램은 고객번호(구성원번호)로 "
                   "찾으니, 파일 이름을 구성원번호로 바꾼 뒤 첨부하세요."),
    basis="도너스 도움말의 용어 (내보내기 양식 미확인)",
)

ACADEMY = Profile(
    key="academy",
    name="학원관리 프로그램(맥가이) 회원명단",
    service="학원관리 프로그램",
    short="학원 프로그램",
    columns={
        "학생번호": "customer_no", "학생명": "student_name", "학부모명": "name", "보호자명": "name", "학교": IGNORE,
        "학년": "grade", "학생연락처": IGNORE, "학부모연락처": "mobile", "학급": "memo", "상태": IGNORE,
    },
    markers=frozenset(_key(w) for w in ("학생번호", "학생명", "학교", "학년", "학생연락처", "학부모연락처", "학급", "상태")),
    min_score=5,
    statuses=(
        StatusRule("상태", {_value("퇴원"): "퇴원한 원생이라 건너뜁니다.",
                          _value("휴원"): "휴원 중인 원생이라 건너뜁니다. 복귀하면 신규등록으로 추가하세요."}),
    ),
    fallbacks={"학생명": "name"},
    number_width=5,
    lacks=("학원관리 프로그램의 회원명단에는 은행·계좌번호·예금주·예금주생년월일·원비가 없습니다. 출금동의서의 값을 파일에 열로 "
           "추가하거나(은행, 계좌번호, 예금주, 예금주생년월일, 원비) 미리보기의 칸에 행마다 입력하세요."),
    basis="맥가이 회원명단 (학생 열만 확인, 계좌 열은 학원이 추가)",
)

PROFILES: tuple[Profile, ...] = (HYOSUNG, THEBILL, DONUS, ACADEMY)


def by_key(key: str) -> Profile:
    for profile in PROFILES:
        if profile.key == key:
            return profile
    names = ", ".join(f"{p.key}({p.service})" for p in PROFILES)
    raise ServiceError(f"알 수 없는 서비스 양식입니다: {key}. 쓸 수 있는 양식: {names}")


@dataclass(frozen=True)
class Recognised:
    profile: Profile
    score: int


def recognise(header: Sequence[Any]) -> Recognised | None:
    """The profile whose own header words the header row holds most (at least its `min_score`);
    None when none qualifies or two qualify equally (the clerk then connects the columns)."""
    scored = sorted(((p.score(header), p) for p in PROFILES), key=lambda pair: pair[0], reverse=True)
    qualified = [(score, p) for score, p in scored if score >= p.min_score]
    if not qualified or (len(qualified) > 1 and qualified[0][0] == qualified[1][0]):
        return None
    return Recognised(qualified[0][1], qualified[0][0])


def field_of_header(text: str) -> str | None:
    """The field an export's own column name stands for ('결제정보' → account_no), when every profile
    that knows the name reads it as the same field; None otherwise."""
    found = {v for p in PROFILES for k, v in p.columns.items() if _key(k) == _key(text) and v}
    return found.pop() if len(found) == 1 else None


def header_words() -> frozenset[str]:
    """Every profile's header words: the header row of an export is found by them."""
    words: set[str] = set()
    for profile in PROFILES:
        words |= profile.words()
    return frozenset(words)


# --- the value habits of one row ------------------------------------------------------------------


@dataclass
class Prepared:
    """A row after the habits: its cells, why it is skipped (None: it is checked), notes for the
    clerk, and the problems of cells that were emptied (position → reason)."""

    cells: list[Any]
    skip: str | None = None
    notes: list[str] = field(default_factory=list)
    problems: dict[int, str] = field(default_factory=dict)


class RowHabits:
    """Applies a profile's value habits (and the masked-number checks every list gets) to each row.

    Built once per file: `positions` are the columns the fields are read from (virtual columns of
    values asked for the whole file included), `headers` the file's header cells."""

    def __init__(self, profile: Profile | None, positions: Mapping[str, int], headers: Mapping[str, str],
                 header: Sequence[Any]) -> None:
        self.profile = profile
        self.positions = dict(positions)
        self.headers = dict(headers)
        self.statuses: list[tuple[int, StatusRule]] = []
        if profile is not None:
            where = {_key(h): i for i, h in enumerate(header) if h is not None and str(h).strip()}
            self.statuses = [(where[_key(rule.header)], rule) for rule in profile.statuses if _key(rule.header) in where]
        self._profile_keys = set(positions) if profile is not None else set()

    def prepare(self, cells: Sequence[Any], original: Sequence[Any] | None = None) -> Prepared:
        """The row's cells after the habits; `original` is the row as the file has it, before the
        clerk's own values replaced cells (the bank named beside a masked account still counts)."""
        row = Prepared(list(cells))
        profile = self.profile
        if profile is not None:
            self._number(row, profile)  # first: a skipped row shows its number as the service wrote it
        for position, rule in self.statuses:
            value = _value(row.cells[position]) if position < len(row.cells) else ""
            note = rule.values.get(value) if value else None
            if note is None:
                continue
            if rule.skip:
                row.skip = note
                return row
            row.notes.append(note)
        if profile is not None:
            self._blanks(row, profile)
            self._months(row, profile)
            if profile.bank_in_account:
                self._bank_in_account(row, original)
        self._masked_resident(row, "holder_id")
        self._masked_resident(row, "id_no")
        self._masked_account(row)
        return row

    def _cell(self, row: Prepared, key: str) -> tuple[int, Any] | None:
        position = self.positions.get(key)
        if position is None or position >= len(row.cells):
            return None
        return position, row.cells[position]

    def _blanks(self, row: Prepared, profile: Profile) -> None:
        for key in self._profile_keys:
            found = self._cell(row, key)
            if found and isinstance(found[1], str) and found[1].strip() in profile.blank_words:
                row.cells[found[0]] = ""

    def _number(self, row: Prepared, profile: Profile) -> None:
        """The service pads its payer numbers ('00123'): a number cell lost the zeros, put them back."""
        found = self._cell(row, "customer_no") if profile.number_width else None
        if not found:
            return
        position, value = found
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            value = str(value)
        if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < profile.number_width:
            row.cells[position] = value.strip().zfill(profile.number_width)

    def _months(self, row: Prepared, profile: Profile) -> None:
        """A month column holding a whole date ('2027-02-28' → 2027-02); the service's 'no end' date
        (9999-12-31) in the last month is 계속 (empty)."""
        for key in ("first_month", "last_month"):
            found = self._cell(row, key)
            if not found or not isinstance(found[1], str):
                continue
            dated = _FULL_DATE.fullmatch(found[1].strip())
            if dated is None:
                continue
            year, month = dated.group("year"), int(dated.group("month"))
            forever = key == "last_month" and year == profile.end_forever
            row.cells[found[0]] = "" if forever else f"{year}-{month:02d}"

    def _bank_in_account(self, row: Prepared, original: Sequence[Any] | None) -> None:
        """'451*****720(농협은행)': the bank named after the number fills an empty bank column, also
        when the clerk typed the full number over the masked one."""
        found = self._cell(row, "account_no")
        if not found:
            return
        position, value = found
        source = original[position] if original is not None and position < len(original) else value
        parts = _BANK_SUFFIX.fullmatch(source.strip()) if isinstance(source, str) else None
        if parts is None:
            return
        if value == source:
            row.cells[position] = parts.group("number").strip()
        bank = self._cell(row, "bank_code")
        if bank is not None and (bank[1] is None or str(bank[1]).strip() == "") and find_bank(parts.group("bank")).code:
            row.cells[bank[0]] = parts.group("bank").strip()

    def _masked_resident(self, row: Prepared, key: str) -> None:
        """'800102-1******': a masked resident number still begins with the birth date, which is all
        the bank files carry (and all the import keeps of a holder)."""
        found = self._cell(row, key)
        if not found or not isinstance(found[1], str):
            return
        masked = _MASKED_RESIDENT.fullmatch(found[1].strip())
        if masked is not None:
            row.cells[found[0]] = masked.group("birth")
            row.notes.append(f"[{self.headers.get(key, key)}] 가려진 주민등록번호에서 앞 6자리(생년월일)만 읽었습니다.")

    def _masked_account(self, row: Prepared) -> None:
        found = self._cell(row, "account_no")
        if found and isinstance(found[1], str) and _MASK_MARKS.search(found[1]):
            row.cells[found[0]] = ""
            row.problems[found[0]] = MASKED_ACCOUNT.format(column=self.headers.get("account_no", "계좌번호"))
