"""계약정보 of an academy: 학원 등록번호, 소재지 and the 직인 image, as the clerk registers them."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.models import AuditLog, Contract, Role
from app.services.common.errors import PermissionDeniedError
from app.services.common.session import Actor
from app.services.common.validation import ValidationError
from app.services.settings import contracts, seal
from app.views.common.context import AppContext
from app.views.settings.contract_view import ContractPage
from tests.academy_settings.conftest import Boxes, save_shot, seal_picture
from tests.factories import Office, add_user

LEFT = Qt.MouseButton.LeftButton


def open_page(qtbot, office: Office, actor: Actor | None = None) -> ContractPage:
    page = ContractPage(AppContext(office.db, actor or office.admin, office.contract_id))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    return page


def stored_seal(office: Office) -> bytes | None:
    with office.db.session() as s:
        contract = s.get(Contract, office.contract_id)
        assert contract is not None
        return contract.seal_png


def seal_audits(office: Office) -> list[dict[str, object]]:
    with office.db.session() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.action == "contract_updated").order_by(AuditLog.id)).all()
        return [json.loads(r.detail) for r in rows if r.detail and "직인" in r.detail]


# --- the seal, through the service ---------------------------------------------------------------


def test_a_png_seal_is_stored_as_a_transparent_png_within_300_px(office: Office) -> None:
    assert seal.set_seal(office.db, office.admin, office.contract_id, seal_picture(400, 400, "PNG"))
    stored = seal.seal_image(office.db, office.admin, office.contract_id)
    assert stored is not None and stored == stored_seal(office)
    image = Image.open(io.BytesIO(stored))
    assert (image.format, image.mode) == ("PNG", "RGBA")
    width, height = image.size
    assert max(width, height) <= 300
    assert image.getpixel((0, 0))[3] == 0  # the paper in the ring's corner: transparent
    assert image.getpixel((width // 2, height // 2))[3] == 0  # the paper inside the ring too
    left_edge = [image.getpixel((x, height // 2)) for x in range(0, 12)]
    assert any(p[3] == 255 and p[0] > 150 and p[1] < 80 for p in left_edge)  # the red ink stays, opaque
    assert seal_audits(office) == [{"직인": "등록", "bytes": len(stored)}]


def test_a_jpeg_photo_is_converted_to_png_and_shrunk(office: Office) -> None:
    photo = seal_picture(1600, 1200, "JPEG")
    seal.set_seal(office.db, office.admin, office.contract_id, photo)
    image = Image.open(io.BytesIO(stored_seal(office) or b""))
    assert image.format == "PNG" and image.mode == "RGBA"
    assert max(image.size) == 300  # trimmed to the ring (600 px) and fitted within 300 × 300
    assert image.getpixel((0, 0))[3] == 0


@pytest.mark.parametrize("fmt", ["BMP", "GIF"])
def test_bmp_and_gif_are_taken_too(office: Office, fmt: str) -> None:
    seal.set_seal(office.db, office.admin, office.contract_id, seal_picture(200, 160, fmt))
    assert Image.open(io.BytesIO(stored_seal(office) or b"")).format == "PNG"


def test_a_text_file_is_refused_and_nothing_is_stored(office: Office) -> None:
    with pytest.raises(ValidationError) as refused:
        seal.set_seal(office.db, office.admin, office.contract_id, "직인 파일이 아닙니다\n".encode())
    assert str(refused.value) == ("직인: PNG·JPEG·BMP·GIF 이미지 파일이 아닙니다. 직인을 스캔하거나 촬영한 이미지 파일을 "
                                  "고르세요.")
    assert stored_seal(office) is None and seal_audits(office) == []


def test_an_image_over_2_mb_is_refused(office: Office, tmp_path: Path) -> None:
    noise = Image.frombytes("RGB", (1100, 1100), os.urandom(1100 * 1100 * 3))
    out = io.BytesIO()
    noise.save(out, format="PNG")
    data = out.getvalue()
    assert len(data) > 2 * 1024 * 1024
    with pytest.raises(ValidationError, match=r"2MB 이하여야 합니다 \(이 파일은 3\.\dMB\)"):
        seal.set_seal(office.db, office.admin, office.contract_id, data)
    big = tmp_path / "big.png"
    big.write_bytes(data)
    with pytest.raises(ValidationError, match="2MB 이하여야"):  # refused by its size, before it is read
        seal.read_file(big)
    assert stored_seal(office) is None


def test_a_decompression_bomb_is_refused_before_it_is_unpacked(office: Office) -> None:
    out = io.BytesIO()
    Image.new("1", (6000, 6000)).save(out, format="PNG")  # a few kilobytes that unpack to 36 million pixels
    assert len(out.getvalue()) < 50_000
    with pytest.raises(ValidationError, match=r"이미지가 너무 큽니다 \(6,000×6,000픽셀\)"):
        seal.set_seal(office.db, office.admin, office.contract_id, out.getvalue())
    assert stored_seal(office) is None


def test_an_all_white_picture_has_no_seal(office: Office) -> None:
    out = io.BytesIO()
    Image.new("RGB", (100, 100), "white").save(out, format="PNG")
    with pytest.raises(ValidationError, match="직인이 보이지 않습니다"):
        seal.set_seal(office.db, office.admin, office.contract_id, out.getvalue())


def test_only_an_administrator_sets_the_seal_and_deleting_is_audited(office: Office, clerk: Actor) -> None:
    with pytest.raises(PermissionDeniedError):
        seal.set_seal(office.db, clerk, office.contract_id, seal_picture(200, 200, "PNG"))
    seal.set_seal(office.db, office.admin, office.contract_id, seal_picture(200, 200, "PNG"))
    assert seal.seal_image(office.db, clerk, office.contract_id) is not None  # everyone may print it
    assert seal.set_seal(office.db, office.admin, office.contract_id, None)
    assert stored_seal(office) is None
    assert not seal.set_seal(office.db, office.admin, office.contract_id, None)  # nothing left to delete
    assert [a["직인"] for a in seal_audits(office)] == ["등록", "삭제"]


# --- 학원 등록번호 and 소재지 --------------------------------------------------------------------------


def _form(row: contracts.ContractRow, **academy: str | None) -> contracts.ContractForm:
    return contracts.ContractForm(
        institution_code=row.institution_code, name=row.name, business_no=row.business_no,
        representative=row.representative, settlement_bank_code=row.settlement_bank_code,
        settlement_account_no=row.settlement_account_no, passbook_text=row.passbook_text,
        debit_days="5,15,25", version_id=row.version_id, **academy)  # type: ignore[arg-type]


def test_registration_number_and_address_are_checked_and_kept(office: Office) -> None:
    row = contracts.get_contract(office.db, office.admin, office.contract_id)
    with pytest.raises(ValidationError) as refused:
        contracts.update_contract(office.db, office.admin, office.contract_id,
                                  _form(row, academy_registration_no="제" + "1" * 30 + "호"))
    assert str(refused.value) == "학원 등록번호: 30자 이내로 입력하세요 (지금 32자)."
    contracts.update_contract(office.db, office.admin, office.contract_id,
                              _form(row, academy_registration_no=" 제2019-12호 ", academy_address="서울 강남구 테헤란로 1"))
    row = contracts.get_contract(office.db, office.admin, office.contract_id)
    assert (row.academy_registration_no, row.academy_address) == ("제2019-12호", "서울 강남구 테헤란로 1")
    contracts.update_contract(office.db, office.admin, office.contract_id, _form(row))  # a caller that knows nothing of them
    row = contracts.get_contract(office.db, office.admin, office.contract_id)
    assert (row.academy_registration_no, row.academy_address) == ("제2019-12호", "서울 강남구 테헤란로 1")


# --- the screen ---------------------------------------------------------------------------------


def test_the_clerk_types_the_academy_details_and_registers_the_seal(qtbot, office: Office, tmp_path: Path,
                                                                    boxes: Boxes) -> None:
    page = open_page(qtbot, office)
    assert page.seal_preview.text() == "등록된 직인 없음" and not page.seal_delete_button.isEnabled()
    page.registration_no.setText("제2019-12호")
    page.address.setText("서울특별시 강남구 테헤란로 1, 3층")
    # The seal saves at once, while the typed details wait for [저장]: neither is lost.
    picture = tmp_path / "직인.jpg"
    picture.write_bytes(seal_picture(900, 700, "JPEG"))
    assert page.register_seal_file(picture)
    assert page.seal_status.text() == "직인을 등록했습니다."
    assert page.seal_preview.pixmap() is not None and not page.seal_preview.pixmap().isNull()
    assert page.seal_button.text() == "직인 바꾸기…" and page.seal_delete_button.isEnabled()
    assert page.registration_no.text() == "제2019-12호"
    qtbot.mouseClick(page.save_button, LEFT)
    assert page.error.isHidden(), page.error.text()  # the seal moved the contract's version; the page followed
    row = contracts.get_contract(office.db, office.admin, office.contract_id)
    assert (row.academy_registration_no, row.academy_address, row.has_seal) == (
        "제2019-12호", "서울특별시 강남구 테헤란로 1, 3층", True)
    save_shot(page, "contract_academy")

    not_an_image = tmp_path / "메모.txt"
    not_an_image.write_text("직인 아님")
    assert not page.register_seal_file(not_an_image)
    assert page.seal_status.text().startswith("직인: PNG·JPEG·BMP·GIF 이미지 파일이 아닙니다.")
    assert stored_seal(office) is not None  # the registered seal stays

    page.delete_seal()
    assert boxes.asked and "직인을 삭제할까요?" in boxes.asked[0]
    assert stored_seal(office) is None and page.seal_preview.text() == "등록된 직인 없음"


def test_a_clerk_sees_the_academy_details_but_cannot_change_them(qtbot, office: Office) -> None:
    seal.set_seal(office.db, office.admin, office.contract_id, seal_picture(300, 300, "PNG"))
    clerk = add_user(office, "clerk2", Role.CLERK)
    page = open_page(qtbot, office, clerk)
    assert page.registration_no.isReadOnly() and page.address.isReadOnly()
    assert not page.seal_button.isVisible() and not page.seal_delete_button.isVisible()
    assert not page.seal_preview.pixmap().isNull()
