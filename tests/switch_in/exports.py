"""Hand-made payer-list exports in each profile's column set (imports.profiles), written with openpyxl.

Values follow what the services show: 효성 CMS+'s 결제정보 masked with the bank in brackets and an
end date 9999-12-31, 더빌's 회원상태 words, 도너스's 납입방법/납입주기, the academy program's 5-digit
학생번호 stored as a number. Account numbers and birth dates are made up but pass the rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from app.services.common.calendar import SEOUL

TODAY = date(2026, 12, 7)  # a Monday
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=SEOUL)  # before the 14:00 cut-off: registrations go today

HYOSUNG_HEADER = ["NO.", "회원번호", "회원명", "납부자 휴대전화", "회원상태", "계약상태", "약정일", "결제방식", "결제수단",
                  "결제정보", "예금주/명의자명", "결제등록상태", "동의여부", "전자계약", "상품목록", "상품금액합", "청구시작일",
                  "청구종료일", "담당관리자", "회원구분", "청구자동생성", "발송방식"]
THEBILL_HEADER = ["회원ID", "회원명", "회원상태", "휴대폰번호", "이메일", "결제구분", "은행명", "계좌번호", "예금주명",
                  "생년월일(사업자번호)", "약정일", "약정금액", "서비스개시월", "회원동의여부", "등록일"]
DONUS_HEADER = ["구성원번호", "구성원명", "약정코드", "약정상태", "납입방법", "납입주기", "약정금액", "납입시작월", "정기납입일",
                "은행", "계좌번호", "예금주", "예금주생년월일", "휴대전화", "이메일"]
ACADEMY_HEADER = ["학생번호", "학생명", "학교", "학년", "학생연락처", "학부모연락처", "학급", "상태", "원비", "은행", "계좌번호",
                  "예금주", "예금주생년월일"]


def nh_account(n: int) -> str:
    """A 13-digit NH농협은행 account as the bank writes it (302-xxxx-xxxx-xx)."""
    return f"302-{1000 + n:04d}-{5000 + n:04d}-{10 + n:02d}"


def hyosung_row(n: int, **changes: Any) -> list[Any]:
    values: dict[str, Any] = {
        "NO.": n, "회원번호": f"{n:08d}", "회원명": f"납부자{n}", "납부자 휴대전화": f"010-3{n:03d}-{4000 + n:04d}",
        "회원상태": "사용", "계약상태": "사용", "약정일": "25", "결제방식": "자동결제", "결제수단": "CMS",
        "결제정보": f"302*****{10 + n:02d}(농협은행)", "예금주/명의자명": f"예금주{n}", "결제등록상태": "신청완료",
        "동의여부": "동의", "전자계약": "-", "상품목록": "정기회비", "상품금액합": 150000 + n * 1000,
        "청구시작일": "2024-07-18", "청구종료일": "9999-12-31", "담당관리자": "김원장", "회원구분": "미지정",
        "청구자동생성": "자동", "발송방식": "미발송",
    }
    values.update(changes)
    return [values[h] for h in HYOSUNG_HEADER]


def thebill_row(n: int, **changes: Any) -> list[Any]:
    values: dict[str, Any] = {
        "회원ID": f"TB{n:04d}", "회원명": f"회원{n}", "회원상태": "회원등록성공", "휴대폰번호": f"010-5{n:03d}-{6000 + n:04d}",
        "이메일": f"member{n}@example.kr", "결제구분": "BANK", "은행명": "국민은행", "계좌번호": f"123456-01-{100000 + n:06d}",
        "예금주명": f"회원{n}", "생년월일(사업자번호)": f"8{n % 10}0102", "약정일": "", "약정금액": 50000,
        "서비스개시월": "2023-05", "회원동의여부": "Y", "등록일": "2023-04-20",
    }
    values.update(changes)
    return [values[h] for h in THEBILL_HEADER]


def donus_row(n: int, **changes: Any) -> list[Any]:
    values: dict[str, Any] = {
        "구성원번호": f"D{n:05d}", "구성원명": f"후원자{n}", "약정코드": f"AG{n:06d}", "약정상태": "진행중",
        "납입방법": "CMS", "납입주기": "정기", "약정금액": f"{10000 * n:,}원", "납입시작월": "2022-01",
        "정기납입일": "매월 25일", "은행": "우리은행", "계좌번호": f"1002-{300 + n:03d}-{400000 + n:06d}",
        "예금주": f"후원자{n}", "예금주생년월일": f"1975-0{1 + n % 9}-1{n % 10}", "휴대전화": f"010-7{n:03d}-{8000 + n:04d}",
        "이메일": f"donor{n}@example.kr",
    }
    values.update(changes)
    return [values[h] for h in DONUS_HEADER]


def academy_row(n: int, **changes: Any) -> list[Any]:
    values: dict[str, Any] = {
        "학생번호": 100 + n, "학생명": f"원생{n}", "학교": "대치중", "학년": "중2", "학생연락처": f"010-1{n:03d}-{2000 + n:04d}",
        "학부모연락처": f"010-9{n:03d}-{3000 + n:04d}", "학급": "중2 수학A 화8 김수학T", "상태": "재원", "원비": 280000,
        "은행": "신한", "계좌번호": f"110-{400 + n:03d}-{500000 + n:06d}", "예금주": f"학부모{n}",
        "예금주생년월일": f"82030{n % 10}",
    }
    values.update(changes)
    return [values[h] for h in ACADEMY_HEADER]


def write_export(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str = "Sheet1",
                 title: str | None = None) -> Path:
    """A sheet as the service downloads it (optionally a title line above the header)."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    if title:
        ws.append([title])
        ws.append([])
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path
