"""독촉관리 on screen: the list of the day, ticking and issuing, holds, the issued letters and their reprint.

Each state is also saved as a picture at 1366×768 (KSCMS_SHOTS, /tmp/work/shots/dunning by default).
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import QDate, Qt, QThreadPool
from PySide6.QtWidgets import QApplication, QWidget

from app.services.collection import dunning
from app.services.common.crypto import DataKey
from app.services.common.session import Actor
from app.views.collection.dunning_hold_dialog import EndHoldDialog, HoldDialog
from app.views.collection.dunning_view import NO_CONTRACT, DunningPage
from app.views.common.context import AppContext
from tests.apartment.complex import Complex, at
from tests.dunning.conftest import Boxes
from tests.dunning.helpers import CHOI, LEE

SHOTS = Path(os.environ.get("KSCMS_SHOTS", "/tmp/work/shots")) / "dunning"
OCT_1 = date(2026, 10, 1)


def _settle() -> None:
    for _ in range(3):
        QThreadPool.globalInstance().waitForDone(10_000)
        QApplication.processEvents()


def _shot(widget: QWidget, name: str, place: Complex) -> None:
    if place.db.is_sqlite:
        SHOTS.mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(SHOTS / name))


def _page(qtbot, place: Complex, actor: Actor | None = None, now: datetime | None = None,  # type: ignore[no-untyped-def]
          contract: bool = True) -> DunningPage:
    moment = now or at(OCT_1, 9)
    ctx = AppContext(place.db, actor or place.clerk, place.contract_id if contract else None, DataKey.generate(),
                     clock=lambda: moment)
    page = DunningPage(ctx)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    _settle()
    return page


def _names(page: DunningPage) -> list[tuple[str, str, str]]:
    return [(r.customer_name, r.stage.name, r.hold.text if r.hold else "") for r in page.due_model.rows()]


def test_without_a_contract_the_page_says_so(qtbot, complex_: Complex) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, complex_, contract=False)
    assert page.no_contract.isVisible() and page.no_contract.text() == NO_CONTRACT
    assert not page.content.isVisible()


def test_tick_issue_and_reprint(qtbot, autumn: Complex, boxes: Boxes, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, autumn)
    assert _names(page) == [(LEE, "1차 안내", ""), (CHOI, "1차 안내", "")]
    model = page.due_model
    assert [model.data(model.index(0, model.column_of(h))) for h in ("출금일", "청구월", "미납액", "예정일")] == [
        "2026-09-28", "2026-09", "180,000원", "2026-10-01"]
    assert page.due.totals.text() == "발행 예정 2건 · 2세대 · 미납 390,000원"
    assert page.due.detail.text().startswith("이바다(1011002) 1차 안내 — 2026-09-28 관리비 2026-09 출금분 · 미납 180,000원")
    assert not page.issue_button.isEnabled()  # nothing ticked: nothing to issue
    page.due.all_box.setChecked(True)
    assert page.issue_button.isEnabled()
    assert page.due.totals.text() == "발행 예정 2건 · 2세대 · 미납 390,000원 · 선택 2건(2세대)"
    _shot(page, "due_list.png", autumn)

    target = tmp_path / "독촉안내문.pdf"
    with qtbot.waitSignal(page.issued, timeout=20_000) as issued:
        page.issue_ticked(str(target))
    assert boxes.asked and boxes.asked[-1].startswith("독촉 안내문 2건(2세대)을 발행합니다.")
    outcome = issued.args[0]
    assert outcome.pages == 2 and target.exists() and len(PdfReader(str(target)).pages) == 2
    _settle()
    assert page.status.text() == f"안내문 2건(2세대)을 발행했습니다: {target}"
    assert page.due_model.rows() == [] and "2026-10-01까지 발행할 안내문이 없습니다" in page.due_empty.message

    page.tabs.setCurrentIndex(2)
    issued_rows = page.issued_model.rows()
    assert [(r.customer_name, r.stage_name, r.unpaid) for r in issued_rows] == [(LEE, "1차 안내", 180_000),
                                                                                (CHOI, "1차 안내", 210_000)]
    assert page.issued_total.text() == "발행 2건 · 2세대"
    page.issued_model.set_checked(0, True)
    _shot(page, "issued_list.png", autumn)
    again = tmp_path / "재발행.pdf"
    with qtbot.waitSignal(page.reprinted, timeout=20_000):
        page.reprint_ticked(str(again))
    text = PdfReader(str(again)).pages[0].extract_text() or ""
    assert "재발행" in text and "이바다" in text
    assert len(dunning.issued_letters(autumn.db, autumn.clerk, autumn.contract_id, OCT_1, OCT_1)) == 2


def test_hold_a_household_then_end_the_hold(qtbot, autumn: Complex, boxes: Boxes) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, autumn)
    page.due.table.selectRow(1)  # 최들녘
    qtbot.mouseClick(page.hold_button, Qt.MouseButton.LeftButton)
    dialog = page.active_dialog
    assert isinstance(dialog, HoldDialog)
    qtbot.waitExposed(dialog)
    assert dialog.search.text() == "1022002" and dialog.chosen_customer().name == CHOI  # type: ignore[union-attr]
    dialog.save()  # no reason: refused under the form, nothing written
    assert dialog.error.isVisible() and dialog.error.text() == "보류 사유를 입력하세요."
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Space)  # the clerk starts typing: the refusal goes away
    assert not dialog.error.isVisible()
    dialog.reason.setText("분납 약정 (10월 2회)")
    dialog.ends_on.setDate(QDate(2026, 10, 20))
    assert dialog.meaning.text() == "최들녘(1022002): 오늘(2026-10-01)부터 2026-10-20까지 20일 동안 독촉 안내문을 발행하지 않습니다."
    _shot(dialog, "hold_dialog.png", autumn)
    dialog.save()
    _settle()
    assert page.status.text() == "최들녘의 독촉을 2026-10-20까지 보류했습니다 (분납 약정 (10월 2회))."
    assert _names(page) == [(LEE, "1차 안내", ""), (CHOI, "1차 안내", "보류: 분납 약정 (10월 2회) (~2026-10-20)")]
    page.due.all_box.setChecked(True)
    assert [r.customer_name for r in page.due_model.checked_rows()] == [LEE]  # a held row has no box
    assert page.due.totals.text() == "발행 예정 1건 · 1세대 · 미납 180,000원 · 보류 1세대 · 선택 1건(1세대)"
    _shot(page, "due_with_hold.png", autumn)

    page.tabs.setCurrentIndex(1)
    assert [(h.customer_name, h.reason) for h in page.holds_model.rows()] == [(CHOI, "분납 약정 (10월 2회)")]
    _shot(page, "holds.png", autumn)
    page.open_end_hold(page.selected_hold())
    end = page.active_dialog
    assert isinstance(end, EndHoldDialog)
    qtbot.waitExposed(end)
    end.reason.setText("약정 취소")
    _shot(end, "end_hold_dialog.png", autumn)
    end.save()
    _settle()
    assert page.status.text() == "최들녘의 독촉 보류를 해제했습니다. 밀린 안내문이 있으면 발행 예정 목록에 다시 나옵니다."
    assert page.holds_model.rows() == [] and _names(page) == [(LEE, "1차 안내", ""), (CHOI, "1차 안내", "")]


def test_another_day_is_a_look_only(qtbot, autumn: Complex) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, autumn)
    page.day.setDate(QDate(2026, 10, 29))
    _settle()
    assert [n for n, _s, _h in _names(page)] == [LEE, LEE, "박산들", CHOI, CHOI]
    page.due.all_box.setChecked(True)
    assert not page.issue_button.isEnabled()
    assert page.due.totals.text().endswith("안내문은 오늘 기준 목록에서만 발행합니다. 기준일을 오늘로 바꿔 조회하세요.")
    _shot(page, "another_day.png", autumn)


def test_a_viewer_sees_the_lists_without_the_buttons(qtbot, autumn: Complex, viewer: Actor) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, autumn, actor=viewer)
    assert [n for n, _s, _h in _names(page)] == [LEE, CHOI]
    for button in (page.issue_button, page.hold_button, page.end_hold_button, page.new_hold_button,
                   page.stop_hold_button, page.reprint_button, page.due.all_box):
        assert not button.isVisible()
    assert not page.due_model.has_ticks
    _shot(page, "viewer.png", autumn)


def test_the_hold_dialogs_fit_every_screen(qtbot, autumn: Complex) -> None:  # type: ignore[no-untyped-def]
    """The layout rules of tests/views/layout.py, with the app's theme, error lines showing."""
    from app.views.common.theme import apply_theme
    from tests.views.layout import SIZES, check

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    font, sheet = app.font(), app.styleSheet()
    apply_theme(app)
    try:
        page = _page(qtbot, autumn)
        held = dunning.hold(autumn.db, autumn.clerk, autumn.households["1022002"].customer_id,
                            "분납 약정 (관리비 3개월분을 12월까지 네 번에 나누어 내기로 함)", date(2026, 12, 31), OCT_1)
        problems = []
        for size_name, size in SIZES.items():
            for name, dialog in (("hold", HoldDialog(page.ctx, autumn.contract_id, "", page)),
                                 ("end_hold", EndHoldDialog(page.ctx, held, page))):
                dialog.show()
                dialog.save()  # no reason: the error line under the form
                dialog.adjustSize()
                qtbot.waitExposed(dialog)
                problems += check(dialog, f"{size_name} {name}", size)
                if size_name == "1024x768":
                    _shot(dialog, f"{name}_dialog_error.png", autumn)
                dialog.close()
        assert not problems, "\n".join(map(str, problems))
    finally:
        app.setFont(font)
        app.setStyleSheet(sheet)
