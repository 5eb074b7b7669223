"""The simulated relay takes EI13 consent evidence the way an agency would: it checks each record's
evidence (0101 kind, 0102 extension, 0103 size, 0105 empty or corrupt), refuses a file with any bad
record — naming each record and its code, which the transport hands the desk as ``record_codes`` —
and remembers, per (납부자번호, bank, account), the evidence it accepted or refused, for the EB13
processing to ask through ``evidence_verdict`` (None / 0078 / the refusal code).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from app.services.common.calendar import SEOUL, ManualClock
from app.services.exchange.cms import (
    Ei13Header,
    Ei13Record,
    encode_ei13,
    reason,
    remote_name,
)
from app.services.exchange.relay import layout
from app.services.exchange.relay.base import RelayRejectedError
from app.services.exchange.relay.config import (
    RelayConfig,
    SimulatorSettings,
    make_transport,
)
from app.services.exchange.relay.local import SimulatorTransport
from app.services.exchange.relay.rules import (
    EVIDENCE_EXTENSIONS,
    EVIDENCE_MAX_BYTES,
    EVIDENCE_RULES,
    EXTENSIONS_BY_KIND,
    evidence_problem,
)
from app.services.exchange.relay.simulator import BankSimulator, evidence_verdict

from .builders import BANK, INSTITUTION, OTHER_INSTITUTION

MONDAY = dt.date(2026, 3, 9)
TUESDAY = dt.date(2026, 3, 10)
WEDNESDAY = dt.date(2026, 3, 11)
LIMIT = 4_000  # this test's evidence limit: small files are enough to cross it

MARKER = b"EVIDENCE-BYTES-NEVER-OUTSIDE"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + MARKER + b"\xff\xd9"
PDF = b"%PDF-1.4\n" + MARKER + b"\n%%EOF\n"
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + MARKER
DER = bytes([0x30, len(MARKER)]) + MARKER


@dataclasses.dataclass(frozen=True)
class Item:
    """One EI13 record for these tests; kind/extension/content may be what no codec would write."""

    customer_no: str
    account_no: str
    kind: str = "1"
    extension: str = "jpg"
    content: bytes = JPEG
    bank: str = BANK


def raw_ei13(day: dt.date, items: list[Item], *, institution: str = INSTITUTION) -> bytes:
    """An EI13 laid out by hand (§5.1), so a test can send what the desk's strict codec refuses."""
    inst = institution.encode().ljust(20)
    ymd = f"{day:%Y%m%d}".encode()
    body, blocks = b"", 0
    for seq, it in enumerate(items, start=1):
        prefix = (b"AE1112" + b"22" + b"%07d" % seq + b" " * 10 + inst + it.customer_no.encode().ljust(30)
                  + it.bank.encode() + it.account_no.encode().ljust(20) + ymd + it.kind.encode().ljust(1)
                  + it.extension.encode().ljust(5) + b"%07d" % len(it.content))
        assert len(prefix) == 119
        record = prefix + it.content
        record += b" " * (-len(record) % 1024)
        body += record
        blocks += len(record) // 1024
    head = (b"AE1112" + b"11" + b"0000000" + ymd + inst + b"%07d" % len(items)).ljust(1024)
    tail = (b"AE1112" + b"33" + b"9999999" + inst + b"%07d" % len(items) + b"%010d" % blocks).ljust(1024)
    return head + body + tail


def ei13(day: dt.date, items: list[Item], *, institution: str = INSTITUTION) -> tuple[str, bytes]:
    """(remote name, bytes) written by the codec: what the desk sends."""
    records = [Ei13Record(i, it.customer_no, it.bank, it.account_no, day, it.kind, it.extension, it.content)
               for i, it in enumerate(items, start=1)]
    return remote_name("EI13", day), encode_ei13(Ei13Header(institution, day), records)


@pytest.fixture
def limited(tmp_path: Path, clock: ManualClock) -> SimulatorTransport:
    return SimulatorTransport(BankSimulator(tmp_path / "limited", clock, evidence_max_bytes=LIMIT), INSTITUTION)


