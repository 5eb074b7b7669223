"""The customer detail tells a household's arrears: its late fee as of today, its 독촉 보류, and its
letters and holds among the history lines (issue 19: "shown on the customer")."""

from __future__ import annotations

from datetime import date, time

from app.models import LateFeeBasis, LateFeePolicy
from app.services.collection import dunning, late_fee_waivers
from app.services.common.calendar import seoul_datetime
from app.services.common.crypto import DataKey
from app.services.customers.arrears import customer_arrears
from app.views.common.context import AppContext
from app.views.customers.customer_detail import CustomerDetailDialog
from tests.apartment.complex import Complex

TODAY = date(2026, 11, 30)
NOW = seoul_datetime(TODAY, time(9, 30))


def _daily_policy(place: Complex) -> None:
    with place.db.session() as s:
        s.add(LateFeePolicy(contract_id=place.contract_id, item_id=None, enabled=True, basis=LateFeeBasis.DAY,
                            rate_ppm=500, grace_days=5, cap_amount=None, rounding_unit=1))


def test_the_households_fee_hold_and_history(autumn: Complex) -> None:
    _daily_policy(autumn)
    ba_da = autumn.households["1011002"].customer_id
    # 이바다: September 5,220 + October 2,700 (tests/late_fees/test_fees_as_of.py computes them by hand).
    assert customer_arrears(autumn.db, autumn.clerk, ba_da, TODAY).summary == (
        "연체료 7,920원 (청구 가능 7,920원) · 2026-11-30 기준")
    late_fee_waivers.waive(autumn.db, autumn.admin, ba_da, autumn.charge("1011002", "2026-10"), "관리규약 제30조: 입원",
                           NOW)
    dunning.hold(autumn.db, autumn.clerk, ba_da, "분할납부 약정", date(2027, 1, 31), TODAY, now=NOW)
    arrears = customer_arrears(autumn.db, autumn.clerk, ba_da, TODAY)
    assert arrears.summary == ("연체료 7,920원 (감면 2,700원, 청구 가능 5,220원) · 2026-11-30 기준 · "
                               "독촉 보류: 분할납부 약정 (~2027-01-31)")
    assert [(h.on, h.kind, h.state) for h in arrears.history] == [(TODAY, "독촉", "보류 등록")]
    assert "분할납부 약정 (2026-11-30~2027-01-31)" in arrears.history[0].text


def test_nothing_to_say_without_a_policy_or_a_hold(autumn: Complex) -> None:
    kim = autumn.households["1011001"].customer_id
    arrears = customer_arrears(autumn.db, autumn.clerk, kim, TODAY)
    assert arrears.summary == "" and arrears.history == ()


def test_the_customer_detail_shows_them(qtbot, autumn: Complex) -> None:
    _daily_policy(autumn)
    ba_da = autumn.households["1011002"].customer_id
    dunning.hold(autumn.db, autumn.clerk, ba_da, "분할납부 약정", date(2027, 1, 31), TODAY, now=NOW)
    ctx = AppContext(autumn.db, autumn.clerk, autumn.contract_id, DataKey.generate(), clock=lambda: NOW)
    dialog = CustomerDetailDialog(ctx, ba_da)
    qtbot.addWidget(dialog)
    assert dialog.arrears_note.text() == ("연체료 7,920원 (청구 가능 7,920원) · 2026-11-30 기준 · "
                                          "독촉 보류: 분할납부 약정 (~2027-01-31)")
    first = dialog.history_model.row_at(0)
    assert (first.on, first.kind, first.state) == (TODAY, "독촉", "보류 등록")
    # The bank's answers stay in the history beside it: September's and October's failed debits.
    states = [dialog.history_model.row_at(i).state for i in range(dialog.history_model.rowCount())]
    assert states.count("이체처리미완료") == 2
    dialog.show()
    dialog.grab().save("/tmp/work/shots/customer_arrears.png")


def test_a_household_without_arrears_has_no_line(qtbot, autumn: Complex) -> None:
    ctx = AppContext(autumn.db, autumn.clerk, autumn.contract_id, DataKey.generate(), clock=lambda: NOW)
    dialog = CustomerDetailDialog(ctx, autumn.households["1011001"].customer_id)
    qtbot.addWidget(dialog)
    assert dialog.arrears_note.isHidden()
