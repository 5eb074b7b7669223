"""Strict EUC-KR (KS X 1001) text for bank files.

Why this module exists: Python's ``euc_kr`` codec is lenient in a way banks are not. It writes a
syllable outside KS X 1001 (똠, 햏 ...) as an 8-byte jamo composition starting with the Hangul
filler 0xA4 0xD4, and decodes that sequence back without complaint; a bank reads it as four
unrelated jamo (불능코드 0087). So every non-ASCII character must encode to exactly two bytes, and
ASCII must be printable (bytes below 0x20 are refused by KFTC with 0068). Lengths are counted in
encoded bytes, and nothing here ever truncates: a text that does not fit is refused, so a two-byte
character can never be split at a field end.
"""

from __future__ import annotations

FULLWIDTH_SPACE = "\u3000"
"""The full-width space (0xA1 0xA1) used to pad Hangul text fields (§1.4)."""

FULLWIDTH_SPACE_BYTES = b"\xa1\xa1"

HANGUL_FILLER = "\u3164"
"""0xA4 0xD4: the marker that starts an 8-byte jamo composition; never meaningful on its own."""


class TextProblem(ValueError):
    """A text that cannot be written (or read) as strict KS X 1001; carries Korean and English detail."""

    def __init__(self, detail_ko: str, detail_en: str) -> None:
        super().__init__(f"{detail_ko} ({detail_en})")
        self.detail_ko = detail_ko
        self.detail_en = detail_en


def _char_problem(ch: str) -> TextProblem:
    code = f"U+{ord(ch):04X}"
    if ord(ch) < 0x80:
        return TextProblem(
            f"제어 문자({code})는 쓸 수 없습니다",
            f"control character {code} is not allowed",
        )
    return TextProblem(
        f"'{ch}'({code})는 은행 파일에 쓸 수 없는 글자입니다 (KS X 1001 밖의 글자)",
        f"character {code} is outside KS X 1001 and cannot be written in EUC-KR",
    )


def encode_text(text: str) -> bytes:
    """Encode ``text`` as strict EUC-KR: printable ASCII as 1 byte, KS X 1001 characters as 2 bytes.

    Raises TextProblem for control characters, characters outside KS X 1001 and the Hangul filler.
    """
    if text.isascii():
        if not text.isprintable():
            bad = next(ch for ch in text if not ch.isprintable())
            raise _char_problem(bad)
        return text.encode("ascii")
    out = bytearray()
    for ch in text:
        if ch < "\x80":
            if not ch.isprintable():
                raise _char_problem(ch)
            out += ch.encode("ascii")
            continue
        if ch == HANGUL_FILLER:
            raise _char_problem(ch)
        try:
            encoded = ch.encode("euc_kr")
        except UnicodeEncodeError:
            raise _char_problem(ch) from None
        if len(encoded) != 2:  # the 8-byte composition trap (§1.4)
            raise _char_problem(ch)
        out += encoded
    return bytes(out)


def encoded_length(text: str) -> int:
    """Number of bytes ``text`` takes in a bank file; raises TextProblem if it cannot be written."""
    return len(encode_text(text))


def pad_text(encoded: bytes, length: int, wide: bool) -> bytes:
    """Pad encoded text to ``length`` bytes the way §1.4 describes.

    Text with two-byte characters (``wide``) is padded with full-width spaces 0xA1 0xA1 and, if one
    byte is left over, a single 0x20; pure ASCII text is padded with 0x20.
    """
    free = length - len(encoded)
    if free < 0:
        raise ValueError("text longer than its field")
    if not wide:
        return encoded + b" " * free
    return encoded + FULLWIDTH_SPACE_BYTES * (free // 2) + b" " * (free % 2)


def decode_text(raw: bytes) -> str:
    """Decode a text field strictly and strip its padding (trailing 0x20 and full-width spaces).

    Raises TextProblem for bytes that are not valid KS X 1001, for control bytes, and for the 8-byte
    jamo compositions Python would otherwise turn into a syllable.
    """
    if raw.isascii():
        text = raw.decode("ascii")
        if not text.isprintable():
            bad = next(ch for ch in text if not ch.isprintable())
            raise _char_problem(bad)
        return text.rstrip(" ")
    try:
        text = raw.decode("euc_kr")
    except UnicodeDecodeError as exc:
        raise TextProblem(
            f"EUC-KR로 읽을 수 없는 바이트가 있습니다 ({exc.start + 1}번째 바이트)",
            f"invalid EUC-KR byte sequence at byte {exc.start + 1}",
        ) from None
    for ch in text:
        if ch < "\x80":
            if not ch.isprintable():
                raise _char_problem(ch)
        elif len(ch.encode("euc_kr")) != 2:
            raise _char_problem(ch)
    return text.rstrip(" " + FULLWIDTH_SPACE)
