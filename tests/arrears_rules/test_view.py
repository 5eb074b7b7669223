"""연체료·독촉 규정 on screen: an administrator edits and saves both boxes; others read it only.

Each state is also saved as a picture at 1366×768 (KSCMS_SHOTS, /tmp/work/shots by default, under rules/).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from sqlalchemy import select

from app.models import DunningStage, LateFeeBasis, LateFeePolicy
from app.services.common.crypto import DataKey
from app.services.common.session import Actor
from app.services.settings import arrears_rules as rules
from app.views.common.context import AppContext
from app.views.settings.arrears_rules_view import NO_CONTRACT, READ_ONLY, ArrearsRulesPage
from app.views.settings.dunning_stage_dialog import DunningStageDialog
from app.views.settings.late_fee_policy_dialog import LateFeePolicyDialog
from tests.apartment.complex import Complex, at
from tests.message_boxes import Boxes

LEFT = Qt.MouseButton.LeftButton
SHOTS = Path(os.environ.get("KSCMS_SHOTS", "/tmp/work/shots")) / "rules"
NOW = at(date(2026, 10, 1), 10)


def _shot(widget: QWidget, name: str, place: Complex) -> None:
    if place.db.is_sqlite:
        SHOTS.mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(SHOTS / name))


def _page(qtbot, place: Complex, actor: Actor | None = None, contract: bool = True) -> ArrearsRulesPage:  # type: ignore[no-untyped-def]
    ctx = AppContext(place.db, actor or place.admin, place.contract_id if contract else None, DataKey.generate(),
                     clock=lambda: NOW)
    page = ArrearsRulesPage(ctx)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    if contract:
        qtbot.waitUntil(lambda: page.rules is not None and page.stage_model.rowCount() > 0)
    return page


def _reloaded(qtbot, page: ArrearsRulesPage, check) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: page.rules is not None and check(page.rules))


def _select_item(page: ArrearsRulesPage, code: str) -> None:
    row = next(i for i, r in enumerate(page.item_model.rows()) if r.code == code)
    page.item_table.selectRow(row)


def _texts(page: ArrearsRulesPage) -> list[tuple[str, ...]]:
    model = page.stage_model
    return [tuple(model.index(r, c).data() for c in range(model.columnCount())) for r in range(model.rowCount())]


def test_without_a_contract_the_page_says_so(qtbot, complex_: Complex) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, complex_, contract=False)
    assert page.gate.message.isVisible() and page.gate.message.text() == NO_CONTRACT
    assert not page.gate.content.isVisible()


def test_a_new_contract_shows_no_late_fee_and_the_default_stages(qtbot, complex_: Complex) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, complex_)
    _shot(page, "01_new_contract_admin.png", complex_)
    assert not page.policy.enabled.isChecked()
    assert page.policy.summary.text() == "→ 사용 안 함: 연체료를 계산하지 않습니다."
    assert [page.item_model.index(r, 3).data() for r in range(page.item_model.rowCount())] == [
        "사용 안 함"] * 4
    assert _texts(page)[0][:4] == ("1", "1차 안내", "출금 실패 3일 후", "")
    assert [t[1] for t in _texts(page)] == ["1차 안내", "2차 독촉", "최고"]
    assert page.stages_note.text().startswith("아직 이 계약의 단계를 정하지 않아 기본 단계를 씁니다.")
    assert not page.save_policy_button.isEnabled() and not page.save_stages_button.isEnabled()


def test_the_default_policy_is_typed_checked_live_and_saved(qtbot, complex_: Complex, boxes: Boxes) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, complex_)
    form = page.policy
    qtbot.mouseClick(form.enabled, LEFT)
    assert form.rate.isEnabled() and page.save_policy_button.isEnabled()
    qtbot.keyClicks(form.rate, "0.00005")
    assert form.summary.text() == "→ 연체요율: 소수점 아래 4자리까지 입력할 수 있습니다 (예: 0.0274)."
    qtbot.mouseClick(page.save_policy_button, LEFT)
    assert boxes.take() == ["연체요율: 소수점 아래 4자리까지 입력할 수 있습니다 (예: 0.0274)."]
    form.rate.clear()
    qtbot.keyClicks(form.rate, "0.05")
    qtbot.keyClicks(form.grace, "5")
    qtbot.keyClicks(form.cap, "10,000")
    form.rounding.setCurrentIndex(form.rounding.findData(10))
    # 100,000원, 30 days after the due day, 5 of them grace: 25 × 0.05 % = 1,250원.
    assert form.summary.text() == ("→ 일 0.05% · 유예 5일 · 한도 10,000원 · 10원 미만 절사\n"
                                   "예) 미납 100,000원을 납기 30일 뒤에 내면 연체료 1,250원")
    _shot(page, "02_default_policy_typed.png", complex_)
    qtbot.mouseClick(page.save_policy_button, LEFT)
    assert page.status.text() == "연체료 기본 규정을 저장했습니다: 일 0.05% · 유예 5일 · 한도 10,000원 · 10원 미만 절사"
    _reloaded(qtbot, page, lambda r: r.default.saved)
    assert not page.save_policy_button.isEnabled()
    assert page.item_model.index(0, 3).data() == "일 0.05% · 유예 5일 · 한도 10,000원 · 10원 미만 절사"
    with complex_.db.session() as s:
        saved = s.scalar(select(LateFeePolicy))
        assert saved is not None
        assert (saved.item_id, saved.enabled, saved.basis, saved.rate_ppm, saved.grace_days, saved.cap_amount,
                saved.rounding_unit) == (None, True, LateFeeBasis.DAY, 500, 5, 10_000, 10)


def test_an_item_gets_its_own_policy_and_goes_back_to_the_default(qtbot, complex_: Complex) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, complex_)
    _select_item(page, "M01")
    qtbot.mouseClick(page.edit_item_button, LEFT)
    dialog = page.active_dialog
    assert isinstance(dialog, LateFeePolicyDialog)
    qtbot.waitExposed(dialog)
    assert dialog.follow.isChecked() and not dialog.policy.enabled.isEnabled()
    dialog.own.setChecked(True)
    dialog.policy.enabled.setChecked(True)
    dialog.policy.basis.setCurrentIndex(dialog.policy.basis.findData(LateFeeBasis.MONTH))
    qtbot.keyClicks(dialog.policy.rate, "abc")
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.error.text() == "연체요율: 'abc'은(는) 요율이 아닙니다. % 단위 숫자만 입력하세요 (예: 0.05, 2)."
    dialog.policy.rate.setText("2")
    assert dialog.policy.rate_unit.text() == "%/월"
    _shot(dialog, "03_item_policy_dialog.png", complex_)
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert page.status.text() == "'M01 관리비'의 연체료 규정을 저장했습니다: 월 2% · 유예 없음 · 한도 없음 · 원 미만 절사"
    _reloaded(qtbot, page, lambda r: any(i.own is not None for i in r.items))
    row = next(i for i, r in enumerate(page.item_model.rows()) if r.code == "M01")
    assert page.item_model.index(row, 2).data() == "항목 규정"
    assert page.item_model.index(row, 3).data() == "월 2% · 유예 없음 · 한도 없음 · 원 미만 절사"
    _shot(page, "04_item_with_own_policy.png", complex_)
    _select_item(page, "M01")
    qtbot.mouseClick(page.edit_item_button, LEFT)
    dialog = page.active_dialog
    assert isinstance(dialog, LateFeePolicyDialog)
    dialog.follow.setChecked(True)
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert page.status.text() == "'M01 관리비'은(는) 이제 기본 규정을 따릅니다: 사용 안 함"
    _reloaded(qtbot, page, lambda r: all(i.own is None for i in r.items))
    with complex_.db.session() as s:
        assert s.scalars(select(LateFeePolicy)).all() == []


def test_stages_are_edited_on_screen_checked_and_saved_whole(qtbot, complex_: Complex, boxes: Boxes) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, complex_)
    page.stage_table.selectRow(1)
    qtbot.mouseClick(page.edit_button, LEFT)
    dialog = page.active_dialog
    assert isinstance(dialog, DunningStageDialog)
    qtbot.waitExposed(dialog)
    dialog.wording.setPlainText("{고객명} 님, 미납액 {미납액}을 {납부기한}까지 {주소}로 보내 주세요.")
    assert dialog.unknown.text() == "알 수 없는 자리표시: {주소} — 위의 '넣을 값' 단추에 있는 것만 쓸 수 있습니다."
    assert dialog.preview.toPlainText() == "홍길동 님, 미납액 180,000원을 2026년 10월 11일까지 {주소}로 보내 주세요."
    _shot(dialog, "05_stage_dialog_unknown_placeholder.png", complex_)
    dialog.check()
    assert dialog.error.text() == ("문구: 알 수 없는 자리표시 {주소}: 쓸 수 있는 것은 {고객명} {미납액} {연체료} {납부기한} "
                                   "{기관명}입니다.")
    dialog.wording.setPlainText("{고객명} 님, 미납액 {미납액}을 {납부기한}까지 납부해 주세요.\n")
    cursor = dialog.wording.textCursor()
    cursor.movePosition(cursor.MoveOperation.End)
    dialog.wording.setTextCursor(cursor)
    qtbot.mouseClick(dialog.placeholder_buttons["기관명"], LEFT)
    dialog.name.setText("1차 안내")
    dialog.check()
    assert dialog.error.text() == "이름: '1차 안내'은(는) 다른 단계의 이름입니다. 단계마다 다른 이름을 쓰세요."
    dialog.name.setText("독촉")
    dialog.days.setValue(20)
    _shot(dialog, "06_stage_dialog.png", complex_)
    dialog.check()
    assert not dialog.isVisible()
    assert _texts(page)[1][:3] == ("2", "독촉", "출금 실패 20일 후")
    assert page.save_stages_button.isEnabled() and "저장하지 않은 변경이 있습니다" in page.stages_note.text()
    # Moving 최고 above 독촉 leaves the days out of order: said under the list at once, and again on 저장.
    page.stage_table.selectRow(2)
    qtbot.mouseClick(page.up_button, LEFT)
    assert [t[1] for t in _texts(page)] == ["1차 안내", "최고", "독촉"]
    assert page.stage_problems.text() == ("3단계 일수: 앞 단계(2단계 30일)보다 늦어야 합니다. "
                                          "단계는 일수가 늘어나는 순서로 두세요.")
    _shot(page, "07_stages_out_of_order.png", complex_)
    qtbot.mouseClick(page.save_stages_button, LEFT)
    assert boxes.take() == ["3단계 일수: 앞 단계(2단계 30일)보다 늦어야 합니다. 단계는 일수가 늘어나는 순서로 두세요."]
    qtbot.mouseClick(page.down_button, LEFT)
    assert not page.stage_problems.isVisible()
    # A fourth stage, added at the end.
    qtbot.mouseClick(page.add_button, LEFT)
    dialog = page.active_dialog
    assert isinstance(dialog, DunningStageDialog) and dialog.days.value() == 45
    dialog.name.setText("내용증명")
    dialog.wording.setPlainText("{고객명} 님께 내용증명으로 알립니다. 미납액 {미납액}, 연체료 {연체료}.")
    dialog.check()
    qtbot.mouseClick(page.save_stages_button, LEFT)
    assert page.status.text() == "독촉 단계 4개를 저장했습니다: 1차 안내(3일), 독촉(20일), 최고(30일), 내용증명(45일)"
    _reloaded(qtbot, page, lambda r: not r.stages_are_default)
    _shot(page, "08_stages_saved.png", complex_)
    with complex_.db.session() as s:
        assert [(r.seq, r.name, r.days_after) for r in s.scalars(select(DunningStage).order_by(DunningStage.seq))] == [
            (1, "1차 안내", 3), (2, "독촉", 20), (3, "최고", 30), (4, "내용증명", 45)]
        wording = s.scalar(select(DunningStage.wording).where(DunningStage.name == "독촉"))
    assert wording == "{고객명} 님, 미납액 {미납액}을 {납부기한}까지 납부해 주세요.\n{기관명}"
    assert not page.save_stages_button.isEnabled()


def test_removing_and_reverting_a_stage(qtbot, complex_: Complex) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, complex_)
    page.stage_table.selectRow(1)
    qtbot.mouseClick(page.remove_button, LEFT)
    assert [t[1] for t in _texts(page)] == ["1차 안내", "최고"]
    assert page.status.text() == "'2차 독촉'을(를) 목록에서 뺐습니다. [저장]하면 삭제됩니다."
    qtbot.mouseClick(page.revert_button, LEFT)
    assert [t[1] for t in _texts(page)] == ["1차 안내", "2차 독촉", "최고"]
    assert not page.save_stages_button.isEnabled()


def test_unsaved_edits_survive_the_page_being_shown_again(qtbot, complex_: Complex) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, complex_)
    page.stage_table.selectRow(2)
    qtbot.mouseClick(page.remove_button, LEFT)
    page.hide()
    page.show()
    qtbot.wait(50)
    qtbot.waitUntil(lambda: page.rules is not None)
    assert [t[1] for t in _texts(page)] == ["1차 안내", "2차 독촉"] and page.stages_dirty


def test_a_clerk_reads_but_cannot_change(qtbot, complex_: Complex) -> None:  # type: ignore[no-untyped-def]
    rules.save_late_fee_policy(complex_.db, complex_.admin, complex_.contract_id, None,
                               rules.LateFeeForm(enabled=True, basis="DAY", rate="0.05", grace_days="5"))
    page = _page(qtbot, complex_, actor=complex_.clerk)
    _reloaded(qtbot, page, lambda r: r.default.saved)
    _shot(page, "09_clerk_read_only.png", complex_)
    assert any(label.text() == READ_ONLY and label.isVisible() for label in page.findChildren(type(page.status)))
    assert page.policy.enabled.isChecked() and not page.policy.enabled.isEnabled() and not page.policy.rate.isEnabled()
    assert page.policy.rate.text() == "0.05" and page.policy.grace.text() == "5"
    for button in (page.save_policy_button, page.add_button, page.remove_button, page.up_button,
                   page.save_stages_button):
        assert not button.isVisible()
    assert page.edit_button.text() == "문구 보기"
    qtbot.mouseClick(page.edit_button, LEFT)
    dialog = page.active_dialog
    assert isinstance(dialog, DunningStageDialog) and dialog.wording.isReadOnly()
    assert dialog.preview.toPlainText().startswith("홍길동 님, 안녕하십니까. 푸른숲아파트 관리사무소입니다.")
    _shot(dialog, "10_stage_dialog_read_only.png", complex_)
    dialog.reject()
    _select_item(page, "M01")
    qtbot.mouseClick(page.edit_item_button, LEFT)
    item_dialog = page.active_dialog
    assert isinstance(item_dialog, LateFeePolicyDialog) and not item_dialog.save_button.isVisible()
    assert not item_dialog.own.isEnabled()
    item_dialog.reject()


def test_a_stage_with_letters_shows_them_and_is_kept_switched_off(qtbot, autumn: Complex) -> None:  # type: ignore[no-untyped-def]
    from app.models import DebitRequest, DunningLetter
    from tests.apartment.complex import SEPTEMBER

    first = rules.save_stages(autumn.db, autumn.admin, autumn.contract_id, list(rules.DEFAULT_STAGES))
    with autumn.db.session() as s:
        request_id = s.scalar(select(DebitRequest.id).where(
            DebitRequest.debit_date == SEPTEMBER, DebitRequest.agreement_id == autumn.households["1011002"].agreement_id))
        assert request_id is not None
        s.add(DunningLetter(contract_id=autumn.contract_id, customer_id=autumn.households["1011002"].customer_id,
                            stage_id=first[0].id, request_id=request_id, due_on=date(2026, 10, 11), unpaid=180_000,
                            issued_by="clerk1"))
    page = _page(qtbot, autumn)
    assert [t[3] for t in _texts(page)] == ["1건", "", ""]
    page.stage_table.selectRow(0)
    qtbot.mouseClick(page.remove_button, LEFT)
    assert page.status.text() == ("'1차 안내'을(를) 목록에서 뺐습니다. 발행된 안내문 1건이 있어 저장하면 지우지 않고 "
                                  "사용 중지로 남깁니다.")
    qtbot.mouseClick(page.save_stages_button, LEFT)
    assert page.status.text() == "독촉 단계 2개를 저장했습니다: 2차 독촉(15일), 최고(30일)"
    _reloaded(qtbot, page, lambda r: r.retired_stages == 1)
    assert [t[1] for t in _texts(page)] == ["2차 독촉", "최고"]
    assert page.stages_note.text() == ("발행된 안내문 때문에 남겨 둔 사용 중지 단계 1개가 있습니다 (목록에는 나오지 않습니다).")
    _shot(page, "11_stage_with_letters_kept.png", autumn)
    with autumn.db.session() as s:
        assert s.scalar(select(DunningStage.active).where(DunningStage.id == first[0].id)) is False
