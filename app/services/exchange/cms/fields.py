"""One field of a fixed-length record: its place, its kind and how its value is written and read.

A ``FieldSpec`` is a row of the layout tables in ``tables.py`` (which copy cms-file-format.md
§2–§3). From it this module derives, once at import, a small encoder (value → padded text) and a
decoder (raw bytes → value) per field, so the rules "N right-aligned zero-filled, AN left-aligned
space-filled, H padded per §1.4" live in one place and the tables hold no code.

Encoders return ``str`` of exactly ``length`` characters whose code points are the bytes to write
(latin-1), so a whole record — or a whole file — is joined as text and turned into bytes in one
``encode('latin-1')`` call; that is what makes 100,000 records cheap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .masking import mask
from .text import TextProblem, decode_text, encode_text, pad_text


class Kind(StrEnum):
    """The spec's field types (§ Notation)."""

    N = "N"  # digits, right-aligned, zero-filled
    AN = "AN"  # left-aligned, space-filled
    H = "H"  # text that may hold Hangul (통장기재내용), padded per §1.4


class Value(StrEnum):
    """How a field's bytes map to a Python value."""

    INT = "int"  # N: int (sequence, counts, won amounts); never float
    DATE = "date"  # N 6: YYMMDD <-> datetime.date in 2000-2099
    DIGITS = "digits"  # N: str of exactly `length` digits (은행점코드: leading zeros matter)
    TEXT = "text"  # AN: printable ASCII str, no leading/trailing space; '' = blank
    NUMBER = "number"  # AN: str of digits only, left-aligned ('' = blank): accounts, holder IDs, phones
    CODE = "code"  # AN: upper-case letters/digits filling the field, or None = blank (flags, 불능코드)
    HANGUL = "hangul"  # H: strict KS X 1001 text
    FIXED = "fixed"  # constant content (record type, fixed sequence, FILLER); no attribute


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One row of a layout table. ``start`` is 1-based, as in the spec; lengths are in bytes."""

    attr: str  # attribute of the record dataclass (or a descriptive key for fixed/context fields)
    name_ko: str  # 항목 name as in the spec
    name_en: str
    start: int
    length: int
    kind: Kind
    value: Value
    fixed: str | None = None  # exact content for Value.FIXED fields
    context: bool = False  # value comes from the file (기관코드 in data records, 파일이름), not the record
    required: bool = False  # blank refused
    choices: tuple[str, ...] | None = None  # allowed non-blank values; () = must be blank
    lengths: tuple[int, ...] | None = None  # allowed value lengths (생년월일 6 / 사업자번호 10)
    min_value: int = 0  # for Value.INT
    mask: str | None = None  # masking.MASKS key for personal numbers
    echo: bool = False  # a result file repeats the request's value here

    @property
    def offset(self) -> int:
        """0-based byte offset."""
        return self.start - 1

    @property
    def end(self) -> int:
        """0-based exclusive end offset."""
        return self.start - 1 + self.length

    @property
    def is_filler(self) -> bool:
        return self.attr.startswith("filler")

    def show(self, value: object) -> str:
        """A value as it may appear in a message or a screen: masked when the field is personal."""
        text = value if isinstance(value, str) else str(value)
        return mask(self.mask, text)


class FieldProblem(ValueError):
    """A field's value or bytes break its rule; the caller adds file and record to make a CmsError."""

    def __init__(self, field: FieldSpec, detail_ko: str, detail_en: str) -> None:
        super().__init__(f"{field.name_ko}: {detail_ko} ({detail_en})")
        self.field = field
        self.detail_ko = detail_ko
        self.detail_en = detail_en


Encoder = Callable[[Any], str]
Decoder = Callable[[bytes], Any]

_PRINTABLE = bytes(range(0x20, 0x7F))


def _blank_problem(f: FieldSpec) -> FieldProblem:
    return FieldProblem(f, "값이 비어 있습니다", "required field is blank")


def _choice_problem(f: FieldSpec, value: str) -> FieldProblem:
    if f.choices == ():
        return FieldProblem(f, f"비어 있어야 하는데 '{f.show(value)}'입니다", "must be blank")
    allowed = ", ".join(f.choices or ())
    return FieldProblem(
        f, f"허용되지 않는 값 '{f.show(value)}' (가능한 값: {allowed})", f"value not allowed; allowed: {allowed}"
    )


def _type_problem(f: FieldSpec, expected_ko: str, expected_en: str, value: object) -> FieldProblem:
    return FieldProblem(
        f,
        f"{expected_ko} 값이어야 합니다 ({type(value).__name__} 값이 왔습니다)",
        f"expected {expected_en}, got {type(value).__name__}",
    )


def _too_long(f: FieldSpec, size: int) -> FieldProblem:
    return FieldProblem(f, f"{f.length}바이트를 넘습니다 ({size}바이트)", f"{size} bytes > {f.length}")