def verdict(transport: SimulatorTransport, customer_no: str, account_no: str, *, bank: str = BANK,
            as_of: datetime | None = None) -> str | None:
    return evidence_verdict(transport.simulator.state, INSTITUTION, customer_no, bank, account_no, as_of=as_of)


# ----------------------------------------------------------------------------- accepted


def test_a_good_ei13_is_taken_without_a_result_and_its_evidence_counts(
    transport: SimulatorTransport, clock: ManualClock
) -> None:
    name, data = ei13(MONDAY, [Item("C0001", "110000001234"), Item("C0002", "110000005678", "4", "mp3", MP3),
                               Item("C0003", "110000009999", "2", "der", DER), Item("C0004", "1200", "6", "pdf", PDF)])
    assert name == "EI130309_2026"
    transport.upload(name, data)  # no RelayRejectedError: taken = accepted, every evidence in it

    assert transport.is_uploaded(name)
    assert verdict(transport, "C0001", "110000001234") is None
    assert verdict(transport, "C0002", "110000005678") is None
    assert verdict(transport, "C0004", "1200") is None
    assert verdict(transport, "C0001", "110000005678") == "0078"  # evidence is per 납부자번호 + account
    assert verdict(transport, "C0001", "110000001234", bank="004") == "0078"  # … and bank
    assert verdict(transport, "C9999", "110000001234") == "0078"
    assert transport.simulator.state.evidence_count(INSTITUTION) == (4, 0)
    clock.advance(timedelta(days=3))
    assert transport.list_results() == []  # an EI13 never gets a result file
    assert transport.simulator.pending_results() == []


def test_upper_case_extensions_are_taken_as_their_lower_case(transport: SimulatorTransport) -> None:
    transport.upload("EI130309_2026", raw_ei13(MONDAY, [Item("C0001", "110000001234", extension="JPG")]))
    assert verdict(transport, "C0001", "110000001234") is None


# ----------------------------------------------------------------------------- refused per record


def test_each_bad_record_gets_its_code_and_the_whole_file_is_refused(
    limited: SimulatorTransport,
) -> None:
    name = "EI130309_2026"
    items = [
        Item("C0001", "110000000001"),  # fine, but travels in a refused file
        Item("C0002", "110000000002", kind="7"),  # 0101 not 1–6
        Item("C0003", "110000000003", extension="bmp"),  # 0102
        Item("C0004", "110000000004", content=JPEG + bytes(LIMIT)),  # 0103 over the limit
        Item("C0005", "110000000005", content=b""),  # 0105 empty
        Item("C0006", "110000000006", content=PDF),  # 0105 a PDF called jpg
        Item("C0007", "110000000007", kind="4"),  # 0101 a 녹취 that is a picture
        Item("C0008", "110000000008", kind=" "),  # 0101 blank
    ]
    data = raw_ei13(MONDAY, items)

    with pytest.raises(RelayRejectedError) as refused:
        limited.upload(name, data)

    error = refused.value
    assert error.record_codes == {2: "0101", 3: "0102", 4: "0103", 5: "0105", 6: "0105", 7: "0101", 8: "0101"}
    assert "[동의자료 오류]" in error.message and "8건 중 7건" in error.message
    assert "일련번호 2 0101 동의자료 구분 오류" in error.message and "외 2건" in error.message
    report = (limited.base / "recv" / f"{name}.err").read_text(encoding="utf-8")
    assert "일련번호 0000003 불능코드 0102 동의자료 파일형식 오류 — 납부자번호 C0003: 확장자 'bmp'은 받지 않습니다" in report
    assert "일련번호 0000004 불능코드 0103" in report and f"한도 {LIMIT:,}바이트" in report
    assert "일련번호 0000001" not in report
    assert "110000000003" not in report and MARKER.decode() not in report
    assert (limited.base / "send" / "rejected" / name).exists() and not limited.is_uploaded(name)

    assert verdict(limited, "C0001", "110000000001") == "0078"  # its file was not taken
    assert [verdict(limited, f"C000{i}", f"11000000000{i}") for i in range(2, 9)] == [
        "0101", "0102", "0103", "0105", "0105", "0101", "0101"]
    assert limited.simulator.state.evidence_count(INSTITUTION) == (0, 7)


