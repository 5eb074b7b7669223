"""The workbooks 일괄등록 hands to the clerk: the blank template (양식) and the error list (오류 목록).

The template is what makes an import go right the first time: one column per field of the
고객추가 and 이체정보 windows (required ones marked ``*`` and coloured), drop-down lists for the
values that must match the contract (items, debit days, banks as '004 KB국민은행'), the columns that
carry digits formatted as text so Excel keeps leading zeros, one example row (its 고객번호 starts
with '예시', so it is never imported) and a 안내 sheet in Korean, which the manual asks the clerk to
read before a bulk job (일괄작업 전에 미리 안내페이지 내용을 숙지).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select

from app.database.engine import Database
from app.models import Customer
from app.services.common import output_files
from app.services.common.session import Actor
from app.services.customers.imports.reader import MAX_ROWS
from app.services.customers.imports.rows import (
    BY_KEY,
    COLUMNS,
    EXAMPLE_PREFIX,
    REQUIRED_MARK,
    Kind,
    RowResult,
    bank_choice,
    header_key,
)
from app.services.exchange.cms.banks import BANK_NAMES
from app.services.settings import contracts

DATA_SHEET = "고객목록"
GUIDE_SHEET = "안내"
LISTS_SHEET = "목록"
TEXT_FORMAT = "@"
VALIDATED_ROWS = MAX_ROWS + 1
_TEXT_KINDS = (Kind.CODE, Kind.PHONE, Kind.ACCOUNT, Kind.IDNUM, Kind.POSTAL, Kind.BANK, Kind.TEXT, Kind.ITEM,
               Kind.MONTH)
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
_OPTIONAL_FILL = PatternFill("solid", fgColor="EDEDED")
_THIN = Side(style="thin", color="A6A6A6")


@dataclass(frozen=True)
class TemplateItem:
    code: str
    name: str
    days: tuple[int, ...]


GUIDE = (
    ("일괄등록 안내", True),
    ("엑셀 고객리스트로 고객기본정보와 계좌정보(이체정보)를 한 번에 등록합니다. 작업 전에 이 안내를 끝까지 읽어 주세요.", False),
    ("", False),
    ("1. 입력하는 곳", True),
    (f"- '{DATA_SHEET}' 시트의 첫 행(열 이름)은 바꾸거나 지우지 마세요. 2행부터 고객을 한 행에 한 명씩 입력합니다.", False),
    ("- 주황색 열 이름(* 표시)은 반드시 입력해야 합니다. 회색 열은 비워 두어도 됩니다.", False),
    (f"- 2행의 예시(고객번호가 '{EXAMPLE_PREFIX}'로 시작)는 등록되지 않습니다. 지우거나 그대로 두어도 됩니다.", False),
    ("- 한 고객은 한 행에 한 번만 씁니다 (고객번호 중복 불가). "
     "집금항목이 여러 개인 고객은 등록 후 고객관리에서 이체정보를 추가하세요.", False),
    (f"- 한 번에 {MAX_ROWS:,}행까지 등록할 수 있습니다. 더 많으면 파일을 나누어 차례로 등록하세요.", False),
    ("", False),
    ("2. 숫자를 텍스트로 (가장 흔한 실수)", True),
    ("- 계좌번호, 주민/사업자번호, 예금주생년월일, 전화번호, 우편번호 열은 '텍스트' 서식입니다. "
     "앞자리 0이 사라지지 않도록 서식을 바꾸지 마세요.", False),
    ("- 다른 파일에서 붙여 넣을 때는 '값만 붙여넣기'를 쓰세요. 1.2345E+11처럼 바뀐 계좌번호는 등록하지 않고 오류로 알려 드립니다.", False),
    ("- 셀 병합, 암호 설정, 값이 없는 수식은 쓸 수 없습니다. 파일은 'Excel 통합 문서(*.xlsx)'로 저장하세요.", False),
    ("", False),
    ("3. 항목별 입력 방법", True),
    ("- 고객구분: 개인 또는 사업자 (빈 칸은 개인). 개인은 주민번호 또는 생년월일 6자리, 사업자는 사업자번호 10자리.", False),
    ("- 주민등록번호 전체를 넣어도 기본적으로 생년월일만 저장합니다. "
     "전체 번호 저장은 일괄등록 화면에서 따로 선택해야 하며, 선택하면 암호화해 저장합니다.", False),
    ("- 예금주생년월일/사업자번호: 은행 파일에 보내는 값입니다. 개인은 생년월일 6자리(YYMMDD), 사업자는 사업자번호 10자리.", False),
    ("- 집금항목, 이체예정일, 이체은행: 칸을 누르면 나오는 목록에서 고르세요. 이체예정일은 그 집금항목의 이체일이어야 합니다.", False),
    ("- 월이체금액은 건당출금한도보다 같거나 작아야 합니다. 금액은 원 단위 정수, 할인율은 0~100(%) 정수입니다.", False),
    ("- 최초이체년월·최종이체년월은 2026-03처럼, 최초가입일은 2026-03-02처럼 씁니다. 최종이체년월이 비어 있으면 계속 이체합니다.", False),
    ("- 학원: 월이체금액은 그 집금항목의 게시 교습비를 넘을 수 없습니다 (학원법 제15조). 넘는 행은 오류로 알려 드립니다.", False),
    ("- 학원: 학생이름은 수강생이 납부자(고객)와 다를 때만, 학생생년월일은 2018-03-02처럼 씁니다 (둘 다 선택). "
     "교육비 납입증명서에 인쇄됩니다.", False),
    ("", False),
    ("4. 등록 순서", True),
    ("① 업체계약정보를 확인합니다.  ② 찾아보기로 파일을 고릅니다: 모든 행을 검사해 정상/오류를 보여 줍니다 (아직 저장 안 함).", False),
    ("③ 일괄등록을 누르고 확인하면 등록합니다. '모두 정상일 때만 등록' 또는 '정상인 행만 등록', "
     "이미 있는 고객번호는 '건너뛰기' 또는 '수정'을 고릅니다.", False),
    ("④ 등록이 끝나면 고객관리에서 등록 내용을 확인하세요. 새 이체정보마다 계좌신청(신규)이 계좌신청대기로 접수됩니다.", False),
    ("- 오류가 있으면 '오류 목록 저장'으로 오류 내용이 붙은 엑셀을 받아 고친 뒤 그 파일을 그대로 다시 등록할 수 있습니다.", False),
    ("- 취소하거나 중간에 문제가 생기면 아무것도 저장되지 않습니다.", False),
)


def _example_row(items: Sequence[TemplateItem]) -> dict[str, Any]:
    item = items[0] if items else TemplateItem("", "수강료", (25,))
    return {
        "customer_no": f"{EXAMPLE_PREFIX}-0001", "name": "김하늘", "customer_type": "개인", "grade": "초등1",
        "id_no": "150101", "representative": "김부모", "phone": "02-123-4567", "mobile": "010-1234-5678",
        "email": "parent@example.kr", "industry": "", "joined_on": date(2026, 3, 2), "region": "서울 강남구",
        "postal_code": "06236", "address": "서울 강남구 테헤란로 1", "address_detail": "101동 1001호", "memo": "",
        "item": item.name, "debit_limit": 500000, "monthly_amount": 300000, "discount_rate": 0,
        "first_month": "2026-04", "last_month": "", "debit_day": item.days[0] if item.days else 25,
        "bank_code": bank_choice("004"), "account_no": "123456-01-234567", "holder_name": "김부모",
        "holder_id": "800101", "manager_name": "김원장", "student_name": "", "student_birth_date": date(2015, 1, 1),
    }


def _write_lists(wb: Workbook, items: Sequence[TemplateItem], days: Sequence[int], grades: Sequence[str]
                 ) -> dict[str, str]:
    """A hidden sheet of the drop-down values (inline lists are limited to 255 characters)."""
    sheet = wb.create_sheet(LISTS_SHEET)
    lists = {
        "customer_type": ["개인", "사업자"],
        "item": [i.name for i in items],
        "debit_day": [str(d) for d in days],
        "bank_code": [bank_choice(code) for code in sorted(BANK_NAMES)],
        "grade": list(grades),
    }
    ranges: dict[str, str] = {}
    for index, (key, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(index)
        sheet.cell(1, index, key)
        for row, value in enumerate(values, start=2):
            sheet.cell(row, index, value).number_format = TEXT_FORMAT
        if values:
            ranges[key] = f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}"
    sheet.sheet_state = "hidden"
    return ranges


def _validations(ws: Any, ranges: dict[str, str]) -> None:
    last = VALIDATED_ROWS
    for index, column in enumerate(COLUMNS, start=1):
        area = f"{get_column_letter(index)}2:{get_column_letter(index)}{last}"
        check: DataValidation | None = None
        if column.key in ranges:
            strict = column.key != "grade"  # grades are the institution's own words: the list only helps
            check = DataValidation(type="list", formula1=ranges[column.key], allow_blank=True,
                                   showErrorMessage=strict, errorTitle=column.header,
                                   error=f"{column.header}: 목록에서 선택하세요.")
        elif column.kind is Kind.AMOUNT:
            check = DataValidation(type="whole", operator="between", formula1="1", formula2="9999999999",
                                   allow_blank=True, errorTitle=column.header, error="원 단위 정수로 입력하세요.")
        elif column.kind is Kind.PERCENT:
            check = DataValidation(type="whole", operator="between", formula1="0", formula2="100",
                                   allow_blank=True, errorTitle=column.header, error="0~100 사이의 정수로 입력하세요.")
        if check is not None:
            check.promptTitle, check.prompt = column.header, column.note or None
            check.showInputMessage = bool(column.note)
            check.add(area)
            ws.add_data_validation(check)


def write_template(path: Path, items: Sequence[TemplateItem], days: Sequence[int],
                   grades: Sequence[str] = (), *, force: bool = False,
                   protected: Iterable[Path] | None = None) -> Path:
    """The blank 일괄등록 template for a contract's items and debit days (through output_files)."""
    output_files.check_target(path, force=force, protected=protected)
    wb = Workbook()
    guide = wb.active
    assert isinstance(guide, Worksheet)  # a new workbook opens on its one worksheet
    guide.title = GUIDE_SHEET
    guide.column_dimensions["A"].width = 120
    for row, (text, heading) in enumerate(GUIDE, start=1):
        cell = guide.cell(row, 1, text)
        cell.font = Font(bold=True, size=14 if row == 1 else 11) if heading else Font(size=10)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws = wb.create_sheet(DATA_SHEET)
    example = _example_row(items)
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        title = column.header + (REQUIRED_MARK if column.required else "")
        head = ws.cell(1, index, title)
        head.font = Font(bold=True)
        head.fill = _REQUIRED_FILL if column.required else _OPTIONAL_FILL
        head.border = Border(top=_THIN, bottom=_THIN, left=_THIN, right=_THIN)
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if column.note:
            head.comment = Comment(f"{'필수' if column.required else '선택'}: {column.note}", "KSCMS")
        dimension = ws.column_dimensions[letter]
        dimension.width = column.width + 2
        sample = ws.cell(2, index, example[column.key])
        sample.font = Font(italic=True, color="7F7F7F")
        if column.kind in _TEXT_KINDS:
            dimension.number_format = TEXT_FORMAT
            sample.number_format = TEXT_FORMAT
            if not isinstance(sample.value, str):
                sample.value = "" if sample.value is None else str(sample.value)
        elif column.kind is Kind.DATE:
            sample.number_format = "yyyy-mm-dd"
    ws.row_dimensions[1].height = 30
    ws.freeze_panes = "C2"
    grade_list = [g for g in grades if g][:200]
    _validations(ws, _write_lists(wb, items, days, grade_list))
    wb.active = 0
    return output_files.write_output(path, lambda temp: wb.save(temp), force=force, protected=protected)


