"""불능코드 (reason codes, cms-file-format.md §4) in words a clerk can act on.

Each code maps to a short Korean text, whether a 재처리의뢰 (a retry later this month) can succeed,
and a next step. Texts are our own short wording of the spec's meanings; the project's fixed words
are kept (0021 잔액부족, 0031 계좌해지, 0017 출금이체신청 없음, 0014 예금주 불일치). Store the code, not the
text: texts may be reworded, codes do not change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    text: str  # short Korean description for lists and result screens
    retryable: bool  # a retry (재처리의뢰) this month can succeed
    hint: str  # what the clerk should do next

    @property
    def label(self) -> str:
        """``'0021 잔액부족'``, for lists."""
        return f"{self.code} {self.text}"


RETRY = "재처리의뢰 가능"
RETRY_MAYBE = "재처리의뢰 가능 (같은 사유가 반복되면 중계기관에 문의하세요)"
RETRY_NEXT_DAY = "다음 영업일 이후 재처리의뢰 가능"
CHECK_ACCOUNT = "계좌 정보를 확인하여 계좌신청을 다시 하세요"
CHECK_HOLDER = "예금주 생년월일(사업자번호)을 확인하여 계좌신청을 다시 하세요"
REGISTER_AGAIN = "계좌신청(출금이체신청)을 다시 하세요"
REGISTER_FIRST = "계좌신청(출금이체신청)을 먼저 하세요"
OTHER_ACCOUNT = "납부자에게 확인하여 다른 계좌로 계좌신청을 하세요"
CHECK_AMOUNT = "이체 금액을 확인하세요"
ASK_AGENCY = "중계기관(대행사)에 문의하세요"
CHECK_CUSTOMER_NO = "고객번호(납부자번호)를 확인하세요"

_TABLE: tuple[tuple[str, str, bool, str], ...] = (
    ("0005", "계정과목 상이", False, CHECK_ACCOUNT),
    ("0011", "은행점코드 오류", False, CHECK_ACCOUNT),
    ("0012", "계좌번호 오류", False, CHECK_ACCOUNT),
    ("0014", "예금주 불일치", False, CHECK_HOLDER),
    ("0015", "자동이체 불가 계좌", False, OTHER_ACCOUNT),
    ("0017", "출금이체신청 없음", False, REGISTER_FIRST),
    ("0018", "장기 미사용으로 해지됨", False, REGISTER_AGAIN),
    ("0019", "납부자가 은행에서 해지", False, "납부자에게 확인한 뒤 계좌신청을 다시 하세요"),
    ("0020", "동의자료 없어 은행이 해지", False, "출금동의 자료를 갖추어 계좌신청을 다시 하세요"),
    ("0021", "잔액부족", True, RETRY),
    ("0022", "입금한도 초과", False, ASK_AGENCY),
    ("0024", "계좌변경으로 해지됨", False, "변경된 계좌로 계좌신청을 하세요"),
    ("0031", "계좌해지", False, OTHER_ACCOUNT),
    ("0032", "실명 미확인 계좌", False, OTHER_ACCOUNT),
    ("0033", "잡좌 (사용 불가 계좌)", False, OTHER_ACCOUNT),
    ("0034", "지급정지·사고 계좌", False, OTHER_ACCOUNT),
    ("0035", "압류·가압류 계좌", False, OTHER_ACCOUNT),
    ("0036", "잔액증명 발급 계좌", True, RETRY_NEXT_DAY),
    ("0037", "연체·거래제한 계좌", False, OTHER_ACCOUNT),
    ("0038", "휴면·거래중지 계좌", False, OTHER_ACCOUNT),
    ("0041", "은행 시스템 오류", True, RETRY),
    ("0051", "기타 오류", True, RETRY_MAYBE),
    ("0061", "이체 금액 0원", False, CHECK_AMOUNT),
    ("0062", "건당 이체한도 초과", False, "이체 금액 또는 계좌의 이체한도를 확인하세요"),
    ("0065", "법인계좌 사용 불가 (증권사)", False, OTHER_ACCOUNT),
    ("0066", "투자자예탁금 계좌 아님 (증권사)", False, OTHER_ACCOUNT),
    ("0068", "통장기재내용 오류", False, ASK_AGENCY),
    ("0075", "출금형태·최소금액 오류", False, "이체 금액이 140원 이상인지 확인하세요"),
    ("0077", "다른 은행의 계좌변경 미전송", False, REGISTER_AGAIN),
    ("0078", "동의자료 없음 (EI13 미제출)", False,
     "동의자료(EI13)를 먼저 보내야 합니다 — 이체정보에서 출금동의 증빙을 첨부한 뒤 계좌신청을 다시 하세요 "
     "(증빙이 접수되면 다음 마감에 계좌신청이 나갑니다)"),
    ("0079", "계좌변경이 해지·신규로 처리되지 않음", False, REGISTER_AGAIN),
    ("0081", "레코드 구분·일련번호 오류", False, ASK_AGENCY),
    ("0086", "통장기재내용 불일치", False, ASK_AGENCY),
    ("0087", "한글 항목 오류", False, ASK_AGENCY),
    ("0088", "영문·숫자 항목 오류", False, ASK_AGENCY),
    ("0089", "공백 항목 오류", False, ASK_AGENCY),
    ("0090", "0 항목 오류", False, ASK_AGENCY),
    ("0091", "주민등록번호 전송", False, "생년월일 6자리로 고쳐 계좌신청을 다시 하세요"),
    ("0096", "자동이체 미참가 은행", False, OTHER_ACCOUNT),
    ("0097", "농협 은행점코드 오류", False, "농협은행(011)과 지역 농·축협(012)을 확인하여 계좌신청을 다시 하세요"),
    ("0098", "계좌번호 형식 오류", False, CHECK_ACCOUNT),
    ("0101", "동의자료 구분 오류", False,
     "증빙의 종류(서면·전자서명·녹취·ARS)가 파일과 맞지 않습니다 — 이체정보에서 종류를 바로잡아 증빙을 다시 첨부하세요"),
    ("0102", "동의자료 파일형식 오류", False,
     "받지 않는 파일 형식입니다 — 이체정보에서 서면은 JPG·PDF, 녹취는 MP3, 전자서명은 DER 파일로 다시 첨부하세요"),
    ("0103", "동의자료 크기 초과", False,
     "파일이 허용 크기(보통 300KB)를 넘습니다 — 해상도나 쪽수를 줄여 이체정보에서 증빙을 다시 첨부하세요"),
    ("0105", "동의자료 기타 오류", False,
     "증빙 파일이 비었거나 손상되었습니다 — 원본을 다시 스캔(녹음)하여 이체정보에서 첨부하세요"),
    ("9998", "기타 오류 (은행)", False, ASK_AGENCY),
    ("9999", "은행 시스템 장애", True, RETRY),
    ("A011", "신청일자 오류", False, "신청일자를 확인하여 계좌신청을 다시 하세요"),
    ("A012", "신청구분 오류", False, ASK_AGENCY),
    ("A013", "등록되지 않은 고객번호", False, CHECK_CUSTOMER_NO),
    ("A015", "이미 등록된 고객번호", False, CHECK_CUSTOMER_NO),
    ("A016", "중복 신청", False, "이미 신청(또는 해지)된 계좌입니다. 계좌신청 내역을 확인하세요"),
    ("A017", "기타 오류 (이용기관)", False, ASK_AGENCY),
    ("A018", "고객번호 체계 오류", False, CHECK_CUSTOMER_NO),
    ("A019", "출금 예정으로 변경 불가", False, "예정된 출금이 끝난 뒤 다시 신청하세요"),
)

REASONS: Mapping[str, Reason] = MappingProxyType({c: Reason(c, t, r, h) for c, t, r, h in _TABLE})
"""Every code of §4 (plus the legacy 0005), by code."""

RETRYABLE_CODES: frozenset[str] = frozenset(c for c, reason in REASONS.items() if reason.retryable)


def reason(code: str) -> Reason:
    """The reason for ``code``; an unknown code is described as such and is not retryable."""
    found = REASONS.get(code)
    if found is not None:
        return found
    return Reason(code, f"알 수 없는 사유(코드 {code})", False, ASK_AGENCY)


def reason_text(code: str | None) -> str:
    """Short Korean text for a code ('' for no code)."""
    return "" if code is None else reason(code).text


def is_retryable(code: str | None) -> bool:
    """Whether a 재처리의뢰 this month can succeed after a failure with ``code``."""
    return code is not None and reason(code).retryable
