"""Every screen fits: each page of the main window and each dialog, at 1024×768, 1366×768 and 1920×1080.

The rules are `tests/views/layout.py`'s (nothing outside its parent, no overlapping widgets, no text
cut off in a label, button, check box, combo box or column header, no short column stretched across
an empty screen, no list that needs a horizontal scroll bar). Pages are rendered inside the main
window at the screen's size; dialogs at their natural size, at most the screen's. A dialog with a
form is also rendered with its errors showing, since an error line appearing is where a form most
often breaks (the login dialog once squeezed its inputs to make room for one).

Runs on SQLite only: a screen's layout depends on the rows it shows, not on the database holding
them, and the rows are the same on both. Each render is saved as PNG under
``$KSCMS_LAYOUT_SHOTS/<size>/<name>.png`` (default: the test's temporary folder) for a person to look at.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSize, Qt, QThreadPool
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.database import server_settings
from app.services.aggregates.common import GroupBy
from app.services.collection import requests as debits
from app.services.common.periods import Period
from app.services.customers import records as customers
from app.services.settings import contracts
from app.services.settings import users as auth
from app.views.common.base import grow_to_fit
from app.views.common.column_fit import fit_columns
from app.views.common.context import AppContext
from app.views.common.theme import apply_theme
from tests.views.layout import SIZES, Problem, check, grab, populate

States = Iterator[tuple[str, QWidget]]
"""A screen in its states: after each yield the widget shows the named state, laid out."""


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = os.environ.get("KSCMS_LAYOUT_SHOTS")
    return Path(folder) if folder else tmp_path / "layout"


@pytest.fixture
def themed(qapp: QApplication, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The app's Korean font and style sheet (what the clerk sees), restored afterwards; message boxes
    and file dialogs answered at once instead of blocking."""
    font, sheet = qapp.font(), qapp.styleSheet()
    apply_theme(qapp)
    for kind in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(QMessageBox, kind, lambda *_a, **_k: QMessageBox.StandardButton.No)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: ("", ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: ("", ""))
    yield
    qapp.setFont(font)
    qapp.setStyleSheet(sheet)


def settle() -> None:
    """Let background loads finish and their rows land."""
    for _ in range(3):
        QThreadPool.globalInstance().waitForDone(10000)
        QApplication.processEvents()


