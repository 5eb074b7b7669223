"""계약정보 on screen: each refusal names its field, good input saves, conflicts and roles are clear."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import QMessageBox

from app.models import Role
from app.services.common.session import Actor
from app.services.settings import contracts
from app.views.common.context import AppContext
from app.views.settings.contract_view import (
    ContractPage,
    business_no_text,
    passbook_bytes,
)
from tests.factories import Office, add_user

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(autouse=True)
def no_boxes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *a, **k: warnings.append(text))
    yield
    assert not warnings, f"unexpected warning boxes: {warnings}"


def open_page(qtbot, office: Office, actor: Actor | None = None) -> ContractPage:
    page = ContractPage(AppContext(office.db, actor or office.admin, office.contract_id))
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    qtbot.waitExposed(page)
    return page


def test_the_form_shows_the_contract(qtbot, office: Office) -> None:
    page = open_page(qtbot, office)
    assert page.institution_code.text() == office.institution_code
    assert page.business_no.text() == "124-81-00998"
    assert page.bank.currentText().startswith("088 ")
    assert page.debit_days.text() == "5, 15, 25"
    assert page.passbook_counter.text().startswith("10/16바이트")
    assert page.fee_debit.value() == 300
    assert page.request_cutoff.time() == QTime(14, 0)


def test_passbook_counter_turns_red(qtbot, office: Office) -> None:
    page = open_page(qtbot, office)
    assert "c0392b" not in page.passbook_counter.styleSheet()
    page.passbook.setText("가나다라마바사아자")
    assert page.passbook_counter.text().startswith("18/16바이트")
    assert "c0392b" in page.passbook_counter.styleSheet()
    page.passbook.setText("똠방학원")
    assert "EUC-KR에 없는 글자: 똠" in page.passbook_counter.text()
    assert "c0392b" in page.passbook_counter.styleSheet()
    page.passbook.setText("ABC학원")
    assert page.passbook_counter.text().startswith("7/16바이트") and "c0392b" not in page.passbook_counter.styleSheet()


@pytest.mark.parametrize(
    ("widget", "value", "field"),
    [
        ("business_no", "123-45-67890", "사업자등록번호"),
        ("passbook", "가나다라마바사아자", "통장기재내용"),
        ("passbook", "똠방학원", "통장기재내용"),
        ("debit_days", "0, 32", "이체가능일"),
        ("institution_code", "12345", "이용기관코드"),
        ("name", "", "계약명"),
    ],
)
def test_refusals_name_the_field(qtbot, office: Office, widget: str, value: str, field: str) -> None:
    page = open_page(qtbot, office)
    edit = getattr(page, widget)
    edit.setText(value)
    qtbot.mouseClick(page.save_button, LEFT)
    assert not page.error.isHidden()
    head, _, message = page.error.text().partition(":")
    assert field in head and message.strip()
    assert edit.text() == value  # nothing typed is lost
    assert contracts.get_contract(office.db, office.admin, office.contract_id).name == "해오름수학학원"


def test_good_input_is_saved_and_announced(qtbot, office: Office) -> None:
    page = open_page(qtbot, office)
    page.name.setText("해오름수학학원 본원")
    page.business_no.setText("1248100998")
    page.passbook.setText("해오름수학")
    page.debit_days.setText("5, 10, 25")
    page.bank.setCurrentIndex(page.bank.findData("004"))
    page.fee_debit.setValue(250)
    page.request_cutoff.setTime(QTime(13, 30))
    page.auto_request.setChecked(True)
    page.auto_lead.setValue(90)
    page.approval.setChecked(True)
    page.approval_labels.setText("담당,원장")
    assert not page.partial_debit.isChecked()  # 전액출금 unless the office chooses otherwise
    page.partial_debit.setChecked(True)
    with qtbot.waitSignal(page.ctx.signals.data_changed, check_params_cb=lambda topic: topic == "contract"):
        qtbot.mouseClick(page.save_button, LEFT)
    assert page.error.isHidden()
    saved = contracts.get_contract(office.db, office.admin, office.contract_id)
    assert (saved.name, saved.passbook_text, saved.debit_days) == ("해오름수학학원 본원", "해오름수학", [5, 10, 25])
    assert (saved.settlement_bank_code, saved.fee_per_debit, saved.request_cutoff.hour, saved.request_cutoff.minute) == (
        "004", 250, 13, 30)
    assert (saved.auto_request, saved.auto_request_lead_minutes, saved.approval_box_labels) == (
        True, 90, ["담당", "원장"])
    assert saved.partial_debit
    page.reload_button.click()
    assert page.partial_debit.isChecked()
    assert page.business_no.text() == "124-81-00998"
    assert not page.dirty and "저장" in page.status.text()


def test_a_conflicting_edit_is_reported_and_can_be_reloaded(qtbot, office: Office) -> None:
    page = open_page(qtbot, office)
    row = contracts.get_contract(office.db, office.admin, office.contract_id)
    # Another administrator saves first, from another PC.
    other = contracts.ContractForm(
        institution_code=row.institution_code, name="다른 PC에서 바꾼 이름", business_no=row.business_no,
        representative=row.representative, settlement_bank_code=row.settlement_bank_code,
        settlement_account_no=row.settlement_account_no, passbook_text=row.passbook_text,
        debit_days="5,15,25", version_id=row.version_id)
    contracts.update_contract(office.db, office.admin, office.contract_id, other)
    page.name.setText("이 PC에서 바꾼 이름")
    qtbot.mouseClick(page.save_button, LEFT)
    assert "다른 사용자가 먼저" in page.error.text()
    assert page.reload_button.isVisible()
    assert contracts.get_contract(office.db, office.admin, office.contract_id).name == "다른 PC에서 바꾼 이름"
    qtbot.mouseClick(page.reload_button, LEFT)
    assert page.name.text() == "다른 PC에서 바꾼 이름" and page.error.isHidden()


def test_unsaved_edits_survive_switching_away_and_back(qtbot, office: Office) -> None:
    page = open_page(qtbot, office)
    page.representative.setText("박대표")
    page.hide()
    page.show()
    assert page.representative.text() == "박대표"


def test_add_a_second_contract(qtbot, office: Office) -> None:
    page = open_page(qtbot, office)
    qtbot.mouseClick(page.new_button, LEFT)
    assert page.institution_code.text() == "" and page.cancel_new_button.isVisible()
    page.institution_code.setText("9912345679")
    page.name.setText("해오름영어학원")
    page.business_no.setText("124-81-00998")
    page.representative.setText("김해오")
    page.bank.setCurrentIndex(page.bank.findData("088"))
    page.account_no.setText("110987654321")
    page.passbook.setText("해오름영어")
    with qtbot.waitSignal(page.ctx.signals.contract_changed):
        qtbot.mouseClick(page.save_button, LEFT)
    assert page.error.isHidden(), page.error.text()
    assert page.ctx.contract_id != office.contract_id
    assert page.institution_code.text() == "9912345679"
    assert len(contracts.list_contracts(office.db, office.admin)) == 2


def test_others_read_only(qtbot, office: Office) -> None:
    clerk = add_user(office, "clerk2", Role.CLERK)
    page = open_page(qtbot, office, clerk)
    assert page.name.text() == "해오름수학학원"
    assert page.name.isReadOnly() and not page.bank.isEnabled() and not page.fee_debit.isEnabled()
    assert not page.partial_debit.isEnabled()
    assert not page.save_button.isVisible() and not page.new_button.isVisible()
    assert "관리자만" in page.header.text()


def test_helpers() -> None:
    assert business_no_text("1248100998") == "124-81-00998"
    assert passbook_bytes("해오름 ABC") == (10, [])
    assert passbook_bytes("똠") == (2, ["똠"])
