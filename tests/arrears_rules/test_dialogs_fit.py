"""The page's two dialogs fit every screen size, as tests/views/test_layout_fits.py holds the other dialogs:
opened at their natural size (at most the screen), also with their errors showing. SQLite only (layout
does not depend on the database). Renders go to /tmp/work/shots/rules/layout/<size>/ to look at."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget

from app.models import LateFeeBasis
from app.services.common.crypto import DataKey
from app.services.settings import arrears_rules as rules
from app.views.common.context import AppContext
from app.views.common.theme import apply_theme
from app.views.settings.dunning_stage_dialog import DunningStageDialog
from app.views.settings.late_fee_policy_dialog import LateFeePolicyDialog
from tests.apartment.complex import Complex
from tests.views.layout import Problem
from tests.views.test_layout_fits import render

States = Iterator[tuple[str, QWidget]]
SHOTS = Path(os.environ.get("KSCMS_SHOTS", "/tmp/work/shots")) / "rules" / "layout"


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[None]:
    font, sheet = qapp.font(), qapp.styleSheet()
    apply_theme(qapp)
    yield
    qapp.setFont(font)
    qapp.setStyleSheet(sheet)


def test_the_dialogs_fit_at_every_size(qtbot, themed, complex_: Complex) -> None:  # type: ignore[no-untyped-def]
    if not complex_.db.is_sqlite:
        pytest.skip("layout does not depend on the database")
    ctx = AppContext(complex_.db, complex_.admin, complex_.contract_id, DataKey.generate())
    loaded = rules.load_rules(complex_.db, complex_.admin, complex_.contract_id)
    m01 = next(i for i in loaded.items if i.code == "M01")

    def item_policy() -> States:
        dialog = LateFeePolicyDialog(ctx, complex_.contract_id, m01, loaded.default)
        yield "", dialog
        dialog.own.setChecked(True)
        dialog.policy.enabled.setChecked(True)
        dialog.policy.basis.setCurrentIndex(dialog.policy.basis.findData(LateFeeBasis.MONTH))
        dialog.policy.rate.setText("0.00001")
        dialog.policy.grace.setText("999")
        dialog.policy.cap.setText("0")
        dialog.save()
        yield "errors", dialog

    def stage(editable: bool) -> Callable[[], States]:
        def states() -> States:
            dialog = DunningStageDialog(loaded.stages[2], seq=3, suggested_days=45, others=["1차 안내", "2차 독촉"],
                                        institution=loaded.contract_name, today=date(2026, 10, 1), editable=editable)
            yield "", dialog
            if editable:
                dialog.name.setText("1차 안내")
                dialog.wording.setPlainText("{고객명} 님 {주소} {금액} " * 3)
                dialog.check()
                yield "errors", dialog
        return states

    problems: list[Problem] = []
    for name, states in {"late_fee_item_policy": item_policy, "dunning_stage": stage(True),
                         "dunning_stage_read_only": stage(False)}.items():
        problems += render(name, states, SHOTS)
    assert not problems, "\n".join(map(str, problems))