def test_a_refused_ei13_name_can_be_sent_again_fixed(limited: SimulatorTransport) -> None:
    name = "EI130309_2026"
    with pytest.raises(RelayRejectedError):
        limited.upload(name, raw_ei13(MONDAY, [Item("C0001", "110000000001"),
                                                Item("C0002", "110000000002", extension="gif")]))
    assert verdict(limited, "C0002", "110000000002") == "0102"

    limited.upload(name, raw_ei13(MONDAY, [Item("C0001", "110000000001"), Item("C0002", "110000000002")]))

    assert limited.is_uploaded(name)
    assert verdict(limited, "C0001", "110000000001") is None
    assert verdict(limited, "C0002", "110000000002") is None  # the latest evidence was accepted


def test_the_limit_is_a_setting(tmp_path: Path, clock: ManualClock) -> None:
    big = Item("C0001", "110000000001", content=JPEG + bytes(EVIDENCE_MAX_BYTES - len(JPEG)))
    default = SimulatorTransport(BankSimulator(tmp_path / "default", clock), INSTITUTION)
    default.upload(*ei13(MONDAY, [big]))  # exactly 307,200 bytes: taken
    assert default.simulator.evidence_max_bytes == EVIDENCE_MAX_BYTES == 307_200
    over = dataclasses.replace(big, content=big.content + b"\x00")
    with pytest.raises(RelayRejectedError) as refused:
        default.upload(*ei13(TUESDAY, [over]))
    assert refused.value.record_codes == {1: "0103"} and "307,201바이트" in refused.value.message + str(
        (default.base / "recv" / "EI130310_2026.err").read_text(encoding="utf-8"))
    with pytest.raises(ValueError):
        BankSimulator(tmp_path / "zero", clock, evidence_max_bytes=0)


# ----------------------------------------------------------------------------- refused as a file


def test_file_level_problems_are_refused_without_record_codes(transport: SimulatorTransport) -> None:
    good = [Item("C0001", "110000001234")]
    cases = [
        ("EI130310_2026", ei13(MONDAY, good)[1], "[파일 이름 오류]", "신청일"),
        ("EI130309_2026", ei13(MONDAY, good, institution=OTHER_INSTITUTION)[1], "[기관코드 불일치]", OTHER_INSTITUTION),
        ("EI130309_2026", ei13(MONDAY, [Item("C0001", "110000001234", bank="999")])[1], "[은행코드 오류]", "'999'"),
        ("EI130309_2026", ei13(MONDAY, good)[1][:-1024] + b" " * 1024, "[형식 오류]", "업무구분코드"),
        ("EI130309_2026", b"x" * 100, "[형식 오류]", "1024"),
        ("EI130309_2026", b"", "[형식 오류]", "비어 있습니다"),
    ]
    for name, data, tag, detail in cases:
        with pytest.raises(RelayRejectedError) as refused:
            transport.upload(name, data)
        assert tag in refused.value.message and detail in refused.value.message, refused.value.message
        assert refused.value.record_codes == {}
    assert transport.simulator.state.evidence_count(INSTITUTION) == (0, 0)
    assert verdict(transport, "C0001", "110000001234") == "0078"


def test_a_block_count_that_includes_header_and_trailer_is_refused(transport: SimulatorTransport) -> None:
    name, data = ei13(MONDAY, [Item("C0001", "110000001234")])
    k_style = bytearray(data)
    k_style[-1024 + 42 : -1024 + 52] = b"0000000003"  # [K] counts 1 data + header + trailer
    with pytest.raises(RelayRejectedError) as refused:
        transport.upload(name, bytes(k_style))
    assert "총 Data Block 수" in refused.value.message


# ----------------------------------------------------------------------------- the verdict over time