# --------------------------------------------------------------------------------------- encoders


def make_encoder(f: FieldSpec) -> Encoder:
    """Build the value → padded-text function for one field (not for FIXED fields)."""
    length = f.length
    if f.value is Value.INT:
        top = 10**length - 1
        low = f.min_value
        fmt = f"%0{length}d"

        def enc_int(v: Any) -> str:
            if type(v) is not int:
                raise _type_problem(f, "정수(원 단위)", "an int", v)
            if v < low or v > top:
                raise FieldProblem(f, f"범위({low}~{top})를 벗어났습니다: {v}", f"{v} out of range {low}..{top}")
            return fmt % v

        return enc_int
    if f.value is Value.DATE:

        def enc_date(v: Any) -> str:
            if type(v) is not dt.date:
                raise _type_problem(f, "날짜(date)", "a datetime.date", v)
            if not 2000 <= v.year <= 2099:
                raise FieldProblem(f, f"2000~2099년 밖의 날짜입니다: {v}", f"year outside 2000-2099: {v}")
            return f"{v.year - 2000:02d}{v.month:02d}{v.day:02d}"

        return enc_date
    if f.value is Value.DIGITS:

        def enc_digits(v: Any) -> str:
            if not isinstance(v, str):
                raise _type_problem(f, "문자열", "a str", v)
            if len(v) != length or not (v.isascii() and v.isdigit()):
                raise FieldProblem(
                    f, f"숫자 {length}자리여야 합니다: '{f.show(v)}'", f"must be exactly {length} digits"
                )
            return v

        return enc_digits
    if f.value in (Value.TEXT, Value.NUMBER):
        digits_only = f.value is Value.NUMBER
        required = f.required
        choices = f.choices
        lengths = f.lengths

        def enc_text(v: Any) -> str:
            if not isinstance(v, str):
                raise _type_problem(f, "문자열", "a str", v)
            if not v:
                if required:
                    raise _blank_problem(f)
                return " " * length
            if not (v.isascii() and v.isprintable()):
                raise FieldProblem(
                    f,
                    f"영문·숫자·기호만 쓸 수 있습니다 (한글 등 불가): '{f.show(v)}'",
                    "only printable ASCII is allowed in an AN field",
                )
            if len(v) > length:
                raise _too_long(f, len(v))
            if v[0] == " " or v[-1] == " ":
                raise FieldProblem(f, "앞뒤에 공백이 있습니다", "leading or trailing space")
            if digits_only and not v.isdigit():
                raise FieldProblem(f, f"숫자만 쓸 수 있습니다: '{f.show(v)}'", "digits only (no hyphen or space)")
            if lengths is not None and len(v) not in lengths:
                allowed = "/".join(map(str, lengths))
                raise FieldProblem(f, f"{allowed}자리여야 합니다 ({len(v)}자리)", f"length must be {allowed}")
            if choices is not None and v not in choices:
                raise _choice_problem(f, v)
            return v + " " * (length - len(v))

        return enc_text
    if f.value is Value.CODE:
        required = f.required
        choices = f.choices
        blank = " " * length

        def enc_code(v: Any) -> str:
            if v is None:
                if required:
                    raise _blank_problem(f)
                return blank
            if not isinstance(v, str):
                raise _type_problem(f, "문자열", "a str", v)
            if len(v) != length or not (v.isascii() and v.isalnum() and v.upper() == v):
                raise FieldProblem(
                    f, f"영문 대문자·숫자 {length}자여야 합니다: '{v}'", f"must be {length} upper-case letters/digits"
                )
            if choices is not None and v not in choices:
                raise _choice_problem(f, v)
            return v

        return enc_code
    if f.value is Value.HANGUL:
        required = f.required
        cache: dict[str, str] = {}

        def enc_hangul(v: Any) -> str:
            hit = cache.get(v) if isinstance(v, str) else None
            if hit is not None:
                return hit
            if not isinstance(v, str):
                raise _type_problem(f, "문자열", "a str", v)
            if not v.strip(" \u3000"):
                if required:
                    raise _blank_problem(f)
            elif v[-1] in " \u3000":
                raise FieldProblem(f, "끝에 공백이 있습니다", "trailing space")
            try:
                raw = encode_text(v)
            except TextProblem as exc:
                raise FieldProblem(f, exc.detail_ko, exc.detail_en) from None
            if len(raw) > length:
                raise _split_or_long(f, v, raw)
            padded = pad_text(raw, length, wide=not v.isascii()).decode("latin-1")
            if len(cache) < 4096:
                cache[v] = padded
            return padded

        return enc_hangul
    raise AssertionError(f"no encoder for {f.value}")


