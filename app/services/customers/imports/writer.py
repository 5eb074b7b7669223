"""Writing checked 일괄등록 rows: customers, their agreements and the queued account registrations.

Everything happens in one transaction, so a failure or a cancel leaves nothing behind. New rows go
in through the driver's bulk path on the same connection as the session (SQLite `executemany`,
PostgreSQL `COPY`): the ORM's `add_all` is seven to ten times slower and an import of 100,000
payers must not take longer than Excel takes to open the file. Primary keys are taken up front
(the sequence on PostgreSQL; after the write lock on SQLite, the next free numbers), so the three
tables can be written without reading ids back.

Existing customers (mode `update`) are few and go through Core `UPDATE`s; a changed account
withdraws a queued registration, or queues 해지 for the account the bank already knows, and then
신규 for the new one (domain.md: a changed account sends 해지+신규).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    Integer,
    LargeBinary,
    String,
    Text,
    bindparam,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from app.models import (
    AccountRegistration,
    AgreementStatus,
    Customer,
    DebitAgreement,
    RegistrationKind,
    RegistrationState,
)
from app.models.base import table_of
from app.services.common.crypto import DataKey
from app.services.common.errors import ConflictError
from app.services.customers.imports.reader import ImportCancelled, Progress
from app.services.customers.imports.rows import RowResult

CHUNK = 5_000

CUSTOMER_T = table_of(Customer)
AGREEMENT_T = table_of(DebitAgreement)
REGISTRATION_T = table_of(AccountRegistration)

CUSTOMER_COLUMNS = (
    "id", "contract_id", "customer_no", "name", "customer_type", "grade", "resident_no_enc", "resident_no_masked",
    "business_no", "representative", "phone", "mobile", "email", "industry", "joined_on", "region", "postal_code",
    "address", "address_detail", "memo", "student_name", "student_birth_date", "active", "version_id", "created_at",
    "updated_at",
)
AGREEMENT_COLUMNS = (
    "id", "customer_id", "item_id", "debit_limit", "monthly_amount", "discount_rate", "discount_amount",
    "first_month", "last_month", "debit_day", "bank_code", "account_no_enc", "account_no_hash", "account_last4",
    "holder_name", "holder_id", "manager_name", "registrant", "status", "version_id", "created_at", "updated_at",
)
REGISTRATION_COLUMNS = (
    "contract_id", "agreement_id", "kind", "state", "bank_code", "account_no_enc", "account_last4", "holder_id",
    "requested_on", "created_by", "created_at", "updated_at",
)
# Customer columns an `update` takes from the file, by the sheet column (key) that carries them.
_UPDATE_KEYS = ("name", "customer_type", "grade", "id_no", "representative", "phone", "mobile", "email", "industry",
                "joined_on", "region", "postal_code", "address", "address_detail", "memo", "student_name",
                "student_birth_date")


@dataclass(frozen=True)
class WriteJob:
    contract_id: int
    login_id: str
    key: DataKey
    store_full_resident: bool
    file_keys: frozenset[str]
    today: date
    now: datetime  # aware UTC


@dataclass
class WriteCounts:
    customers_added: int = 0
    customers_updated: int = 0
    agreements_added: int = 0
    agreements_updated: int = 0
    registrations_queued: int = 0


class _Bulk:
    """Inserts many rows on the session's own DBAPI connection, in its transaction."""

    def __init__(self, session: Session) -> None:
        connection = session.connection()
        self.dialect = connection.dialect
        self.raw: Any = connection.connection.driver_connection
        self.postgres = self.dialect.name == "postgresql"

    def processor(self, table: Any, column: str) -> Callable[[Any], Any]:
        process = table.c[column].type.dialect_impl(self.dialect).bind_processor(self.dialect)
        return process or (lambda value: value)

    def reserve_ids(self, session: Session, table: Any, count: int) -> Iterator[int]:
        if count == 0:
            return iter(())
        if self.postgres:
            with self.raw.cursor() as cur:
                cur.execute(f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
                            "FROM generate_series(1, %s)", (count,))
                return iter([r[0] for r in cur.fetchall()])
        top = session.execute(select(table.c.id).order_by(table.c.id.desc()).limit(1)).scalar() or 0
        return iter(range(top + 1, top + 1 + count))

    def insert(self, table: Any, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        names = ", ".join(columns)
        if self.postgres:
            with self.raw.cursor() as cur, cur.copy(f"COPY {table.name} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types([_pg_type(table.c[name].type) for name in columns])
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            self.raw.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)


def _pg_type(column_type: Any) -> str:
    """The PostgreSQL type name binary COPY needs for a column (it sends values, not text)."""
    kind = column_type.impl if hasattr(column_type, "impl") and not isinstance(column_type, Enum) else column_type
    if isinstance(kind, BigInteger):  # money columns: binary COPY sends exactly the column's width
        return "int8"
    if isinstance(kind, (Integer,)):
        return "int4"
    if isinstance(kind, LargeBinary):
        return "bytea"
    if isinstance(kind, Boolean):
        return "bool"
    if isinstance(kind, DateTime):
        return "timestamp"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, (Enum, String, Text)):
        return "text"
    raise TypeError(f"no binary COPY type for {column_type!r}")


