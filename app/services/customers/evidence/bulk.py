"""일괄 첨부: consent evidence for many payers at once, from a folder or a .zip named by 고객번호.

Offices scan a stack of signed forms in one go and name each file by the payer's 고객번호:
``C001.jpg``; ``C001_수강료.pdf`` or ``C001 A02.tif`` when the payer has several agreements and the
file is for one item; ``2025001 동의서.tif`` (words that are not an item are ignored). The report
says, for every file, what it became or why it did not (no such 고객번호, several agreements and no
item in the name, two files for one agreement, unreadable, too large even after fitting …), and
lists the agreements of the contract that still have no evidence afterwards, which is the clerk's
to-do list.

Names are matched before anything is read, so a folder of 500 scans with a typo costs nothing. Each
file is then fitted and stored in a unit of work of its own: one bad file does not undo the others.

Bounded input, because a zip can come from anywhere: at most `MAX_FILES` files (and twice that many
zip entries), each at most 50 MB, `MAX_TOTAL_BYTES` in all (counted from the folder's sizes or the
zip's declared sizes before reading, and again while reading), a zip entry that expands more than
`MAX_RATIO` times or beyond its declared size is refused as a zip bomb. Nothing is extracted to
disk: entries are read into memory, so a name such as ``../../evil.jpg`` cannot write anywhere; such
names are refused all the same, as are encrypted entries, links and nested archives.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Final

from sqlalchemy import select

from app.database.engine import Database
from app.models import (
    AgreementStatus,
    CollectionItem,
    Contract,
    Customer,
    DebitAgreement,
    EvidenceKind,
)
from app.services.common.crypto import DataKey
from app.services.common.errors import ServiceError
from app.services.common.session import Actor
from app.services.customers.evidence.fit import (
    ALLOWED,
    MAX_INPUT_BYTES,
    EvidenceRefused,
    extension_of,
    fit,
    size_text,
)
from app.services.customers.evidence.sealed import (
    WithoutEvidence,
    check_kind,
    limit_for,
    require_key,
    store_fitted,
    without_evidence_in,
)

log = logging.getLogger(__name__)

MAX_FILES: Final = 2_000
MAX_ZIP_ENTRIES: Final = 2 * MAX_FILES
MAX_TOTAL_BYTES: Final = 2 * 1024 * 1024 * 1024
MAX_RATIO: Final = 100
_RATIO_FLOOR: Final = 1024 * 1024  # small entries may compress well (a blank page) without being bombs
_IGNORED: Final = frozenset({".ds_store", "thumbs.db", "desktop.ini"})
_LEADING_NUMBER: Final = re.compile(r"[A-Za-z0-9-]+")
_SEPARATORS: Final = re.compile(r"[\s_\-.,()\[\]{}+#&]+")
NAMING_HELP: Final = "파일 이름을 고객번호로 시작하세요 (예: C001.jpg, 이체정보가 여럿이면 C001_수강료.pdf)."


@dataclass(frozen=True)
class BulkMatch:
    """A file of a bulk attach that became evidence of an agreement."""

    file_name: str
    customer_no: str
    customer_name: str
    item_name: str
    evidence_id: int
    size: int
    note: str


@dataclass(frozen=True)
class BulkMiss:
    """A file of a bulk attach that was not attached, and why (in Korean, with what to do)."""

    file_name: str
    reason: str


@dataclass(frozen=True)
class BulkReport:
    """What a bulk attach did: attached files, files left out with the reason, and the agreements of
    the contract that still have no evidence after it."""

    contract_id: int
    matched: tuple[BulkMatch, ...]
    unmatched: tuple[BulkMiss, ...]
    without_evidence: tuple[WithoutEvidence, ...]

    @property
    def summary(self) -> str:
        return (f"첨부 {len(self.matched)}건, 첨부하지 못한 파일 {len(self.unmatched)}건, "
                f"아직 증빙이 없는 이체정보 {len(self.without_evidence)}건")


@dataclass
class _Entry:
    """One file of the folder or zip: its name as the clerk sees it, and how to read it (bounded)."""

    name: str
    read: Callable[[], bytes]
    problem: str | None = None


@dataclass(frozen=True)
class _Agreement:
    id: int
    customer_no: str
    customer_name: str
    item_code: str
    item_name: str


# --- the entry point --------------------------------------------------------------------------


def attach_bulk(db: Database, actor: Actor, key: DataKey, source: Path, *, kind: EvidenceKind | None = None,
                now: datetime | None = None, contract_id: int | None = None,
                progress: Callable[[int, int], None] | None = None) -> BulkReport:
    """Attach every evidence file of `source` (a folder or a .zip) to the agreement its name names."""
    actor.require_edit()
    key = require_key(key)
    contract_id = _contract(db, actor, contract_id)
    customers, items = _directory(db, actor, contract_id)
    matched: list[BulkMatch] = []
    missed: list[BulkMiss] = []
    with _Entries(Path(source)) as entries:
        planned: list[tuple[_Entry, _Agreement]] = []
        for entry in entries:
            if entry.problem is not None:
                missed.append(BulkMiss(entry.name, entry.problem))
                continue
            found = _match(entry.name, customers, items)
            if isinstance(found, str):
                missed.append(BulkMiss(entry.name, found))
            else:
                planned.append((entry, found))
        planned, doubles = _single_file_per_agreement(planned)
        missed.extend(doubles)
        limit = None
        for done, (entry, agreement) in enumerate(planned, start=1):
            try:
                data = entry.read()
                if limit is None:
                    limit = limit_for(db, actor, agreement.id)
                fitted = fit(data, entry.name, limit=limit)
                info = store_fitted(db, actor, key, agreement.id, fitted, name=entry.name, original_size=len(data),
                                    kind=check_kind(kind, fitted), now=now, source="bulk")
                matched.append(BulkMatch(entry.name, agreement.customer_no, agreement.customer_name,
                                         agreement.item_name, info.id, info.size, fitted.note))
            except EvidenceRefused as refused:
                missed.append(BulkMiss(entry.name, refused.message))
            except ServiceError as refused:  # e.g. the agreement changed meanwhile: report, go on
                missed.append(BulkMiss(entry.name, refused.message))
            if progress is not None:
                progress(done, len(planned))
    with db.session() as s:
        still = without_evidence_in(s, actor, contract_id)
    log.info("bulk evidence attach: %d attached, %d left out", len(matched), len(missed))
    return BulkReport(contract_id, tuple(matched), tuple(sorted(missed, key=lambda m: m.file_name)), tuple(still))


def _contract(db: Database, actor: Actor, contract_id: int | None) -> int:
    """The contract asked for, or the institution's only active one."""
    with db.session() as s:
        if contract_id is not None:
            from app.services.common.access import contract_for

            return contract_for(s, actor, contract_id).id
        ids = list(s.scalars(select(Contract.id).where(Contract.institution_id == actor.institution_id,
                                                        Contract.active.is_(True)).order_by(Contract.id)))
    if len(ids) != 1:
        raise ServiceError("계약정보가 여럿입니다. 일괄 첨부할 계약정보를 먼저 고르세요." if ids
                           else "계약정보가 없습니다. 환경설정에서 계약정보를 먼저 등록하세요.")
    return ids[0]


