"""`python -m app close-month | reopen-month`, and a money-writing command meeting a closed month: each logs in
like every command, refuses in one line with exit 2 and writes nothing. In-process through
`app.cli.main.main`, on both databases."""

from __future__ import annotations

import stat
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from app.cli import main as cli
from app.cli import missed as cli_missed
from app.cli import month_close as cli_month_close
from app.models import AuditLog, Charge, MonthClose
from app.services.collection import requests as debits
from tests.apartment.complex import ITEM, SEPTEMBER, Complex, at
from tests.collection.helpers import add_payer, mark_sent
from tests.factories import INSTITUTION_CODE
from tests.month_close.helpers import NOW
from tests.security.cli import use_login


@pytest.fixture
def cli_autumn(autumn: Complex, monkeypatch: pytest.MonkeyPatch) -> Complex:
    use_login(monkeypatch, autumn.db)
    monkeypatch.setattr(cli_month_close, "_now", lambda: NOW)
    monkeypatch.setattr(cli_missed, "_now", lambda: NOW)
    return autumn


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main([*argv[:1], "--contract", INSTITUTION_CODE, *argv[1:]])
    out, err = capsys.readouterr()
    return code, out, err


def _closes(place: Complex) -> list[tuple[str, bool]]:
    with place.db.session() as s:
        return [(c.period, c.reopened_at is None) for c in s.scalars(select(MonthClose).order_by(MonthClose.id))]


def test_close_month_prints_the_figures_and_saves_the_report(cli_autumn: Complex, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    pdf, xlsx = tmp_path / "9월.pdf", tmp_path / "9월.xlsx"
    code, out, err = run(capsys, "close-month", "--month", "2026-09", "--pdf", str(pdf), "--xlsx", str(xlsx))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "관리비\t청구 960,000원\t할인 0원\t출금 570,000원\t현금수납 0원\t수납취소 0원\t반환 0원\t미납 2건 390,000원",
        "합계\t청구 960,000원\t할인 0원\t출금 570,000원\t현금수납 0원\t수납취소 0원\t반환 0원\t미납 2건 390,000원",
        "2026년 9월을(를) 마감했습니다. 청구 960,000원, 출금 570,000원, 미납 390,000원. 이제 이 달의 자료는 바꿀 수 없고, "
        "정정은 열린 달에 기록됩니다.",
        f"보고서 PDF를 저장했습니다: {pdf}",
        f"보고서 엑셀을 저장했습니다: {xlsx}",
    ]
    assert _closes(cli_autumn) == [("2026-09", True)]
    assert "390,000" in (PdfReader(str(pdf)).pages[0].extract_text() or "")
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o600
    book = load_workbook(xlsx, read_only=True)
    assert any(r and r[0] == "합계" and r[9] == 390_000 for r in book.worksheets[0].iter_rows(values_only=True))
    book.close()
    with cli_autumn.db.session() as s:
        actions = set(s.scalars(select(AuditLog.target).where(AuditLog.action == "cli_command")))
    assert {"close-month"} <= actions

    code, _out, err = run(capsys, "close-month", "--month", "2026-09")
    assert code == 2 and "2026년 9월은(는) 이미 마감되어 있습니다" in err
    code, out, err = run(capsys, "reopen-month", "--month", "2026-09", "--reason", "현금수납 누락 확인")
    assert (code, err) == (0, "")
    assert out.startswith("2026년 9월 마감을 취소했습니다(재개방).")
    assert _closes(cli_autumn) == [("2026-09", False)]


def test_missing_results_need_the_reason_and_bad_paths_close_nothing(complex_: Complex, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    use_login(monkeypatch, complex_.db)
    monkeypatch.setattr(cli_month_close, "_now", lambda: NOW)
    out_ = debits.request(complex_.db, complex_.admin, complex_.contract_id, SEPTEMBER,
                          [complex_.households["1011001"].agreement_id], now=at(date(2026, 9, 22), 9))
    mark_sent(complex_.db, list(out_.request_ids))
    code, out, err = run(capsys, "close-month", "--month", "2026-09")
    assert code == 2
    assert out.splitlines() == ["결과 미수신\t2026-09-28\t1011001\t김하늘\t관리비\t250,000원\t이체의뢰중"]
    assert err.startswith("오류: 2026년 9월의 출금일에 은행 결과가 아직 없는 이체의뢰가 1건 있어 마감하지 않았습니다.")
    code, _out, err = run(capsys, "close-month", "--month", "2026-09", "--override-reason", "은행 확인 중",
                          "--pdf", str(tmp_path / "없는폴더" / "x.pdf"))
    assert code == 2 and "저장할 폴더가 없습니다" in err
    assert _closes(complex_) == []
    code, out, err = run(capsys, "close-month", "--month", "2026-09", "--override-reason", "은행 확인 중")
    assert (code, err) == (0, "") and out.splitlines()[-1].endswith(
        "결과가 없는 이체의뢰 1건은 사유를 남기고 마감했습니다.")
    code, _out, err = run(capsys, "close-month", "--month", "2026-11")
    assert code == 2 and "2026년 11월은(는) 아직 끝나지 않아 마감할 수 없습니다" in err
    code, _out, err = run(capsys, "close-month", "--month", "2026-9")
    assert code == 2 and "달은 YYYY-MM(예: 2026-09)으로 입력하세요" in err
    code, _out, err = run(capsys, "reopen-month", "--month", "2026-09", "--reason", " ")
    assert code == 2 and "사유를 입력하세요" in err


def test_a_clerk_may_not_close_nor_reopen(cli_autumn: Complex, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    use_login(monkeypatch, cli_autumn.db, user="clerk1", password="clerk1234", birth="900505")
    for argv in (("close-month", "--month", "2026-09"), ("reopen-month", "--month", "2026-09", "--reason", "x")):
        code, _out, err = run(capsys, *argv)
        assert code == 2 and "관리자만 할 수 있는 작업입니다" in err
    assert _closes(cli_autumn) == []


def test_a_command_writing_money_into_a_closed_month_is_refused(cli_autumn: Complex,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """`missed --unpaid` would create the October charge of a household never requested: October is closed."""
    add_payer(cli_autumn.db, cli_autumn.contract_id, "1033001", "정여울", monthly=200_000, item=ITEM, day=25,
              first="2026-10")
    assert run(capsys, "close-month", "--month", "2026-10")[0] == 0
    with cli_autumn.db.session() as s:
        before = s.scalar(select(func.count()).select_from(Charge))
    code, out, err = run(capsys, "missed", "--date", "2026-10-26", "--unpaid")
    assert code == 2 and out == ""
    assert err == ("오류: 2026년 10월은 마감되었습니다. 이 출금일의 청구은(는) 바꿀 수 없습니다. 열린 달에 정정으로 "
                   "기록하거나, 관리자가 사유를 적고 마감을 다시 여십시오. (refused: MonthClosedError)\n")
    with cli_autumn.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Charge)) == before
    assert run(capsys, "reopen-month", "--month", "2026-10", "--reason", "입주 세대 10월분")[0] == 0
    code, out, err = run(capsys, "missed", "--date", "2026-10-26", "--unpaid")
    assert (code, err) == (0, "") and "200,000원을 미납으로 두었습니다" in out
