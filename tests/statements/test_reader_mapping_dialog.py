"""통장 거래내역 열 연결: the dialog the statement screen opens when the reader does not know the bank.

What the clerk sees and does: every column of the file with its first two values, the reader's
guess already chosen, account-number and nameless columns not choosable, [이대로 읽기] off until the
date, the depositor and an amount are chosen (saying what is missing), and the mapping it returns
reading the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from app.services.collection.statements.layouts import IGNORE
from app.services.collection.statements.reader import StatementColumnsMissing, read_statement
from app.views.collection.statement_mapping_dialog import StatementMappingDialog
from app.views.common.theme import apply_theme
from tests.statements.bank_files import OFFICE_ACCOUNT, write_lines

SHOTS = Path("/tmp/work/shots/h2")


def asked(tmp_path: Path) -> tuple[Path, StatementColumnsMissing]:
    path = write_lines(tmp_path / "신협.xlsx", [
        ["신협 거래내역"], ["계좌번호", OFFICE_ACCOUNT],
        ["일자", "시각", "보낸 사람", "내용", "들어온 돈", "나간 돈", "남은 돈", "상대계좌번호", ""],
        ["2026-11-09", "10:15:00", "김민준모", "타행이체", "300,000", "", "1,300,000", "110-234-567890", "1"],
        ["2026-11-11", "09:00:00", "관리비출금", "자동이체", "", "50,000", "1,250,000", "", "2"],
        ["2026-11-12", "14:20:00", "이서연", "모바일", "250,000", "", "1,550,000", "3333-01-2345678", "3"],
    ])
    with pytest.raises(StatementColumnsMissing) as error:
        read_statement(path)
    return path, error.value


def dialog_for(qtbot, error: StatementColumnsMissing, guess: dict[int, str] | None = None) -> StatementMappingDialog:
    dialog = StatementMappingDialog(error.header, error.samples, error.guess if guess is None else guess)
    qtbot.addWidget(dialog)
    return dialog


def test_the_guess_is_chosen_and_the_samples_show_with_accounts_masked(qtbot, tmp_path: Path) -> None:
    _path, error = asked(tmp_path)
    dialog = dialog_for(qtbot, error)

    chosen = [dialog.table.cellWidget(row, 3).currentText() for row in range(dialog.table.rowCount())]
    assert chosen == ["거래일(시)", "거래시간", "입금자(보낸분)", "사용 안 함", "입금액", "출금액", "잔액", "사용 안 함",
                      "사용 안 함"]
    assert dialog.table.item(2, 1).text() == "김민준모" and dialog.table.item(2, 2).text() == "관리비출금"
    assert dialog.table.item(7, 1).text() == "********7890"
    assert "110-234-567890" not in [dialog.table.item(7, c).text() for c in range(3)]
    assert not dialog.table.cellWidget(7, 3).isEnabled()  # 상대계좌번호: never read
    assert not dialog.table.cellWidget(8, 3).isEnabled() and dialog.table.item(8, 0).text() == "(이름 없는 열)"
    assert dialog.buttons.accept.isEnabled() and dialog.buttons.accept.text() == "이대로 읽기"


def test_read_stays_off_until_date_depositor_and_an_amount_are_chosen(qtbot, tmp_path: Path) -> None:
    _path, error = asked(tmp_path)
    dialog = dialog_for(qtbot, error, guess={})

    assert not dialog.buttons.accept.isEnabled()
    assert dialog.status.text() == "아직 고르지 않은 항목: 거래일(시), 입금자(보낸분), 입금액(또는 거래금액)"
    dialog.choose(0, "occurred_on")
    dialog.choose(2, "depositor")
    assert "입금액(또는 거래금액)" in dialog.status.text() and not dialog.buttons.accept.isEnabled()
    dialog.choose(4, "amount")
    assert dialog.buttons.accept.isEnabled()
    assert "부호(-)로 출금을 가립니다" in dialog.status.text()
    dialog.choose(5, "deposit")
    assert not dialog.buttons.accept.isEnabled() and "하나만 고르세요" in dialog.status.text()
    dialog.choose(4, IGNORE)
    assert dialog.buttons.accept.isEnabled() and dialog.status.text() == ""
    dialog.choose(3, "kind")
    assert not dialog.buttons.accept.isEnabled() and "함께 고르세요" in dialog.status.text()


def test_a_field_chosen_again_moves_to_the_new_column_but_memo_may_take_several(qtbot, tmp_path: Path) -> None:
    _path, error = asked(tmp_path)
    dialog = dialog_for(qtbot, error)

    dialog.choose(3, "depositor")
    assert dialog.key_at(3) == "depositor" and dialog.key_at(2) == IGNORE
    dialog.choose(2, "memo")
    dialog.choose(1, "memo")
    assert dialog.key_at(1) == dialog.key_at(2) == "memo"


def test_the_mapping_it_returns_reads_the_file(qtbot, tmp_path: Path) -> None:
    path, error = asked(tmp_path)
    dialog = dialog_for(qtbot, error)
    dialog.choose(3, "memo")
    dialog.accept()

    mapping = dialog.mapping()
    statement = read_statement(path, mapping=mapping)

    assert mapping["내용"] == "memo" and "상대계좌번호" not in mapping and "" not in mapping
    assert statement.layout == "직접 연결"
    assert [(d.depositor, d.amount, d.occurred_time, d.memo) for d in statement.deposits] == [
        ("김민준모", 300_000, "10:15:00", "타행이체"), ("이서연", 250_000, "14:20:00", "모바일")]
    assert statement.withdrawals == 1


def test_the_dialog_at_1366x768(qtbot, qapp: QApplication, tmp_path: Path) -> None:
    apply_theme(qapp)
    _path, error = asked(tmp_path)
    for name, guess in (("mapping_dialog.png", None), ("mapping_dialog_missing.png", {})):
        dialog = dialog_for(qtbot, error, guess)
        dialog.resize(1366, 768)
        dialog.show()
        qtbot.waitExposed(dialog)
        SHOTS.mkdir(parents=True, exist_ok=True)
        assert dialog.grab().save(str(SHOTS / name))
        assert dialog.table.horizontalHeader().length() <= dialog.table.viewport().width() + 2
