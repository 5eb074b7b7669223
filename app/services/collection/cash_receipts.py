"""현금영수증 watch: a cash payment of 100,000원 or more needs a 현금영수증 within 5 days.

A 학원 must issue a cash receipt for a cash payment of `THRESHOLD` won or more whether the payer asks
or not; when the payer gives no number it is issued to the 국세청 code 010-000-1234 (자진발급). A
receipt not issued in time costs a penalty of `PENALTY_PERCENT` % of the amount. The desk cannot
issue receipts (홈택스 or the card terminal does); it records what was issued — the approval number
and the day, or 자진발급 — and lists what is still missing, with the penalty at stake.

The deadline, exactly (the issue's "listed on day 6"):

* the day the cash was received (`Payment.paid_on`) is day 0; the deadline is day 5
  (`paid_on + ISSUE_DAYS`). Paid 12-01 → deadline 12-06;
* from day 0 to day 5 inclusive a missing receipt is 기한 내, shown "기한 내 (D-n)" with n the days
  left (day 5 is "D-0": it may still be issued that day);
* from day 6 (12-07) on it is 기한 경과, shown "기한 경과 n일" (day 6 is "기한 경과 1일"), and it is
  listed on the home screen (app/services/home/cash_receipts_due.py).

Which payments: CASH payments of the contract that are neither a reversing row nor reversed (a
reversed receipt no longer stands; its receipt, if any, is cancelled at 홈택스). The duty is judged per
payment as recorded: one receipt of 60,000원 and another of 60,000원 are two payments under the line.
A receipt may be recorded on any cash payment (a smaller one may be issued on request too).

The approval number (승인번호) of a 현금영수증 is 9 digits; the desk keeps the digits only (hyphens and
spaces typed between them are dropped). A 자진발급 may be recorded without one (the clerk may not have
it at hand), never with a malformed one. The day issued lies between the day the cash was received
and today. Recording, correcting (old → new) and clearing (entered on the wrong payment) are each
audited; nothing else is written.

`export_hometax_xlsx` writes what remains to be issued as an .xlsx for 홈택스's 현금영수증 일괄발급.
The column order the upload form asks for could not be confirmed from a public source, so it follows
the order of the form's fields as 홈택스 shows them for a single receipt: `HOMETAX_HEADERS`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import Charge, CollectionItem, Customer, DebitAgreement, Payment
from app.services.collection.ledger import OUTSIDE_DEBIT
from app.services.common import audit, output_files
from app.services.common.access import contract_for
from app.services.common.errors import NotFoundError, ServiceError
from app.services.common.search import contains_text, number_or_name
from app.services.common.session import Actor

THRESHOLD = 100_000
"""A cash payment of this many won or more must have a 현금영수증 (학원: 의무발행업종)."""
ISSUE_DAYS = 5
"""Days after the day received (day 0) within which the receipt must be issued; the deadline is day 5."""
PENALTY_PERCENT = 20
"""The penalty for a receipt not issued: this share of the amount (가산세)."""
SELF_ISSUE_NUMBER = "010-000-1234"
"""The 국세청 code a receipt is issued to when the payer gives no number (자진발급)."""
SELF_ISSUE_DIGITS = "0100001234"
APPROVAL_DIGITS = 9
"""A 현금영수증 승인번호 is 9 digits."""

HOMETAX_HEADERS = ("거래일자", "거래구분", "발급수단", "발급수단번호", "공급가액", "부가세", "봉사료", "총금액", "품목명")
HOMETAX_WIDTHS = (12, 10, 10, 16, 12, 8, 8, 12, 28)
INCOME_DEDUCTION = "소득공제"
MOBILE = "휴대전화"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class ReceiptState(Enum):
    ISSUED = "발급완료"
    OPEN = "기한 내"
    OVERDUE = "기한 경과"


def deadline_of(paid_on: date) -> date:
    """The last day a receipt for cash received on `paid_on` may be issued (day 5)."""
    return paid_on + timedelta(days=ISSUE_DAYS)


def penalty_of(amount: int) -> int:
    """The penalty at stake for `amount` won without a receipt, in whole won (rounded down)."""
    return amount * PENALTY_PERCENT // 100


@dataclass(frozen=True)
class CashReceiptRow:
    """One cash payment and its 현금영수증."""

    payment_id: int
    charge_id: int
    customer_id: int
    customer_no: str
    customer_name: str
    student_name: str
    item_name: str
    period: str
    amount: int
    paid_on: date
    deadline: date
    receipt_no: str | None
    receipt_on: date | None
    receipt_self: bool
    receipt_by: str
    state: ReceiptState
    days: int  # OPEN: days left to the deadline (0 on the deadline); OVERDUE: days past it; ISSUED: 0
    penalty: int  # at stake while no receipt is recorded (amount × 20 %), 0 once one is

    @property
    def issued(self) -> bool:
        return self.state is ReceiptState.ISSUED

    @property
    def state_text(self) -> str:
        """발급완료 / 기한 내 (D-n) / 기한 경과 n일."""
        if self.state is ReceiptState.OPEN:
            return f"기한 내 (D-{self.days})"
        if self.state is ReceiptState.OVERDUE:
            return f"기한 경과 {self.days}일"
        if self.receipt_on is not None and self.receipt_on > self.deadline:
            return f"발급완료 (기한 후 {(self.receipt_on - self.deadline).days}일)"
        return ReceiptState.ISSUED.value

    @property
    def receipt_text(self) -> str:
        """What was issued: '123456789', '자진발급 123456789' or '자진발급'; '' when nothing yet."""
        if not self.issued:
            return ""
        if self.receipt_self:
            return f"자진발급 {self.receipt_no}" if self.receipt_no else "자진발급"
        return self.receipt_no or ""


@dataclass(frozen=True)
class CashReceiptList:
    rows: tuple[CashReceiptRow, ...]

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def amount(self) -> int:
        return sum(r.amount for r in self.rows)

    @property
    def penalty(self) -> int:
        """The penalty at stake over the rows (issued ones count 0)."""
        return sum(r.penalty for r in self.rows)

    @property
    def overdue(self) -> int:
        return sum(1 for r in self.rows if r.state is ReceiptState.OVERDUE)


@dataclass(frozen=True)
class ReceiptChange:
    payment_id: int
    message: str
    changed: bool


@dataclass(frozen=True)
class HometaxExport:
    path: Path
    rows: int
    amount: int


# --- checking what the clerk typed --------------------------------------------------------------


def approval_number(value: str | None, *, self_issued: bool) -> str | None:
    """The 9-digit approval number as digits, None for a 자진발급 without one; ServiceError otherwise."""
    text = "".join((value or "").split()).replace("-", "")
    if not text:
        if self_issued:
            return None
        raise ServiceError("현금영수증 승인번호(숫자 9자리)를 입력하세요. 번호를 받지 않고 국세청 코드로 발급했으면 "
                           "[자진발급]을 고르세요.")
    if not (text.isascii() and text.isdigit()):
        raise ServiceError("현금영수증 승인번호는 숫자 9자리입니다. 숫자만 입력하세요.")
    if len(text) != APPROVAL_DIGITS:
        raise ServiceError(f"현금영수증 승인번호는 숫자 {APPROVAL_DIGITS}자리입니다 (입력한 번호는 {len(text)}자리).")
    return text


def check_issued_on(issued_on: date | None, paid_on: date, today: date) -> date:
    """The day issued, if it lies between the day the cash was received and today."""
    if issued_on is None or isinstance(issued_on, datetime) or not isinstance(issued_on, date):
        raise ServiceError("현금영수증 발급일을 날짜(YYYY-MM-DD)로 입력하세요.")
    if issued_on < paid_on:
        raise ServiceError(f"발급일 {issued_on:%Y-%m-%d}은(는) 현금을 받은 날({paid_on:%Y-%m-%d})보다 앞설 수 없습니다.")
    if issued_on > today:
        raise ServiceError(f"발급일 {issued_on:%Y-%m-%d}은(는) 오늘({today:%Y-%m-%d}) 뒤의 날짜입니다. "
                           "실제로 발급한 날을 입력하세요.")
    return issued_on


def apply_receipt(s: Session, actor: Actor, payment: Payment, institution_code: str, *, approval_no: str | None,
                  issued_on: date | None, self_issued: bool, today: date) -> bool:
    """Check and store a receipt on a locked cash payment in the caller's unit of work, with its audit row.

    Returns False when the payment already carries exactly this receipt (nothing written). The
    cash screen records a receipt with the payment itself (`cash.receive_cash`) through this too.
    """
    if payment.method not in OUTSIDE_DEBIT or payment.reversal_reason is not None:
        raise ServiceError("현금수납 건에만 현금영수증을 기록할 수 있습니다.")
    if payment.reversed_by_id is not None:
        raise ServiceError("취소된 현금수납에는 현금영수증을 기록할 수 없습니다.")
    number = approval_number(approval_no, self_issued=self_issued)
    day = check_issued_on(issued_on, payment.paid_on, today)
    old = _receipt_detail(payment)
    new = {"receipt_no": number, "receipt_on": day.isoformat(), "self_issued": bool(self_issued)}
    if old == new:
        return False
    payment.cash_receipt_no = number
    payment.cash_receipt_on = day
    payment.cash_receipt_self = bool(self_issued)
    payment.cash_receipt_by = actor.login_id
    s.flush()
    corrected = old["receipt_on"] is not None
    audit.record(s, "cash_receipt_corrected" if corrected else "cash_receipt_recorded", actor=actor,
                 target=f"{institution_code} 수납 {payment.id}",
                 detail={"payment_id": payment.id, "amount": payment.amount, **({"old": old} if corrected else {}),
                         "new": new})
    return True


def _receipt_detail(payment: Payment) -> dict[str, Any]:
    return {"receipt_no": payment.cash_receipt_no,
            "receipt_on": payment.cash_receipt_on.isoformat() if payment.cash_receipt_on else None,
            "self_issued": bool(payment.cash_receipt_self)}


def _locked_payment(s: Session, actor: Actor, payment_id: int) -> tuple[Payment, str]:
    payment = s.scalar(select(Payment).where(Payment.id == payment_id).with_for_update())
    if payment is None:
        raise NotFoundError("수납 내역을 찾을 수 없습니다. 목록을 다시 조회하세요.")
    contract = contract_for(s, actor, payment.contract_id, "수납 내역을 찾을 수 없습니다. 목록을 다시 조회하세요.")
    return payment, contract.institution_code


# --- writing --------------------------------------------------------------------------------------


def record_cash_receipt(db: Database, actor: Actor, payment_id: int, *, approval_no: str | None,
                        issued_on: date | None, self_issued: bool, today: date) -> ReceiptChange:
    """발급 입력: the receipt issued for a cash payment, or a correction of the one recorded (audited)."""
    actor.require_edit()
    with db.session() as s:
        payment, code = _locked_payment(s, actor, payment_id)
        changed = apply_receipt(s, actor, payment, code, approval_no=approval_no, issued_on=issued_on,
                                self_issued=self_issued, today=today)
    if not changed:
        return ReceiptChange(payment_id, "이미 같은 내용으로 기록되어 있습니다.", False)
    what = "자진발급" if self_issued else "현금영수증"
    return ReceiptChange(payment_id, f"{what}({issued_on:%Y-%m-%d}) 발급을 기록했습니다.", True)


def clear_cash_receipt(db: Database, actor: Actor, payment_id: int) -> ReceiptChange:
    """지우기: a receipt entered on the wrong payment is taken off it (audited with what it was)."""
    actor.require_edit()
    with db.session() as s:
        payment, code = _locked_payment(s, actor, payment_id)
        if payment.cash_receipt_on is None:
            raise ServiceError("이 수납에는 기록된 현금영수증이 없습니다.")
        old = _receipt_detail(payment)
        payment.cash_receipt_no = None
        payment.cash_receipt_on = None
        payment.cash_receipt_self = False
        payment.cash_receipt_by = None
        audit.record(s, "cash_receipt_cleared", actor=actor, target=f"{code} 수납 {payment.id}",
                     detail={"payment_id": payment.id, "amount": payment.amount, "old": old})
    return ReceiptChange(payment_id, "현금영수증 기록을 지웠습니다. 다시 발급 대상으로 나옵니다.", True)


# --- reading --------------------------------------------------------------------------------------


def receipt_state(paid_on: date, receipt_on: date | None, today: date) -> tuple[ReceiptState, int]:
    """The state and its day count on `today` (see the module docstring)."""
    if receipt_on is not None:
        return ReceiptState.ISSUED, 0
    deadline = deadline_of(paid_on)
    if today <= deadline:
        return ReceiptState.OPEN, (deadline - today).days
    return ReceiptState.OVERDUE, (today - deadline).days


def _statement(contract_id: int, *, minimum: int | None, only_missing: bool, since: date | None,
               until: date | None, search: str | None) -> Select:
    stmt = (
        select(Payment, Charge.period, Customer, CollectionItem.name)
        .join(Charge, Charge.id == Payment.charge_id)
        .join(DebitAgreement, DebitAgreement.id == Charge.agreement_id)
        .join(Customer, Customer.id == DebitAgreement.customer_id)
        .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
        .where(Payment.contract_id == contract_id, Payment.method.in_(OUTSIDE_DEBIT),
               Payment.reversal_reason.is_(None), Payment.reversed_by_id.is_(None))
        .order_by(Payment.paid_on, Payment.id)
    )
    if minimum is not None:
        stmt = stmt.where(Payment.amount >= minimum)
    if only_missing:
        stmt = stmt.where(Payment.cash_receipt_on.is_(None))
    if since is not None:
        stmt = stmt.where(Payment.paid_on >= since)
    if until is not None:
        stmt = stmt.where(Payment.paid_on <= until)
    text = (search or "").strip()
    if text:
        stmt = stmt.where(number_or_name(Customer.customer_no, Customer.name, text)
                          | contains_text(func.coalesce(Customer.student_name, ""), text))
    return stmt


def _row(payment: Payment, period: str, customer: Customer, item_name: str, today: date) -> CashReceiptRow:
    state, days = receipt_state(payment.paid_on, payment.cash_receipt_on, today)
    return CashReceiptRow(
        payment_id=payment.id, charge_id=payment.charge_id, customer_id=customer.id,
        customer_no=customer.customer_no, customer_name=customer.name, student_name=customer.student_name or "",
        item_name=item_name, period=period, amount=payment.amount, paid_on=payment.paid_on,
        deadline=deadline_of(payment.paid_on), receipt_no=payment.cash_receipt_no, receipt_on=payment.cash_receipt_on,
        receipt_self=bool(payment.cash_receipt_self), receipt_by=payment.cash_receipt_by or "", state=state, days=days,
        penalty=0 if state is ReceiptState.ISSUED else penalty_of(payment.amount),
    )


def rows_in(s: Session, contract_id: int, *, today: date, only_missing: bool = True, since: date | None = None,
            until: date | None = None, search: str | None = None) -> list[CashReceiptRow]:
    """`cash_receipt_rows` in the caller's session (the home screen reads it in its own)."""
    stmt = _statement(contract_id, minimum=THRESHOLD, only_missing=only_missing, since=since, until=until,
                      search=search)
    return [_row(p, period, c, item, today) for p, period, c, item in s.execute(stmt).all()]


