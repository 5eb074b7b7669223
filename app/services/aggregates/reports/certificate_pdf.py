"""교육비 납입증명서 as A4 pages, laid out after 소득세법 시행규칙 별지 제44호서식 (교육비납입증명서).

One page per certificate: the number, ① 신청인 (the payer: 성명, 주민등록번호 — masked unless the
issuer chose otherwise — and 주소), ② 대상자 (the student: 성명, 생년월일, and 신청인과의 관계 left
blank to be written by hand, since the desk does not know it), ③ 교육기관 (기관명, 사업자등록번호,
학원 등록번호, 소재지, 대표자 with the 직인 image when the contract has one), ④ 납입 명세 by month with
the 계, the purpose (소득세 연말정산용), the date of issue and, for a student under 9 at the year's end,
the 2026 note. The pages come from `IssuedCertificate`s only, so what prints is what was recorded.

Files go through output_files (a private temporary name, renamed when whole; never over the
database); writing them is audited as a personal-data export.
"""

from __future__ import annotations

import io
import logging
import os
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import (
    Flowable,
    Image,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from app.database.engine import Database
from app.services.aggregates.certificates import PURPOSE, IssuedCertificate, issue_certificates
from app.services.aggregates.reports.fonts import FontSet, korean_fonts
from app.services.aggregates.reports.pdf import escape_markup as esc
from app.services.common import audit, output_files
from app.services.common.crypto import DataKey
from app.services.common.session import Actor

log = logging.getLogger(__name__)

TITLE = "교육비 납입증명서"
FORM_NOTE = "소득세법 시행규칙 [별지 제44호서식]에 따른 교육비납입증명서"
GRID = colors.HexColor("#5f6b7a")
HEAD_BG = colors.HexColor("#eef1f5")
WIDTH = 170 * mm  # A4 less 20 mm margins
SEAL = 20 * mm
UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def business_no_text(value: str) -> str:
    """'1248100998' → '124-81-00998' (anything else as given)."""
    digits = "".join(c for c in value if c.isdigit())
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}" if len(digits) == 10 else value


def won_text(amount: int) -> str:
    return f"{amount:,}원" if amount else "-"


def under_nine_note(year: int) -> str:
    return (f"※ 대상자는 {year}년 12월 31일 현재 만 9세 미만({year - 8}년 이후 출생)입니다. "
            f"{year}년 지출분부터 초등학교 1·2학년(만 9세 미만)의 예체능 학원비도 교육비 공제 대상이 될 수 있습니다.")


def _styles(fonts: FontSet) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=fonts.regular, fontSize=9.5, leading=13)
    return {
        "body": body,
        "label": ParagraphStyle("label", parent=body, fontName=fonts.bold, alignment=1),
        "title": ParagraphStyle("title", fontName=fonts.bold, fontSize=20, leading=26, alignment=1, spaceAfter=2),
        "form": ParagraphStyle("form", parent=body, fontSize=8, leading=10, alignment=1,
                               textColor=colors.HexColor("#555555")),
        "number": ParagraphStyle("number", parent=body, fontSize=9.5),
        "head": ParagraphStyle("head", parent=body, fontName=fonts.bold, fontSize=10.5, leading=14, spaceBefore=6,
                               spaceAfter=3),
        "note": ParagraphStyle("note", parent=body, fontSize=8.5, leading=12, textColor=colors.HexColor("#1f4e8c")),
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=11, textColor=colors.HexColor("#555555")),
        "centre": ParagraphStyle("centre", parent=body, fontSize=11, leading=16, alignment=1),
        "date": ParagraphStyle("date", parent=body, fontSize=11, leading=16, alignment=1, spaceBefore=4),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(esc(text), style)