def _chunks(rows: Sequence[RowResult], size: int) -> Iterator[Sequence[RowResult]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


class Writer:
    """One import's writes; `run` is called inside the caller's session (one transaction)."""

    def __init__(self, session: Session, job: WriteJob, progress: Progress | None,
                 cancelled: Callable[[], bool]) -> None:
        self.s = session
        self.job = job
        self.progress = progress
        self.cancelled = cancelled
        self.bulk = _Bulk(session)
        self.counts = WriteCounts()
        naive_now = job.now.replace(tzinfo=None)
        stamp = self.bulk.processor(CUSTOMER_T, "created_at")
        self.stamp = stamp(job.now) if not self.bulk.postgres else naive_now
        self.to_date = self.bulk.processor(CUSTOMER_T, "joined_on")
        self.today = self.to_date(job.today)

    def _check(self, done: int, total: int) -> None:
        if self.cancelled():
            raise ImportCancelled()
        if self.progress:
            self.progress("저장하는 중", done, total)

    def run(self, new_rows: Sequence[RowResult], update_rows: Sequence[RowResult]) -> WriteCounts:
        total = len(new_rows) + len(update_rows)
        self._guard_numbers(new_rows)
        done = 0
        self._check(done, total)
        for chunk in _chunks(new_rows, CHUNK):
            self._insert_new(chunk)
            done += len(chunk)
            self._check(done, total)
        for chunk in _chunks(update_rows, 1_000):
            self._update_existing(chunk)
            done += len(chunk)
            self._check(done, total)
        return self.counts

    def _guard_numbers(self, new_rows: Sequence[RowResult]) -> None:
        """A number registered by someone else since the preview would make a duplicate: refuse."""
        taken = set(self.s.scalars(select(Customer.customer_no).where(Customer.contract_id == self.job.contract_id)))
        clash = [r.customer_no for r in new_rows if r.customer_no in taken]
        if clash:
            raise ConflictError(
                f"미리보기 이후 다른 사용자가 같은 고객번호로 {len(clash):,}명을 등록했습니다 (예: {clash[0]}). "
                "파일을 다시 선택해 미리보기부터 다시 하세요. 아무것도 저장하지 않았습니다."
            )

    # --- new customers --------------------------------------------------------------------

    def _resident(self, row: RowResult) -> tuple[bytes | None, str | None, str | None]:
        """(encrypted full number, what screens show, business number) for the customer row."""
        values = row.customer
        assert values is not None
        resident = values.resident
        if resident is None:
            return None, None, values.business_no
        if resident.full and self.job.store_full_resident:
            return self.job.key.encrypt(resident.full, "resident_no"), resident.masked, values.business_no
        return None, resident.birth_date, values.business_no

    def _insert_new(self, rows: Sequence[RowResult]) -> None:
        ids = self.bulk.reserve_ids(self.s, CUSTOMER_T, len(rows))
        customers = []
        pairs = []
        for row, customer_id in zip(rows, ids, strict=False):
            values = row.customer
            assert values is not None and row.agreement is not None
            enc, masked, business = self._resident(row)
            customers.append((
                customer_id, self.job.contract_id, values.customer_no, values.name, values.customer_type.value,
                values.grade, enc, masked, business, values.representative, values.phone, values.mobile,
                values.email, values.industry, self.to_date(values.joined_on) if values.joined_on else None,
                values.region, values.postal_code, values.address, values.address_detail, values.memo,
                values.student_name,
                self.to_date(values.student_birth_date) if values.student_birth_date else None,
                True, 1, self.stamp, self.stamp,
            ))
            pairs.append((customer_id, row))
        self.bulk.insert(CUSTOMER_T, CUSTOMER_COLUMNS, customers)
        self.counts.customers_added += len(customers)
        self._insert_agreements(pairs)

    def _insert_agreements(self, pairs: Sequence[tuple[int, RowResult]]) -> None:
        ids = self.bulk.reserve_ids(self.s, AGREEMENT_T, len(pairs))
        agreements = []
        registrations = []
        key = self.job.key
        for (customer_id, row), agreement_id in zip(pairs, ids, strict=False):
            terms = row.agreement
            assert terms is not None
            account = terms.account_no
            enc = key.encrypt(account, "account_no")
            agreements.append((
                agreement_id, customer_id, terms.item_id, terms.debit_limit, terms.monthly_amount, terms.discount_rate,
                terms.discount_amount, terms.first_month, terms.last_month, terms.debit_day, terms.bank_code, enc,
                key.blind_index(account, "account_no"), account[-4:], terms.holder_name, terms.holder_id,
                terms.manager_name, self.job.login_id, AgreementStatus.ACTIVE.value, 1, self.stamp, self.stamp,
            ))
            registrations.append(self._registration(agreement_id, RegistrationKind.NEW, terms.bank_code, enc,
                                                    account[-4:], terms.holder_id))
        self.bulk.insert(AGREEMENT_T, AGREEMENT_COLUMNS, agreements)
        self.bulk.insert(REGISTRATION_T, REGISTRATION_COLUMNS, registrations)
        self.counts.agreements_added += len(agreements)
        self.counts.registrations_queued += len(registrations)

    def _registration(self, agreement_id: int, kind: RegistrationKind, bank: str, enc: bytes, last4: str,
                      holder: str) -> tuple[Any, ...]:
        """The encrypted account is the agreement's own ciphertext: same key, same text, one encryption."""
        return (self.job.contract_id, agreement_id, kind.value, RegistrationState.WAITING.value, bank, enc, last4,
                holder, self.today, self.job.login_id, self.stamp, self.stamp)

    # --- existing customers ---------------------------------------------------------------

    def _update_existing(self, rows: Sequence[RowResult]) -> None:
        numbers = [r.customer_no for r in rows]
        found = {number: customer_id for number, customer_id in self.s.execute(
            select(Customer.customer_no, Customer.id).where(
                Customer.contract_id == self.job.contract_id, Customer.customer_no.in_(numbers)))}
        customer_params = []
        for row in rows:
            params = self._customer_params(row)
            params["b_id"] = found[row.customer_no]
            customer_params.append(params)
        if customer_params:
            columns: dict[str, BindParameter[Any]] = {k: bindparam(k) for k in customer_params[0] if k != "b_id"}
            self.s.execute(
                update(CUSTOMER_T).where(CUSTOMER_T.c.id == bindparam("b_id"))
                .values(**columns, version_id=CUSTOMER_T.c.version_id + 1),
                customer_params,
            )
            self.counts.customers_updated += len(customer_params)
        self._update_agreements(rows, found)

    def _customer_params(self, row: RowResult) -> dict[str, Any]:
        values = row.customer
        assert values is not None
        keys = self.job.file_keys
        params: dict[str, Any] = {"active": True, "updated_at": self.job.now}
        for key in _UPDATE_KEYS:
            if key not in keys:
                continue
            if key == "id_no":
                enc, masked, business = self._resident(row)
                params.update(resident_no_enc=enc, resident_no_masked=masked, business_no=business)
            elif key == "customer_type":
                params["customer_type"] = values.customer_type
            else:
                params[key] = getattr(values, key)
        return params

    def _update_agreements(self, rows: Sequence[RowResult], customer_ids: dict[str, int]) -> None:
        ids = [customer_ids[r.customer_no] for r in rows]
        existing = {
            (a.customer_id, a.item_id): a
            for a in self.s.execute(
                select(DebitAgreement.id, DebitAgreement.customer_id, DebitAgreement.item_id, DebitAgreement.bank_code,
                       DebitAgreement.account_no_hash, DebitAgreement.account_no_enc, DebitAgreement.account_last4,
                       DebitAgreement.holder_id, DebitAgreement.status).where(DebitAgreement.customer_id.in_(ids))
            )
        }
        fresh: list[tuple[int, RowResult]] = []
        for row in rows:
            terms = row.agreement
            assert terms is not None
            customer_id = customer_ids[row.customer_no]
            current = existing.get((customer_id, terms.item_id))
            if current is None:
                fresh.append((customer_id, row))
            else:
                self._change_agreement(current, row)
        if fresh:
            self._insert_agreements(fresh)

    def _change_agreement(self, current: Any, row: RowResult) -> None:
        terms = row.agreement
        assert terms is not None
        key = self.job.key
        digest = key.blind_index(terms.account_no, "account_no")
        moved = (digest, terms.bank_code, terms.holder_id) != (current.account_no_hash, current.bank_code,
                                                               current.holder_id)
        ended = current.status == AgreementStatus.ENDED
        enc = key.encrypt(terms.account_no, "account_no") if moved else current.account_no_enc
        self.s.execute(
            update(AGREEMENT_T).where(AGREEMENT_T.c.id == current.id).values(
                debit_limit=terms.debit_limit, monthly_amount=terms.monthly_amount, discount_rate=terms.discount_rate,
                discount_amount=terms.discount_amount, first_month=terms.first_month, last_month=terms.last_month,
                debit_day=terms.debit_day, bank_code=terms.bank_code, account_no_enc=enc, account_no_hash=digest,
                account_last4=terms.account_no[-4:], holder_name=terms.holder_name, holder_id=terms.holder_id,
                manager_name=terms.manager_name, status=AgreementStatus.ACTIVE, ended_on=None,
                version_id=AGREEMENT_T.c.version_id + 1, updated_at=self.job.now,
            )
        )
        self.counts.agreements_updated += 1
        if not (moved or ended):
            return
        queued = []
        if moved and not ended and self._bank_knows_old_account(current.id):
            queued.append(self._registration(current.id, RegistrationKind.CANCEL, current.bank_code,
                                             current.account_no_enc, current.account_last4, current.holder_id))
        queued.append(self._registration(current.id, RegistrationKind.NEW, terms.bank_code, enc,
                                         terms.account_no[-4:], terms.holder_id))
        self.bulk.insert(REGISTRATION_T, REGISTRATION_COLUMNS, queued)
        self.counts.registrations_queued += len(queued)

    def _bank_knows_old_account(self, agreement_id: int) -> bool:
        """Withdraw a 신규 still waiting to be sent; tell whether the last 신규 reached the bank."""
        last_new = self.s.execute(
            select(AccountRegistration.id, AccountRegistration.state).where(
                AccountRegistration.agreement_id == agreement_id,
                AccountRegistration.kind == RegistrationKind.NEW,
            ).order_by(AccountRegistration.id.desc()).limit(1)
        ).first()
        if last_new is None:
            return False
        if last_new.state == RegistrationState.WAITING:
            self.s.execute(update(REGISTRATION_T).where(REGISTRATION_T.c.id == last_new.id)
                           .values(state=RegistrationState.WITHDRAWN, updated_at=self.job.now))
            return False
        return last_new.state in (RegistrationState.SENT, RegistrationState.DONE)
