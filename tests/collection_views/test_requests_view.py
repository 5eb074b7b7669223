"""이체의뢰 on screen: the due list with reasons, ticking, the pre-flight check, the cut-off, withdrawing;
the footer that adds up (전체 = 이미 의뢰 + 의뢰 가능 + 의뢰 불가) and a closed date's remedies."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from sqlalchemy import select

from app.models import (
    Charge,
    DebitAgreement,
    DebitRequest,
    MissedRemedy,
    RegistrationState,
    RequestState,
)
from app.services.collection import cash
from app.services.collection.missed import Remedy
from app.services.common.session import Actor
from app.views.collection.preflight_dialog import PreflightDialog
from app.views.collection.requests_view import RequestsPage
from tests.collection_views.conftest import Boxes, Clock
from tests.collection_views.helpers import (
    NOW,
    TWENTY_FIFTH,
    Payer,
    add_payer,
    at,
    bank_answers,
    mark_sent,
    request,
)
from tests.factories import Office

LEFT = Qt.MouseButton.LeftButton
CHECKED = Qt.CheckState.Checked


def _payers(office: Office):
    db, cid = office.db, office.contract_id
    return {
        "A": add_payer(db, cid, "2024001", "김민준", monthly=300_000, day=25),
        "B": add_payer(db, cid, "2024002", "이서연", monthly=250_000, day=25, rate=10, discount=25_000),
        "C": add_payer(db, cid, "2024003", "박지호", day=25, registration=RegistrationState.FAILED, reason_code="0014"),
        "D": add_payer(db, cid, "2024004", "최하은", day=25, registration=RegistrationState.WAITING, bank="004"),
        "E": add_payer(db, cid, "2024005", "정우진", day=25, registration=None),
    }


def _row_of(page: RequestsPage, customer_no: str) -> int:
    return next(i for i, r in enumerate(page.model.rows()) if r.customer_no == customer_no)


def _cell(page: RequestsPage, customer_no: str, header: str) -> str:
    return page.model.index(_row_of(page, customer_no), page.model.column_of(header)).data()


def test_the_clerk_ticks_checks_and_requests_and_the_rows_become_waiting(qtbot, office: Office, clerk, open_page,
                                                                           boxes: Boxes) -> None:
    payers = _payers(office)
    page = open_page(RequestsPage, clerk)
    page.select_date(TWENTY_FIFTH)
    assert page.debit_date() == TWENTY_FIFTH
    assert "2026-11-25(수)" in page.date_combo.currentText() and "마감 11-24 14:00" in page.date_combo.currentText()
    assert [r.customer_no for r in page.model.rows()] == ["2024001", "2024002", "2024003", "2024004", "2024005"]
    # Red cautions and the open cut-off line.
    assert page.cautions.objectName() == "warningText" and "이체의뢰 버튼이 보이지 않습니다" in page.cautions.text()
    assert "11-24(화) 14:00까지 이체의뢰할 수 있습니다" in page.cutoff_label.text()
    assert page.request_button.isVisibleTo(page)
    # Amounts and the reasons of the rows that cannot be requested, greyed and without a box.
    assert _cell(page, "2024002", "할인") == "25,000원" and _cell(page, "2024002", "이체의뢰금액") == "225,000원"
    assert "예금주 불일치" in _cell(page, "2024003", "사유 · 안내")
    assert "계좌신청대기" in _cell(page, "2024004", "사유 · 안내")
    assert "계좌신청 내역이 없습니다" in _cell(page, "2024005", "사유 · 안내")
    excluded = page.model.index(_row_of(page, "2024003"), 0)
    assert excluded.data(Qt.ItemDataRole.CheckStateRole) is None
    assert not page.model.setData(excluded, CHECKED, Qt.ItemDataRole.CheckStateRole)
    assert page.totals.text().endswith("전체 5건 1,425,000원 = 이미 의뢰 0건 0원 + 의뢰 가능 2건 525,000원 "
                                       "+ 의뢰 불가 3건 900,000원")  # C, D, E: 300,000원 each stays unrequested

    # Tick A with the mouse-free way a clerk uses too: select the row and press Space; B through its box.
    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(_row_of(page, "2024001"), 1))
    qtbot.keyClick(page.table, Qt.Key.Key_Space)
    page.model.setData(page.model.index(_row_of(page, "2024002"), 0), CHECKED, Qt.ItemDataRole.CheckStateRole)
    assert "선택 2건 · 이체의뢰금액 합계 525,000원" in page.totals.text()

    qtbot.mouseClick(page.request_button, LEFT)
    dialog = page.active_dialog
    assert isinstance(dialog, PreflightDialog) and dialog.isVisible()
    groups = [line.group for line in dialog.lines]
    assert groups.count("신규") == 2 and groups.count("의뢰 불가") == 3 and "이미 의뢰" not in groups
    assert "의뢰 가능 2건 525,000원" in dialog.summary.text()
    assert dialog.request_button is not None
    qtbot.mouseClick(dialog.request_button, LEFT)

    assert "이체의뢰 2건(525,000원)을 이체의뢰대기로 넣었습니다" in page.status.text()
    assert _cell(page, "2024001", "최종수납현황") == "이체의뢰대기"
    assert _cell(page, "2024002", "최종수납현황") == "이체의뢰대기"
    assert "이미 이체의뢰되었습니다" in _cell(page, "2024001", "사유 · 안내")
    # The queued rows show what was asked; the footer moves them to 이미 의뢰, the whole unchanged.
    assert _cell(page, "2024001", "이체의뢰금액") == "300,000원" and _cell(page, "2024002", "이체의뢰금액") == "225,000원"
    assert page.totals.text().endswith("전체 5건 1,425,000원 = 이미 의뢰 2건 525,000원 + 의뢰 가능 0건 0원 "
                                       "+ 의뢰 불가 3건 900,000원")
    assert page.model.checked_rows() == []
    with office.db.session() as s:
        queued = s.execute(select(DebitRequest.agreement_id, DebitRequest.amount, DebitRequest.state)).all()
    assert sorted(queued) == sorted([(payers["A"].agreement_id, 300_000, RequestState.WAITING),
                                     (payers["B"].agreement_id, 225_000, RequestState.WAITING)])


def test_after_the_cutoff_the_request_button_is_gone_and_the_screen_says_why(office: Office, clerk,
                                                                            open_page) -> None:
    _payers(office)
    clock = Clock(at(date(2026, 11, 24), 13, 59))
    page = open_page(RequestsPage, clerk, clock)
    page.select_date(TWENTY_FIFTH)
    assert page.request_button.isVisibleTo(page)
    clock.moment = at(date(2026, 11, 24), 14, 1)  # the business day before the 25th, past 14:00
    page.search()
    assert not page.request_button.isVisibleTo(page)
    assert "이체의뢰 마감(11-24(화) 14:00)이 지나" in page.cutoff_label.text()
    assert page.cutoff_label.objectName() == "warningText"
    # Nothing can be ticked any more, though each row still shows what it would have asked.
    first = page.model.index(_row_of(page, "2024001"), 0)
    assert first.data(Qt.ItemDataRole.CheckStateRole) is None and not page.all_box.isVisibleTo(page)
    assert "지나" in first.data(Qt.ItemDataRole.ToolTipRole) and _cell(page, "2024001", "이체의뢰금액") == "300,000원"
    assert "선택" not in page.totals.text()
    # Opening the screen afresh after the cut-off offers the next date with an open cut-off by default.
    later = open_page(RequestsPage, clerk, at(date(2026, 11, 24), 14, 1))
    assert later.debit_date() == date(2026, 12, 7)  # 12-05 is a Saturday


def test_a_waiting_request_is_withdrawn_before_the_cutoff(qtbot, office: Office, clerk, open_page,
                                                          boxes: Boxes) -> None:
    payers = _payers(office)
    request(office.db, clerk, office.contract_id, TWENTY_FIFTH, [payers["A"]], NOW)
    page = open_page(RequestsPage, clerk)
    page.select_date(TWENTY_FIFTH)
    assert not page.withdraw_button.isEnabled()
    page.table.selectRow(_row_of(page, "2024001"))
    assert page.withdraw_button.isEnabled()
    qtbot.mouseClick(page.withdraw_button, LEFT)
    assert boxes.asked and "이체의뢰를 취소할까요" in boxes.asked[0]
    assert "이체의뢰를 취소했습니다" in page.status.text()
    assert _cell(page, "2024001", "최종수납현황") == "미의뢰"
    assert page.model.tickable(page.model.row_at(_row_of(page, "2024001")))
    with office.db.session() as s:
        assert s.scalar(select(DebitRequest.state)) is RequestState.WITHDRAWN


def test_outstanding_of_earlier_months_is_added_when_ticked_and_preflight_compares_with_last_month(
        qtbot, office: Office, clerk, open_page) -> None:
    payers = _payers(office)
    october = date(2026, 10, 26)  # the 25th of October is a Sunday
    ids = request(office.db, clerk, office.contract_id, october, [payers["A"], payers["B"]], at(date(2026, 10, 20)))
    mark_sent(office.db, ids)
    bank_answers(office.db, {ids[0]: (0, "0021"), ids[1]: (225_000, None)}, at(date(2026, 10, 27), 11))
    with office.db.session() as s:  # B's parent asked for a lower amount this month
        agreement = s.get(DebitAgreement, payers["B"].agreement_id)
        assert agreement is not None
        agreement.monthly_amount, agreement.discount_amount = 200_000, 20_000

    page = open_page(RequestsPage, clerk)
    page.select_date(TWENTY_FIFTH)
    assert _cell(page, "2024001", "미수납액") == "300,000원"
    assert _cell(page, "2024001", "이체의뢰금액") == "300,000원"
    page.outstanding.setChecked(True)
    assert _cell(page, "2024001", "이체의뢰금액") == "600,000원"

    qtbot.mouseClick(page.preflight_button, LEFT)
    dialog = page.active_dialog
    assert isinstance(dialog, PreflightDialog) and dialog.request_button is None
    changed = [line for line in dialog.lines if line.group == "금액 변경"]
    assert {line.customer_no for line in changed} == {"2024001", "2024002"}
    b = next(line for line in changed if line.customer_no == "2024002")
    assert (b.last_amount, b.this_amount) == (225_000, 180_000)
    assert "지난달 같은 이체일(10-26): 2건 525,000원" in dialog.summary.text()
    assert [line.customer_no for line in dialog.lines if line.group == "의뢰 불가"] == ["2024003", "2024004", "2024005"]
    qtbot.mouseClick(dialog.close_button, LEFT)
    qtbot.waitUntil(lambda: page.active_dialog is None)  # forgotten once Qt deleted it


def test_changing_the_date_lists_it_at_once_so_ticks_never_cross_dates(office: Office, clerk,
                                                                      open_page) -> None:
    _payers(office)
    add_payer(office.db, office.contract_id, "2024009", "윤도현", day=5)
    page = open_page(RequestsPage, clerk)
    page.select_date(TWENTY_FIFTH)
    page.all_box.setChecked(True)
    assert len(page.model.checked_rows()) == 2
    page.date_combo.setCurrentIndex(page.date_combo.findData("2026-12-07"))  # the clerk picks another date
    assert [r.customer_no for r in page.model.rows()] == ["2024009"]
    assert page.model.checked_rows() == [] and page.due is not None and page.due.debit_date == date(2026, 12, 7)
    assert "12-04(금) 14:00까지" in page.cutoff_label.text()


def test_a_viewer_sees_the_list_without_ticks_or_action_buttons(office: Office, viewer, open_page) -> None:
    _payers(office)
    page = open_page(RequestsPage, viewer)
    page.select_date(TWENTY_FIFTH)
    assert page.model.rowCount() == 5 and not page.model.has_ticks
    assert page.model.headerData(0, Qt.Orientation.Horizontal) == "고객번호"
    for button in (page.request_button, page.withdraw_button, page.all_box):
        assert not button.isVisibleTo(page)
    assert page.preflight_button.isVisibleTo(page)
    assert "까지 이체의뢰할 수 있습니다" in page.cutoff_label.text()


# --- the list adds up, and a closed date says what happened -------------------------------------------

DECEMBER_7 = date(2026, 12, 7)  # the 5th's debit (12-05 is a Saturday); cut-off Friday 12-04 14:00
DECEMBER_15 = date(2026, 12, 15)


def _december(office: Office, clerk: Actor) -> dict[str, Payer]:
    """Four payers of the 5th never requested (수강료 ×2, 교재비, 차량비), one requested and at the bank,
    and a 수강료 payer of the 15th (so the 15th is 수강료's next debit date)."""
    db, cid = office.db, office.contract_id
    first = {"first": "2026-12"}
    payers = {
        "K1": add_payer(db, cid, "2025001", "김가온", monthly=200_000, **first),
        "M1": add_payer(db, cid, "2025002", "이나래", monthly=300_000, **first),
        "M2": add_payer(db, cid, "2025003", "박다온", monthly=250_000, **first),
        "C1": add_payer(db, cid, "2025004", "최라온", monthly=40_000, item="A02", **first),
        "U1": add_payer(db, cid, "2025005", "정마루", monthly=60_000, item="A03", **first),
        "N1": add_payer(db, cid, "2025006", "한바다", monthly=180_000, day=15, **first),
    }
    ids = request(db, clerk, cid, DECEMBER_7, [payers["K1"]], at(date(2026, 12, 1)))
    mark_sent(db, ids)
    return payers


def _texts(page: RequestsPage) -> list[str]:
    return [label.text() for label in page.missed_panel.findChildren(QLabel) if label.objectName() == "missedTitle"]


def test_a_closed_date_says_who_was_not_sent_and_each_remedy_does_what_it_says(
        qtbot, office: Office, clerk, open_page, boxes: Boxes) -> None:
    payers = _december(office, clerk)
    page = open_page(RequestsPage, clerk, at(date(2026, 12, 8), 10))
    changed: list[str] = []
    page.ctx.signals.data_changed.connect(changed.append)
    page.select_date(DECEMBER_7)
    assert not page.request_button.isVisibleTo(page) and "더 의뢰할 수 없습니다" in page.cutoff_label.text()
    # 300,000 + 250,000 + 40,000 + 60,000 = 650,000 never went to the bank; K1's 200,000 is at the bank.
    assert page.totals.text() == ("전체 5건 850,000원 = 이미 의뢰 1건 200,000원 + 마감 후 미의뢰 4건 650,000원 "
                                  "+ 의뢰 불가 0건 0원")
    assert _cell(page, "2025001", "이체의뢰금액") == "200,000원" and _cell(page, "2025001", "최종수납현황") == "이체의뢰중"
    assert page.missed_panel.isVisibleTo(page)
    assert _texts(page) == ["12-07(월) 출금 · 수강료 · 2건 550,000원", "12-07(월) 출금 · 교재비 · 1건 40,000원",
                            "12-07(월) 출금 · 차량비 · 1건 60,000원"]
    said = [label.text() for label in page.missed_panel.findChildren(QLabel) if label.objectName() == "missedText"]
    assert said[0] == ("이체의뢰 마감 12-04(금) 14:00이 지났습니다. 의뢰하지 않은 2건 550,000원은 은행에 보내지 않아 "
                       "출금되지 않습니다.")
    by_item = {m.item_name: m for m in page.missed}
    move = page.missed_buttons[(by_item["수강료"].item_id, Remedy.MOVE)]
    assert move.text() == "12-15(화) 출금으로 옮기기" and move.isEnabled()
    assert page.missed_buttons[(by_item["교재비"].item_id, Remedy.CASH)].text() == "현금수납으로 받기"
    assert page.missed_buttons[(by_item["차량비"].item_id, Remedy.UNPAID)].text() == "미납으로 두기"

    # 옮기기: confirmed with the count and the won; M1 and M2 are queued on the 15th.
    qtbot.mouseClick(move, LEFT)
    assert "마감을 놓친 2건 550,000원" in boxes.asked[-1] and "12-15(화) 출금으로 옮겨" in boxes.asked[-1]
    assert "12-15(화) 출금으로 옮겨 이체의뢰대기로 넣었습니다" in page.status.text() and changed == ["collection"]
    with office.db.session() as s:
        queued = s.execute(select(DebitRequest.agreement_id, DebitRequest.amount).where(
            DebitRequest.debit_date == DECEMBER_15, DebitRequest.state == RequestState.WAITING)).all()
    assert sorted(queued) == sorted([(payers["M1"].agreement_id, 300_000), (payers["M2"].agreement_id, 250_000)])
    assert len(_texts(page)) == 2 and "12-15 출금으로 의뢰됨" in _cell(page, "2025002", "사유 · 안내")
    assert page.totals.text() == ("전체 5건 300,000원 = 이미 의뢰 1건 200,000원 + 마감 후 미의뢰 2건 100,000원 "
                                  "+ 의뢰 불가 2건 0원")

    # A remedy the clerk declines does nothing.
    boxes.answer = False
    qtbot.mouseClick(page.missed_buttons[(by_item["교재비"].item_id, Remedy.CASH)], LEFT)
    assert "마감을 놓친 1건 40,000원" in boxes.asked[-1] and len(_texts(page)) == 2 and changed == ["collection"]

    # 현금수납으로 받기: C1 becomes a 현금수납 candidate and leaves the panel.
    boxes.answer = True
    qtbot.mouseClick(page.missed_buttons[(by_item["교재비"].item_id, Remedy.CASH)], LEFT)
    assert "현금수납 대상으로 넣었습니다" in page.status.text() and changed == ["collection"] * 2
    assert [(c.customer_no, c.outstanding) for c in cash.list_cash_candidates(office.db, clerk, office.contract_id)
            ] == [("2025004", 40_000)]
    assert _cell(page, "2025004", "사유 · 안내") == "마감을 놓쳐 현금수납으로 받기로 했습니다"

    # 미납으로 두기: U1 stays unrequested as 미납; the panel is gone and the footer still adds up.
    qtbot.mouseClick(page.missed_buttons[(by_item["차량비"].item_id, Remedy.UNPAID)], LEFT)
    assert "마감을 놓친 1건 60,000원" in boxes.asked[-1] and "미납으로 두었습니다" in page.status.text()
    assert not page.missed_panel.isVisibleTo(page) and page.missed == []
    assert page.totals.text() == ("전체 5건 300,000원 = 이미 의뢰 1건 200,000원 + 마감 후 미의뢰 0건 0원 "
                                  "+ 의뢰 불가 4건 100,000원")
    with office.db.session() as s:
        charged = dict(s.execute(select(Charge.agreement_id, Charge.missed_remedy)).all())
    assert charged[payers["U1"].agreement_id] is MissedRemedy.UNPAID
    assert charged[payers["C1"].agreement_id] is MissedRemedy.CASH

    # The 15th lists the moved payers with where they come from, queued with their amounts.
    page.select_date(DECEMBER_15)
    assert [r.customer_no for r in page.model.rows()] == ["2025006", "2025002", "2025003"]
    assert _cell(page, "2025002", "이체의뢰금액") == "300,000원" and _cell(page, "2025002", "최종수납현황") == "이체의뢰대기"
    assert _cell(page, "2025002", "사유 · 안내").startswith("12-07 출금분을 옮겨 의뢰")
    assert not page.missed_panel.isVisibleTo(page)
    assert page.totals.text().endswith("전체 3건 730,000원 = 이미 의뢰 2건 550,000원 + 의뢰 가능 1건 180,000원 "
                                       "+ 의뢰 불가 0건 0원")


def test_a_viewer_sees_the_missed_panel_without_remedies(office: Office, clerk, viewer, open_page) -> None:
    _december(office, clerk)
    page = open_page(RequestsPage, viewer, at(date(2026, 12, 8), 10))
    page.select_date(DECEMBER_7)
    assert page.missed_panel.isVisibleTo(page) and len(_texts(page)) == 3 and page.missed_buttons == {}
    assert any("조회 권한으로는 처리할 수 없습니다" in label.text() for label in page.missed_panel.findChildren(QLabel))


def test_requested_rows_show_what_was_asked_and_how_it_stands_after_the_results(
        office: Office, clerk, open_page) -> None:
    payers = _payers(office)
    ids = request(office.db, clerk, office.contract_id, TWENTY_FIFTH, [payers["A"], payers["B"]], NOW)
    mark_sent(office.db, ids)
    page = open_page(RequestsPage, clerk, at(date(2026, 11, 25), 9))
    page.select_date(TWENTY_FIFTH)
    assert [_cell(page, no, "최종수납현황") for no in ("2024001", "2024002")] == ["이체의뢰중", "이체의뢰중"]
    assert page.totals.text() == ("전체 5건 1,425,000원 = 이미 의뢰 2건 525,000원 + 마감 후 미의뢰 0건 0원 "
                                  "+ 의뢰 불가 3건 900,000원")
    bank_answers(office.db, {ids[0]: (100_000, "0021"), ids[1]: (225_000, None)}, at(date(2026, 11, 26), 11))
    page.search()
    assert (_cell(page, "2024001", "이체의뢰금액"), _cell(page, "2024001", "최종수납현황")) == ("300,000원", "부분출금")
    assert (_cell(page, "2024002", "이체의뢰금액"), _cell(page, "2024002", "최종수납현황")) == ("225,000원", "이체처리완료")
    assert page.totals.text() == ("전체 5건 1,425,000원 = 이미 의뢰 2건 525,000원 + 마감 후 미의뢰 0건 0원 "
                                  "+ 의뢰 불가 3건 900,000원")
    assert not page.missed_panel.isVisibleTo(page)  # C, D, E cannot be debited: their rows say why