def _directory(db: Database, actor: Actor, contract_id: int
               ) -> tuple[dict[str, list[_Agreement] | None], dict[str, str]]:
    """고객번호 → the customer's active agreements (None for a customer no longer active), and every
    item of the contract as {casefolded code or name: code}."""
    with db.session() as s:
        customers: dict[str, list[_Agreement] | None] = {}
        for no, active in s.execute(select(Customer.customer_no, Customer.active)
                                    .where(Customer.contract_id == contract_id)):
            customers[no] = [] if active else None
        rows = s.execute(
            select(DebitAgreement.id, Customer.customer_no, Customer.name, CollectionItem.code, CollectionItem.name)
            .join(Customer, Customer.id == DebitAgreement.customer_id)
            .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
            .where(Customer.contract_id == contract_id, Customer.active.is_(True),
                   DebitAgreement.status == AgreementStatus.ACTIVE)
            .order_by(Customer.customer_no, CollectionItem.code))
        for agreement_id, no, name, code, item_name in rows:
            listed = customers.get(no)
            if listed is not None:
                listed.append(_Agreement(agreement_id, no, name, code, item_name))
        items: dict[str, str] = {}
        for code, name in s.execute(select(CollectionItem.code, CollectionItem.name)
                                    .where(CollectionItem.contract_id == contract_id)):
            items[code.casefold()] = code
            items[_squeezed(name)] = code
    return customers, items


