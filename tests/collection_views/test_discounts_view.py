"""할인관리 on screen: tick, enter a rate, see the truncated amounts, 일괄적용, the history."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from app.models import DebitAgreement
from app.views.collection.discounts_view import DiscountsPage
from tests.collection_views.conftest import Boxes
from tests.collection_views.helpers import add_payer
from tests.factories import Office

LEFT = Qt.MouseButton.LeftButton
CHECKED = Qt.CheckState.Checked


def _agreements(office: Office) -> None:
    db, cid = office.db, office.contract_id
    add_payer(db, cid, "2024001", "김민준", monthly=333_333, grade="초등3")
    add_payer(db, cid, "2024002", "이서연", monthly=255_555, grade="중등1")
    add_payer(db, cid, "2024003", "박지호", monthly=300_000, grade="초등3", rate=10, discount=30_000)
    add_payer(db, cid, "2024003", "박지호", monthly=50_000, item="A02")


def _tick(page: DiscountsPage, customer_no: str, item: str = "수강료") -> None:
    row = next(i for i, r in enumerate(page.model.rows()) if r.customer_no == customer_no and r.item_name == item)
    page.model.setData(page.model.index(row, 0), CHECKED, Qt.ItemDataRole.CheckStateRole)


def _cell(page: DiscountsPage, customer_no: str, header: str) -> str:
    row = next(i for i, r in enumerate(page.model.rows()) if r.customer_no == customer_no and r.item_name == "수강료")
    return page.model.index(row, page.model.column_of(header)).data()


def test_the_preview_shows_truncated_amounts_and_applying_records_history(qtbot, office: Office, clerk,
                                                                          open_page, boxes: Boxes) -> None:
    _agreements(office)
    page = open_page(DiscountsPage, clerk)
    assert page.model.rowCount() == 4
    assert _cell(page, "2024003", "할인율") == "10%" and _cell(page, "2024003", "이체금액") == "270,000원"
    assert not page.apply_button.isEnabled()
    _tick(page, "2024001")
    _tick(page, "2024002")
    page.rate.setValue(15)
    # 333,333 × 15% = 49,999.95 and 255,555 × 15% = 38,333.25: truncated to the won, never rounded up.
    assert _cell(page, "2024001", "새 할인금액") == "49,999원"
    assert _cell(page, "2024001", "새 이체금액") == "283,334원"
    assert _cell(page, "2024002", "새 할인금액") == "38,333원"
    assert _cell(page, "2024002", "새 할인율") == "15%"
    assert _cell(page, "2024003", "새 할인금액") == ""  # not ticked: nothing would change
    assert page.summary.text() == "선택 2건 · 월이체금액 588,888원 · 할인금액 88,332원 · 적용 후 이체금액 500,556원"

    qtbot.mouseClick(page.apply_button, LEFT)
    assert boxes.asked and "면제할인비율 15%를 일괄적용할까요" in boxes.asked[0]
    assert "2건에 할인/면제비율 15%를 적용했습니다" in page.status.text()
    assert _cell(page, "2024001", "할인율") == "15%" and _cell(page, "2024001", "할인금액") == "49,999원"
    assert page.model.checked_rows() == [] and _cell(page, "2024001", "새 할인금액") == ""
    history = page.history_model.rows()
    assert {(h.customer_no, h.login_id, h.old_rate, h.new_rate, h.new_amount) for h in history} == {
        ("2024001", "clerk1", 0, 15, 49_999), ("2024002", "clerk1", 0, 15, 38_333)}
    row = next(i for i, h in enumerate(history) if h.customer_no == "2024001")
    assert page.history_model.index(row, page.history_model.column_of("변경 후")).data() == "15% · 49,999원"
    with office.db.session() as s:
        amounts = {tuple(r) for r in s.execute(select(DebitAgreement.monthly_amount, DebitAgreement.discount_amount))}
    assert (333_333, 49_999) in amounts and (255_555, 38_333) in amounts


def test_declining_the_confirmation_changes_nothing_and_filters_narrow_the_list(qtbot, office: Office, clerk,
                                                                                open_page, boxes: Boxes) -> None:
    _agreements(office)
    page = open_page(DiscountsPage, clerk)
    _tick(page, "2024001")
    page.rate.setValue(20)
    boxes.answer = False
    qtbot.mouseClick(page.apply_button, LEFT)
    assert _cell(page, "2024001", "할인율") == "0%" and page.history_model.rowCount() == 0
    page.only_discounted.setChecked(True)
    qtbot.mouseClick(page.search_button, LEFT)
    assert [r.customer_no for r in page.model.rows()] == ["2024003"]
    page.only_discounted.setChecked(False)
    page.grade_filter.setCurrentIndex(page.grade_filter.findData("중등1"))
    qtbot.mouseClick(page.search_button, LEFT)
    assert [r.customer_no for r in page.model.rows()] == ["2024002"]


def test_a_viewer_sees_discounts_but_cannot_change_them(office: Office, viewer, open_page) -> None:
    _agreements(office)
    page = open_page(DiscountsPage, viewer)
    assert page.model.rowCount() == 4 and not page.model.has_ticks
    for widget in (page.rate, page.apply_button, page.all_box):
        assert not widget.isVisibleTo(page)