def _split_or_long(f: FieldSpec, text: str, raw: bytes) -> FieldProblem:
    """Over-long text: say so, and say when the field end would fall inside a two-byte character."""
    used = 0
    for ch in text:
        size = 1 if ch < "\x80" else 2
        if used + size > f.length:
            if used + 1 == f.length and size == 2:
                return FieldProblem(
                    f,
                    f"{f.length}바이트를 넘습니다 ({len(raw)}바이트): 한글 '{ch}'가 필드 끝에서 잘리게 됩니다",
                    f"{len(raw)} bytes > {f.length}; a two-byte character would be split at the field end",
                )
            break
        used += size
    return _too_long(f, len(raw))


# --------------------------------------------------------------------------------------- decoders


def make_decoder(f: FieldSpec) -> Decoder:
    """Build the raw-bytes → value function for one field (not for FIXED fields)."""
    length = f.length
    if f.value in (Value.INT, Value.DATE, Value.DIGITS):

        def non_digit(raw: bytes) -> FieldProblem:
            return FieldProblem(f, "숫자가 아닌 문자가 있습니다", "non-digit in numeric field")

        if f.value is Value.INT:
            low = f.min_value

            def dec_int(raw: bytes) -> int:
                if not raw.isdigit():
                    raise non_digit(raw)
                v = int(raw)
                if v < low:
                    raise FieldProblem(f, f"{low} 이상이어야 합니다: {v}", f"{v} is below the minimum {low}")
                return v

            return dec_int
        if f.value is Value.DATE:

            def dec_date(raw: bytes) -> dt.date:
                if not raw.isdigit():
                    raise non_digit(raw)
                try:
                    return dt.date(2000 + int(raw[:2]), int(raw[2:4]), int(raw[4:6]))
                except ValueError:
                    raise FieldProblem(
                        f, f"없는 날짜입니다: {raw.decode('ascii')}", "not a valid YYMMDD date"
                    ) from None

            return dec_date

        def dec_digits(raw: bytes) -> str:
            if not raw.isdigit():
                raise non_digit(raw)
            return raw.decode("ascii")

        return dec_digits
    if f.value in (Value.TEXT, Value.NUMBER):
        digits_only = f.value is Value.NUMBER
        required = f.required
        choices = f.choices
        lengths = f.lengths

        blank = b" " * length
        # Fast paths for the common cases: a blank optional field, or one of a few allowed values.
        known: dict[bytes, str] = {} if required else {blank: ""}
        for choice in choices or ():
            known[str(choice).encode("ascii").ljust(length)] = str(choice)

        def dec_text(raw: bytes) -> str:
            hit = known.get(raw)
            if hit is not None:
                return hit
            if raw.translate(None, _PRINTABLE):
                raise FieldProblem(
                    f, "영문·숫자 항목에 허용되지 않는 바이트가 있습니다", "non-printable or non-ASCII byte in AN field"
                )
            v = raw.decode("ascii").rstrip(" ")
            if not v:
                if required:
                    raise _blank_problem(f)
                return v
            if v[0] == " ":
                raise FieldProblem(f, "왼쪽 정렬이 아닙니다 (앞에 공백)", "not left-aligned (leading space)")
            if digits_only and not v.isdigit():
                raise FieldProblem(
                    f, "숫자만 있어야 합니다 (중간 공백·기호 불가)", "digits only, left-aligned, no embedded space"
                )
            if lengths is not None and len(v) not in lengths:
                allowed = "/".join(map(str, lengths))
                raise FieldProblem(f, f"{allowed}자리여야 합니다 ({len(v)}자리)", f"length must be {allowed}")
            if choices is not None and v not in choices:
                raise _choice_problem(f, v)
            return v

        return dec_text
    if f.value is Value.CODE:
        required = f.required
        choices = f.choices
        blank = b" " * length

        def dec_code(raw: bytes) -> str | None:
            if raw == blank:
                if required:
                    raise _blank_problem(f)
                return None
            if not (raw.isascii() and raw.isalnum() and raw.upper() == raw):
                raise FieldProblem(
                    f, f"영문 대문자·숫자 {length}자여야 합니다", f"must be {length} upper-case letters/digits or blank"
                )
            v = raw.decode("ascii")
            if choices is not None and v not in choices:
                raise _choice_problem(f, v)
            return v

        return dec_code
    if f.value is Value.HANGUL:
        required = f.required

        seen: dict[bytes, str] = {}  # passbook texts repeat: one per institution and item

        def dec_hangul(raw: bytes) -> str:
            hit = seen.get(raw)
            if hit is not None:
                return hit
            try:
                v = decode_text(raw)
            except TextProblem as exc:
                raise FieldProblem(f, exc.detail_ko, exc.detail_en) from None
            if required and not v:
                raise _blank_problem(f)
            if len(seen) < 4096:
                seen[raw] = v
            return v

        return dec_hangul
    raise AssertionError(f"no decoder for {f.value}")
