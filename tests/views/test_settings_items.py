"""집금항목관리 on screen: register from the catalogue or as an own item, refusals named in Korean."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox

from app.models import Role
from app.services.common.session import Actor
from app.services.settings import contracts
from app.views.common.context import AppContext
from app.views.settings.items_view import ItemDialog, ItemsPage
from tests.factories import Office, add_user

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(autouse=True)
def no_boxes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *a, **k: warnings.append(text))
    yield
    assert not warnings, f"unexpected warning boxes: {warnings}"


def open_page(qtbot, office: Office, actor: Actor | None = None) -> ItemsPage:
    page = ItemsPage(AppContext(office.db, actor or office.admin, office.contract_id))
    qtbot.addWidget(page)
    page.resize(1000, 600)
    page.show()
    qtbot.waitExposed(page)
    return page


def open_register(qtbot, page: ItemsPage) -> ItemDialog:
    qtbot.mouseClick(page.add_button, LEFT)
    dialog = page.active_dialog
    assert isinstance(dialog, ItemDialog) and dialog.isVisible()
    return dialog


def test_the_list_shows_the_contract_items(qtbot, office: Office) -> None:
    page = open_page(qtbot, office)
    assert [r.code for r in page.model.rows()] == ["A01", "A02", "A03"]
    assert page.model.index(0, 2).data() == "매월 5, 25일"
    assert page.model.index(0, 3).data() == "카탈로그"
    assert "5, 15, 25" in page.days_label.text()


def test_register_from_the_catalogue(qtbot, office: Office) -> None:
    page = open_page(qtbot, office)
    dialog = open_register(qtbot, page)
    assert "5, 15, 25" in " ".join(label.text() for label in dialog.findChildren(QLabel))
    dialog.search.setText("협회")  # QTest types only Latin-1; Hangul goes in through the IME in real use
    visible = [dialog.catalogue_list.item(i).text() for i in range(dialog.catalogue_list.count())
               if not dialog.catalogue_list.item(i).isHidden()]
    assert visible and all("협회" in text for text in visible)
    dialog.pick("C01")
    assert dialog.name.text() == "회비" and dialog.name.isReadOnly()
    qtbot.keyClicks(dialog.days, "5, 25")
    qtbot.mouseClick(dialog.save_button, LEFT)
    row = next(r for r in page.model.rows() if r.code == "C01")
    assert (row.name, row.collection_days, row.from_catalogue, row.active) == ("회비", [5, 25], True, True)


def test_already_registered_catalogue_items_cannot_be_picked(qtbot, office: Office) -> None:
    dialog = open_register(qtbot, open_page(qtbot, office))
    first = dialog.catalogue_list.item(0)
    assert "(등록됨)" in first.text() and not first.flags() & Qt.ItemFlag.ItemIsEnabled


@pytest.mark.parametrize(
    ("name", "days", "expected"),
    [
        ("방과후수업료", "5, 32", "집금일: '32'은(는) 1~31"),
        ("방과후수업료", "10", "집금일: 10일은 계약의 이체가능일(5, 15, 25일)에 없습니다."),
        ("방과후수업료", "", "집금일: 하루 이상"),
        ("", "5", "집금항목명"),
    ],
)
def test_own_item_refusals_name_the_field(qtbot, office: Office, name: str, days: str, expected: str) -> None:
    page = open_page(qtbot, office)
    dialog = open_register(qtbot, page)
    dialog.own_item.setChecked(True)
    assert not dialog.name.isReadOnly() and not dialog.catalogue_list.isEnabled()
    dialog.name.setText(name)
    qtbot.keyClicks(dialog.days, days)
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.isVisible()
    assert not dialog.error.isHidden()
    assert dialog.error.text().startswith(expected)
    assert (dialog.name.text(), dialog.days.text()) == (name, days)
    assert page.model.rowCount() == 3


def test_register_an_own_item(qtbot, office: Office) -> None:
    page = open_page(qtbot, office)
    dialog = open_register(qtbot, page)
    dialog.own_item.setChecked(True)
    dialog.name.setText("방과후수업료")
    qtbot.keyClicks(dialog.days, "15")
    qtbot.keyClick(dialog.days, Qt.Key.Key_Return)
    row = next(r for r in page.model.rows() if r.name == "방과후수업료")
    assert (row.code, row.collection_days, row.from_catalogue) == ("Z01", [15], False)
    assert page.model.index(page.model.rows().index(row), 3).data() == "자체"


def test_no_pick_is_named(qtbot, office: Office) -> None:
    dialog = open_register(qtbot, open_page(qtbot, office))
    dialog.days.setText("5")
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.error.text().startswith("집금항목:")


def test_edit_days_of_a_catalogue_item_keeps_its_name(qtbot, office: Office) -> None:
    page = open_page(qtbot, office)
    page.select_code("A02")
    qtbot.mouseClick(page.edit_button, LEFT)
    dialog = page.active_dialog
    assert isinstance(dialog, ItemDialog) and dialog.name.isReadOnly()
    dialog.days.setText("15, 25")
    qtbot.mouseClick(dialog.save_button, LEFT)
    row = next(r for r in page.model.rows() if r.code == "A02")
    assert (row.name, row.collection_days) == ("교재비", [15, 25])


def test_stop_and_resume_an_item(qtbot, office: Office) -> None:
    page = open_page(qtbot, office)
    page.select_code("A03")
    qtbot.mouseClick(page.active_button, LEFT)
    row = next(r for r in page.model.rows() if r.code == "A03")
    assert not row.active and page.model.index(2, 4).data() == "사용 중지"
    assert page.active_button.text() == "사용 재개"
    qtbot.mouseClick(page.active_button, LEFT)
    assert next(r for r in contracts.list_items(office.db, office.admin, office.contract_id) if r.code == "A03").active


def test_others_only_read(qtbot, office: Office) -> None:
    clerk = add_user(office, "clerk1", Role.CLERK)
    page = open_page(qtbot, office, clerk)
    assert page.model.rowCount() == 3
    for button in (page.add_button, page.edit_button, page.active_button):
        assert not button.isVisible()
    page.edit_selected()  # double-click or Enter does nothing for them
    assert page.active_dialog is None


def test_an_own_item_can_be_renamed(qtbot, office: Office) -> None:
    contracts.create_item(office.db, office.admin, office.contract_id, contracts.ItemForm("방과후수업료", "25"))
    page = open_page(qtbot, office)
    page.select_code("Z01")
    qtbot.mouseClick(page.edit_button, LEFT)
    dialog = page.active_dialog
    assert isinstance(dialog, ItemDialog) and not dialog.name.isReadOnly()
    dialog.name.setText("방과후특강비")
    qtbot.keyClick(dialog.days, Qt.Key.Key_Return)
    row = next(r for r in page.model.rows() if r.code == "Z01")
    assert (row.name, row.collection_days) == ("방과후특강비", [25])