# --- matching names ---------------------------------------------------------------------------


def _squeezed(text: str) -> str:
    return "".join(unicodedata.normalize("NFC", text).split()).casefold()


def _match(name: str, customers: dict[str, list[_Agreement] | None], items: dict[str, str]) -> _Agreement | str:
    """The agreement a file name names, or why none (Korean, with what to do)."""
    stem = unicodedata.normalize("NFC", PurePosixPath(name).stem).strip()
    lead = _LEADING_NUMBER.match(stem)
    if lead is None:
        return f"파일 이름이 고객번호로 시작하지 않습니다. {NAMING_HELP}"
    token = lead.group(0)
    folded = {no.casefold(): no for no in customers}
    # "C001-A01" may be the number C001-A01, or C001 followed by the item code: longest first.
    pieces = token.split("-")
    for cut in range(len(pieces), 0, -1):
        candidate = "-".join(pieces[:cut]).strip("-")
        if not candidate:
            continue
        number = candidate if candidate in customers else folded.get(candidate.casefold())
        if number is not None:
            hint = "-".join(pieces[cut:]) + stem[lead.end():]
            return _agreement_of(number, customers[number], hint, items)
    return f"고객번호 '{token}'인 고객이 없습니다. 고객번호를 확인해 파일 이름을 고치세요."


def _agreement_of(number: str, agreements: list[_Agreement] | None, hint: str, items: dict[str, str]
                  ) -> _Agreement | str:
    if agreements is None:
        return f"고객 {number}은(는) 사용하지 않는 고객입니다. 고객관리에서 다시 사용으로 바꾼 뒤 첨부하세요."
    if not agreements:
        return f"고객 {number}에게 사용 중인 이체정보가 없습니다. 이체정보를 먼저 등록하세요."
    named = _items_named(hint, items)
    if len(named) > 1:
        return f"파일 이름에 집금항목이 둘 이상 있습니다 ({', '.join(sorted(named))}). 파일마다 한 항목만 쓰세요."
    if named:
        code = named.pop()
        for agreement in agreements:
            if agreement.item_code == code:
                return agreement
        return f"고객 {number}에게 집금항목 {code} 이체정보가 없습니다. 파일 이름의 항목을 고치세요."
    if len(agreements) == 1:
        return agreements[0]
    listed = ", ".join(a.item_name for a in agreements)
    return (f"고객 {number}의 이체정보가 여럿입니다 ({listed}). 파일 이름에 항목을 붙이세요 "
            f"(예: {number}_{agreements[0].item_name}.jpg).")


def _items_named(hint: str, items: dict[str, str]) -> set[str]:
    """Codes of the items a name's remainder mentions: an item code as a word, or an item's name."""
    words = [w.casefold() for w in _SEPARATORS.split(unicodedata.normalize("NFC", hint)) if w]
    squeezed = _squeezed(hint)
    found = {items[w] for w in words if w in items}
    found |= {code for key, code in items.items() if len(key) >= 2 and not key.isascii() and key in squeezed}
    return found


def _single_file_per_agreement(planned: list[tuple[_Entry, _Agreement]]
                               ) -> tuple[list[tuple[_Entry, _Agreement]], list[BulkMiss]]:
    """Two files for one agreement would replace each other silently: both are left out instead."""
    by_agreement: dict[int, list[tuple[_Entry, _Agreement]]] = {}
    for entry, agreement in planned:
        by_agreement.setdefault(agreement.id, []).append((entry, agreement))
    kept: list[tuple[_Entry, _Agreement]] = []
    missed: list[BulkMiss] = []
    for group in by_agreement.values():
        if len(group) == 1:
            kept.append(group[0])
            continue
        agreement = group[0][1]
        names = ", ".join(entry.name for entry, _a in group)
        for entry, _a in group:
            missed.append(BulkMiss(entry.name, (
                f"고객 {agreement.customer_no}의 {agreement.item_name} 이체정보에 파일이 {len(group)}개 있습니다 "
                f"({names}). 여러 쪽이면 한 파일로 스캔하거나 하나만 남기세요.")))
    kept.sort(key=lambda pair: pair[0].name)
    return kept, missed


