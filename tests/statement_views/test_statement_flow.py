"""통장입금대사 end to end: a real export read, proposed, confirmed and applied as 계좌입금; read again, nothing.

The reader (H2), the matcher and the applier (H3) are the real ones, on SQLite and PostgreSQL; the
statement is a hand-made 국민은행 export (tests/statements/bank_files.py) of the payers whose debit
failed on 5 November (tests/statement_views/helpers.py).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from app.models import StatementLine
from app.models.enums import StatementLineState
from app.services.collection import cash
from app.services.collection.statements.model import Confidence
from app.views.collection.cash_view import CashPage
from app.views.collection.statement_mapping_dialog import StatementMappingDialog
from app.views.collection.statement_view import StatementPage
from tests.factories import Office
from tests.message_boxes import Boxes
from tests.statement_views.helpers import apply, cell, failed_payers, read, statement_file
from tests.statements.bank_files import write_lines

KEPT = {"이서연모", "박지호", "(주)대한상사"}


def _lines(office: Office) -> int:
    with office.db.session() as s:
        return s.scalar(select(func.count()).select_from(StatementLine)) or 0


def _by_depositor(panel) -> dict[str, object]:
    return {line.proposal.deposit.depositor: line for line in panel.lines()}


def test_the_sure_deposit_is_applied_the_rest_kept_and_the_same_file_again_applies_nothing(
        qtbot, office: Office, clerk, open_page, boxes: Boxes, tmp_path: Path) -> None:
    failed_payers(office, clerk)
    page = open_page(StatementPage, clerk)
    path = statement_file(tmp_path)
    read(qtbot, page, path)
    panel = page.read_list
    assert page.summary.text().startswith("국민은행 거래내역 · 입금 4건 2,350,000원 · 출금 1건 제외 · 확실 1 · ")
    lines = _by_depositor(panel)
    assert set(lines) == {"김민준", *KEPT}
    assert lines["김민준"].proposal.confidence is Confidence.SURE
    assert lines["(주)대한상사"].proposal.confidence is Confidence.NONE
    assert [line.proposal.deposit.depositor for line in panel.model.checked_rows()] == ["김민준"]
    assert _lines(office) == 0  # reading and proposing wrote nothing

    apply(qtbot, page, panel)
    assert boxes.asked == ["입금 1건 합계 300,000원을 계좌입금으로 수납합니다. 나머지 3건은 수납하지 않고 미처리로 보관하며, "
                           "[미처리 입금]에서 다시 처리할 수 있습니다. 수납반영할까요?"]
    assert boxes.take() == ["입금 1건 300,000원을 계좌입금으로 수납했습니다 (수납 1건). 수납아님 0건, 미처리로 보관 3건, "
                            "이미 처리된 입금 0건.\n100,000원 이상 계좌입금 1건은 5일 안에 현금영수증을 발급하고 "
                            "현금영수증관리에서 승인번호를 입력하세요."]
    assert page.status.text().startswith("입금 1건 300,000원을 계좌입금으로 수납했습니다")
    states = {name: line.proposal.known for name, line in _by_depositor(panel).items()}
    assert states == {"김민준": StatementLineState.APPLIED, **{name: StatementLineState.PENDING for name in KEPT}}
    assert not panel.apply_button.isEnabled() and not panel.model.checked_rows()
    paid = cash.list_cash_payments(office.db, clerk, office.contract_id, date(2026, 11, 1), date(2026, 11, 30))
    assert [(p.customer_no, p.amount, p.method, p.paid_on) for p in paid] == [
        ("2024001", 300_000, "계좌입금", date(2026, 11, 9))]

    read(qtbot, page, path)  # the same statement downloaded again
    assert page.summary.text().endswith("찾지 못함 0 · 이미 읽은 입금 4")
    assert all(not panel.model.tickable(line) for line in panel.lines())
    assert not panel.apply_button.isEnabled()
    assert {cell(panel.model, i, "상태") for i in range(4)} == {"이미 수납반영", "미처리 보관 중"}
    assert _lines(office) == 4

    qtbot.waitUntil(lambda: page.pending_list.model.rowCount() == 3)
    assert set(_by_depositor(page.pending_list)) == KEPT
    assert page.tabs.tabText(1) == "미처리 입금 (3)"


def test_kept_deposits_are_decided_later_and_the_history_shows_what_became_of_each(
        qtbot, office: Office, clerk, open_page, boxes: Boxes, tmp_path: Path) -> None:
    failed_payers(office, clerk)
    page = open_page(StatementPage, clerk)
    read(qtbot, page, statement_file(tmp_path))
    page.read_list.model.set_checked(0, False)  # 김민준 too is kept for later
    apply(qtbot, page, page.read_list)
    boxes.asked.clear()
    boxes.take()
    panel = page.pending_list
    qtbot.waitUntil(lambda: panel.model.rowCount() == 4)
    page.tabs.setCurrentIndex(1)
    assert page.pending_summary.text().startswith("미처리 입금 4건 · 남은 금액 2,350,000원 · ")

    panel.select_deposit("(주)대한상사")
    panel.open_dismiss()
    panel.active_dialog.reason.setText("임대료 입금")
    panel.active_dialog.save()
    qtbot.waitUntil(lambda: panel.active_dialog is None)
    panel.select_deposit("박지호")
    panel.open_change()
    dialog = panel.active_dialog
    park = next(r for r in dialog.model.rows() if r.customer_no == "2024003")
    assert dialog.parts.get(park.charge_id) is None or dialog.parts[park.charge_id].amount == 280_000
    dialog.parts.clear()
    assert dialog.set_ticked(park, True) and dialog.parts[park.charge_id].amount == 280_000
    dialog.save()
    qtbot.waitUntil(lambda: panel.active_dialog is None)
    ticked = sorted(line.proposal.deposit.depositor for line in panel.model.checked_rows())
    assert "박지호" in ticked

    count, total, _dismissed, _later = panel.tally()
    apply(qtbot, page, panel)
    assert boxes.asked[0].startswith(f"입금 {count}건 합계 {total:,}원을 계좌입금으로 수납합니다. 수납아님 1건은 사유와 함께 "
                                     "저장합니다.")
    assert boxes.take()[0].startswith(f"입금 {count}건 {total:,}원을 계좌입금으로 수납했습니다")
    left = _by_depositor(panel)
    assert "(주)대한상사" not in left
    assert left["박지호"].available == 20_000  # what was paid in beyond the 280,000원 owed stays 미처리
    assert cell(panel.model, list(left).index("박지호"), "상태") == "남은 20,000원"

    page.tabs.setCurrentIndex(2)
    page.date_from.setDate(page.date_from.date().addDays(-60))
    with qtbot.waitSignal(page.loaded, check_params_cb=lambda kind: kind == "history", timeout=30_000):
        page.history_search.click()
    history = {r.depositor: r for r in page.history_model.rows()}
    assert history["(주)대한상사"].state is StatementLineState.DISMISSED
    assert history["(주)대한상사"].note == "임대료 입금"
    assert history["박지호"].applied == 280_000 and history["박지호"].remainder == 20_000
    row = list(history).index("박지호")
    assert "2024003" in cell(page.history_model, row, "수납 내역") or "박지호" in cell(page.history_model, row, "수납 내역")


def test_the_cash_list_shows_a_transfer_by_its_method(qtbot, office: Office, clerk, open_page, boxes: Boxes,
                                                       tmp_path: Path) -> None:
    failed_payers(office, clerk)
    page = open_page(StatementPage, clerk)
    read(qtbot, page, statement_file(tmp_path))
    apply(qtbot, page, page.read_list)
    boxes.asked.clear()
    boxes.take()
    cash_page = open_page(CashPage, clerk)
    model = cash_page.payments_model
    assert model.rowCount() == 1
    assert cell(model, 0, "수납방법") == "계좌입금" and cell(model, 0, "고객번호") == "2024001"


def test_a_refused_apply_writes_nothing_and_keeps_the_clerks_choices(qtbot, office: Office, clerk, open_page,
                                                                     boxes: Boxes, tmp_path: Path) -> None:
    failed_payers(office, clerk)
    page = open_page(StatementPage, clerk)
    read(qtbot, page, statement_file(tmp_path))
    kim = next(r for r in cash.list_cash_candidates(office.db, clerk, office.contract_id) if r.customer_no == "2024001")
    cash.receive_cash(office.db, office.admin, kim.charge_id, 300_000, date(2026, 11, 19))  # at the counter meanwhile
    with qtbot.waitSignal(page.applied, timeout=5_000, raising=False) as outcome:
        page.read_list.apply_button.click()
        qtbot.waitUntil(lambda: bool(boxes.shown), timeout=30_000)
    assert not outcome.signal_triggered
    refused = boxes.take()
    assert len(refused) == 1 and refused[0] and refused[0].isascii() is False  # the service's Korean words
    assert _lines(office) == 0
    assert [line.proposal.deposit.depositor for line in page.read_list.model.checked_rows()] == ["김민준"]


def test_a_file_that_is_no_statement_is_refused_in_korean(qtbot, office: Office, clerk, open_page, boxes: Boxes,
                                                         tmp_path: Path) -> None:
    failed_payers(office, clerk)
    page = open_page(StatementPage, clerk)
    bogus = tmp_path / "거래내역.xlsx"
    bogus.write_text("이것은 엑셀 파일이 아닙니다", encoding="utf-8")
    page.read_file(str(bogus))
    qtbot.waitUntil(lambda: bool(boxes.shown), timeout=30_000)
    refused = boxes.take()
    assert len(refused) == 1 and not refused[0].isascii() and "오류가 발생했습니다" not in refused[0]
    assert page.read_list.model.rowCount() == 0 and page.open_button.isEnabled()
    assert _lines(office) == 0


def test_an_unknown_header_is_mapped_by_the_clerk_then_read(qtbot, office: Office, clerk, open_page,
                                                           tmp_path: Path) -> None:
    failed_payers(office, clerk)
    page = open_page(StatementPage, clerk)
    path = write_lines(tmp_path / "우리신협.xlsx", [
        ["신협 거래내역"],
        ["일자", "보낸 사람", "들어온 돈", "나간 돈", "남은 돈"],
        ["2026-11-09 10:15:00", "김민준", "300,000", "", "1,300,000"],
        ["2026-11-11 09:00:00", "관리비출금", "", "50,000", "1,250,000"],
    ])
    page.read_file(str(path))
    qtbot.waitUntil(lambda: page.active_dialog is not None, timeout=30_000)
    dialog = page.active_dialog
    assert isinstance(dialog, StatementMappingDialog)
    for row, key in enumerate(("occurred_on", "depositor", "deposit", "withdrawal", "balance")):
        dialog.choose(row, key)  # what the clerk picks in each column's combo
    with qtbot.waitSignal(page.loaded, check_params_cb=lambda kind: kind == "read", timeout=30_000):
        dialog.accept()
    assert page.summary.text().startswith("직접 연결한 열로 읽은 거래내역 · 입금 1건 300,000원 · 출금 1건 제외")
    assert page.read_list.model.checked_rows()[0].proposal.deposit.depositor == "김민준"
