"""고객 목록 엑셀 다운로드: the customer list, as filtered on screen, to an .xlsx file.

Used by the 고객관리 screen (in a worker thread) and by the import/export command line. Three rules:

* Personal numbers are masked (`900101-1******`, `****1234`) unless an administrator asked for
  them unmasked; an unmasked export is written to the audit log with its row count, never with a
  number. Any export is personal data leaving the program, so every export is audited.
* A cell whose text starts with `=`, `+`, `-` or `@` is stored as a *string* cell with Excel's
  "quote prefix" style, so a name typed as `=HYPERLINK(...)` is shown, never run (CSV/formula
  injection). Numbers are real numeric cells, dates real date cells.
* Rows are read in pages and written with openpyxl's write-only mode, so 100,000 customers do not
  sit in memory at once; `progress` is told after each page and `cancelled` is asked before each
  one, and a cancelled export leaves no half-written file behind.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select

from app.database.engine import Database
from app.models import Customer, DebitAgreement
from app.services.common import audit, output_files
from app.services.common.access import contract_for
from app.services.common.crypto import NO_KEY_MESSAGE, DataKey
from app.services.common.errors import PermissionDeniedError, ServiceError
from app.services.common.session import Actor
from app.services.customers import records
from app.services.customers.records import CustomerListRow, CustomerQuery

EXPORT_PAGE = 1000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
HEADERS = ("고객번호", "고객명", "고객구분", "고객등급", "주민(사업자)번호", "휴대번호", "전화번호", "이메일",
           "집금항목", "은행", "계좌번호", "월이체금액 합계", "계좌신청 상태", "최초가입일", "주소", "상태")
WIDTHS = (14, 14, 9, 10, 18, 15, 15, 24, 20, 14, 22, 15, 14, 12, 40, 8)

ProgressCallback = Callable[[int, int], None]
"""progress(done, total): rows written so far and rows in all."""


class ExportCancelled(ServiceError):
    def __init__(self) -> None:
        super().__init__("엑셀 다운로드를 취소했습니다. 파일은 만들지 않았습니다.")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    unmasked: bool


def export_customers(
    db: Database,
    actor: Actor,
    contract_id: int,
    path: str | os.PathLike[str],
    *,
    query: CustomerQuery | None = None,
    unmasked: bool = False,
    data_key: DataKey | None = None,
    progress: ProgressCallback | None = None,
    cancelled: Callable[[], bool] | None = None,
    force: bool = False,
) -> ExportResult:
    """Write the customers of `contract_id` that match `query` (default: all active) to `path`.

    Args:
        query: the list screen's search, filters and sort; the file has the same rows in the same
            order as the screen.
        unmasked: full resident and account numbers instead of masks. Only for a 관리자, and then
            `data_key` is needed to decrypt; anyone else gets PermissionDeniedError.
        progress: called as progress(done, total) after each page of rows.
        cancelled: asked before each page; when it returns True the export stops, the partial file
            is removed and ExportCancelled is raised.
        force: replace an existing file (the screen passes it after the save dialog asked); the
            live database, its -wal/-shm and the backups folder are refused even so
            (output_files.OutputRefusedError).

    Returns the path, the number of customer rows written and whether it was unmasked. Every
    export that reached its file writes 'personal_data_exported' to the audit log (count and
    masked/unmasked only); a refused, failed or cancelled one writes nothing.
    """
    if unmasked:
        if not actor.is_admin:
            raise PermissionDeniedError("개인정보를 가리지 않고 내려받기는 관리자만 할 수 있습니다.")
        if data_key is None:
            raise ServiceError(NO_KEY_MESSAGE)
    query = query or CustomerQuery()
    protected = output_files.protected_for(db)
    output_files.check_target(path, force=force, protected=protected)  # refuse before reading anything
    total = records.count_customers(db, actor, contract_id, query, data_key)
    written = 0

    def write(temp: Path) -> None:
        nonlocal written
        with output_files.write_only_workbook() as book:
            sheet = book.create_sheet("고객목록")
            _prepare(sheet)
            sheet.append([_header(sheet, h) for h in HEADERS])
            with db.session() as s:  # one read transaction: the file is one consistent picture
                contract_for(s, actor, contract_id)
                stmt = records._ordered(records._filtered(select(Customer), contract_id, query, data_key), query)
                while True:
                    if cancelled is not None and cancelled():
                        raise ExportCancelled()
                    page = list(s.scalars(stmt.offset(written).limit(EXPORT_PAGE)))
                    if not page:
                        break
                    rows = records.rows_for(s, page)
                    secrets = _secrets(s, page, rows, data_key) if unmasked else {}
                    for row in rows:
                        sheet.append([_cell(sheet, v) for v in _values(row, secrets.get(row.id))])
                    written += len(page)
                    if progress is not None:
                        progress(written, max(total, written))
            book.save(temp)

    target = output_files.write_output(path, write, force=force, protected=protected)
    with db.session() as s:  # recorded only once the file is in place: a failed export left nothing
        audit.record(s, "personal_data_exported", actor=actor, target="고객목록",
                     detail={"rows": written, "unmasked": unmasked})
    return ExportResult(target, written, unmasked)


def _prepare(sheet: Worksheet) -> None:
    from openpyxl.utils import get_column_letter

    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


def _header(sheet: Worksheet, text: str) -> Cell:
    cell = WriteOnlyCell(sheet, value=text)
    cell.font = Font(bold=True)
    cell.fill = PatternFill("solid", fgColor="DDE6F0")
    cell.alignment = Alignment(horizontal="center")
    return cell


def _secrets(s: Any, page: list[Customer], rows: list[CustomerListRow], key: DataKey | None) -> dict[int, tuple[str, str]]:
    """Full numbers for an unmasked export: (resident or business number, accounts)."""
    assert key is not None
    agreement_ids = [i for r in rows for i in r.agreement_ids]
    accounts: dict[int, str] = {}
    if agreement_ids:
        for agreement_id, blob in s.execute(
            select(DebitAgreement.id, DebitAgreement.account_no_enc).where(DebitAgreement.id.in_(agreement_ids))
        ):
            accounts[agreement_id] = key.decrypt(blob, "account_no")
    result = {}
    for customer, row in zip(page, rows, strict=True):
        resident = key.decrypt(customer.resident_no_enc, "resident_no") if customer.resident_no_enc else ""
        identity = _format_resident(resident) if resident else (row.business_no or row.resident_masked)
        result[row.id] = (identity, ", ".join(dict.fromkeys(accounts[i] for i in row.agreement_ids)))
    return result


def _format_resident(digits: str) -> str:
    return f"{digits[:6]}-{digits[6:]}"


def _values(row: CustomerListRow, secret: tuple[str, str] | None) -> list[Any]:
    identity = row.business_no or row.resident_masked
    if row.business_no and secret is None:
        identity = f"{row.business_no[:3]}-{row.business_no[3:5]}-*****"
    accounts = row.accounts_masked
    if secret is not None:
        identity, accounts = secret
    return [
        row.customer_no, row.name, row.customer_type.label, row.grade, identity, row.mobile, row.phone, row.email,
        row.items, row.banks, accounts, row.monthly_total,
        row.registration_state.label if row.registration_state else "", row.joined_on, row.address,
        "사용" if row.active else "사용중지",
    ]


def _cell(sheet: Worksheet, value: Any) -> Any:
    """Numbers and dates as themselves; text that a spreadsheet would run as a formula, as text."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, date)):
        cell = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]  # openpyxl writes dates; its stubs say datetime
        if isinstance(value, date):
            cell.number_format = "yyyy-mm-dd"
        else:
            cell.number_format = "#,##0"
        return cell
    text = str(value)
    cell = WriteOnlyCell(sheet, value=text)
    if text.startswith(FORMULA_PREFIXES):
        # openpyxl would store '=…' as a formula; force a string cell and Excel's quote prefix.
        cell.data_type = "s"
        cell.alignment = Alignment(horizontal="left")
        cell.quotePrefix = True
    return cell