def _box_style(fonts: FontSet, label_columns: Sequence[int], spans: Sequence[tuple[tuple[int, int], tuple[int, int]]],
               ) -> TableStyle:
    commands: list[Any] = [
        ("FONT", (0, 0), (-1, -1), fonts.regular, 9.5),
        ("GRID", (0, 0), (-1, -1), 0.6, GRID),
        ("BOX", (0, 0), (-1, -1), 1.2, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]
    for column in label_columns:
        commands.append(("BACKGROUND", (column, 0), (column, -1), HEAD_BG))
    for start, end in spans:
        commands.append(("SPAN", start, end))
    return TableStyle(commands)


def _parties(cert: IssuedCertificate, fonts: FontSet, st: dict[str, ParagraphStyle]) -> Table:
    """① 신청인, ② 대상자, ③ 교육기관: one ruled box, a group label down the left."""
    issuer = cert.issuer
    birth = f"{cert.student_birth_date:%Y-%m-%d}" if cert.student_birth_date else ""
    lab, body = st["label"], st["body"]
    rows: list[list[Any]] = [
        [_p("① 신청인", lab), _p("성명", lab), _p(cert.payer, body), _p("주민등록번호", lab),
         _p(cert.payer_resident_no, body)],
        ["", _p("주소", lab), _p(cert.payer_address, body), "", ""],
        [_p("② 대상자", lab), _p("성명", lab), _p(cert.student, body), _p("생년월일", lab), _p(birth, body)],
        ["", _p("신청인과의 관계", lab), _p("", body), "", ""],
        [_p("③ 교육기관", lab), _p("기관명", lab), _p(issuer.name, body), _p("사업자등록번호", lab),
         _p(business_no_text(issuer.business_no), body)],
        ["", _p("학원 등록번호", lab), _p(issuer.registration_no, body), _p("대표자", lab),
         _p(issuer.representative, body)],
        ["", _p("소재지", lab), _p(issuer.address, body), "", ""],
    ]
    widths = [24 * mm, 28 * mm, 52 * mm, 28 * mm, 38 * mm]
    spans = [((0, 0), (0, 1)), ((2, 1), (4, 1)), ((0, 2), (0, 3)), ((2, 3), (4, 3)), ((0, 4), (0, 6)),
             ((2, 6), (4, 6))]
    table = Table(rows, colWidths=widths)
    table.setStyle(_box_style(fonts, [0, 1], spans))
    table.setStyle(TableStyle([("BACKGROUND", (3, r), (3, r), HEAD_BG) for r in (0, 2, 4, 5)]))
    return table


def _payments(cert: IssuedCertificate, fonts: FontSet, st: dict[str, ParagraphStyle]) -> Table:
    """④ 납입 명세: the twelve months and the 계."""
    rows: list[list[Any]] = [[_p("납부연월", st["label"]), _p("구분", st["label"]), _p("납부금액", st["label"])]]
    for month, amount in enumerate(cert.months, start=1):
        rows.append([f"{cert.year}년 {month:02d}월", "교습비" if amount else "", won_text(amount)])
    rows.append([_p("계", st["label"]), "", f"{cert.total:,}원"])
    table = Table(rows, colWidths=[50 * mm, 50 * mm, 70 * mm], rowHeights=[7.5 * mm] + [6.2 * mm] * 13)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), fonts.regular, 9.5),
        ("FONT", (0, -1), (-1, -1), fonts.bold, 10),
        ("GRID", (0, 0), (-1, -1), 0.6, GRID),
        ("BOX", (0, 0), (-1, -1), 1.2, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("BACKGROUND", (0, -1), (-1, -1), HEAD_BG),
        ("ALIGN", (0, 1), (1, -1), "CENTER"),
        ("ALIGN", (2, 1), (2, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("RIGHTPADDING", (2, 1), (2, -1), 10),
    ]))
    return table


def _seal(png: bytes | None) -> Flowable | str:
    """The 직인 image, or '' when there is none or it cannot be read (the page still prints, with (인))."""
    if not png:
        return ""
    try:
        reader = ImageReader(io.BytesIO(png))
        width, height = reader.getSize()
    except Exception as error:  # noqa: BLE001 - a damaged image must not stop the certificates
        log.warning("seal image could not be read (%s); printing without it", type(error).__name__)
        return ""
    scale = SEAL / max(width, height)
    return Image(io.BytesIO(png), width=width * scale, height=height * scale)


def _signature(cert: IssuedCertificate, fonts: FontSet, st: dict[str, ParagraphStyle]) -> Table:
    issuer = cert.issuer
    rows = [[_p(f"{issuer.name}", st["centre"]), _p(f"대표자  {issuer.representative}", st["centre"]),
             _p("(서명 또는 인)", st["small"]), _seal(issuer.seal_png)]]
    table = Table(rows, colWidths=[62 * mm, 52 * mm, 26 * mm, SEAL + 4 * mm], rowHeights=[SEAL + 2 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (3, 0), (3, 0), -16 * mm)]))
    return table


