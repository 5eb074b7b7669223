"""이체의뢰 사전 점검 lists every charge above its item's posted 교습비, under its own heading, first."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update

from app.models import CollectionItem
from app.services.collection import requests as debits
from app.views.collection.preflight_dialog import PreflightDialog, check_lines
from tests.academy_settings.conftest import save_shot
from tests.collection_views.helpers import NOW, TWENTY_FIFTH, add_payer, request
from tests.factories import Office


def stage(office: Office) -> None:
    """Three payers of 수강료 due on the 25th of November; the academy posts 280,000원 for it.

    The agreements were made before the fee was posted (inserted as rows, as an older version of the
    desk or another tool left them), which is how a charge above the fee can still reach a request."""
    add_payer(office.db, office.contract_id, "C-001", "김바다", monthly=300_000, day=25, account="110123450001")
    add_payer(office.db, office.contract_id, "C-002", "이구름", monthly=280_000, day=25, account="110123450002")
    add_payer(office.db, office.contract_id, "C-003", "박하늘", monthly=320_000, day=25, discount=50_000,
              account="110123450003")
    add_payer(office.db, office.contract_id, "C-004", "최노을", monthly=500_000, day=25, item="A02",
              account="110123450004")  # 교재비 has no posted fee
    with office.db.session() as s:
        s.execute(update(CollectionItem).where(CollectionItem.code == "A01").values(posted_fee=280_000))


def test_preflight_flags_each_charge_above_the_posted_fee(office: Office) -> None:
    stage(office)
    result = debits.preflight(office.db, office.admin, office.contract_id, TWENTY_FIFTH, now=NOW)
    assert [(p.customer_no, p.this_amount) for p in result.over_posted_fee] == [("C-001", 300_000), ("C-003", 320_000)]
    assert result.over_posted_fee[0].text == (
        "김바다(C-001) 수강료 2026-11 월 금액 300,000원 > 게시 교습비 280,000원")
    assert result.lines()[1].startswith("게시 교습비 초과 2건: 김바다(C-001) 수강료 2026-11 월 금액 300,000원")


def test_an_already_requested_charge_above_the_fee_is_still_flagged(office: Office) -> None:
    stage(office)
    request(office.db, office.admin, office.contract_id, TWENTY_FIFTH,
            [add_payer(office.db, office.contract_id, "C-005", "정여름", monthly=290_000, day=25,
                       account="110123450005")], NOW)
    result = debits.preflight(office.db, office.admin, office.contract_id, TWENTY_FIFTH, now=NOW)
    assert [p.customer_no for p in result.over_posted_fee] == ["C-001", "C-003", "C-005"]


def test_the_dialog_shows_the_group_first_with_a_warning(qtbot, office: Office) -> None:
    stage(office)
    result = debits.preflight(office.db, office.admin, office.contract_id, TWENTY_FIFTH, now=NOW)
    dialog = PreflightDialog(result, ticked=(result.this_count, result.this_amount), can_request=True)
    qtbot.addWidget(dialog)
    dialog.resize(1100, 600)
    dialog.show()
    lines = check_lines(result)
    assert [(line.group, line.customer_no) for line in lines[:2]] == [("게시 교습비 초과", "C-001"),
                                                                      ("게시 교습비 초과", "C-003")]
    assert lines[0].text == "2026-11 월 금액 300,000원 > 게시 교습비 280,000원"
    assert dialog.model.index(0, 0).data() == "게시 교습비 초과" and dialog.model.index(0, 5).data() == "300,000원"
    assert dialog.counts.text().startswith("게시 교습비 초과 2건 · ")
    assert dialog.fee_warning.isVisible() and dialog.fee_warning.text().startswith("게시 교습비를 넘는 청구가 2건 있습니다.")
    save_shot(dialog, "preflight_over_fee")


def test_no_posted_fee_no_warning(qtbot, office: Office) -> None:
    add_payer(office.db, office.contract_id, "C-001", "김바다", monthly=300_000, day=25, account="110123450001")
    result = debits.preflight(office.db, office.admin, office.contract_id, date(2026, 11, 25), now=NOW)
    assert result.over_posted_fee == ()
    dialog = PreflightDialog(result)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.fee_warning.isVisible() and "게시 교습비 초과 0건" in dialog.counts.text()
