"""[변경…] holds every amount to what the deposit has left and what the charge still owes."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.services.collection import cash
from app.services.collection.cash import CashRow
from app.views.collection.statement_dialogs import ChangeDialog
from tests.factories import Office
from tests.statement_views.helpers import cell, deposit, failed_payers


def _dialog(qtbot, office: Office, clerk, amount: int, *, reserved: dict[int, int] | None = None,
            available: int | None = None) -> tuple[ChangeDialog, dict[str, CashRow]]:
    failed_payers(office, clerk)
    rows = cash.list_cash_candidates(office.db, clerk, office.contract_id)

    def find(text: str) -> list[CashRow]:
        return [r for r in rows if text in r.customer_no or text in r.customer_name]

    dialog = ChangeDialog(deposit(3, "김민준모", amount), amount if available is None else available, (), find,
                          reserved=reserved)
    qtbot.addWidget(dialog)
    return dialog, {r.customer_no: r for r in rows}


def _row_of(dialog: ChangeDialog, customer_no: str) -> int:
    return next(i for i, r in enumerate(dialog.model.rows()) if r.customer_no == customer_no)


def test_a_tick_fills_in_what_the_deposit_can_pay_and_typing_more_is_refused(qtbot, office: Office, clerk) -> None:
    dialog, _rows = _dialog(qtbot, office, clerk, 400_000)
    assert [r.customer_no for r in dialog.model.rows()] == ["2024001", "2024002", "2024003"]  # 최하은 paid
    assert not dialog.buttons.accept.isEnabled()
    model = dialog.model
    kim = _row_of(dialog, "2024001")
    assert model.setData(model.index(kim, 0), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert cell(model, kim, "수납할 금액") == "300,000원"  # all it owes: less than the deposit
    lee = _row_of(dialog, "2024002")
    assert model.setData(model.index(lee, 0), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert cell(model, lee, "수납할 금액") == "100,000원"  # what is left of the deposit, not the 250,000원 owed
    assert dialog.summary.text() == "입금액 400,000원 · 선택한 청구 2건 400,000원 · 남은 입금 0원"
    park = _row_of(dialog, "2024003")
    assert not model.setData(model.index(park, 0), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert dialog.error.text().startswith("입금액을 모두 나누었습니다")

    amount = model.index(lee, model.amount_column)
    assert model.flags(amount) & Qt.ItemFlag.ItemIsEditable
    assert not model.setData(amount, "150,000")  # the deposit has only 100,000원 left for it
    assert dialog.error.text() == "2024002 이서연 · 수강료 2026-11: 입금액에서 남은 100,000원보다 많이 수납할 수 없습니다."
    assert not model.setData(model.index(kim, model.amount_column), "300,001")
    assert dialog.error.text() == "2024001 김민준 · 수강료 2026-11: 미수납액 300,000원보다 많이 수납할 수 없습니다."
    assert not model.setData(amount, "십만원")
    assert dialog.error.text() == "2024002 이서연 · 수강료 2026-11: 숫자만 입력하세요 (예: 12,000)."
    assert [(p.customer_no, p.amount) for p in dialog.allocations()] == [("2024001", 300_000), ("2024002", 100_000)]

    assert model.setData(model.index(kim, model.amount_column), "200,000")
    assert model.setData(amount, "200,000원")
    assert dialog.summary.text() == "입금액 400,000원 · 선택한 청구 2건 400,000원 · 남은 입금 0원"
    assert not dialog.error.isVisible()
    assert [(p.customer_no, p.amount) for p in dialog.allocations()] == [("2024001", 200_000), ("2024002", 200_000)]
    dialog.save()
    assert dialog.result() == ChangeDialog.DialogCode.Accepted


def test_what_other_ticked_deposits_take_is_not_offered_again(qtbot, office: Office, clerk) -> None:
    dialog, rows = _dialog(qtbot, office, clerk, 300_000)
    kim = rows["2024001"]
    dialog.reserved = {kim.charge_id: 200_000}  # another ticked deposit already pays 200,000원 of it
    assert dialog.limit(kim) == 100_000
    assert dialog.set_ticked(kim, True)
    assert dialog.parts[kim.charge_id].amount == 100_000
    dialog.reserved = {kim.charge_id: 300_000}
    dialog.set_ticked(kim, False)
    assert not dialog.set_ticked(kim, True)
    assert cell(dialog.model, _row_of(dialog, "2024001"), "선택", Qt.ItemDataRole.ToolTipRole) \
        == "다른 입금으로 미수납액을 모두 수납합니다"


def test_a_stored_deposit_offers_only_what_it_has_left(qtbot, office: Office, clerk) -> None:
    dialog, rows = _dialog(qtbot, office, clerk, 300_000, available=50_000)
    assert "입금액 300,000원 (수납할 수 있는 남은 금액 50,000원)" in dialog.deposit_label.text()
    assert dialog.set_ticked(rows["2024002"], True)
    assert dialog.parts[rows["2024002"].charge_id].amount == 50_000


def test_nothing_chosen_is_refused_with_a_way_out(qtbot, office: Office, clerk) -> None:
    dialog, _rows = _dialog(qtbot, office, clerk, 300_000)
    dialog.save()
    assert dialog.result() != ChangeDialog.DialogCode.Accepted
    assert dialog.error.text().startswith("이 입금으로 수납할 청구를 하나 이상 체크하세요")
