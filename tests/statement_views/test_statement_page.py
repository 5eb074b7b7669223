"""통장입금대사 on screen with a statement and proposals made by hand: what the clerk sees and ticks.

The reader and the matcher are replaced here by a hand-made `StatementFile` and its proposals, so
these tests hold the screen to its own promises whatever the matcher decides: sure ones ticked, a
deposit read before never tickable, the filters, the flagged excess, [변경…] and [수납아님…] turned
into the decisions the applier gets. tests/statement_views/test_statement_flow.py runs the real
reader, matcher and applier.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.services.collection.statements import matching
from app.services.collection.statements.model import Action, Confidence
from app.views.collection import statement_view
from app.views.collection.statement_dialogs import ChangeDialog, DismissDialog
from app.views.collection.statement_lines import KNOWN
from app.views.collection.statement_view import StatementPage
from tests.factories import Office
from tests.statement_views.helpers import cell, failed_payers, hand_made, read

CHECK = Qt.ItemDataRole.CheckStateRole
TIP = Qt.ItemDataRole.ToolTipRole
FOREGROUND = Qt.ItemDataRole.ForegroundRole


@pytest.fixture
def page(qtbot, office: Office, clerk, open_page, monkeypatch: pytest.MonkeyPatch) -> StatementPage:
    failed_payers(office, clerk)
    statement, proposals = hand_made(office, clerk)
    monkeypatch.setattr(statement_view, "read_statement", lambda _path, mapping=None: statement)
    monkeypatch.setattr(matching, "propose", lambda *_a, **_k: proposals)
    opened: StatementPage = open_page(StatementPage, clerk)
    read(qtbot, opened, Path("국민은행_거래내역.xlsx"))
    return opened


def _depositors(page: StatementPage, rows: list[int] | None = None) -> list[str]:
    model = page.read_list.model
    return [model.row_at(i).proposal.deposit.depositor for i in (rows if rows is not None else range(model.rowCount()))]


def test_the_summary_counts_the_file_and_only_sure_deposits_are_ticked(page: StatementPage) -> None:
    assert page.file_label.text() == "국민은행_거래내역.xlsx"
    assert page.summary.text() == ("국민은행 거래내역 · 입금 6건 3,060,000원 · 출금 3건 제외 · 확실 1 · 유력 2 · 확인 필요 1 · "
                                   "찾지 못함 1 · 이미 읽은 입금 1")
    model = page.read_list.model
    assert [cell(model, i, "선택", CHECK) for i in range(6)] == [
        Qt.CheckState.Checked, Qt.CheckState.Unchecked, Qt.CheckState.Unchecked, Qt.CheckState.Unchecked,
        None, None]  # nothing found and read before: no box at all
    assert cell(model, 0, "제안") == "2024001 김민준 · 수강료 · 2026-11 · 300,000원"
    assert cell(model, 0, "거래일시") == "2026-11-12 10:00"
    assert cell(model, 5, "상태") == "이미 수납반영"
    assert "이미 수납반영한 입금입니다" in cell(model, 5, "선택", TIP)
    assert "[변경…]으로 고르세요" in cell(model, 4, "선택", TIP)
    assert page.read_list.apply_button.text() == "선택한 1건 수납반영 · 합계 300,000원"
    assert page.read_list.totals.text() == "선택 1건 300,000원 · 미처리로 남김 4건"


def test_an_overpayment_is_flagged_in_red_with_what_will_not_be_applied(page: StatementPage) -> None:
    model = page.read_list.model
    assert cell(model, 3, "초과입금") == "20,000원"
    assert cell(model, 3, "초과입금", FOREGROUND).name() == "#c0392b"
    assert cell(model, 3, "초과입금", TIP) == "초과 20,000원은 수납하지 않습니다"
    assert cell(model, 3, "제안") == "2024003 박지호 · 수강료 · 2026-11 · 280,000원"


def test_the_confidence_filter_hides_rows_but_keeps_their_ticks(page: StatementPage) -> None:
    panel = page.read_list
    assert [panel.filter.itemText(i) for i in range(panel.filter.count())] == [
        "전체 (6)", "확실 (1)", "유력 (2)", "확인 필요 (1)", "찾지 못함 (1)", "이미 읽은 입금 (1)"]
    panel.set_filter(Confidence.LIKELY)
    assert _depositors(page, panel.visible_rows()) == ["이서연모", "박지호"]
    panel.all_box.setChecked(True)  # ticks the visible ones only
    assert [line.proposal.deposit.depositor for line in panel.model.checked_rows()] == ["김민준", "이서연모", "박지호"]
    assert panel.apply_button.text() == "선택한 3건 수납반영 · 합계 830,000원"
    panel.set_filter(KNOWN)
    assert _depositors(page, panel.visible_rows()) == ["정우진"]
    assert not panel.all_box.isChecked() and not panel.change_button.isEnabled()
    panel.set_filter(Confidence.DOUBTFUL)
    assert _depositors(page, panel.visible_rows()) == ["홍길동"] and panel.selected()[1].proposal.confidence \
        is Confidence.DOUBTFUL
    panel.set_filter(None)
    assert len(panel.visible_rows()) == 6 and len(panel.model.checked_rows()) == 3


def test_untick_is_later_and_the_decisions_say_so(page: StatementPage) -> None:
    panel = page.read_list
    panel.model.set_checked(0, False)
    assert panel.apply_button.text() == "선택한 0건 수납반영 · 합계 0원"
    assert panel.apply_button.isEnabled()  # keeping every deposit for later is still a decision to store
    decided = {d.identity: d for d in panel.decisions()}
    assert len(decided) == 5 and {d.action for d in decided.values()} == {Action.LATER}  # the known one is not sent


def test_change_picks_other_charges_and_ticks_the_row(qtbot, page: StatementPage) -> None:
    panel = page.read_list
    panel.select_deposit("홍길동")
    panel.open_change()
    dialog = panel.active_dialog
    assert isinstance(dialog, ChangeDialog)
    assert dialog.search.text() == "2024001" and dialog.parts  # opens on what was proposed
    dialog.set_ticked(dialog.model.row_at(0), False)
    dialog.search.setText("이서연")
    dialog.search_charges()
    assert dialog.set_ticked(dialog.model.row_at(0), True)
    assert dialog.summary.text() == ("입금액 300,000원 · 선택한 청구 1건 250,000원 · 남은 입금 50,000원 "
                                     "(남은 50,000원은 수납하지 않고 미처리로 남습니다)")
    dialog.save()
    qtbot.waitUntil(lambda: panel.active_dialog is None)
    number = _depositors(page).index("홍길동")
    assert cell(panel.model, number, "선택", CHECK) == Qt.CheckState.Checked
    assert cell(panel.model, number, "신뢰도") == "직접 지정" and cell(panel.model, number, "상태") == "변경함"
    assert cell(panel.model, number, "제안") == "2024002 이서연 · 수강료 · 2026-11 · 250,000원"
    assert cell(panel.model, number, "초과입금", TIP) == "남는 50,000원은 수납하지 않고 미처리로 남깁니다"
    decision = next(d for d in panel.decisions() if d.action is Action.APPLY and d.parts[0][1] == 250_000)
    assert decision.identity == panel.model.row_at(number).identity


def test_a_deposit_is_set_aside_only_with_a_reason_and_can_be_taken_back(qtbot, page: StatementPage) -> None:
    panel = page.read_list
    panel.select_deposit("(주)대한상사")
    panel.open_dismiss()
    dialog = panel.active_dialog
    assert isinstance(dialog, DismissDialog)
    dialog.reason.setText("   ")
    dialog.save()
    assert dialog.isVisible() and dialog.error.text() == "수납아님으로 두는 사유를 입력하세요."
    dialog.reason.setText("임대료 입금")
    dialog.save()
    qtbot.waitUntil(lambda: panel.active_dialog is None)
    number = _depositors(page).index("(주)대한상사")
    assert cell(panel.model, number, "상태") == "수납아님 지정"
    assert panel.dismiss_button.text() == "수납아님 취소"
    assert panel.totals.text() == "선택 1건 300,000원 · 수납아님 1건 · 미처리로 남김 3건"
    dismissed = [d for d in panel.decisions() if d.action is Action.DISMISS]
    assert [(d.note, d.identity) for d in dismissed] == [("임대료 입금", panel.model.row_at(number).identity)]
    panel.open_dismiss()  # 수납아님 취소
    assert cell(panel.model, number, "상태") == "" and not [d for d in panel.decisions() if d.action is Action.DISMISS]


def test_a_viewer_reads_and_looks_but_decides_nothing(qtbot, office: Office, clerk, viewer, open_page,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    failed_payers(office, clerk)
    statement, proposals = hand_made(office, viewer)
    monkeypatch.setattr(statement_view, "read_statement", lambda _path, mapping=None: statement)
    monkeypatch.setattr(matching, "propose", lambda *_a, **_k: proposals)
    page = open_page(StatementPage, viewer)
    read(qtbot, page, "국민은행_거래내역.xlsx")
    panel = page.read_list
    assert panel.model.rowCount() == 6 and not panel.model.has_ticks
    for widget in (panel.apply_button, panel.change_button, panel.dismiss_button, panel.all_box):
        assert not widget.isVisibleTo(page)
    panel.open_change()
    assert panel.active_dialog is None