def cash_receipt_rows(db: Database, actor: Actor, contract_id: int, *, today: date, only_missing: bool = True,
                      since: date | None = None, until: date | None = None,
                      search: str | None = None) -> CashReceiptList:
    """Cash payments of `THRESHOLD` won or more (not reversed) received between `since` and `until`,
    oldest first; only those without a receipt unless `only_missing` is False. Reads only."""
    with db.session() as s:
        contract_for(s, actor, contract_id)
        return CashReceiptList(tuple(rows_in(s, contract_id, today=today, only_missing=only_missing, since=since,
                                             until=until, search=search)))


def receipt_states(payments: list[Payment], today: date) -> dict[int, str]:
    """The receipt column of the cash payments list: every cash payment, whatever its amount."""
    out: dict[int, str] = {}
    for p in payments:
        if p.cash_receipt_on is not None:
            out[p.id] = f"자진발급 {p.cash_receipt_on:%m-%d}" if p.cash_receipt_self else f"발급 {p.cash_receipt_on:%m-%d}"
        elif p.reversed_by_id is not None or p.amount < THRESHOLD:
            out[p.id] = ""
        else:
            state, days = receipt_state(p.paid_on, None, today)
            out[p.id] = f"미발급 (D-{days})" if state is ReceiptState.OPEN else f"미발급 · 기한 경과 {days}일"
    return out


