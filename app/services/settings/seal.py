"""계약정보 > 직인: the academy's seal image, stamped on the 교육비 납입증명서 and the refund confirmation.

The clerk picks whatever file the office has — a phone photo (JPEG), a scan (BMP, PNG), an old GIF —
so the upload is normalised once, here, instead of by every PDF that prints it: opened with Pillow
(only PNG, JPEG, BMP and GIF; anything else is refused in Korean), turned upright by its EXIF
orientation, its white paper made transparent (so the seal sits on the printed name, not in a white
box), trimmed to the seal and fitted within 300×300 px, and stored as an RGBA PNG.

A file is refused before it is decoded when it is over 2 MB, or when its header announces more pixels
than a seal could need (`MAX_PIXELS`): a small compressed file can unpack to gigabytes (a
decompression bomb), and the header is read without unpacking anything.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from PIL import Image, ImageChops, ImageOps, UnidentifiedImageError

from app.database.engine import Database
from app.services.common import audit
from app.services.common.access import CONTRACT_MISSING, contract_for
from app.services.common.session import Actor
from app.services.common.validation import ValidationError

FIELD = "직인"
MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 300
MAX_PIXELS = 25_000_000  # 5000 × 5000: more than any scan of a seal at 600 dpi
WHITE_FROM = 235  # a pixel whose red, green and blue are all at least this is paper, made transparent
FORMATS = ("PNG", "JPEG", "BMP", "GIF")
NOT_AN_IMAGE = "PNG·JPEG·BMP·GIF 이미지 파일이 아닙니다. 직인을 스캔하거나 촬영한 이미지 파일을 고르세요."


def _too_large(size: int) -> ValidationError:
    return ValidationError(FIELD, f"직인 이미지는 2MB 이하여야 합니다 (이 파일은 {size / 1024 / 1024:.1f}MB). "
                                  "해상도를 낮추거나 잘라서 다시 저장하세요.")


def normalise(data: bytes) -> bytes:
    """The stored form of an uploaded seal: an RGBA PNG within 300×300, white made transparent.

    Raises ValidationError (field 직인) for an empty, oversized, unknown, damaged or enormous image."""
    if not data:
        raise ValidationError(FIELD, "빈 파일입니다. 직인 이미지 파일을 고르세요.")
    if len(data) > MAX_BYTES:
        raise _too_large(len(data))
    too_big = ValidationError(FIELD, "이미지가 너무 큽니다. 직인 부분만 잘라 가로·세로 5,000픽셀 이하로 저장한 뒤 "
                                     "다시 등록하세요.")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=FORMATS)  # reads the header only
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_big from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            raise ValidationError(FIELD, NOT_AN_IMAGE) from None
        width, height = image.size
        if width < 1 or height < 1 or width * height > MAX_PIXELS:
            raise ValidationError(FIELD, f"이미지가 너무 큽니다 ({width:,}×{height:,}픽셀). 직인 부분만 잘라 가로·세로 "
                                         "5,000픽셀 이하로 저장한 뒤 다시 등록하세요.")
        try:
            image.seek(0)  # a GIF: its first frame
            image.load()
            upright = ImageOps.exif_transpose(image) or image
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_big from None
        except (OSError, ValueError, SyntaxError, EOFError):
            raise ValidationError(FIELD, "이미지 파일이 손상되어 열 수 없습니다. 다시 저장한 파일을 고르세요.") from None
        seal = _paper_transparent(upright.convert("RGBA"))
    box = seal.getchannel("A").getbbox()
    if box is None:
        raise ValidationError(FIELD, "이미지에 직인이 보이지 않습니다 (전부 흰색이거나 투명). 직인이 찍힌 이미지를 고르세요.")
    seal = seal.crop(box)
    seal.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    seal.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _paper_transparent(image: Image.Image) -> Image.Image:
    """White (and near-white) pixels become transparent; the ink keeps its own alpha."""
    red, green, blue, alpha = image.split()
    paper = [channel.point(lambda v: 255 if v >= WHITE_FROM else 0) for channel in (red, green, blue)]
    white = ImageChops.multiply(ImageChops.multiply(paper[0], paper[1]), paper[2])
    image.putalpha(ImageChops.darker(alpha, ImageOps.invert(white)))
    return image


def read_file(path: str | Path) -> bytes:
    """A chosen file's bytes, refused by its size before anything is read (a 4 GB file picked by mistake)."""
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_BYTES:
            raise _too_large(size)
        return file.read_bytes()
    except OSError:
        raise ValidationError(FIELD, f"파일을 읽을 수 없습니다: {file.name}") from None


def set_seal(db: Database, actor: Actor, contract_id: int, data: bytes | None) -> bool:
    """Register (`data`) or delete (None) the contract's seal; audited. Returns whether anything changed.

    An administrator's act, as every other 계약정보 change. A refused file changes nothing."""
    actor.require_admin()
    stored = normalise(data) if data is not None else None
    with db.session() as s:
        contract = contract_for(s, actor, contract_id, CONTRACT_MISSING)
        if stored is None and contract.seal_png is None:
            return False
        contract.seal_png = stored
        audit.record(s, "contract_updated", actor=actor, target=contract.institution_code,
                     detail={"직인": "등록" if stored is not None else "삭제",
                             **({"bytes": len(stored)} if stored is not None else {})})
        return True


def seal_image(db: Database, actor: Actor, contract_id: int) -> bytes | None:
    """The stored seal (PNG) of the actor's contract, or None."""
    with db.session() as s:
        return contract_for(s, actor, contract_id, CONTRACT_MISSING).seal_png