def certificate_page(cert: IssuedCertificate, fonts: FontSet, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    """The flowables of one certificate (one A4 page)."""
    number = Table([[_p(f"발급번호  {cert.number}", st["number"]), _p(f"용도: {PURPOSE}", st["number"])]],
                   colWidths=[WIDTH / 2, WIDTH / 2])
    number.setStyle(TableStyle([("ALIGN", (1, 0), (1, 0), "RIGHT"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    story: list[Flowable] = [
        number,
        Spacer(1, 3 * mm),
        Paragraph(TITLE, st["title"]),
        _p(FORM_NOTE, st["form"]),
        Spacer(1, 5 * mm),
        _parties(cert, fonts, st),
        Paragraph(f"④ 교육비 납입 명세 ({cert.year}년 1월 ~ 12월)", st["head"]),
        _payments(cert, fonts, st),
        Spacer(1, 2 * mm),
    ]
    if cert.under_nine:
        story.append(_p(under_nine_note(cert.year), st["note"]))
    story.append(_p("※ 납부금액은 자동이체 출금액과 현금수납액의 합계에서 수납취소액과 반환금액을 뺀 금액입니다.",
                    st["small"]))
    story += [
        Spacer(1, 5 * mm),
        _p("위와 같이 교육비를 납입하였음을 증명합니다.", st["centre"]),
        _p(f"{cert.issued_on.year}년 {cert.issued_on.month}월 {cert.issued_on.day}일", st["date"]),
        Spacer(1, 3 * mm),
        _signature(cert, fonts, st),
    ]
    return story


def render_certificates(certs: Sequence[IssuedCertificate], target: str | os.PathLike[str], *, force: bool = False,
                        protected: Iterable[Path] | None = None) -> Path:
    """One PDF, a page per certificate, through output_files. Returns the path written."""
    if not certs:
        raise output_files.OutputRefusedError("저장할 증명서가 없습니다.", "no certificates to write")
    fonts = korean_fonts()
    st = _styles(fonts)
    story: list[Flowable] = []
    for i, cert in enumerate(certs):
        if i:
            story.append(PageBreak())
        story += certificate_page(cert, fonts, st)
    author = certs[0].issuer.name

    def write(temp: Path) -> None:
        SimpleDocTemplate(str(temp), pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=16 * mm,
                          bottomMargin=14 * mm, title=TITLE, author=author, creator="KSCMS desk").build(story)

    return output_files.write_output(target, write, force=force, protected=protected)


def file_name(cert: IssuedCertificate) -> str:
    """'교육비납입증명서_2026-0001_홍아름.pdf': a name every file system takes."""
    student = UNSAFE_NAME.sub("_", cert.student).strip(" .") or cert.customer_no
    return f"교육비납입증명서_{cert.number}_{student}.pdf"


def _audit(db: Database, actor: Actor, certs: Sequence[IssuedCertificate], files: int) -> None:
    with db.session() as s:
        audit.record(s, "personal_data_exported", actor=actor, target=TITLE,
                     detail={"format": "pdf", "certificates": len(certs), "files": files,
                             "numbers": [c.number for c in certs]})


def record_printed(db: Database, actor: Actor, numbers: Sequence[str]) -> None:
    """Audit certificates sent to a printer (what was printed, never the personal data on it)."""
    with db.session() as s:
        audit.record(s, "personal_data_exported", actor=actor, target=TITLE,
                     detail={"format": "print", "certificates": len(numbers), "numbers": list(numbers)})


def write_certificates_pdf(db: Database, actor: Actor, certs: Sequence[IssuedCertificate],
                           path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """All the certificates in one PDF (a page each), audited once written."""
    target = render_certificates(certs, path, force=force, protected=output_files.protected_for(db))
    _audit(db, actor, certs, 1)
    return target


def certificate_targets(certs: Sequence[IssuedCertificate], folder: str | os.PathLike[str], *,
                        force: bool = False, protected: Iterable[Path] | None = None) -> list[Path]:
    """The per-student files' paths in `folder`, every one checked before any is written."""
    base = Path(folder)
    if not base.is_dir():
        raise output_files.OutputRefusedError(f"저장할 폴더가 없습니다: {base}", f"no such folder: {base}")
    guard = list(protected) if protected is not None else None
    return [output_files.check_target(base / file_name(c), force=force, protected=guard) for c in certs]


def write_certificate_files(db: Database, actor: Actor, certs: Sequence[IssuedCertificate],
                            folder: str | os.PathLike[str], *, force: bool = False) -> list[Path]:
    """One PDF per student in `folder`; all names are checked first, so a refusal writes none."""
    protected = output_files.protected_for(db)
    targets = certificate_targets(certs, folder, force=force, protected=protected)
    written = [render_certificates([cert], target, force=force, protected=protected)
               for cert, target in zip(certs, targets, strict=True)]
    _audit(db, actor, certs, len(written))
    return written


def issue_to_pdf(db: Database, actor: Actor, contract_id: int, year: int, customer_ids: Sequence[int],
                 target: str | os.PathLike[str], *, per_student: bool = False, show_resident_no: bool = False,
                 data_key: DataKey | None = None, today: date, now: datetime | None = None,
                 force: bool = False) -> tuple[list[IssuedCertificate], list[Path]]:
    """Issue the certificates and save them: one PDF at `target`, or (`per_student`) one per student in the
    folder `target`. The target is checked before any number is given, so a bad path issues nothing."""
    protected = output_files.protected_for(db)
    if per_student:
        base = Path(target)
        if not base.is_dir():
            raise output_files.OutputRefusedError(f"저장할 폴더가 없습니다: {base}", f"no such folder: {base}")
        # a name inside the folder: refused when the folder is (or is inside) the backups or the database's
        # place; the files' own names carry the new numbers, so they cannot be checked before issuing
        output_files.check_target(base / "교육비납입증명서.pdf", force=True, protected=protected)
    else:
        output_files.check_target(target, force=force, protected=protected)
    issued = issue_certificates(db, actor, contract_id, year, list(customer_ids), show_resident_no=show_resident_no,
                                data_key=data_key, today=today, now=now)
    if per_student:
        return issued, write_certificate_files(db, actor, issued, target, force=force)
    return issued, [write_certificates_pdf(db, actor, issued, target, force=force)]
