"""`python -m app import-customers` with another service's export: the profile and mapping printed, the
whole-file values, per-row values, evidence, and every existing option still working."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.cli.main import main
from app.models import Customer, DebitAgreement
from app.services.common import keys
from app.services.common.crypto import KeyringCache
from tests.factories import Office
from tests.imports.conftest import table_counts
from tests.security.cli import use_login
from tests.switch_in.exports import HYOSUNG_HEADER, THEBILL_HEADER, hyosung_row, nh_account, thebill_row, write_export

PASSPHRASE = "test-passphrase"
LATER = "2027-03"  # far enough after today's date on any machine that no D-2 mark depends on the clock


@pytest.fixture
def cli_office(office: Office, monkeypatch: pytest.MonkeyPatch) -> Office:
    with office.db.session() as s:
        key = keys.create_data_key(s, PASSPHRASE)
    KeyringCache(account=key.key_id).save(key)
    use_login(monkeypatch, office.db)
    return office


def test_the_export_is_named_its_mapping_printed_and_typed_values_fill_the_masked_rows(
        cli_office: Office, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_export(tmp_path / "효성.xlsx", HYOSUNG_HEADER, [hyosung_row(1), hyosung_row(2, 계약상태="해지")])
    code = cli_office.institution_code
    whole_file = ["--debit-day", "25일", "--item", "수강료", "--first-month", LATER]
    assert main(["import-customers", str(path), "--contract", code, *whole_file]) == 1
    captured = capsys.readouterr()
    assert "효성 CMS+ 납부자 목록으로 읽었습니다" in captured.out
    assert "결제정보 → 계좌번호 (가져온 서비스의 열)" in captured.out and "청구시작일 → 사용 안 함" in captured.out
    assert "2행 [결제정보] 가려진 계좌번호입니다" in captured.out and "3행 건너뜀: 효성 CMS+에서 계약이 해지된" in captured.out
    assert table_counts(cli_office.db) == (0, 0, 0)
    fills = ["--fill", f"2:결제정보={nh_account(1)}", "--fill", "2:예금주생년월일=800101"]  # the export's name
    assert main(["import-customers", str(path), "--contract", code, *whole_file, *fills]) == 0
    out = capsys.readouterr().out
    assert "고객 1명 등록" in out and "계좌신청대기에 남습니다" in out and "납부자 1명은 이 기관으로" in out
    with cli_office.db.session() as s:
        terms = s.scalars(select(DebitAgreement)).one()
        number = s.scalar(select(Customer.customer_no))
    assert (number, terms.bank_code, terms.debit_day, terms.first_month, terms.holder_id) == (
        "00000001", "011", 25, LATER, "800101")


def test_evidence_is_attached_after_the_import_and_a_bad_folder_refused_first(
        cli_office: Office, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.evidence.helpers import encoded, form_page

    path = write_export(tmp_path / "더빌.xlsx", THEBILL_HEADER, [thebill_row(1), thebill_row(2)])
    code = cli_office.institution_code
    whole_file = ["--debit-day", "25", "--item", "수강료", "--first-month", LATER]
    assert main(["import-customers", str(path), "--contract", code, *whole_file, "--evidence", str(tmp_path / "x")]) == 2
    assert "동의자료 폴더나 .zip 파일을 찾을 수 없습니다" in capsys.readouterr().err
    folder = tmp_path / "스캔"
    folder.mkdir()
    (folder / "TB0002.jpg").write_bytes(encoded(form_page(width=640, height=900, noise=0), "JPEG", quality=70))
    (folder / "메모.txt").write_text("not evidence", encoding="utf-8")
    assert main(["import-customers", str(path), "--contract", code, *whole_file, "--evidence", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "NICE 더빌 회원 목록으로 읽었습니다" in out and "동의자료 첨부 1건" in out
    assert "첨부하지 못함 메모.txt:" in out
    assert table_counts(cli_office.db) == (2, 2, 2)


def test_a_bad_fill_and_a_bad_profile_exit_two(cli_office: Office, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = write_export(tmp_path / "더빌.xlsx", THEBILL_HEADER, [thebill_row(1)])
    code = cli_office.institution_code
    assert main(["import-customers", str(path), "--contract", code, "--fill", "둘째행:계좌번호=1"]) == 2
    assert "--fill" in capsys.readouterr().err
    assert main(["import-customers", str(path), "--contract", code, "--fill", "2:고객번호=X"]) == 2
    assert main(["import-customers", str(path), "--contract", code, "--profile", "kakao"]) == 2
    assert main(["import-customers", str(path), "--contract", code, "--profile", "none", "--dry-run"]) == 2
    assert "필수 열이 없습니다" in capsys.readouterr().err
    assert table_counts(cli_office.db) == (0, 0, 0)
