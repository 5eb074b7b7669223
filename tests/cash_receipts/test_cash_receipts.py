"""현금영수증 watch: the 5-day deadline, the penalty at stake, recording, 자진발급, refusals, the home line
and the 홈택스 sheet. Cash received on 2026-12-01 is day 0; its deadline is 12-06 (day 5)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.models import LedgerEntry, Payment, PaymentMethod
from app.models.user import AuditLog
from app.services.collection import cash, cash_receipts, ledger
from app.services.collection.cash import ReceiptEntry
from app.services.collection.cash_receipts import ReceiptState
from app.services.common.destinations import Destination
from app.services.common.errors import PermissionDeniedError, ServiceError
from app.services.common.output_files import is_private
from app.services.home import today as home
from app.services.home.cash_receipts_due import cash_receipts_due
from tests.cash_receipts.conftest import PAID_ON, CashPayment
from tests.collection.helpers import at
from tests.factories import Office

DAY_5 = date(2026, 12, 6)
DAY_6 = date(2026, 12, 7)


def _rows(office: Office, actor, today: date, **kwargs) -> cash_receipts.CashReceiptList:
    return cash_receipts.cash_receipt_rows(office.db, actor, office.contract_id, today=today, **kwargs)


def _audits(office: Office, action: str) -> list[str]:
    with office.db.session() as s:
        return list(s.scalars(select(AuditLog.detail).where(AuditLog.action == action).order_by(AuditLog.id)))


def _receipt(office: Office, payment_id: int) -> tuple[str | None, date | None, bool, str | None]:
    with office.db.session() as s:
        p = s.get(Payment, payment_id)
        assert p is not None
        return p.cash_receipt_no, p.cash_receipt_on, p.cash_receipt_self, p.cash_receipt_by


def test_a_120000_receipt_without_a_number_is_open_until_day_5_and_overdue_on_day_6(
        office: Office, clerk, cash_payment: CashPayment) -> None:
    cash_payment("S001", "김민준", 120_000, student="김하준")
    day0 = _rows(office, clerk, PAID_ON).rows[0]
    assert (day0.deadline, day0.state, day0.state_text, day0.penalty) == (DAY_5, ReceiptState.OPEN, "기한 내 (D-5)",
                                                                          24_000)
    on_day5 = _rows(office, clerk, DAY_5)
    row = on_day5.rows[0]
    assert (row.customer_no, row.customer_name, row.student_name, row.item_name, row.period) == (
        "S001", "김민준", "김하준", "수강료", "2026-11")
    assert (row.amount, row.paid_on, row.state_text, row.penalty) == (120_000, PAID_ON, "기한 내 (D-0)", 24_000)
    assert on_day5.overdue == 0
    with office.db.session() as s:
        assert cash_receipts_due(s, office.contract_id, DAY_5) == []

    on_day6 = _rows(office, clerk, DAY_6)
    row = on_day6.rows[0]
    assert (row.state, row.state_text, row.days, row.penalty) == (ReceiptState.OVERDUE, "기한 경과 1일", 1, 24_000)
    assert (on_day6.count, on_day6.amount, on_day6.penalty, on_day6.overdue) == (1, 120_000, 24_000, 1)
    assert _rows(office, clerk, date(2026, 12, 16)).rows[0].state_text == "기한 경과 10일"

    summary = home.summary(office.db, clerk, office.contract_id, now=at(DAY_6, 9))
    item = summary.item("cash_receipts")
    assert item is not None
    assert (item.count, item.amount, item.destination) == (1, 24_000, Destination.CASH_RECEIPTS)
    assert item.title == "현금영수증 미발급 — 발급 기한(5일) 경과"
    assert item.examples == ("김민준(S001) 120,000원 · 12-01 수납 · 기한 경과 1일",)
    assert home.summary(office.db, clerk, office.contract_id, now=at(DAY_5, 18)).item("cash_receipts") is None


def test_99999_won_is_never_listed_and_100000_is(office: Office, clerk, cash_payment: CashPayment) -> None:
    cash_payment("S001", "김민준", 99_999)
    for day in (DAY_6, date(2027, 3, 1)):
        assert _rows(office, clerk, day).rows == ()
        assert _rows(office, clerk, day, only_missing=False).rows == ()
    with office.db.session() as s:
        assert cash_receipts_due(s, office.contract_id, DAY_6) == []
    assert cash.list_cash_payments(office.db, clerk, office.contract_id, PAID_ON, PAID_ON,
                                   today=DAY_6)[0].receipt == ""
    cash_payment("S002", "이서연", 100_000)
    assert [r.customer_no for r in _rows(office, clerk, DAY_6).rows] == ["S002"]


def test_a_reversed_payment_is_not_listed(office: Office, clerk, cash_payment: CashPayment) -> None:
    payment_id = cash_payment("S001", "김민준", 150_000)
    assert len(_rows(office, clerk, DAY_6).rows) == 1
    cash.reverse_cash(office.db, office.admin, payment_id, "다른 고객 수납으로 잘못 입력", on=date(2026, 12, 2))
    assert _rows(office, clerk, DAY_6).rows == ()
    assert _rows(office, clerk, DAY_6, only_missing=False).rows == ()
    with office.db.session() as s:
        assert cash_receipts_due(s, office.contract_id, DAY_6) == []
    with pytest.raises(ServiceError, match="취소된 현금수납에는"):
        cash_receipts.record_cash_receipt(office.db, clerk, payment_id, approval_no="123456789",
                                          issued_on=date(2026, 12, 2), self_issued=False, today=DAY_6)
    with office.db.session() as s:
        reversal = s.scalar(select(Payment.id).where(Payment.reversal_reason.is_not(None)))
    with pytest.raises(ServiceError, match="현금수납 건에만"):
        cash_receipts.record_cash_receipt(office.db, clerk, reversal, approval_no="123456789",
                                          issued_on=date(2026, 12, 2), self_issued=False, today=DAY_6)


def test_recording_a_receipt_removes_it_and_a_correction_and_a_clearing_are_audited(
        office: Office, clerk, cash_payment: CashPayment) -> None:
    payment_id = cash_payment("S001", "김민준", 120_000)
    change = cash_receipts.record_cash_receipt(office.db, clerk, payment_id, approval_no="123-456 789",
                                               issued_on=date(2026, 12, 3), self_issued=False, today=DAY_6)
    assert change.changed and change.message == "현금영수증(2026-12-03) 발급을 기록했습니다."
    assert _receipt(office, payment_id) == ("123456789", date(2026, 12, 3), False, "clerk1")
    assert _rows(office, clerk, DAY_6).rows == ()
    with office.db.session() as s:
        assert cash_receipts_due(s, office.contract_id, DAY_6) == []
    issued = _rows(office, clerk, DAY_6, only_missing=False).rows[0]
    assert (issued.state_text, issued.receipt_text, issued.penalty, issued.receipt_by) == (
        "발급완료", "123456789", 0, "clerk1")
    assert cash.list_cash_payments(office.db, clerk, office.contract_id, PAID_ON, PAID_ON,
                                   today=DAY_6)[0].receipt == "발급 12-03"
    assert _audits(office, "cash_receipt_recorded") == [
        f'{{"payment_id": {payment_id}, "amount": 120000, "new": {{"receipt_no": "123456789", '
        '"receipt_on": "2026-12-03", "self_issued": false}}']

    same = cash_receipts.record_cash_receipt(office.db, clerk, payment_id, approval_no="123456789",
                                             issued_on=date(2026, 12, 3), self_issued=False, today=DAY_6)
    assert not same.changed and same.message == "이미 같은 내용으로 기록되어 있습니다."
    cash_receipts.record_cash_receipt(office.db, office.admin, payment_id, approval_no="987654321",
                                      issued_on=date(2026, 12, 4), self_issued=False, today=DAY_6)
    assert _receipt(office, payment_id) == ("987654321", date(2026, 12, 4), False, "admin")
    assert _audits(office, "cash_receipt_corrected") == [
        f'{{"payment_id": {payment_id}, "amount": 120000, "old": {{"receipt_no": "123456789", '
        '"receipt_on": "2026-12-03", "self_issued": false}, "new": {"receipt_no": "987654321", '
        '"receipt_on": "2026-12-04", "self_issued": false}}']

    cleared = cash_receipts.clear_cash_receipt(office.db, clerk, payment_id)
    assert cleared.message == "현금영수증 기록을 지웠습니다. 다시 발급 대상으로 나옵니다."
    assert _receipt(office, payment_id) == (None, None, False, None)
    assert [r.state_text for r in _rows(office, clerk, DAY_6).rows] == ["기한 경과 1일"]
    assert len(_audits(office, "cash_receipt_cleared")) == 1
    with pytest.raises(ServiceError, match="기록된 현금영수증이 없습니다"):
        cash_receipts.clear_cash_receipt(office.db, clerk, payment_id)


def test_a_self_issued_receipt_needs_no_number(office: Office, clerk, cash_payment: CashPayment) -> None:
    first = cash_payment("S001", "김민준", 120_000)
    late = cash_payment("S002", "이서연", 200_000)
    cash_receipts.record_cash_receipt(office.db, clerk, first, approval_no="", issued_on=date(2026, 12, 1),
                                      self_issued=True, today=DAY_6)
    cash_receipts.record_cash_receipt(office.db, clerk, late, approval_no="555666777", issued_on=date(2026, 12, 8),
                                      self_issued=True, today=date(2026, 12, 8))
    assert _receipt(office, first) == (None, date(2026, 12, 1), True, "clerk1")
    rows = {r.customer_no: r for r in _rows(office, clerk, date(2026, 12, 8), only_missing=False).rows}
    assert (rows["S001"].state_text, rows["S001"].receipt_text) == ("발급완료", "자진발급")
    assert (rows["S002"].state_text, rows["S002"].receipt_text) == ("발급완료 (기한 후 2일)", "자진발급 555666777")
    assert _rows(office, clerk, date(2026, 12, 8)).rows == ()
    assert [p.receipt for p in cash.list_cash_payments(office.db, clerk, office.contract_id, PAID_ON, PAID_ON,
                                                       today=date(2026, 12, 8))] == ["자진발급 12-01", "자진발급 12-08"]


def test_reversing_a_payment_with_a_receipt_says_to_cancel_it_at_hometax(office: Office, clerk,
                                                                        cash_payment: CashPayment) -> None:
    issued = cash_payment("S001", "김민준", 120_000)
    cash_receipts.record_cash_receipt(office.db, clerk, issued, approval_no="123456789", issued_on=PAID_ON,
                                      self_issued=False, today=PAID_ON)
    without = cash_payment("S002", "이서연", 120_000)
    done = cash.reverse_cash(office.db, office.admin, issued, "다른 고객 수납으로 잘못 입력", on=PAID_ON)
    assert done.message.endswith("이 수납에 발급한 현금영수증(123456789)은 홈택스에서 취소 발급하세요.")
    plain = cash.reverse_cash(office.db, office.admin, without, "금액 확인", on=PAID_ON)
    assert "현금영수증" not in plain.message


@pytest.mark.parametrize(("number", "issued_on", "message"), [
    ("12345678", date(2026, 12, 2), "숫자 9자리입니다 \\(입력한 번호는 8자리\\)"),
    ("1234567890", date(2026, 12, 2), "숫자 9자리입니다 \\(입력한 번호는 10자리\\)"),
    ("12345678a", date(2026, 12, 2), "숫자만 입력하세요"),
    ("１２３４５６７８９", date(2026, 12, 2), "숫자만 입력하세요"),
    ("", date(2026, 12, 2), "승인번호\\(숫자 9자리\\)를 입력하세요"),
    ("123456789", date(2026, 11, 30), "현금을 받은 날\\(2026-12-01\\)보다 앞설 수 없습니다"),
    ("123456789", date(2026, 12, 8), "오늘\\(2026-12-07\\) 뒤의 날짜입니다"),
    ("123456789", None, "발급일을 날짜"),
])
def test_bad_approval_numbers_and_dates_are_refused_and_nothing_is_written(
        office: Office, clerk, cash_payment: CashPayment, number: str, issued_on: date | None, message: str) -> None:
    payment_id = cash_payment("S001", "김민준", 120_000)
    with pytest.raises(ServiceError, match=message):
        cash_receipts.record_cash_receipt(office.db, clerk, payment_id, approval_no=number, issued_on=issued_on,
                                          self_issued=False, today=DAY_6)
    assert _receipt(office, payment_id) == (None, None, False, None)
    assert _audits(office, "cash_receipt_recorded") == []
    assert [r.state_text for r in _rows(office, clerk, DAY_6).rows] == ["기한 경과 1일"]


def test_only_the_offices_clerks_record_and_only_on_cash(office: Office, clerk, viewer,
                                                         cash_payment: CashPayment) -> None:
    payment_id = cash_payment("S001", "김민준", 120_000)
    with pytest.raises(PermissionDeniedError):
        cash_receipts.record_cash_receipt(office.db, viewer, payment_id, approval_no="123456789",
                                          issued_on=DAY_5, self_issued=False, today=DAY_6)
    with pytest.raises(PermissionDeniedError):
        cash_receipts.clear_cash_receipt(office.db, viewer, payment_id)
    assert len(_rows(office, viewer, DAY_6).rows) == 1  # a viewer sees the list
    with pytest.raises(ServiceError, match="수납 내역을 찾을 수 없습니다"):
        cash_receipts.record_cash_receipt(office.db, clerk, 987_654, approval_no="123456789", issued_on=DAY_5,
                                          self_issued=False, today=DAY_6)
    with office.db.session() as s:  # a debit is no cash payment
        p = s.scalar(select(Payment).where(Payment.id == payment_id))
        assert p is not None
        debit = Payment(contract_id=p.contract_id, charge_id=p.charge_id, method=PaymentMethod.DEBIT, amount=1,
                        paid_on=PAID_ON)
        s.add(debit)
        s.flush()
        debit_id = debit.id
    with pytest.raises(ServiceError, match="현금수납 건에만"):
        cash_receipts.record_cash_receipt(office.db, clerk, debit_id, approval_no="123456789", issued_on=DAY_5,
                                          self_issued=False, today=DAY_6)


def test_a_receipt_entered_with_the_cash_or_refused_with_it(office: Office, clerk, cash_payment: CashPayment) -> None:
    # The payer's cash was entered without its receipt; undone, it is received again with the receipt.
    other = cash_payment("S002", "이서연", 130_000, paid_on=DAY_6)
    cash.reverse_cash(office.db, office.admin, other, "영수증과 함께 다시 입력", on=DAY_6)
    with office.db.session() as s:
        other_charge = s.scalar(select(Payment.charge_id).where(Payment.id == other))
        before = (s.scalar(select(func.count()).select_from(Payment)),
                  s.scalar(select(func.count()).select_from(LedgerEntry)))
    with pytest.raises(ServiceError, match="숫자 9자리입니다"):
        cash.receive_cash(office.db, clerk, other_charge, 130_000, DAY_6, today=DAY_6,
                          receipt=ReceiptEntry("1234", DAY_6))
    with office.db.session() as s:
        assert (s.scalar(select(func.count()).select_from(Payment)),
                s.scalar(select(func.count()).select_from(LedgerEntry))) == before
        assert ledger.outstanding(s, other_charge) == 130_000
    done = cash.receive_cash(office.db, clerk, other_charge, 130_000, DAY_6, today=DAY_6,
                             receipt=ReceiptEntry("112233445", DAY_6))
    assert done.message == "현금 130,000원을 수납했습니다. 완납되었습니다. 현금영수증 발급도 기록했습니다."
    assert _receipt(office, done.payment_id) == ("112233445", DAY_6, False, "clerk1")
    assert len(_audits(office, "cash_receipt_recorded")) == 1
    assert _rows(office, clerk, DAY_6).rows == ()


def test_receiving_100000_or_more_without_a_receipt_says_when_it_is_due(office: Office, clerk,
                                                                       cash_payment: CashPayment) -> None:
    paid = cash_payment("S001", "김민준", 120_000)
    with office.db.session() as s:
        charge_id = s.scalar(select(Payment.charge_id).where(Payment.id == paid))
    cash.reverse_cash(office.db, office.admin, paid, "금액 확인", on=PAID_ON)
    part = cash.receive_cash(office.db, clerk, charge_id, 20_000, PAID_ON, today=PAID_ON)
    assert part.message == "현금 20,000원을 수납했습니다. 남은 미수납액은 100,000원입니다."
    rest = cash.receive_cash(office.db, clerk, charge_id, 100_000, PAID_ON, today=PAID_ON)
    assert rest.message == ("현금 100,000원을 수납했습니다. 완납되었습니다. 100,000원 이상이므로 2026-12-06까지 "
                            "현금영수증을 발급하고 현금영수증관리에서 승인번호를 입력하세요.")
    assert [r.amount for r in _rows(office, clerk, DAY_6).rows] == [100_000]  # per payment: 20,000 is not listed


def test_search_and_period(office: Office, clerk, cash_payment: CashPayment) -> None:
    cash_payment("S001", "김민준", 120_000, student="김하준")
    cash_payment("S002", "이서연", 300_000, paid_on=date(2026, 12, 3))
    assert [r.customer_no for r in _rows(office, clerk, DAY_6, search="하준").rows] == ["S001"]
    assert [r.customer_no for r in _rows(office, clerk, DAY_6, search="S002").rows] == ["S002"]
    assert [r.customer_no for r in _rows(office, clerk, DAY_6, search="%").rows] == []
    assert [r.customer_no for r in _rows(office, clerk, DAY_6, since=date(2026, 12, 2)).rows] == ["S002"]
    assert [r.customer_no for r in _rows(office, clerk, DAY_6, until=date(2026, 12, 2)).rows] == ["S001"]
    both = _rows(office, clerk, DAY_6)
    assert [r.state_text for r in both.rows] == ["기한 경과 1일", "기한 내 (D-1)"]
    assert (both.count, both.amount, both.penalty, both.overdue) == (2, 420_000, 84_000, 1)
    with office.db.session() as s:
        [item] = cash_receipts_due(s, office.contract_id, DAY_6)
    assert (item.count, item.amount) == (1, 24_000)  # only the overdue one stands on the home screen


def test_the_hometax_sheet_lists_what_remains_in_the_upload_order(office: Office, clerk, viewer,
                                                                  cash_payment: CashPayment, tmp_path: Path) -> None:
    cash_payment("S001", "김민준", 120_000, mobile="010-2345-6789")
    cash_payment("S002", "=이서연", 250_000, paid_on=date(2026, 12, 3))  # no mobile: 자진발급 to 010-000-1234
    issued = cash_payment("S003", "박지호", 180_000)
    cash_receipts.record_cash_receipt(office.db, clerk, issued, approval_no="123456789", issued_on=PAID_ON,
                                      self_issued=False, today=DAY_6)
    target = tmp_path / "현금영수증.xlsx"
    with pytest.raises(PermissionDeniedError):
        cash_receipts.export_hometax_xlsx(office.db, viewer, office.contract_id, target, today=DAY_6)
    done = cash_receipts.export_hometax_xlsx(office.db, clerk, office.contract_id, target, today=DAY_6)
    assert (done.rows, done.amount) == (2, 370_000) and is_private(done.path)
    sheet = load_workbook(target).active
    values = [tuple(c.value for c in row) for row in sheet.iter_rows()]
    assert values == [
        ("거래일자", "거래구분", "발급수단", "발급수단번호", "공급가액", "부가세", "봉사료", "총금액", "품목명"),
        ("20261201", "소득공제", "휴대전화", "01023456789", 120000, 0, 0, 120000, "수강료 2026-11"),
        ("20261203", "소득공제", "휴대전화", "0100001234", 250000, 0, 0, 250000, "수강료 2026-11"),
    ]
    assert _audits(office, "personal_data_exported") == ['{"rows": 2, "amount": 370000, "unmasked": true}']
    with pytest.raises(ServiceError, match="같은 이름의 파일이 이미 있습니다"):
        cash_receipts.export_hometax_xlsx(office.db, clerk, office.contract_id, target, today=DAY_6)
    nothing = tmp_path / "없음.xlsx"
    with pytest.raises(ServiceError, match="발급할 현금영수증이 없습니다"):
        cash_receipts.export_hometax_xlsx(office.db, clerk, office.contract_id, nothing, today=DAY_6, search="없는고객")
    assert not nothing.exists() and len(_audits(office, "personal_data_exported")) == 1
