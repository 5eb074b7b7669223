"""휴원관리 on screen: register a pause in the dialog, see it listed, end it after a confirmation; a viewer only reads."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from sqlalchemy import select

from app.models import Customer
from app.services.customers import pauses
from app.views.customers.pause_dialog import PauseDialog
from app.views.customers.pauses_view import NO_CONTRACT, PausesPage
from tests.factories import Office
from tests.message_boxes import Boxes
from tests.pauses.conftest import PageOpener
from tests.pauses.helpers import TODAY, add_payer

LEFT = Qt.MouseButton.LeftButton


def _students(office: Office) -> None:
    db, cid = office.db, office.contract_id
    add_payer(db, cid, "2024001", "김민준", monthly=300_000)
    add_payer(db, cid, "2024001", "김민준", monthly=40_000, item="A02")
    add_payer(db, cid, "2024002", "이서연", monthly=200_000)


def _customer_ids(office: Office) -> dict[str, int]:
    with office.db.session() as s:
        return {no: cid for no, cid in s.execute(select(Customer.customer_no, Customer.id))}


def _cell(page: PausesPage, row: int, header: str) -> str:
    return page.model.index(row, page.model.column_of(header)).data()


def test_a_clerk_registers_a_pause_for_some_items_in_the_dialog(qtbot, office: Office, clerk, open_page: PageOpener
                                                                 ) -> None:
    _students(office)
    page = open_page(PausesPage, clerk)
    assert page.model.rowCount() == 0 and page.empty.message == "등록된 휴원이 없습니다"
    qtbot.mouseClick(page.add_button, LEFT)
    dialog = page.active_dialog
    assert isinstance(dialog, PauseDialog)
    assert [r.customer_no for r in dialog.customer_model.rows()] == ["2024001", "2024002"]
    dialog.search.setText("김민준")
    qtbot.mouseClick(dialog.search_button, LEFT)
    assert [r.customer_no for r in dialog.customer_model.rows()] == ["2024001"]
    assert [(r.item_name, r.monthly_amount) for r in dialog.item_model.checked_rows()] == [("수강료", 300_000),
                                                                                          ("교재비", 40_000)]
    assert (dialog.first_month.text(), dialog.last_month.text()) == ("2027-01", "2027-01")  # next month by default
    dialog.last_month.setDate(QDate(2027, 2, 1))
    assert dialog.span.text() == "2개월 · 2027-03부터 다시 청구"

    qtbot.mouseClick(dialog.save_button, LEFT)  # no reason yet
    assert dialog.error.text() == "휴원 사유를 입력하세요 (예: 가족 여행, 건강 문제)." and dialog.isVisible()
    assert pauses.list_pauses(office.db, clerk, office.contract_id, today=TODAY) == []

    dialog.reason.setText("가족 여행")
    dialog.item_model.set_checked(1, False)  # 교재비 is still charged
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert not dialog.isVisible()
    assert [(_cell(page, 0, h)) for h in ("상태", "고객번호", "고객명", "집금항목", "휴원기간", "개월", "월이체금액", "휴원 사유")] \
        == ["예정", "2024001", "김민준", "수강료", "2027-01~2027-02", "2", "300,000원", "가족 여행"]
    assert page.status.text() == ("김민준(2024001) 수강료 2027-01~2027-02 휴원을 등록했습니다. 이 기간에는 청구하지 않고 "
                                  "2027-03부터 다시 청구합니다.")
    assert page.total_label.text() == "총 1건 · 휴원중 0건 · 예정 1건"


def test_the_dialog_shows_the_services_refusal_and_writes_nothing(qtbot, office: Office, open_page: PageOpener) -> None:
    _students(office)
    page = open_page(PausesPage)
    qtbot.mouseClick(page.add_button, LEFT)
    dialog = page.active_dialog
    dialog.first_month.setDate(QDate(2027, 1, 1))
    dialog.last_month.setDate(QDate(2028, 1, 1))
    assert dialog.span.text() == "13개월 · 2028-02부터 다시 청구"
    dialog.reason.setText("유학")
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.error.text() == ("휴원은 한 번에 12개월까지 등록할 수 있습니다 (2027-01~2028-01: 13개월). 더 길게 쉬면 "
                                   "이체정보를 해지하세요.")
    dialog.item_model.set_all_checked(False)
    assert not dialog.save_button.isEnabled()  # nothing ticked: nothing to register
    dialog.reject()
    assert page.model.rowCount() == 0


def test_ending_a_pause_asks_first_then_cancels_it(qtbot, office: Office, clerk, open_page: PageOpener,
                                                   boxes: Boxes) -> None:
    _students(office)
    pauses.add_pause(office.db, clerk, _customer_ids(office)["2024001"], None, "2027-01", "2027-02", "가족 여행", today=TODAY)
    page = open_page(PausesPage, clerk)
    assert page.model.rowCount() == 2 and page.end_button.isEnabled()

    boxes.answer = False
    qtbot.mouseClick(page.end_button, LEFT)
    assert boxes.asked == ["김민준(2024001) 수강료 2027-01~2027-02 휴원을 취소할까요?\n2027-01부터 예정대로 청구합니다."]
    assert _cell(page, 0, "상태") == "예정"

    boxes.answer = True
    qtbot.mouseClick(page.end_button, LEFT)
    assert page.status.text() == "김민준(2024001) 수강료 2027-01~2027-02 휴원을 취소했습니다. 2027-01부터 예정대로 청구합니다."
    states = {(_cell(page, i, "집금항목"), _cell(page, i, "상태")) for i in range(page.model.rowCount())}
    assert states == {("수강료", "취소"), ("교재비", "예정")}
    cancelled = next(i for i in range(page.model.rowCount()) if _cell(page, i, "상태") == "취소")
    assert _cell(page, cancelled, "비고").startswith("clerk1 ") and _cell(page, cancelled, "비고").endswith(" 취소")
    page.table.selectRow(cancelled)
    assert not page.end_button.isEnabled() and page.end_button.toolTip() == "취소된 휴원입니다."


def test_the_month_filter_and_the_search_narrow_the_list(qtbot, office: Office, open_page: PageOpener) -> None:
    _students(office)
    ids = _customer_ids(office)
    pauses.add_pause(office.db, office.admin, ids["2024001"], None, "2027-01", "2027-01", "방학", today=TODAY)
    pauses.add_pause(office.db, office.admin, ids["2024002"], None, "2027-03", "2027-04", "이사", today=TODAY)
    page = open_page(PausesPage)
    assert page.model.rowCount() == 3
    page.month.setCurrentIndex(page.month.findData("2027-03"))
    assert [_cell(page, i, "고객명") for i in range(page.model.rowCount())] == ["이서연"]
    page.month.setCurrentIndex(page.month.findData("2027-02"))
    assert page.model.rowCount() == 0 and page.empty.message == "조건에 맞는 휴원 내역이 없습니다."
    page.month.setCurrentIndex(0)
    page.search.setText("김민준")
    qtbot.mouseClick(page.search_button, LEFT)
    assert {_cell(page, i, "집금항목") for i in range(page.model.rowCount())} == {"수강료", "교재비"}


def test_a_viewer_sees_the_list_without_the_buttons(qtbot, office: Office, viewer, open_page: PageOpener) -> None:
    _students(office)
    pauses.add_pause(office.db, office.admin, _customer_ids(office)["2024001"], None, "2027-01", "2027-01", "방학", today=TODAY)
    page = open_page(PausesPage, viewer)
    assert page.model.rowCount() == 2
    assert not page.add_button.isVisibleTo(page) and not page.end_button.isVisibleTo(page)


def test_without_a_contract_the_page_only_says_so(qtbot, office: Office, open_page: PageOpener) -> None:
    page = open_page(PausesPage, contract=False)
    assert page.no_contract.isVisibleTo(page) and page.no_contract.text() == NO_CONTRACT
    assert not page.content.isVisibleTo(page)