def opening_size(dialog: QWidget, screen: QSize) -> QSize:
    """The size a dialog opens at on `screen`, as Qt chooses it: the size the dialog asked for itself,
    else its layout's wish (at most two thirds of the screen, Qt's rule), never below its minimum and
    never beyond the screen."""
    if dialog.testAttribute(Qt.WidgetAttribute.WA_Resized):
        size = dialog.size()
    else:
        size = dialog.sizeHint()
        layout = dialog.layout()
        if layout is not None and layout.hasHeightForWidth():
            size.setHeight(layout.totalHeightForWidth(size.width()))
        size = size.boundedTo(QSize(screen.width() * 2 // 3, screen.height() * 2 // 3))
    return size.expandedTo(dialog.minimumSize()).boundedTo(screen)


def render(name: str, states: Callable[[], States], shots: Path) -> list[Problem]:
    """Every state of a dialog at every screen size: opened at its natural size (at most the screen),
    then left to resize itself as its state changes, as it would in front of the clerk."""
    problems: list[Problem] = []
    for size_name, size in SIZES.items():
        opened: QSize | None = None
        widget: QWidget | None = None
        for state, widget in states():
            if opened is None:
                opened = opening_size(widget, size)
                widget.resize(opened)
                widget.show()
            settle()
            label = f"{name}.{state}" if state else name
            problems += check(widget, f"{size_name} {label}", size)
            grab(widget, shots, size_name, label)
        if widget is not None:
            widget.close()
            widget.deleteLater()
    return problems


# --- the main window's pages ------------------------------------------------------------------------------


def test_every_page_of_the_main_window_fits_at_every_size(qtbot, themed, sqlite_db, tmp_path: Path,
                                                          shots: Path) -> None:
    from app.views.shell.main_window import MainWindow
    from app.views.shell.pages import page_factories

    populated = populate(sqlite_db, tmp_path)
    office = populated.office
    ctx = AppContext(sqlite_db, office.admin, office.contract_id, populated.key, clock=lambda: populated.now)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    problems: list[Problem] = []
    rendered = 0
    for size_name, size in SIZES.items():
        window.resize(size)
        for key in page_factories():
            assert window.open_page(key), key
            settle()
            page = window.pages[key]
            tabs = next((t for t in page.findChildren(QTabWidget) if t.isVisible()), None)
            for index in range(tabs.count() if tabs else 1):
                name = key
                if tabs is not None:
                    tabs.setCurrentIndex(index)
                    settle()
                    name = f"{key}.{index + 1}"
                problems += check(window, f"{size_name} {name}", size)
                grab(window, shots, size_name, name)
                rendered += 1
    assert rendered >= 3 * 22
    assert not problems, "\n".join(map(str, problems))


# --- dialogs -------------------------------------------------------------------------------------------------


def _customer_dialogs(ctx: AppContext, customer_id: int) -> dict[str, Callable[[], States]]:
    from app.views.customers.agreement_dialog import AgreementDialog, EndAgreementDialog
    from app.views.customers.customer_detail import CustomerDetailDialog
    from app.views.customers.customer_dialog import CustomerDialog, IndustryDialog

    def detail() -> Any:
        return customers.get_customer_detail(ctx.db, ctx.actor, customer_id)

    def customer_new() -> States:
        dialog = CustomerDialog(ctx)
        yield "", dialog
        for field, value in ((dialog.customer_no, "가나다 라"), (dialog.resident_no, "991399-1234567"),
                             (dialog.mobile, "01-12"), (dialog.email, "at-nowhere"), (dialog.postal_code, "12")):
            field.setText(value)
        dialog.name.clear()
        dialog.save()
        yield "errors", dialog

    def customer_edit() -> States:
        yield "", CustomerDialog(ctx, detail())

    def customer_detail() -> States:
        yield "", CustomerDetailDialog(ctx, customer_id)

    def agreement_new() -> States:
        dialog = AgreementDialog(ctx, detail())
        yield "", dialog
        dialog.debit_limit.setText("100")
        dialog.monthly_amount.setText("300,000")
        dialog.account_no.setText("12")
        dialog.holder_name.clear()
        dialog.holder_id.setText("9913")
        dialog.save()
        yield "errors", dialog

    def agreement_edit() -> States:
        d = detail()
        yield "", AgreementDialog(ctx, d, d.agreements[0])

    def agreement_end() -> States:
        d = detail()
        yield "", EndAgreementDialog(ctx, d, d.agreements[0])

    def industry() -> States:
        yield "", IndustryDialog("")

    return {"customer_new": customer_new, "customer_edit": customer_edit, "customer_detail": customer_detail,
            "agreement_new": agreement_new, "agreement_edit": agreement_edit, "agreement_end": agreement_end,
            "industry": industry}


def _settings_dialogs(ctx: AppContext) -> dict[str, Callable[[], States]]:
    from app.views.notices_view import NoticeDialog
    from app.views.settings.items_view import ItemDialog
    from app.views.settings.user_dialog import UserDialog
    from app.views.shell.password_dialog import PasswordDialog

    assert ctx.contract_id is not None
    contract = contracts.get_contract(ctx.db, ctx.actor, ctx.contract_id)
    items = contracts.list_items(ctx.db, ctx.actor, ctx.contract_id)
    users = auth.list_users(ctx.db, ctx.actor)

    def password(forced: bool) -> Callable[[], States]:
        def states() -> States:
            dialog = PasswordDialog(ctx.db, ctx.actor, forced=forced)
            yield "", dialog
            dialog.current.setText("wrong-password-1")
            dialog.new.setText("short")
            dialog.confirm.setText("other")
            dialog.submit()
            yield "errors", dialog
        return states

    def user_new() -> States:
        yield "", UserDialog(ctx)

    def user_edit() -> States:
        yield "", UserDialog(ctx, next(u for u in users if u.login_id != ctx.actor.login_id))

    def item_new() -> States:
        yield "", ItemDialog(ctx, contract, None, frozenset(i.code for i in items))

    def item_edit() -> States:
        yield "", ItemDialog(ctx, contract, items[0], frozenset(i.code for i in items))

    def notice() -> States:
        yield "", NoticeDialog(ctx)

    return {"password": password(False), "password_forced": password(True), "user_new": user_new,
            "user_edit": user_edit, "item_new": item_new, "item_edit": item_edit, "notice_new": notice}


def _collection_dialogs(ctx: AppContext, transmission_id: int | None) -> dict[str, Callable[[], States]]:
    from app.services.aggregates.reports import build
    from app.views.collection.file_view_dialog import FileViewDialog
    from app.views.collection.preflight_dialog import PreflightDialog
    from app.views.common.report_preview import ReportPreviewDialog, prepare
    from app.views.shell.backup_dialogs import RestoreDialog

    assert ctx.contract_id is not None
    cid = ctx.contract_id
    now = ctx.clock()

    def preflight() -> States:
        result = debits.preflight(ctx.db, ctx.actor, cid, date(2026, 11, 25), now=now)
        yield "", PreflightDialog(result, ticked=(3, 2_940_000), can_request=True)

    def file_view() -> States:
        assert transmission_id is not None
        yield "", FileViewDialog(ctx, transmission_id)

    def report() -> States:
        summary = build.outstanding_summary(ctx.db, ctx.actor, cid, Period(date(2026, 11, 1), date(2026, 11, 30)),
                                            GroupBy.ITEM, now=now)
        yield "", ReportPreviewDialog(ctx, prepare(summary))

    def restore() -> States:
        yield "", RestoreDialog(ctx.db, actor=ctx.actor, data_key=ctx.data_key)

    return {"preflight": preflight, "file_view": file_view, "report_preview": report, "restore": restore}


def _start_dialogs(ctx: AppContext) -> dict[str, Callable[[], States]]:
    from app.views.shell.login_dialog import LoginDialog
    from app.views.shell.passphrase_dialog import PassphraseDialog

    def login() -> States:
        dialog = LoginDialog(ctx.db, now=ctx.clock)
        yield "", dialog
        dialog.institution_code.setText("9912345678")
        dialog.login_id.setText("admin")
        dialog.password.setText("not-the-password-1")
        dialog.birth_date.setText("800101")
        dialog.try_login()
        yield "error", dialog
        for _ in range(4):  # the fifth wrong password locks the account: a longer, two-line error
            dialog.password.setText("not-the-password-1")
            dialog.try_login()
        yield "locked", dialog

    def passphrase() -> States:
        dialog = PassphraseDialog(ctx.db)
        yield "", dialog
        dialog.passphrase.setText("wrong passphrase")
        dialog.try_unlock()
        yield "error", dialog

    return {"login": login, "passphrase": passphrase}


def test_every_dialog_fits_at_every_size(qtbot, themed, sqlite_db, tmp_path: Path, shots: Path) -> None:
    populated = populate(sqlite_db, tmp_path)
    office = populated.office
    ctx = AppContext(sqlite_db, office.admin, office.contract_id, populated.key, clock=lambda: populated.now)
    dialogs = {**_customer_dialogs(ctx, populated.long_customer_id), **_settings_dialogs(ctx),
               **_collection_dialogs(ctx, populated.transmission_id), **_start_dialogs(ctx)}
    problems: list[Problem] = []
    for name, states in dialogs.items():
        problems += render(name, states, shots)
    assert not problems, "\n".join(map(str, problems))


# --- the first-start wizard ------------------------------------------------------------------------------


def _wait_for(wizard: Any) -> None:
    """The database page connects and migrates in the background: wait until it is done."""
    deadline = time.monotonic() + 30
    while wizard.workers and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.02)
    settle()


def _new_office_wizard(folder: Path) -> Callable[[], States]:
    runs = iter(range(1000))

    def states() -> States:
        from app.services.exchange.relay.config import HostKeyInfo
        from app.views.setup.setup_wizard import SetupWizard
        from tests.setup.wizard_helpers import (
            fill_admin,
            fill_institution,
            fill_passphrase,
        )
        from tests.setup.wizard_shots import SAMPLE_KEY

        wizard = SetupWizard()
        yield "1_database", wizard
        page = wizard.database_page
        page.server.setChecked(True)
        for field, value in ((page.host, "127.0.0.1"), (page.dbname, "kscms"), (page.user, "kscms"),
                             (page.password, "secret-pw-1")):
            field.setText(value)
        page.port.setValue(1)  # nothing listens there: the refusal is shown under the form
        page.test_connection()
        _wait_for(wizard)
        yield "1_database_server_refused", wizard
        page.local.setChecked(True)
        page.file_path.setText(str(folder / f"new-{next(runs)}.db"))
        wizard.next()
        _wait_for(wizard)
        fill_institution(wizard.institution_page, business_no="1234567890")
        wizard.next()
        yield "2_institution_error", wizard
        wizard.institution_page.business_no.setText("1248100998")
        wizard.next()
        fill_admin(wizard.admin_page)
        yield "3_admin", wizard
        wizard.next()
        fill_passphrase(wizard.passphrase_page)
        yield "4_passphrase", wizard
        wizard.next()
        yield "5_relay", wizard
        relay = wizard.relay_page
        relay.sftp.setChecked(True)
        relay.host.setText("relay.example.kr")
        relay.username.setText("ks9912345678")
        relay.password.setText("relay-pw-1")
        relay._fetched("relay.example.kr", 22, HostKeyInfo(*SAMPLE_KEY))
        relay.confirmed.setChecked(True)
        yield "5_relay_sftp", wizard
        wizard.next()
        yield "6_summary", wizard
        wizard.reject()

    return states


def _joining_wizard(folder: Path) -> Callable[[], States]:
    from app.database import connection as db_setup
    from app.services.settings import setup

    url = server_settings.sqlite_url(folder / "shared.db")
    db = db_setup.prepare(url)
    setup.initialize(db, setup.SetupForm(
        institution_name="해오름수학학원 본원 초중등관", institution_code="9912345678", business_no="1248100998",
        representative="김해오", settlement_bank_code="088", settlement_account_no="110123456789",
        passbook_text="해오름학원", admin_login_id="owner", admin_name="김원장", admin_birth_date="750505",
        passphrase="right-passphrase", admin_password="spring2026"))
    db.dispose()

    def states() -> States:
        from app.views.setup.setup_wizard import SetupWizard

        wizard = SetupWizard(url=url)
        wizard.next()
        _wait_for(wizard)
        wizard.join_page.passphrase.setText("wrong-passphrase")
        wizard.next()
        yield "join_error", wizard
        wizard.join_page.passphrase.setText("right-passphrase")
        wizard.next()
        yield "join_summary", wizard
        wizard.reject()

    return states


def test_the_first_start_wizard_fits_at_every_size(qtbot, themed, tmp_path: Path, shots: Path) -> None:
    problems = render("wizard", _new_office_wizard(tmp_path), shots)
    problems += render("wizard", _joining_wizard(tmp_path), shots)
    assert not problems, "\n".join(map(str, problems))


# --- the rules themselves ----------------------------------------------------------------------------------


def _window(qtbot: Any, layout: Any, width: int, height: int = 120) -> QWidget:
    """`layout` on a page of `width` × `height` inside a window, as a page sits in the main window
    (which, unlike a window of its own, can be given less room than its layout wants)."""
    window = QWidget()
    qtbot.addWidget(window)
    window.resize(width, height)
    page = QWidget(window)
    page.setLayout(layout)
    page.setGeometry(0, 0, width, height)
    window.show()
    QApplication.processEvents()
    return window


def _kinds(window: QWidget) -> set[str]:
    return {p.kind for p in check(window, "rule")}


def test_the_rules_find_a_search_button_drawn_over_its_box(qtbot, themed) -> None:
    """고객관리 at 1366 before issue 15: a row of filters wider than the page, 검색 over the search box."""

    def filters() -> QHBoxLayout:
        search = QLineEdit()
        search.setMinimumWidth(300)
        row = QHBoxLayout()
        row.addWidget(search, 1)
        row.addWidget(QPushButton("검색"))
        for caption in ("고객구분", "고객등급", "집금항목", "계좌신청 상태"):
            row.addWidget(QLabel(caption))
            row.addWidget(QLineEdit())
        row.addWidget(QCheckBox("사용중지 고객 포함"))
        return row

    assert "overlap" in _kinds(_window(qtbot, filters(), 700))
    assert not _kinds(_window(qtbot, filters(), 1600))


def test_the_rules_find_a_form_squeezed_by_its_error_line(qtbot, themed) -> None:
    """The login dialog before issue 15: the error line took its height from the inputs above it."""
    window = QWidget()
    qtbot.addWidget(window)
    form = QVBoxLayout(window)
    fields = [QLineEdit() for _ in range(4)]
    for field in fields:
        form.addWidget(field)
    error = QLabel("비밀번호를 5회 잘못 입력하여 계정이 잠겼습니다. 약 10분 후 다시 시도하거나 관리자에게 잠금 해제를 요청하세요.")
    error.setWordWrap(True)
    error.setVisible(False)
    form.addWidget(error)
    window.resize(300, window.sizeHint().height())
    window.show()
    QApplication.processEvents()
    assert not _kinds(window)
    error.setVisible(True)  # the window keeps its height: the inputs give theirs
    QApplication.processEvents()
    assert "squeezed" in _kinds(window)
    grow_to_fit(window)
    QApplication.processEvents()
    assert not _kinds(window)
    assert all(field.height() >= field.sizeHint().height() for field in fields)


def test_the_rules_find_a_cut_title_and_a_stretched_short_column(qtbot, themed) -> None:
    from app.views.common.tables import ALIGN_CENTER, Column, RowsModel

    model = RowsModel([Column("고객번호", lambda r: r[0]), Column("계좌신청 상태", lambda r: r[1], ALIGN_CENTER)])
    model.set_rows([("2024001", "계좌신청완료"), ("2024002", "계좌신청미완료")])
    table = QTableView()  # the old way: fixed widths, the last column taking the rest
    table.setModel(model)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().resizeSection(0, 30)
    box = QVBoxLayout()
    box.addWidget(table)
    window = _window(qtbot, box, 1200, 300)
    kinds = {p.kind for p in check(window, "rule")}
    assert {"header", "cell", "stretched"} <= kinds

    fit_columns(table)  # the new way: every column its content, nothing stretched
    QApplication.processEvents()
    assert not _kinds(window)


def test_the_rules_find_a_list_that_needs_a_sideways_scroll(qtbot, themed) -> None:
    """이체의뢰 at 1024 before issue 15: 의뢰 불가 사유 off the right edge."""
    from app.views.common.column_fit import set_elastic
    from app.views.common.tables import Column, RowsModel

    reason = "계좌신청이 완료되지 않았습니다 (계좌신청대기). 이체 2영업일 전까지 완료되어야 합니다."
    columns = [Column(f"금액{n}", lambda _r: "1,250,000원") for n in range(6)] + [Column("사유 · 안내", lambda _r: reason)]
    model = RowsModel(columns)
    model.set_rows([1, 2, 3])
    table = QTableView()
    table.setModel(model)
    table.resizeColumnsToContents()  # the old way: every column its content, however wide the table
    box = QVBoxLayout()
    box.addWidget(table)
    window = _window(qtbot, box, 700, 300)
    assert "scroll" in _kinds(window)
    set_elastic(table, len(columns) - 1)
    fit_columns(table)  # the reason narrows, whole in its tooltip
    QApplication.processEvents()
    assert not _kinds(window)
    assert table.horizontalHeader().sectionSize(len(columns) - 1) < table.sizeHintForColumn(len(columns) - 1)


# --- a form lists every problem at once ----------------------------------------------------------------------


def test_the_customer_dialog_lists_every_problem_of_the_form_at_once(qtbot, themed, office: Any) -> None:
    from app.services.common.crypto import DataKey
    from app.views.customers.customer_dialog import CustomerDialog

    ctx = AppContext(office.db, office.admin, office.contract_id, DataKey.generate())
    dialog = CustomerDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.customer_no.setText("가나다 라")
    dialog.name.clear()
    dialog.email.setText("at-nowhere")
    dialog.postal_code.setText("12")
    dialog.save()
    lines = dialog.error.text().splitlines()
    assert [line.split(":")[0] for line in lines] == ["고객번호", "고객명", "이메일", "우편번호"]
    assert dialog.focusWidget() is dialog.customer_no and dialog.saved_id is None
    assert not [p for p in check(dialog, "customer_new.errors") if p.kind != "scroll"]


def test_the_agreement_dialog_lists_every_problem_of_the_form_at_once(qtbot, themed, office: Any) -> None:
    from app.services.common.crypto import DataKey
    from app.views.customers.agreement_dialog import AgreementDialog
    from tests.customers.conftest import person

    key = DataKey.generate()
    customer_id = customers.create_customer(office.db, office.admin, office.contract_id, person(), key).id
    ctx = AppContext(office.db, office.admin, office.contract_id, key)
    dialog = AgreementDialog(ctx, customers.get_customer_detail(office.db, office.admin, customer_id))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.debit_limit.setText("100")
    dialog.monthly_amount.setText("300,000")
    dialog.bank.setCurrentIndex(0)  # 선택하세요
    dialog.account_no.setText("12")
    dialog.holder_name.clear()
    dialog.save()
    fields = [line.split(":")[0] for line in dialog.error.text().splitlines()]
    assert fields == ["월이체금액", "이체은행", "계좌번호", "예금주명", "생년월일/사업자번호"]
    assert dialog.saved_id is None and not check(dialog, "agreement_new.errors")


def test_a_form_rule_still_raises_its_first_problem_for_an_import_row() -> None:
    """The import reads one refusal per row (field and message): the first, as before; the others ride along."""
    from app.services.common.validation import ValidationError
    from app.services.customers.rules import CustomerForm, validate_customer

    with pytest.raises(ValidationError) as raised:
        validate_customer(CustomerForm(customer_no="", name="", email="x", postal_code="1"))
    assert (raised.value.field, raised.value.message) == ("고객번호", "고객번호를 입력하세요.")
    assert [p.field for p in raised.value.problems] == ["고객번호", "고객명", "이메일", "우편번호"]
    assert raised.value.lines().splitlines()[1].startswith("고객명: ")