# --- 홈택스 양식 엑셀 --------------------------------------------------------------------------------


def _mobile_digits(mobile: str | None) -> str:
    digits = "".join(c for c in (mobile or "") if c.isascii() and c.isdigit())
    return digits if digits.startswith("01") and len(digits) in (10, 11) else SELF_ISSUE_DIGITS


def hometax_values(row: CashReceiptRow, mobile: str | None) -> tuple[Any, ...]:
    """One upload row: 교습비 is exempt from VAT, so 공급가액 = 총금액 and 부가세 = 봉사료 = 0."""
    return (f"{row.paid_on:%Y%m%d}", INCOME_DEDUCTION, MOBILE, _mobile_digits(mobile), row.amount, 0, 0, row.amount,
            f"{row.item_name} {row.period}")


def _cell(sheet: Worksheet, value: Any, *, header: bool = False) -> Cell:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # openpyxl would store '=…' as a formula
        cell.quotePrefix = True
        return cell
    cell = WriteOnlyCell(sheet, value=value)
    if header:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE6F0")
    elif isinstance(value, int):
        cell.number_format = "0"
    elif isinstance(value, str):
        cell.number_format = "@"  # 거래일자 and 발급수단번호 stay text: the leading 0 of 010 is kept
    return cell


def export_hometax_xlsx(db: Database, actor: Actor, contract_id: int, path: str | os.PathLike[str], *, today: date,
                        since: date | None = None, until: date | None = None, search: str | None = None,
                        force: bool = False) -> HometaxExport:
    """What remains to be issued (no receipt yet, 기한 내 and 기한 경과), one row per payment, as an
    .xlsx for 홈택스's 현금영수증 일괄발급 (`HOMETAX_HEADERS`). The payer's mobile number is personal
    data leaving the program, so the export is audited; nothing is written when nothing remains."""
    actor.require_edit()
    protected = output_files.protected_for(db)
    output_files.check_target(path, force=force, protected=protected)
    with db.session() as s:
        contract_for(s, actor, contract_id)
        rows = rows_in(s, contract_id, today=today, only_missing=True, since=since, until=until, search=search)
        mobiles = {customer_id: mobile for customer_id, mobile in s.execute(
            select(Customer.id, Customer.mobile).where(Customer.id.in_({r.customer_id for r in rows})))}
    if not rows:
        raise ServiceError("발급할 현금영수증이 없습니다. 파일은 만들지 않았습니다.")

    def write(temp: Path) -> None:
        from openpyxl.utils import get_column_letter

        with output_files.write_only_workbook() as book:
            sheet = book.create_sheet("현금영수증 일괄발급")
            for index, width in enumerate(HOMETAX_WIDTHS, start=1):
                sheet.column_dimensions[get_column_letter(index)].width = width
            sheet.append([_cell(sheet, h, header=True) for h in HOMETAX_HEADERS])
            for row in rows:
                sheet.append([_cell(sheet, v) for v in hometax_values(row, mobiles.get(row.customer_id))])
            book.save(temp)

    target = output_files.write_output(path, write, force=force, protected=protected)
    amount = sum(r.amount for r in rows)
    with db.session() as s:  # recorded only once the file is in place
        audit.record(s, "personal_data_exported", actor=actor, target="현금영수증 홈택스 양식",
                     detail={"rows": len(rows), "amount": amount, "unmasked": True})
    return HometaxExport(target, len(rows), amount)
