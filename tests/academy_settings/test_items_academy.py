"""집금항목관리 of an academy: the posted 교습비 and the teaching time refunds are computed from."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select, update

from app.models import AgreementStatus, CollectionItem, DebitAgreement
from app.services.common.session import Actor
from app.services.common.validation import ValidationError
from app.services.settings import contracts
from app.services.settings.contracts import ItemForm, ItemRow
from app.views.common.context import AppContext
from app.views.settings.items_view import ItemDialog, ItemsPage
from tests.academy_settings.conftest import save_shot
from tests.collection_views.helpers import add_payer
from tests.factories import Office

LEFT = Qt.MouseButton.LeftButton


def item(office: Office, code: str = "A01") -> ItemRow:
    return next(i for i in contracts.list_items(office.db, office.admin, office.contract_id) if i.code == code)


def change(office: Office, code: str = "A01", **academy: str | None) -> None:
    row = item(office, code)
    contracts.update_item(office.db, office.admin, row.id, ItemForm(
        row.name, ", ".join(str(d) for d in row.collection_days), row.active, version_id=row.version_id, **academy))


# --- the service ----------------------------------------------------------------------------------


def test_a_posted_fee_and_teaching_days_are_saved_and_listed(office: Office) -> None:
    change(office, posted_fee="150,000", teaching_first_day="3", teaching_last_day="28")
    row = item(office)
    assert (row.posted_fee, row.teaching_first_day, row.teaching_last_day, row.teaching_sessions) == (150_000, 3, 28, None)
    assert row.teaching_text == "3일~28일"
    change(office, teaching_first_day="", teaching_last_day="", teaching_sessions="8회")
    row = item(office)
    assert (row.posted_fee, row.teaching_first_day, row.teaching_sessions, row.teaching_text) == (
        150_000, None, 8, "매월 8회")
    change(office, teaching_sessions="", teaching_last_day="20")
    assert item(office).teaching_text == "1일~20일"


def test_a_new_own_item_takes_them_too(office: Office) -> None:
    contracts.create_item(office.db, office.admin, office.contract_id, ItemForm(
        "방과후수업료", "25", posted_fee="90000", teaching_sessions="4"))
    row = next(i for i in contracts.list_items(office.db, office.admin, office.contract_id) if i.name == "방과후수업료")
    assert (row.posted_fee, row.teaching_sessions) == (90_000, 4)


@pytest.mark.parametrize(
    ("academy", "expected"),
    [
        ({"posted_fee": "15만원"}, "게시 교습비: 숫자만 입력하세요 (예: 12,000)."),
        ({"posted_fee": "0"}, "게시 교습비: 1 이상이어야 합니다."),
        ({"teaching_first_day": "0"}, "교습 시작일: '0'은(는) 1~31 사이의 날짜(일)가 아닙니다."),
        ({"teaching_last_day": "32"}, "교습 종료일: '32'은(는) 1~31 사이의 날짜(일)가 아닙니다."),
        ({"teaching_first_day": "20", "teaching_last_day": "10"}, "교습 종료일: 교습 시작일(20일)보다 앞설 수 없습니다."),
        ({"teaching_sessions": "0"}, "월 교습 횟수: '0'은(는) 1~100 사이의 횟수가 아닙니다."),
        ({"teaching_first_day": "1", "teaching_sessions": "8"},
         "월 교습 횟수: 교습 시작일·종료일과 월 교습 횟수는 함께 쓸 수 없습니다."),
    ],
)
def test_bad_values_are_refused_naming_the_field(office: Office, academy: dict[str, str], expected: str) -> None:
    before = item(office)
    with pytest.raises(ValidationError) as refused:
        change(office, **academy)
    assert str(refused.value).startswith(expected)
    assert item(office) == before  # nothing written


def test_sessions_cannot_join_stored_days(office: Office) -> None:
    change(office, teaching_first_day="5")
    with pytest.raises(ValidationError, match="함께 쓸 수 없습니다"):
        change(office, teaching_sessions="8")  # the stored first day stands: the form left it alone


def _agreements(office: Office) -> None:
    """Three payers of 수강료 at 200,000원, 180,000원 and 160,000원, and one ended at 250,000원."""
    for no, name, monthly in (("C-003", "박하늘", 200_000), ("C-001", "김바다", 180_000), ("C-002", "이구름", 160_000),
                              ("C-004", "최노을", 250_000)):
        add_payer(office.db, office.contract_id, no, name, monthly=monthly, account=f"1101234{no[-3:]}89")
    with office.db.session() as s:
        s.execute(update(DebitAgreement).where(DebitAgreement.monthly_amount == 250_000)
                  .values(status=AgreementStatus.ENDED))


def test_a_posted_fee_below_agreements_in_use_is_refused_naming_them(office: Office) -> None:
    _agreements(office)
    with pytest.raises(ValidationError) as refused:
        change(office, posted_fee="150,000")
    assert str(refused.value) == (
        "게시 교습비: 150,000원으로 정할 수 없습니다. 이 항목의 사용 중인 이체정보 3건의 월이체금액이 그보다 많습니다 "
        "(C-001 김바다 180,000원, C-002 이구름 160,000원, C-003 박하늘 200,000원). 학원법상 게시 교습비를 넘게 받을 수 "
        "없으니, 먼저 이 고객들의 월이체금액을 고치세요.")
    with pytest.raises(ValidationError, match=r"2건의 월이체금액이 .*\(C-001 김바다 180,000원, C-003 박하늘 200,000원\)"):
        change(office, posted_fee="170000")
    assert item(office).posted_fee is None
    change(office, posted_fee="200000")  # equal to the highest in use: allowed; the ended 250,000원 does not count
    assert item(office).posted_fee == 200_000


def test_stopping_an_item_keeps_its_posted_fee(qtbot, office: Office) -> None:
    change(office, "A03", posted_fee="50000", teaching_sessions="8")
    page = ItemsPage(AppContext(office.db, office.admin, office.contract_id))
    qtbot.addWidget(page)
    page.show()
    page.select_code("A03")
    qtbot.mouseClick(page.active_button, LEFT)
    row = item(office, "A03")
    assert (row.active, row.posted_fee, row.teaching_sessions) == (False, 50_000, 8)


# --- the screen ------------------------------------------------------------------------------------


def open_page(qtbot, office: Office, actor: Actor | None = None) -> ItemsPage:
    page = ItemsPage(AppContext(office.db, actor or office.admin, office.contract_id))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    return page


def edit(qtbot, page: ItemsPage, code: str) -> ItemDialog:
    page.select_code(code)
    qtbot.mouseClick(page.edit_button, LEFT)
    dialog = page.active_dialog
    assert isinstance(dialog, ItemDialog) and dialog.isVisible()
    return dialog


def test_the_clerk_sets_the_posted_fee_and_sessions_on_screen(qtbot, office: Office) -> None:
    page = open_page(qtbot, office)
    dialog = edit(qtbot, page, "A01")
    qtbot.keyClicks(dialog.posted_fee, "150,000")
    qtbot.keyClicks(dialog.sessions, "8")
    save_shot(dialog, "item_dialog_academy")
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert not dialog.isVisible()
    row = page.model.rows()[0]
    assert (row.code, row.posted_fee, row.teaching_sessions) == ("A01", 150_000, 8)
    assert (page.model.index(0, 5).data(), page.model.index(0, 6).data()) == ("150,000원", "매월 8회")
    save_shot(page, "items_academy")

    dialog = edit(qtbot, page, "A01")
    assert (dialog.posted_fee.text(), dialog.sessions.text()) == ("150,000", "8")
    qtbot.keyClicks(dialog.first_day, "3")
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.isVisible() and dialog.error.text().startswith(
        "월 교습 횟수: 교습 시작일·종료일과 월 교습 횟수는 함께 쓸 수 없습니다.")
    assert dialog.sessions.hasFocus() or not dialog.isActiveWindow()
    assert item(office).teaching_first_day is None


def test_lowering_the_posted_fee_on_screen_names_the_agreements(qtbot, office: Office) -> None:
    _agreements(office)
    page = open_page(qtbot, office)
    dialog = edit(qtbot, page, "A01")
    qtbot.keyClicks(dialog.posted_fee, "150000")
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.isVisible()
    assert dialog.error.text().startswith("게시 교습비: 150,000원으로 정할 수 없습니다. 이 항목의 사용 중인 이체정보 3건")
    with office.db.session() as s:
        assert s.scalar(select(CollectionItem.posted_fee).where(CollectionItem.code == "A01")) is None