def test_the_latest_evidence_decides_and_as_of_looks_back(transport: SimulatorTransport, clock: ManualClock) -> None:
    pair = ("C0001", "110000001234")
    before = clock() - timedelta(minutes=1)
    transport.upload(*ei13(MONDAY, [Item(*pair)]))
    first = clock()
    clock.set(datetime(2026, 3, 10, 9, 0, tzinfo=SEOUL))
    with pytest.raises(RelayRejectedError):
        transport.upload("EI130310_2026", raw_ei13(TUESDAY, [Item(*pair, kind="5", extension="wav", content=b"RIFF")]))
    refused_at = clock()
    clock.set(datetime(2026, 3, 11, 9, 0, tzinfo=SEOUL))

    assert verdict(transport, *pair) == "0105"  # a truncated WAV: the latest evidence was refused
    assert verdict(transport, *pair, as_of=first) is None  # an EB13 that came on Monday had it
    assert verdict(transport, *pair, as_of=before) == "0078"  # … one that came before the EI13 did not
    assert verdict(transport, *pair, as_of=refused_at) == "0105"

    transport.upload(*ei13(WEDNESDAY, [Item(*pair, kind="5", extension="mp3", content=MP3)]))
    assert verdict(transport, *pair) is None
    assert transport.simulator.state.evidence_count(INSTITUTION) == (2, 1)


def test_the_verdict_can_be_asked_inside_the_simulators_own_transaction(transport: SimulatorTransport) -> None:
    transport.upload(*ei13(MONDAY, [Item("C0001", "110000001234")]))
    state = transport.simulator.state
    with state.transaction() as db:  # as the EB13 answer will: its transaction holds the write lock
        assert evidence_verdict(state, INSTITUTION, "C0001", BANK, "110000001234", db=db) is None
        assert evidence_verdict(state, INSTITUTION, "C0002", BANK, "110000001234", db=db) == "0078"


# ----------------------------------------------------------------------------- on this PC


def test_neither_the_account_nor_the_evidence_is_left_in_clear_on_this_pc(tmp_path: Path, clock: ManualClock) -> None:
    simulator = BankSimulator(tmp_path / "relay", clock, purge_finished=True)  # the built-in default
    transport = SimulatorTransport(simulator, INSTITUTION)
    account = "35609876543210"
    transport.upload(*ei13(MONDAY, [Item("C0001", account, "3", "der", DER)]))
    with pytest.raises(RelayRejectedError):
        transport.upload("EI130310_2026", raw_ei13(TUESDAY, [Item("C0002", account, extension="exe")]))
    assert evidence_verdict(simulator.state, INSTITUTION, "C0001", BANK, account) is None

    for path in (tmp_path / "relay").rglob("*"):
        if path.is_file():
            raw = path.read_bytes()
            assert account.encode() not in raw and MARKER not in raw, path


# ----------------------------------------------------------------------------- settings, reports, rules


def test_the_limit_travels_in_the_relay_settings(tmp_path: Path, clock: ManualClock) -> None:
    config = RelayConfig(simulator=SimulatorSettings(evidence_max_bytes=500_000))
    assert RelayConfig.from_json(config.to_json()) == config
    old = '{"version": 1, "mode": "simulator", "sftp": null, "pinned_host_key": null, ' \
          '"simulator": {"processing_delay_seconds": null, "failure_rate": 0.0, "seed": 0}}'
    assert RelayConfig.from_json(old).simulator.evidence_max_bytes == 307_200
    transport = make_transport(config, data_dir=tmp_path, clock=clock, institution_code=INSTITUTION)
    assert isinstance(transport, SimulatorTransport) and transport.simulator.evidence_max_bytes == 500_000


def test_an_error_report_keeps_its_record_lines_through_text() -> None:
    report = layout.ErrorReport("EI130309_2026", layout.TAG_EVIDENCE, "동의자료 2건 중 2건",
                                (layout.RecordRefusal(1, "0102", "동의자료 파일형식 오류 — 납부자번호 C1: x"),
                                 layout.RecordRefusal(12, "0103")))
    text = report.render(datetime(2026, 3, 9, 10, 0, tzinfo=SEOUL))
    again = layout.parse_error_report("EI130309_2026", text)
    assert again == report
    assert again.to_error().record_codes == {1: "0102", 12: "0103"}
    assert layout.parse_error_report("EB130309_2026", "[형식 오류] x\n파일: y\n").to_error().record_codes == {}


