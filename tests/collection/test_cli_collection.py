"""`python -m app request | results | cash`: the services without a screen, with honest exit codes.

The commands read the real clock, so the debit date is the first one of next month (always ahead
of its cut-off); they run in-process against the test's database (KSCMS_DATABASE_URL), logged in
as the office's administrator (tests/security/cli.py).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.cli import main as cli
from app.models import Charge
from app.services.collection import ledger
from app.services.collection import requests as debits
from app.services.common.calendar import SEOUL
from tests.collection.helpers import add_payer, mark_sent
from tests.security.cli import use_login


@pytest.fixture
def env(office, monkeypatch: pytest.MonkeyPatch):
    use_login(monkeypatch, office.db)
    today = datetime.now(SEOUL).date()
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    option = debits.debit_dates(office.db, office.admin, office.contract_id, year, month)[1]  # the 15th's
    return office, option


def test_request_results_and_cash_from_the_command_line(env, capsys, tmp_path: Path) -> None:
    office, option = env
    period = f"{option.debit_date:%Y-%m}"
    add_payer(office.db, office.contract_id, "1", monthly=30_000, day=15, first=period)
    add_payer(office.db, office.contract_id, "2", monthly=20_000, day=15, first=period, registration=None)
    add_payer(office.db, office.contract_id, "3", monthly=10_000, day=15, first=period, item="A02")
    code, when = office.institution_code, f"{option.debit_date:%Y-%m-%d}"

    assert cli.main(["request", "--contract", code, "--date", when, "--item", "A01"]) == 0
    out = capsys.readouterr().out
    assert "제외\t2\t" in out and "계좌신청 내역이 없습니다" in out
    assert "이체의뢰 1건(30,000원)을 이체의뢰대기로 넣었습니다" in out
    assert cli.main(["request", "--contract", code, "--date", when, "--item", "A01"]) == 1
    assert "이미 이체의뢰되었습니다" in capsys.readouterr().out
    assert cli.main(["request", "--contract", code, "--date", when, "--item", "ZZ"]) == 2
    assert "집금항목 코드 ZZ" in capsys.readouterr().err

    [request_id] = mark_sent(office.db)
    with office.db.session() as s:
        ledger.apply_debit_outcome(s, request_id, 0, "0021", datetime.now(SEOUL))
    xlsx = tmp_path / "results.xlsx"
    assert cli.main(["results", "--contract", code, "--from", when, "--to", when, "--xlsx", str(xlsx)]) == 0
    out = capsys.readouterr().out
    assert "이체처리미완료\t1건\t의뢰 30,000원\t출금 0원" in out and "잔액부족" in out
    assert load_workbook(xlsx).active.cell(row=2, column=3).value == "1"

    assert cli.main(["cash", "--contract", code, "--customer", "1", "--amount", "30001"]) == 2
    assert "현금수납 가능금액(30,000원)" in capsys.readouterr().err
    assert cli.main(["cash", "--contract", code, "--customer", "1", "--amount", "10000"]) == 0
    assert "남은 미수납액은 20,000원" in capsys.readouterr().out
    assert cli.main(["cash", "--contract", code, "--customer", "3", "--amount", "10000"]) == 2
    assert "현금수납할 이체처리미완료 청구가 없습니다" in capsys.readouterr().err


def test_request_after_the_cutoff_queues_nothing(office, monkeypatch, capsys) -> None:
    use_login(monkeypatch, office.db)
    add_payer(office.db, office.contract_id, "1", day=15)
    past = debits.debit_dates(office.db, office.admin, office.contract_id, 2026, 1)[1].debit_date
    assert cli.main(["request", "--contract", office.institution_code, "--date", f"{past:%Y-%m-%d}"]) == 1
    assert "마감" in capsys.readouterr().out
    assert cli.main(["request", "--contract", office.institution_code, "--date", "2026-01-16"]) == 2
    assert "이체일이 아닙니다" in capsys.readouterr().err
    with office.db.session() as s:
        assert s.scalar(select(Charge.id).limit(1)) is None  # the list was opened, nothing asked: no charge made