def template_for_contract(db: Database, actor: Actor, contract_id: int, path: str | Path, *,
                          force: bool = False) -> Path:
    """The template with this contract's active items, their debit days and the grades in use."""
    contract = contracts.get_contract(db, actor, contract_id)
    rows = contracts.list_items(db, actor, contract_id, active_only=True)
    items = [TemplateItem(i.code, i.name, tuple(i.collection_days)) for i in rows]
    days = sorted({d for i in items for d in i.days}) or contract.debit_days
    with db.session() as s:
        grades = sorted(g for g in s.scalars(select(Customer.grade).distinct().where(
            Customer.contract_id == contract_id, Customer.grade.is_not(None))) if g)
    return write_template(Path(path), items, days, grades, force=force, protected=output_files.protected_for(db))


def write_error_workbook(path: Path, header: Sequence[str], rows: Sequence[RowResult], *, force: bool = False,
                         protected: Iterable[Path] | None = None) -> Path:
    """The failed rows as the file had them, plus 오류 내용 and 원래 행 on the right.

    Text stays text (the digit columns get the '@' format), so fixing the file in Excel and
    importing it again does not lose leading zeros.
    """
    output_files.check_target(path, force=force, protected=protected)
    keys = [header_key(h) for h in header]
    text_columns = {i for i, key in enumerate(keys) if key and BY_KEY[key].kind in _TEXT_KINDS}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(DATA_SHEET)
    width = len(header)
    for index in range(width):
        ws.column_dimensions[get_column_letter(index + 1)].width = 16
    ws.column_dimensions[get_column_letter(width + 1)].width = 80
    bold = Font(bold=True)
    red = Font(color="C00000")

    def cell(value: Any, *, font: Font | None = None, text: bool = False) -> Cell:
        item = WriteOnlyCell(ws, value=value)
        if font:
            item.font = font
        if text:
            item.number_format = TEXT_FORMAT
        return item

    ws.append([cell(h, font=bold) for h in header] + [cell("오류 내용", font=bold), cell("원래 행", font=bold)])
    for row in rows:
        raw = list(row.raw or [])[:width] + [""] * max(0, width - len(row.raw or []))
        values = [cell(v, text=i in text_columns and isinstance(v, str)) for i, v in enumerate(raw)]
        ws.append([*values, cell(row.message, font=red), cell(row.row)])
    return output_files.write_output(path, lambda temp: wb.save(temp), force=force, protected=protected)