@pytest.mark.parametrize(
    ("kind", "extension", "content", "code"),
    [
        ("0", "jpg", JPEG, "0101"),
        ("a", "jpg", JPEG, "0101"),
        ("1", "gif", JPEG, "0102"),
        ("1", "", JPEG, "0102"),
        ("1", "mp3", MP3, "0101"),  # a 서면 that is a recording
        ("2", "jpg", JPEG, "0101"),  # a 공인전자서명 is a DER or a signed PDF
        ("4", "pdf", PDF, "0101"),
        ("1", "jpg", b"", "0105"),
        ("1", "png", JPEG, "0105"),
        ("1", "png", b"\x89PNG\r\n\x1a\n" + MARKER, None),
        ("1", "tif", b"II*\x00" + MARKER, None),
        ("1", "tiff", b"MM\x00*" + MARKER, None),
        ("1", "jpeg", JPEG, None),
        ("3", "jpg", JPEG, None),  # a signature pad's picture
        ("3", "pdf", PDF, None),
        ("4", "mp3", b"\xff\xfb\x90\x00" + MARKER, None),  # a bare MPEG frame
        ("4", "mp3", b"\x00\x00\x00\x00", "0105"),
        ("5", "wav", b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
        ("5", "wav", b"RIFF\x24\x00\x00\x00AVI ", "0105"),
        ("2", "der", DER, None),
        ("2", "der", DER[:-1], "0105"),  # its length says one byte more
        ("2", "der", bytes([0x30, 0x82, 0x01, 0x00]) + bytes(256), None),  # long-form length
        ("2", "der", bytes([0x31, 0x01, 0x00]), "0105"),
        ("6", "wav", b"RIFF\x24\x00\x00\x00WAVE", None),
        ("1", "jpg", JPEG + bytes(LIMIT), "0103"),
    ],
)
def test_evidence_rules(kind: str, extension: str, content: bytes, code: str | None) -> None:
    problem = evidence_problem(kind, extension, content, max_bytes=LIMIT)
    assert (problem.code if problem else None) == code
    if problem is not None:
        assert MARKER.decode() not in problem.detail


def test_the_rules_are_listed_for_the_clerk_and_every_kind_fits_some_extension() -> None:
    assert {"jpg", "jpeg", "png", "tif", "tiff", "pdf", "mp3", "wav", "der"} == EVIDENCE_EXTENSIONS
    assert set(EXTENSIONS_BY_KIND) == set("123456")
    assert all(exts and exts <= EVIDENCE_EXTENSIONS for exts in EXTENSIONS_BY_KIND.values())
    assert len(EVIDENCE_RULES) == 6 and all(any(c in line for c in ("0078", "0101", "0102", "0103", "0105", "EI13"))
                                            for line in EVIDENCE_RULES)


def test_the_desk_sends_nothing_the_simulator_refuses() -> None:
    """Every (extension, 동의자료구분) the desk's fitting may produce is one the simulator takes."""
    from app.services.customers.evidence.fit import KINDS_FOR_EXTENSION, SENT_EXTENSIONS

    for extension in SENT_EXTENSIONS:
        for kind in KINDS_FOR_EXTENSION[extension]:
            assert extension in EXTENSIONS_BY_KIND[kind.value], (extension, kind)


def test_the_reasons_tell_the_clerk_what_to_do() -> None:
    assert reason("0078").hint.startswith("동의자료(EI13)를 먼저 보내야 합니다")
    assert "동의자료 없음" in reason("0078").text
    for code in ("0101", "0102", "0103", "0105"):
        assert "이체정보" in reason(code).hint and not reason(code).retryable
    assert "300KB" in reason("0103").hint and "JPG" in reason("0102").hint
