"""EI13 출금동의 증빙자료 (cms-file-format.md §5.1): a golden file built byte by byte from the spec's
table — independently of the codec's own tables — must equal what the codec writes and read back to
the same records; hypothesis round-trips; every strictness rule names the record and the field; and
nothing shown (errors, descriptions, the ``decode`` command) carries the evidence bytes or a full
account number.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.models.enums import EvidenceKind
from app.services.exchange.cms import (
    CmsFormatError,
    CmsValueError,
    Ei13File,
    Ei13Header,
    Ei13Record,
    Ei13Trailer,
    decode_any,
    decode_ei13,
    describe,
    encode_ei13,
    renumber_ei13,
)
from app.services.exchange.cms.ei13 import BLOCK, DATA_COLUMNS, blocks_for, is_ei13

ROOT = Path(__file__).resolve().parents[2]
SP = b" "
INST20 = b"9912345678" + SP * 10  # 기관코드 AN 20: the 10-character code, left-aligned

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00 \x01\x00\xff\xd9"  # 16 bytes, a space and NULs inside on purpose
MP3 = b"ID3" + bytes(i % 256 for i in range(997))  # 1,000 bytes: 119 + 1,000 spills into a second block
MARKER = b"SECRET-EVIDENCE-MARKER"

HEADER = Ei13Header("9912345678", dt.date(2026, 3, 15))
RECORDS = [
    Ei13Record(1, "C0001", "088", "110123456789", dt.date(2026, 3, 14), "1", "jpg", JPEG),
    Ei13Record(2, "2025001-A", "004", "98765432101234567890", dt.date(2026, 3, 15), "4", "mp3", MP3),
]


def put(block: bytearray, pos: int, value: bytes, length: int) -> None:
    """Write ``value`` at the 1-based ``pos`` of the spec's table; it must fill exactly ``length`` bytes
    of a place nothing was written to yet."""
    assert len(value) == length, (pos, value)
    assert block[pos - 1 : pos - 1 + length] == SP * length, f"position {pos} already written"
    block[pos - 1 : pos - 1 + length] = value


def blank(blocks: int) -> bytearray:
    return bytearray(SP * (BLOCK * blocks))


def golden_header(count: bytes) -> bytes:
    # 업무구분코드 1/6 · Record 구분 7/2 · 일련번호 9/7 · 신청일 16/8 · 기관코드 24/20 · 총 동의자료 수 44/7 · FILLER 51/974
    assert BLOCK == 50 + 974
    h = blank(1)
    put(h, 1, b"AE1112", 6)
    put(h, 7, b"11", 2)
    put(h, 9, b"0000000", 7)
    put(h, 16, b"20260315", 8)
    put(h, 24, INST20, 20)
    put(h, 44, count, 7)
    return bytes(h)


def golden_data(blocks: int, seq: bytes, customer: bytes, bank: bytes, account: bytes, day: bytes, kind: bytes,
                ext: bytes, length: bytes, content: bytes) -> bytes:
    # 업무구분코드 1/6 · Record 구분 7/2 · 일련번호 9/7 · FILLER 16/10 · 기관코드 26/20 · 납부자번호 46/30 ·
    # 은행코드 76/3 · 계좌번호 79/20 · 신청일 99/8 · 동의자료구분 107/1 · 확장자 108/5 · 길이 113/7 = 119 bytes
    assert 6 + 2 + 7 + 10 + 20 + 30 + 3 + 20 + 8 + 1 + 5 + 7 == 119
    d = blank(blocks)
    put(d, 1, b"AE1112", 6)
    put(d, 7, b"22", 2)
    put(d, 9, seq, 7)
    put(d, 26, INST20, 20)
    put(d, 46, customer, 30)
    put(d, 76, bank, 3)
    put(d, 79, account, 20)
    put(d, 99, day, 8)
    put(d, 107, kind, 1)
    put(d, 108, ext, 5)
    put(d, 113, length, 7)
    d[119 : 119 + len(content)] = content  # the evidence, raw, right after the 119-byte prefix
    return bytes(d)


def golden_trailer(count: bytes, blocks: bytes) -> bytes:
    # 업무구분코드 1/6 · Record 구분 7/2 · 일련번호 9/7 · 기관코드 16/20 · 총 Data Record 수 36/7 ·
    # 총 Data Block 수 43/10 · FILLER 53/972
    assert BLOCK == 52 + 972
    t = blank(1)
    put(t, 1, b"AE1112", 6)
    put(t, 7, b"33", 2)
    put(t, 9, b"9999999", 7)
    put(t, 16, INST20, 20)
    put(t, 36, count, 7)
    put(t, 43, blocks, 10)
    return bytes(t)


GOLDEN = (
    golden_header(b"0000002")
    + golden_data(1, b"0000001", b"C0001" + SP * 25, b"088", b"110123456789" + SP * 8, b"20260314", b"1",
                  b"jpg  ", b"0000016", JPEG)
    + golden_data(2, b"0000002", b"2025001-A" + SP * 21, b"004", b"98765432101234567890", b"20260315", b"4",
                  b"mp3  ", b"0001000", MP3)
    + golden_trailer(b"0000002", b"0000000003")  # data blocks only: 1 + 2 ([A], §5.1)
)


# ----------------------------------------------------------------------------- golden


def test_the_golden_file_is_what_the_codec_writes() -> None:
    assert len(GOLDEN) == 5 * BLOCK
    assert GOLDEN[BLOCK + 119 : BLOCK + 135] == JPEG and GOLDEN[BLOCK + 135 : 2 * BLOCK] == SP * 889
    assert GOLDEN[2 * BLOCK + 119 : 2 * BLOCK + 1119] == MP3 and GOLDEN[2 * BLOCK + 1119 : 4 * BLOCK] == SP * 929
    assert encode_ei13(HEADER, RECORDS) == GOLDEN


def test_the_golden_file_reads_back_to_the_same_records() -> None:
    file = decode_ei13(GOLDEN, "EI130315_2026")
    assert file == Ei13File(HEADER, tuple(RECORDS), Ei13Trailer(total_count=2, block_count=3))
    assert (file.kind, file.file_name, file.institution_code) == ("EI13", "EI130315", "9912345678")
    assert decode_any(GOLDEN, "x") == file and is_ei13(GOLDEN)


def test_evidence_filling_its_blocks_exactly_gets_no_padding() -> None:
    exact = Ei13Record(1, "C1", "088", "1234", dt.date(2026, 3, 15), "6", "pdf", b"%PDF-" + b"x" * 900)
    assert blocks_for(905) == 1 and blocks_for(906) == 2 and blocks_for(0) == 1
    data = encode_ei13(HEADER, [exact])
    assert len(data) == 3 * BLOCK and data[BLOCK + 119 : 2 * BLOCK] == exact.content
    assert decode_ei13(data, "x").records == (exact,)
    assert data[-BLOCK + 42 : -BLOCK + 52] == b"0000000001"


def test_a_file_without_records_is_header_and_trailer() -> None:
    data = encode_ei13(HEADER, [])
    assert data == golden_header(b"0000000") + golden_trailer(b"0000000", b"0000000000")
    assert decode_ei13(data, "x").records == ()


def test_evidence_kind_enum_values_are_written_as_their_digit() -> None:
    rec = dataclasses.replace(RECORDS[0], kind=EvidenceKind.WRITTEN)
    assert encode_ei13(HEADER, [rec, RECORDS[1]]) == GOLDEN


def test_renumber_gives_sequences_one_to_n() -> None:
    shuffled = [dataclasses.replace(RECORDS[1], sequence=9), dataclasses.replace(RECORDS[0], sequence=4)]
    assert [r.sequence for r in renumber_ei13(shuffled)] == [1, 2]


# ----------------------------------------------------------------------------- round trips


PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F))


def _text(max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=PRINTABLE, min_size=1, max_size=max_size).map(lambda s: s.strip(" ")).filter(bool)


contents = st.one_of(
    st.binary(min_size=1, max_size=2600),
    st.integers(900, 910).map(lambda n: b"\x00" * n),  # around the one-block boundary (905)
    st.integers(1925, 1935).map(lambda n: b" " * n),  # evidence made of spaces, around the two-block boundary
)


@st.composite
def ei13_files(draw: st.DrawFn) -> tuple[Ei13Header, list[Ei13Record]]:
    day = draw(st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)))
    header = Ei13Header(draw(_text(10)), day)
    count = draw(st.integers(0, 5))
    records = [
        Ei13Record(
            sequence=i,
            customer_no=draw(_text(30)),
            bank_code=draw(st.text(alphabet="0123456789", min_size=3, max_size=3)),
            account_no=draw(st.text(alphabet="0123456789", min_size=1, max_size=20)),
            application_date=draw(st.dates(dt.date(2000, 1, 1), day)),
            kind=draw(st.sampled_from("123456")),
            extension=draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=5)),
            content=draw(contents),
        )
        for i in range(1, count + 1)
    ]
    return header, records


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ei13_files())
def test_decode_of_encode_is_identity(case: tuple[Ei13Header, list[Ei13Record]]) -> None:
    header, records = case
    data = encode_ei13(header, records)
    blocks = sum(blocks_for(len(r.content)) for r in records)
    assert len(data) == BLOCK * (blocks + 2)
    file = decode_ei13(data, "EI13")
    assert file.header == header and list(file.records) == records
    assert file.trailer == Ei13Trailer(len(records), blocks)
    assert encode_ei13(file.header, file.records) == data


# ----------------------------------------------------------------------------- strict reading


def _patched(data: bytes, offset: int, value: bytes) -> bytes:
    out = bytearray(data)
    out[offset : offset + len(value)] = value
    return bytes(out)


def _refused(data: bytes, record_no: int, field_ko: str, *, lenient: bool = False) -> CmsFormatError:
    with pytest.raises(CmsFormatError) as caught:
        decode_ei13(data, "EI130315_2026", lenient=lenient)
    error = caught.value
    assert (error.kind, error.record_no, error.field_ko) == ("EI13", record_no, field_ko), str(error)
    assert "EI13 파일 'EI130315_2026'" in str(error)
    return error


def test_truncated_and_headless_files_are_refused() -> None:
    assert "배수가 아닙니다" in str(_refused(GOLDEN[:-1], 5, "파일 길이"))
    assert "비어 있습니다" in str(_refused(b"", 1, "파일 길이"))
    _refused(GOLDEN[:BLOCK], 2, "Record 구분")


def test_totals_are_checked_against_the_data() -> None:
    _refused(_patched(GOLDEN, 43, b"0000003"), 1, "총 동의자료 수")
    _refused(_patched(GOLDEN, 4 * BLOCK + 35, b"0000001"), 4, "총 Data Record 수")
    # [K] counts header and trailer too (5): refused, we follow [A] (§5.1)
    error = _refused(_patched(GOLDEN, 4 * BLOCK + 42, b"0000000005"), 4, "총 Data Block 수")
    assert "5" in error.detail_ko and "3" in error.detail_ko


def test_every_data_field_is_checked_and_named() -> None:
    first, second = BLOCK, 2 * BLOCK
    _refused(_patched(GOLDEN, first + 8, b"0000002"), 2, "일련번호")
    _refused(_patched(GOLDEN, first + 15, b"X"), 2, "FILLER")
    _refused(_patched(GOLDEN, first + 25, b"9912345679"), 2, "기관코드")
    _refused(_patched(GOLDEN, first + 45, b" C0001"), 2, "납부자번호")
    _refused(_patched(GOLDEN, first + 75, b"08A"), 2, "은행코드")
    _refused(_patched(GOLDEN, second + 98, b"20260316"), 3, "신청일")  # after the header's 신청일
    _refused(_patched(GOLDEN, second + 98, b"20260231"), 3, "신청일")
    _refused(_patched(GOLDEN, first + 106, b"7"), 2, "동의자료구분")
    _refused(_patched(GOLDEN, first + 107, b"JPG"), 2, "동의자료 확장자")
    _refused(_patched(GOLDEN, first + 107, b".jpg "), 2, "동의자료 확장자")
    _refused(_patched(GOLDEN, first + 112, b"000001A"), 2, "동의자료 길이")
    _refused(_patched(GOLDEN, 15, b"20260315"[:4] + b"1301"), 1, "신청일")


def test_a_space_inside_the_account_is_refused_without_showing_the_account() -> None:
    error = _refused(_patched(GOLDEN, BLOCK + 78 + 3, b" "), 2, "계좌번호")
    assert "110123456789" not in str(error) and "110" not in str(error)


def test_evidence_length_must_fit_and_be_followed_by_spaces() -> None:
    # a length running past the trailer
    _refused(_patched(GOLDEN, 2 * BLOCK + 112, b"0002000"), 3, "동의자료 길이")
    # a shorter length leaves evidence bytes where spaces must be
    error = _refused(_patched(GOLDEN, 2 * BLOCK + 112, b"0000500"), 3, "FILLER(동의자료 뒤)")
    assert "ID3" not in str(error)
    # a longer length that still fits: the next record then starts inside someone's evidence
    long = encode_ei13(HEADER, [dataclasses.replace(RECORDS[0], content=MARKER * 60), RECORDS[1]])
    bad = _patched(long, BLOCK + 112, b"0000010")  # 1,320 bytes said to be 10: the rest is not spaces
    error = _refused(bad, 2, "FILLER(동의자료 뒤)")
    assert MARKER.decode() not in str(error)
    bad = _patched(long, BLOCK + 112, b"%07d" % (60 * len(MARKER) - 1000))  # 1 block instead of 2
    error = _refused(bad, 2, "FILLER(동의자료 뒤)")
    assert "SECRET" not in str(error)


def test_a_data_record_that_does_not_start_its_block_is_named_without_quoting_bytes() -> None:
    content = MARKER * 70  # 1,540 bytes: two blocks
    data = encode_ei13(HEADER, [dataclasses.replace(RECORDS[0], content=content)])
    # say the evidence is 900 bytes and blank the rest of its first block: the second block is evidence
    shorter = bytearray(_patched(data, BLOCK + 112, b"0000900"))
    shorter[BLOCK + 119 + 900 : 2 * BLOCK] = SP * (BLOCK - 119 - 900)
    error = _refused(bytes(shorter), 3, "Record 구분")
    assert "3번째 블록" in str(error) and "SECRET" not in str(error)


def test_empty_evidence_is_refused_strictly_but_read_leniently() -> None:
    data = encode_ei13(HEADER, [RECORDS[0]])
    empty = _patched(data, BLOCK + 112, b"0000000")
    empty = _patched(empty, BLOCK + 119, SP * len(JPEG))
    _refused(empty, 2, "동의자료 길이")
    assert decode_ei13(empty, "x", lenient=True).records[0].content == b""


def test_lenient_reading_takes_any_kind_and_extension_for_the_relay_to_judge() -> None:
    odd = _patched(_patched(GOLDEN, BLOCK + 106, b"7"), BLOCK + 107, b"BMP  ")
    record = decode_ei13(odd, "x", lenient=True).records[0]
    assert (record.kind, record.extension, record.content) == ("7", "BMP", JPEG)
    blank_kind = _patched(GOLDEN, BLOCK + 106, b" ")
    assert decode_ei13(blank_kind, "x", lenient=True).records[0].kind == ""
    _refused(_patched(GOLDEN, BLOCK + 106, b"\x01"), 2, "동의자료구분", lenient=True)  # still AN


def test_header_and_trailer_fields_are_checked() -> None:
    _refused(_patched(GOLDEN, 0, b"AE1113"), 1, "업무구분코드")
    _refused(_patched(GOLDEN, 6, b"12"), 1, "Record 구분")
    _refused(_patched(GOLDEN, 60, b"x"), 1, "FILLER")
    _refused(_patched(GOLDEN, 4 * BLOCK + 6, b"22"), 4, "Record 구분")
    _refused(_patched(GOLDEN, 4 * BLOCK + 15, b"9912345670"), 4, "기관코드")
    _refused(_patched(GOLDEN, 4 * BLOCK + 1000, b"0"), 4, "FILLER")
    _refused(_patched(GOLDEN, 23, b"99123456789"), 1, "기관코드")  # 11 characters: not a 이용기관식별코드


# ----------------------------------------------------------------------------- strict writing


def _value_error(records: list[Ei13Record], record_no: int, field_ko: str,
                 header: Ei13Header = HEADER) -> CmsValueError:
    with pytest.raises(CmsValueError) as caught:
        encode_ei13(header, records)
    error = caught.value
    assert (error.record_no, error.field_ko) == (record_no, field_ko), str(error)
    return error


def test_values_that_cannot_be_written_are_refused_before_any_byte() -> None:
    one = RECORDS[0]
    _value_error([dataclasses.replace(one, kind="7")], 2, "동의자료구분")
    _value_error([dataclasses.replace(one, kind="")], 2, "동의자료구분")
    for ext in ("JPG", ".jpg", "jpeg2", "", "tiff1x", "jp g"):
        if ext == "jpeg2":
            continue  # 5 lower-case letters/digits: allowed
        _value_error([dataclasses.replace(one, extension=ext)], 2, "동의자료 확장자")
    _value_error([dataclasses.replace(one, content=b"")], 2, "동의자료 길이")
    _value_error([dataclasses.replace(one, content=bytearray(JPEG))], 2, "동의자료 길이")  # type: ignore[arg-type]
    _value_error([dataclasses.replace(one, bank_code="88")], 2, "은행코드")
    _value_error([dataclasses.replace(one, customer_no="C" * 31)], 2, "납부자번호")
    _value_error([dataclasses.replace(one, customer_no="")], 2, "납부자번호")
    _value_error([dataclasses.replace(one, customer_no="홍길동")], 2, "납부자번호")
    _value_error([dataclasses.replace(one, application_date=dt.date(2026, 3, 16))], 2, "신청일")
    _value_error([dataclasses.replace(one, sequence=2)], 2, "일련번호")
    _value_error([one, dataclasses.replace(RECORDS[1], sequence=3)], 3, "일련번호")
    _value_error([one], 1, "기관코드", Ei13Header("99123456789", HEADER.application_date))
    _value_error([one], 1, "신청일", Ei13Header("9912345678", dt.date(1999, 12, 31)))
    assert encode_ei13(HEADER, [dataclasses.replace(one, extension="jpeg2")])


def test_an_account_that_cannot_be_written_is_masked_in_the_message() -> None:
    error = _value_error([dataclasses.replace(RECORDS[0], account_no="110-1234-5678")], 2, "계좌번호")
    assert "110-1234-5678" not in str(error) and "5678" in str(error)


def test_evidence_over_the_field_limit_is_refused() -> None:
    huge = dataclasses.replace(RECORDS[0], content=b"\xff\xd8\xff" + bytes(10_000_000))
    assert "9,999,999" in str(_value_error([huge], 2, "동의자료 길이"))


# ----------------------------------------------------------------------------- showing a file


def test_describe_masks_the_account_and_shows_the_evidence_only_as_length_and_hash() -> None:
    content = MARKER + JPEG
    data = encode_ei13(HEADER, [dataclasses.replace(RECORDS[0], content=content), RECORDS[1]])
    rows = describe(decode_ei13(data, "x"))
    assert [r["레코드"] for r in rows] == ["헤더", "데이터", "데이터", "트레일러"]
    first = rows[1]
    assert first["계좌번호"] == "********6789" and first["동의자료구분"] == "1 서면"
    assert first["동의자료 길이"] == f"{len(content):,}" and len(first["동의자료 SHA-256"]) == 64
    assert rows[-1]["총 Data Block 수"] == "3" and rows[0]["총 동의자료 수"] == "2"
    shown = repr(rows)
    assert "110123456789" not in shown and "98765432101234567890" not in shown and "SECRET" not in shown
    assert "SECRET" not in repr(decode_ei13(data, "x").records)
    assert set(DATA_COLUMNS) <= set(first) and set(first) - set(DATA_COLUMNS) == {"업무구분코드", "Record 구분", "기관코드"}


def test_the_decode_command_describes_an_ei13_masked(tmp_path: Path) -> None:
    path = tmp_path / "EI130315_2026"
    path.write_bytes(encode_ei13(HEADER, [dataclasses.replace(RECORDS[0], content=MARKER + JPEG), RECORDS[1]]))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KSCMS_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run([sys.executable, "-m", "app", "decode", str(path)], capture_output=True, text=True,
                            env=env, cwd=ROOT, stdin=subprocess.DEVNULL, timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "EI13 EI130315, 데이터 2건, 5,120바이트" in out
    assert "계좌번호=********6789" in out and "동의자료구분=4 녹취" in out and "동의자료 길이=1,000" in out
    assert "110123456789" not in out and "98765432101234567890" not in out and "SECRET" not in out