# --- reading a folder or a zip, bounded -------------------------------------------------------


class _Entries:
    """The files of a folder or a zip as `_Entry` items (a context manager: the zip stays open)."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self._zip: zipfile.ZipFile | None = None

    def __enter__(self) -> list[_Entry]:
        source = self.source
        if source.is_dir():
            return _folder_entries(source)
        if source.is_file() and source.suffix.lower() == ".zip":
            try:
                self._zip = zipfile.ZipFile(source)
            except (zipfile.BadZipFile, OSError):
                raise ServiceError("압축 파일이 손상되어 열 수 없습니다. 다시 압축하거나 폴더로 고르세요.") from None
            return _zip_entries(self._zip)
        if source.is_file():
            raise ServiceError("폴더나 .zip 파일을 고르세요. 파일 하나는 이체정보 화면에서 첨부합니다.")
        raise ServiceError(f"폴더나 파일을 찾을 수 없습니다: {source}")

    def __exit__(self, *exc: object) -> None:
        if self._zip is not None:
            self._zip.close()


def _skipped(name: str) -> bool:
    """System litter a folder or a zip made on Windows or a Mac carries: not the clerk's files."""
    parts = PurePosixPath(name).parts
    base = parts[-1] if parts else name
    return (base.casefold() in _IGNORED or base.startswith((".", "~$"))
            or any(p == "__MACOSX" or p.startswith(".") for p in parts[:-1]))


def _pre_check(name: str, size: int) -> str | None:
    """Why a file is left out before reading it, if it is."""
    extension = extension_of(name)
    if extension not in ALLOWED:
        shown = f".{extension}" if extension else "확장자 없음"
        return f"증빙으로 받는 형식이 아닙니다 ({shown}). JPEG·PNG·TIFF·PDF·녹취(MP3 등)·DER 파일만 첨부합니다."
    if size > MAX_INPUT_BYTES:
        return f"파일이 {size_text(size)}로 너무 큽니다 (최대 {size_text(MAX_INPUT_BYTES)}). 해상도를 낮춰 다시 스캔하세요."
    return None


def _folder_entries(folder: Path) -> list[_Entry]:
    entries: list[_Entry] = []
    total = 0
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__MACOSX")
        for base in sorted(files):
            path = Path(root) / base
            name = unicodedata.normalize("NFC", path.relative_to(folder).as_posix())
            if _skipped(name):
                continue
            if len(entries) >= MAX_FILES:
                raise ServiceError(f"파일이 너무 많습니다 (최대 {MAX_FILES:,}개). 폴더를 나눠 첨부하세요.")
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
                entries.append(_Entry(name, _unreadable, "바로가기(링크)나 특수 파일은 읽지 않습니다. 원본 파일을 넣으세요."))
                continue
            problem = _pre_check(name, info.st_size)
            if problem is None:
                total += info.st_size
                if total > MAX_TOTAL_BYTES:
                    raise ServiceError(f"파일이 모두 합쳐 {size_text(MAX_TOTAL_BYTES)}를 넘습니다. 폴더를 나눠 첨부하세요.")
            entries.append(_Entry(name, _file_reader(path), problem))
    return entries


def _unreadable() -> bytes:
    raise EvidenceRefused("읽을 수 없는 파일입니다.")


def _file_reader(path: Path) -> Callable[[], bytes]:
    def read() -> bytes:
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_INPUT_BYTES + 1)  # the file may have grown since it was listed
        except OSError as error:
            raise EvidenceRefused(f"파일을 읽을 수 없습니다 ({error.strerror or error}). 다른 프로그램이 열고 있는지 확인하세요.") from None
        if len(data) > MAX_INPUT_BYTES:
            raise EvidenceRefused(f"파일이 {size_text(MAX_INPUT_BYTES)}를 넘습니다. 해상도를 낮춰 다시 스캔하세요.")
        return data
    return read


