"""The student of a payer (학생 이름·생년월일) and the posted-fee guard on the 이체정보 window."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from app.models import AccountRegistration, Customer, DebitAgreement
from app.services.common.calendar import SEOUL
from app.services.common.crypto import DataKey
from app.services.common.validation import ValidationError
from app.services.customers import agreements, rules
from app.services.customers import records as customers
from app.services.settings import contracts
from app.services.settings.contracts import ItemForm
from app.views.common.context import AppContext
from app.views.customers.agreement_dialog import AgreementDialog
from app.views.customers.customer_detail import CustomerDetailDialog
from app.views.customers.customer_dialog import CustomerDialog
from tests.academy_settings.conftest import save_shot
from tests.customers.conftest import agreement, item_ids, person
from tests.factories import Office

LEFT = Qt.MouseButton.LeftButton
NOW = datetime(2026, 11, 27, 10, 30, tzinfo=SEOUL)
TODAY = NOW.date()


def ctx(office: Office, key: DataKey) -> AppContext:
    return AppContext(office.db, office.admin, office.contract_id, key, clock=lambda: NOW)


def post_fee(office: Office, fee: str, code: str = "A01") -> None:
    row = next(i for i in contracts.list_items(office.db, office.admin, office.contract_id) if i.code == code)
    contracts.update_item(office.db, office.admin, row.id, ItemForm(row.name, "5, 25", version_id=row.version_id,
                                                                    posted_fee=fee))


# --- the student's fields -------------------------------------------------------------------------


def test_student_name_and_birth_date_are_saved_and_read_back(office: Office, key: DataKey) -> None:
    saved = customers.create_customer(office.db, office.admin, office.contract_id,
                                      person(name="김부모", student_name="김하늘", student_birth_date="2018-03-02"),
                                      key, today=TODAY)
    detail = customers.get_customer_detail(office.db, office.admin, saved.id)
    assert (detail.student_name, detail.student_birth_date) == ("김하늘", date(2018, 3, 2))
    form = detail.form()
    form.student_birth_date = "20180303"
    customers.update_customer(office.db, office.admin, saved.id, form, version_id=detail.version_id, data_key=key,
                              today=TODAY)
    again = customers.get_customer_detail(office.db, office.admin, saved.id)
    assert (again.student_name, again.student_birth_date) == ("김하늘", date(2018, 3, 3))


def test_a_student_who_is_the_payer_keeps_no_second_name(office: Office, key: DataKey) -> None:
    saved = customers.create_customer(office.db, office.admin, office.contract_id,
                                      person(name="김하늘", student_name=" 김하늘 "), key, today=TODAY)
    with office.db.session() as s:
        assert s.scalar(select(Customer.student_name).where(Customer.id == saved.id)) is None


@pytest.mark.parametrize(
    ("birth", "expected"),
    [
        ("2026-11-28", "학생 생년월일: 2026-11-28은(는) 오늘 이후입니다. 생년월일을 확인하세요."),
        ("1899-12-31", "학생 생년월일: 1899-12-31: 1900년 이후의 날짜를 입력하세요."),
        ("2018-02-30", "학생 생년월일: 2018-02-30은(는) 없는 날짜입니다."),
        ("18.3.2", "학생 생년월일: 날짜 형식이 아닙니다 (예: 2024-03-02)."),
    ],
)
def test_a_bad_birth_date_is_refused_and_nothing_is_written(office: Office, key: DataKey, birth: str,
                                                           expected: str) -> None:
    with pytest.raises(ValidationError) as refused:
        customers.create_customer(office.db, office.admin, office.contract_id, person(student_birth_date=birth), key,
                                  today=TODAY)
    assert str(refused.value) == expected
    with office.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 0


def test_today_is_a_birth_date_allowed(office: Office, key: DataKey) -> None:
    assert rules.student_birth_date("2026-11-27", today=TODAY) == TODAY


def test_the_dialog_takes_the_student_and_the_detail_shows_it(qtbot, office: Office, key: DataKey) -> None:
    dialog = CustomerDialog(ctx(office, key))
    qtbot.addWidget(dialog)
    dialog.resize(1000, 600)
    dialog.show()
    dialog.customer_no.setText("C-100")
    dialog.name.setText("박부모")
    dialog.mobile.setText("010-2222-3333")
    dialog.student_name.setText("박하늘")
    qtbot.keyClicks(dialog.student_birth, "2030-01-01")
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.isVisible()
    assert dialog.error.text() == "학생 생년월일: 2030-01-01은(는) 오늘 이후입니다. 생년월일을 확인하세요."
    assert dialog.student_birth.hasFocus() or not dialog.isActiveWindow()
    dialog.student_birth.setText("2018-03-02")
    save_shot(dialog, "customer_dialog_student")
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.saved_id is not None and not dialog.isVisible()

    detail = CustomerDetailDialog(ctx(office, key), dialog.saved_id)
    qtbot.addWidget(detail)
    detail.show()
    assert detail.values["학생 이름"].text() == "박하늘"
    assert detail.values["학생 생년월일"].text() == "2018-03-02 (2026년 말 만 8세)"
    edit = CustomerDialog(ctx(office, key), detail.detail)
    qtbot.addWidget(edit)
    assert (edit.student_name.text(), edit.student_birth.text()) == ("박하늘", "2018-03-02")


# --- the posted fee on the agreement ----------------------------------------------------------------


def test_an_amount_above_the_posted_fee_is_refused_by_the_service(office: Office, key: DataKey) -> None:
    post_fee(office, "150000")
    customer_id = customers.create_customer(office.db, office.admin, office.contract_id, person(), key).id
    tuition = item_ids(office.db, office)["수강료"]
    with pytest.raises(ValidationError) as refused:
        agreements.create_agreement(office.db, office.admin, customer_id, agreement(tuition, monthly_amount="160,000"),
                                    data_key=key, today=TODAY)
    assert str(refused.value) == ("월이체금액: 게시 교습비(150,000원)를 넘는 월 금액은 받을 수 없습니다 (학원법 제15조). "
                                  "지금 160,000원입니다.")
    with office.db.session() as s:
        assert s.scalar(select(func.count()).select_from(DebitAgreement)) == 0
        assert s.scalar(select(func.count()).select_from(AccountRegistration)) == 0
    saved = agreements.create_agreement(office.db, office.admin, customer_id,
                                        agreement(tuition, monthly_amount="150,000"), data_key=key, today=TODAY)
    row = customers.get_customer_detail(office.db, office.admin, customer_id).agreements[0]
    with pytest.raises(ValidationError, match="게시 교습비\\(150,000원\\)를 넘는"):
        agreements.update_agreement(office.db, office.admin, saved.id, agreement(tuition, monthly_amount="150,001"),
                                    version_id=row.version_id, data_key=key, today=TODAY)
    # An item without a posted fee takes any amount (the limit aside).
    agreements.create_agreement(office.db, office.admin, customer_id,
                                agreement(item_ids(office.db, office)["교재비"], monthly_amount="400,000"),
                                data_key=key, today=TODAY)


def test_the_agreement_window_shows_the_fee_and_refuses_more(qtbot, office: Office, key: DataKey) -> None:
    post_fee(office, "150000")
    customer_id = customers.create_customer(office.db, office.admin, office.contract_id,
                                            person(representative="홍아빠"), key).id
    dialog = AgreementDialog(ctx(office, key), customers.get_customer_detail(office.db, office.admin, customer_id))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.item.setCurrentIndex(dialog.item.findText("수강료"))
    assert dialog.fee_label.isVisible() and dialog.fee_label.text() == "150,000원 (월이체금액은 이보다 많을 수 없습니다)"
    qtbot.keyClicks(dialog.debit_limit, "500000")
    qtbot.keyClicks(dialog.monthly_amount, "160000")
    assert dialog.fee_label.text().startswith("게시 교습비(150,000원)를 넘는 월 금액은 받을 수 없습니다")
    assert "c0392b" in dialog.fee_label.styleSheet()
    dialog.bank.setCurrentIndex(dialog.bank.findData("088"))
    qtbot.keyClicks(dialog.account_no, "110-123-456789")
    qtbot.keyClicks(dialog.holder_id, "700101")
    save_shot(dialog, "agreement_dialog_over_fee")
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.isVisible()
    assert dialog.error.text() == ("월이체금액: 게시 교습비(150,000원)를 넘는 월 금액은 받을 수 없습니다 (학원법 제15조). "
                                   "지금 160,000원입니다.")
    assert dialog.monthly_amount.hasFocus() or not dialog.isActiveWindow()
    with office.db.session() as s:
        assert s.scalar(select(func.count()).select_from(DebitAgreement)) == 0
    dialog.item.setCurrentIndex(dialog.item.findText("교재비"))  # no posted fee: the line goes away
    assert not dialog.fee_label.isVisible()
