"""연체료관리 and its dialogs fit at 1024×768, 1366×768 and 1920×1080 with the autumn story's rows on screen
(tests/views/test_layout_fits.py walks the page too, but on an academy without late fees).

The page is rendered at the room the main window leaves it (the menu on the left, the header and the
status bar); the dialogs at the size they open at. The rules are tests/views/layout.py's. SQLite only:
the layout depends on the rows, not on the database. Pictures go to KSCMS_SHOTS/latefees/layout.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QWidget

from app.models import AgreementStatus, DebitAgreement
from app.services.collection import late_fee_list, late_fee_waivers
from app.services.common.crypto import DataKey
from app.views.collection.late_fee_dialogs import BillingDialog, RevokeDialog, WaiverDialog
from app.views.collection.late_fees_view import LateFeesPage
from app.views.common.context import AppContext
from tests.apartment.complex import Complex
from tests.late_fees.helpers import AS_OF, CHOI, LEE, NOW, customer, daily_policy
from tests.views.layout import SIZES, Problem, check, grab
from tests.views.test_layout_fits import opening_size, settle, themed  # noqa: F401 - the fixture

SHOTS = Path(os.environ.get("KSCMS_SHOTS", "/tmp/work/shots")) / "latefees" / "layout"
MENU, CHROME = 190, 90  # what the main window's menu, header and status bar take


@pytest.fixture
def story(autumn: Complex) -> Complex:
    if not autumn.db.is_sqlite:
        pytest.skip("the layout depends on the rows, not the database")
    daily_policy(autumn)
    late_fee_waivers.waive(autumn.db, autumn.admin, customer(autumn, LEE), autumn.charge(LEE, "2026-09"),
                           "관리규약 제30조 제2항: 입원 기간(2026-09-20 ~ 2026-10-15) 중 연체료 면제", NOW)
    with autumn.db.session() as s:
        agreement = s.get(DebitAgreement, autumn.households[CHOI].agreement_id)
        assert agreement is not None
        agreement.status = AgreementStatus.ENDED
    return autumn


def _ctx(place: Complex) -> AppContext:
    return AppContext(place.db, place.admin, place.contract_id, DataKey.generate(), clock=lambda: NOW)


def _render(widget: QWidget, name: str, size: QSize, size_name: str) -> list[Problem]:
    settle()
    problems = check(widget, f"{size_name} {name}", size)
    grab(widget, SHOTS, size_name, name)
    return problems


def test_the_page_fits(qtbot, themed, story: Complex) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    problems: list[Problem] = []
    for size_name, size in SIZES.items():
        page = LateFeesPage(_ctx(story))
        qtbot.addWidget(page)
        page.resize(size.width() - MENU, size.height() - CHROME)
        with qtbot.waitSignal(page.loaded, timeout=15000):
            page.show()
        page.table.selectRow(0)
        page.all_box.setChecked(True)
        problems += _render(page, "page", size, size_name)
        page.close()
    assert not problems, "\n".join(map(str, problems))


def _dialogs(ctx: AppContext) -> Iterator[tuple[str, QWidget]]:
    assert ctx.contract_id is not None
    fees = late_fee_list.household_rows(ctx.db, ctx.actor, ctx.contract_id, AS_OF)
    lee = next(r for r in fees.rows if r.customer_no == LEE)
    yield "waiver", WaiverDialog(ctx, lee, lee.lines[1])
    standing = late_fee_waivers.waivers(ctx.db, ctx.actor, ctx.contract_id, include_revoked=False)
    yield "revoke", RevokeDialog(ctx, lee, standing)
    yield "billing", BillingDialog(ctx, AS_OF, [r.customer_id for r in fees.rows])


def test_the_dialogs_fit(qtbot, themed, story: Complex) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    problems: list[Problem] = []
    for size_name, size in SIZES.items():
        for name, dialog in _dialogs(_ctx(story)):
            qtbot.addWidget(dialog)
            if name == "billing":
                dialog.resize(940, 480)  # what the page asks for
            dialog.resize(opening_size(dialog, size))
            dialog.show()
            problems += _render(dialog, name, size, size_name)
            dialog.close()
    assert not problems, "\n".join(map(str, problems))
