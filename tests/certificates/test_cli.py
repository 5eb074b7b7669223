"""`python -m app certificate`: logs in like every command, refuses a bad path before numbering, writes the PDF
(and the list) and prints the numbers it issued. In-process through `app.cli.main.main`, on both databases."""

from __future__ import annotations

import stat
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app.cli import certificates as cli_certificates
from app.cli import main as cli
from app.models import AuditLog, FeeCertificate, Role
from app.services.common.calendar import SEOUL
from tests.certificates.helpers import debit, student
from tests.factories import INSTITUTION_CODE, Office, add_user
from tests.security.cli import use_login

NOW = datetime(2027, 1, 6, 10, 30, tzinfo=SEOUL)


@pytest.fixture
def office_cli(academy_office: Office, monkeypatch: pytest.MonkeyPatch) -> Office:
    o = academy_office
    a = student(o, "S01", "김부모", student_name="김아이", birth=date(2018, 5, 5))
    b = student(o, "S02", "이부모")
    for month in (1, 2):
        debit(o, a, date(2026, month, 5))
    debit(o, b, date(2026, 3, 5))
    use_login(monkeypatch, o.db)
    monkeypatch.setattr(cli_certificates, "_now", lambda: NOW)
    return o


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(["certificate", "--contract", INSTITUTION_CODE, "--year", "2026", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def numbers(office: Office) -> list[str]:
    with office.db.session() as s:
        return [c.number for c in s.scalars(select(FeeCertificate).order_by(FeeCertificate.serial))]


def test_issues_every_student_and_prints_the_numbers(office_cli: Office, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--pdf", str(tmp_path / "c.pdf"), "--xlsx", str(tmp_path / "c.xlsx"))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "2026-0001\tS01\t김아이\t240,000원",
        "2026-0002\tS02\t이부모\t120,000원",
        f"발급했습니다 (2장, 합계 360,000원): {tmp_path / 'c.pdf'}",
        f"목록을 저장했습니다: {tmp_path / 'c.xlsx'}",
    ]
    pages = [p.extract_text() or "" for p in PdfReader(str(tmp_path / "c.pdf")).pages]
    assert len(pages) == 2 and "2026-0001" in pages[0] and "240,000원" in pages[0] and "만 9세 미만" in pages[0]
    assert stat.S_IMODE((tmp_path / "c.pdf").stat().st_mode) == 0o600
    book = load_workbook(tmp_path / "c.xlsx", read_only=True)
    assert any(r and r[0] == "S01" for r in book.worksheets[0].iter_rows(values_only=True))
    book.close()

    code, out, err = run(capsys, "--customer", "S01", "--pdf", str(tmp_path / "again.pdf"))
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "2026-0003\tS01\t김아이\t240,000원\t이미 발급: 2026-0001 (01-06 관리자, 최신)"
    with office_cli.db.session() as s:
        assert s.scalars(select(AuditLog.action).where(AuditLog.action == "cli_command")).all()


def test_bad_paths_and_customers_are_refused_before_any_number(office_cli: Office, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "--pdf", str(tmp_path / "missing" / "c.pdf"))
    assert code == 2 and "저장할 폴더가 없습니다" in err
    (tmp_path / "taken.pdf").write_bytes(b"x")
    code, _out, err = run(capsys, "--pdf", str(tmp_path / "taken.pdf"))
    assert code == 2 and "이미 있습니다" in err
    code, _out, err = run(capsys, "--pdf", str(tmp_path / "ok.pdf"), "--xlsx", str(tmp_path / "nowhere" / "l.xlsx"))
    assert code == 2 and "저장할 폴더가 없습니다" in err
    code, _out, err = run(capsys, "--customer", "S99", "--pdf", str(tmp_path / "ok.pdf"))
    assert code == 2 and "S99" in err
    code, _out, err = run(capsys, "--year", "2031", "--pdf", str(tmp_path / "ok.pdf"))
    assert code == 2 and "아직 오지 않은 해" in err
    assert numbers(office_cli) == [] and not (tmp_path / "ok.pdf").exists()


def test_login_is_required_and_a_viewer_may_not_issue(office_cli: Office, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KSCMS_USER")
    code, _out, err = run(capsys, "--pdf", str(tmp_path / "c.pdf"))
    assert code == 2 and "KSCMS_USER" in err
    add_user(office_cli, "viewer1", Role.VIEWER, password="viewer1234", birth="910606")
    use_login(monkeypatch, office_cli.db, user="viewer1", password="viewer1234", birth="910606")
    code, _out, err = run(capsys, "--pdf", str(tmp_path / "c.pdf"))
    assert code == 2 and "조회 권한" in err
    assert numbers(office_cli) == [] and not (tmp_path / "c.pdf").exists()