def zip_member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as it was written: zips made by Korean Windows store names in CP949 without
    the UTF-8 flag, which Python reads as CP437 (mojibake); Mac zips may be decomposed (NFD)."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            raw = name.encode("cp437")
        except UnicodeEncodeError:
            raw = b""
        for encoding in ("utf-8", "cp949"):
            try:
                name = raw.decode(encoding) if raw else name
                break
            except UnicodeDecodeError:
                continue
    return unicodedata.normalize("NFC", name)


def _unsafe(name: str) -> bool:
    """Absolute paths, drive letters and '..' (path traversal), even though nothing is extracted."""
    posix = name.replace("\\", "/")
    return (posix.startswith("/") or re.match(r"^[A-Za-z]:", posix) is not None
            or any(part == ".." for part in posix.split("/")))


def _zip_entries(archive: zipfile.ZipFile) -> list[_Entry]:
    members = archive.infolist()
    if len(members) > MAX_ZIP_ENTRIES:
        raise ServiceError(f"압축 파일 안의 항목이 너무 많습니다 (최대 {MAX_ZIP_ENTRIES:,}개). 나눠서 압축하세요.")
    declared = sum(m.file_size for m in members if not m.is_dir())
    if declared > MAX_TOTAL_BYTES:
        raise ServiceError(f"압축을 풀면 {size_text(declared)}로 너무 큽니다 (최대 {size_text(MAX_TOTAL_BYTES)}). "
                           f"나눠서 압축하세요.")
    entries: list[_Entry] = []
    budget = [MAX_TOTAL_BYTES]  # bytes still allowed to be read, whatever the headers claim
    for member in members:
        if member.is_dir():
            continue
        name = zip_member_name(member)
        if _skipped(name) and not _unsafe(name):
            continue
        if len(entries) >= MAX_FILES:
            raise ServiceError(f"파일이 너무 많습니다 (최대 {MAX_FILES:,}개). 나눠서 압축하세요.")
        problem: str | None
        mode = (member.external_attr >> 16) & 0o170000
        if _unsafe(name):
            problem = "허용되지 않는 경로입니다 (절대 경로나 '..'). 압축 파일을 다시 만드세요."
        elif member.flag_bits & 0x1:
            problem = "암호가 걸린 파일은 읽을 수 없습니다. 암호 없이 압축하세요."
        elif mode == stat.S_IFLNK:
            problem = "바로가기(링크)는 읽지 않습니다. 원본 파일을 넣으세요."
        elif (member.file_size > _RATIO_FLOOR and member.compress_size > 0
              and member.file_size / member.compress_size > MAX_RATIO):
            problem = "압축이 비정상적으로 큰 비율로 풀리는 파일입니다 (압축 폭탄). 원본 파일로 다시 압축하세요."
        else:
            problem = _pre_check(name, member.file_size)
        entries.append(_Entry(name, _zip_reader(archive, member, budget), problem))
    return entries


def _zip_reader(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: list[int]) -> Callable[[], bytes]:
    def read() -> bytes:
        allowed = min(member.file_size, MAX_INPUT_BYTES, budget[0])
        chunks: list[bytes] = []
        got = 0
        try:
            with archive.open(member) as handle:
                while True:
                    chunk = handle.read(min(1024 * 1024, allowed + 1 - got))
                    if not chunk:
                        break
                    got += len(chunk)
                    if got > allowed:  # more than the header said: a crafted bomb
                        raise EvidenceRefused("압축 헤더보다 크게 풀리는 파일입니다 (압축 폭탄). 원본 파일로 다시 압축하세요.")
                    chunks.append(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
            raise EvidenceRefused("압축 파일 안의 이 파일이 손상되어 읽을 수 없습니다. 다시 압축하세요.") from None
        budget[0] -= got
        return b"".join(chunks)
    return read
