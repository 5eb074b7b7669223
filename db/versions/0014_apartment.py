"""관리사무소: 연체료 policies, waivers and bills; 독촉 stages, holds and letters; the month close and its lock

Revision ID: 0014_apartment
Revises: 0013_academy
Create Date: 2026-12-06

Issue 19 (domain.md "Apartment offices (관리사무소)"). The month close is enforced here, in the
database, and not only by the services: triggers on charge, debit_request, debit_request_line,
payment and ledger_entry refuse an INSERT, UPDATE or DELETE that touches a month of a contract while
a close of it stands (a `month_close` row with `reopened_at` NULL), so no code path and no raw SQL
can change a closed month. What stays allowed on a closed month's rows changes no figure of it:

* charge: its missed-cut-off remedy and version (the figures amount, discount, period, agreement and
  contract are frozen);
* payment: linking a cash payment to the reversal that undoes it (reversed_by_id from NULL) and its
  현금영수증 fields — the reversal itself is a payment and ledger row in the open month.

The month of a row: charge.period; debit_request.debit_date; a line, its request's; payment.paid_on;
ledger_entry.entry_on. Every refusal carries the text ``KSCMS_MONTH_CLOSED`` (app/database/engine.py
turns it into the clerk's message). A close row itself cannot be deleted nor rewritten; it can only
be reopened, with a reason.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_apartment"
down_revision: str | None = "0013_academy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MARK = "KSCMS_MONTH_CLOSED"
LOCKED_TABLES = ("charge", "debit_request", "debit_request_line", "payment", "ledger_entry")

# The columns that carry a closed month's figures, per table (an UPDATE of another column is allowed).
CHARGE_FROZEN = ("amount", "discount", "period", "agreement_id", "contract_id")
PAYMENT_FROZEN = ("contract_id", "charge_id", "method", "amount", "paid_on", "debit_request_id", "adjusts_period")


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    _create_tables()
    if _sqlite():
        op.execute("ALTER TABLE payment ADD COLUMN adjusts_period VARCHAR(7)")
        op.execute("ALTER TABLE ledger_entry ADD COLUMN adjusts_period VARCHAR(7)")
        for statement in sqlite_triggers():
            op.execute(statement)
    else:
        op.add_column("payment", sa.Column("adjusts_period", sa.String(length=7), nullable=True))
        op.add_column("ledger_entry", sa.Column("adjusts_period", sa.String(length=7), nullable=True))
        for statement in postgresql_triggers():
            op.execute(statement)


def _create_tables() -> None:
    op.create_table(
        "late_fee_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("basis", sa.String(length=10), nullable=False),
        sa.Column("rate_ppm", sa.Integer(), nullable=False),
        sa.Column("grace_days", sa.Integer(), nullable=False),
        sa.Column("cap_amount", sa.BigInteger(), nullable=True),
        sa.Column("rounding_unit", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=30), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.CheckConstraint("rate_ppm >= 0 AND rate_ppm <= 1000000", name=op.f("ck_late_fee_policy_rate_range")),
        sa.CheckConstraint("grace_days >= 0 AND grace_days <= 365", name=op.f("ck_late_fee_policy_grace_range")),
        sa.CheckConstraint("cap_amount IS NULL OR cap_amount >= 0", name=op.f("ck_late_fee_policy_cap_nonneg")),
        sa.CheckConstraint("rounding_unit IN (1, 10, 100, 1000)",
                           name=op.f("ck_late_fee_policy_rounding_unit_known")),
        sa.ForeignKeyConstraint(["contract_id"], ["contract.id"], name=op.f("fk_late_fee_policy_contract_id_contract"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["item_id"], ["collection_item.id"],
                                name=op.f("fk_late_fee_policy_item_id_collection_item"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_late_fee_policy")),
        sa.UniqueConstraint("contract_id", "item_id", name=op.f("uq_late_fee_policy_contract_id")),
    )
    op.create_index(op.f("ix_late_fee_policy_contract_id"), "late_fee_policy", ["contract_id"])
    op.create_table(
        "late_fee_waiver",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("charge_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("waived_by", sa.String(length=30), nullable=False),
        sa.Column("waived_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by", sa.String(length=30), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("length(reason) > 0", name=op.f("ck_late_fee_waiver_reason_given")),
        sa.ForeignKeyConstraint(["charge_id"], ["charge.id"], name=op.f("fk_late_fee_waiver_charge_id_charge"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["contract_id"], ["contract.id"], name=op.f("fk_late_fee_waiver_contract_id_contract"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], name=op.f("fk_late_fee_waiver_customer_id_customer"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_late_fee_waiver")),
    )
    op.create_index("ix_late_fee_waiver_customer", "late_fee_waiver", ["customer_id"])
    op.create_index(op.f("ix_late_fee_waiver_contract_id"), "late_fee_waiver", ["contract_id"])
    op.create_index(op.f("ix_late_fee_waiver_charge_id"), "late_fee_waiver", ["charge_id"])
    op.create_table(
        "late_fee_bill",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("charge_id", sa.Integer(), nullable=False),
        sa.Column("billed_charge_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("billed_by", sa.String(length=30), nullable=False),
        sa.Column("billed_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_late_fee_bill_amount_positive")),
        sa.ForeignKeyConstraint(["billed_charge_id"], ["charge.id"],
                                name=op.f("fk_late_fee_bill_billed_charge_id_charge"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["charge_id"], ["charge.id"], name=op.f("fk_late_fee_bill_charge_id_charge"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["contract_id"], ["contract.id"], name=op.f("fk_late_fee_bill_contract_id_contract"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], name=op.f("fk_late_fee_bill_customer_id_customer"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_late_fee_bill")),
    )
    for column in ("contract_id", "customer_id", "charge_id", "billed_charge_id"):
        op.create_index(op.f(f"ix_late_fee_bill_{column}"), "late_fee_bill", [column])
    op.create_table(
        "dunning_stage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("days_after", sa.Integer(), nullable=False),
        sa.Column("wording", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.CheckConstraint("seq > 0", name=op.f("ck_dunning_stage_seq_positive")),
        sa.CheckConstraint("days_after >= 0 AND days_after <= 365", name=op.f("ck_dunning_stage_days_range")),
        sa.ForeignKeyConstraint(["contract_id"], ["contract.id"], name=op.f("fk_dunning_stage_contract_id_contract"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dunning_stage")),
        sa.UniqueConstraint("contract_id", "seq", name=op.f("uq_dunning_stage_contract_id")),
    )
    op.create_index(op.f("ix_dunning_stage_contract_id"), "dunning_stage", ["contract_id"])
    op.create_table(
        "dunning_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=30), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("ended_by", sa.String(length=30), nullable=True),
        sa.Column("end_reason", sa.String(length=200), nullable=True),
        sa.CheckConstraint("length(reason) > 0", name=op.f("ck_dunning_hold_reason_given")),
        sa.ForeignKeyConstraint(["contract_id"], ["contract.id"], name=op.f("fk_dunning_hold_contract_id_contract"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], name=op.f("fk_dunning_hold_customer_id_customer"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dunning_hold")),
    )
    op.create_index("ix_dunning_hold_customer", "dunning_hold", ["customer_id", "ends_on"])
    op.create_index(op.f("ix_dunning_hold_contract_id"), "dunning_hold", ["contract_id"])
    op.create_table(
        "dunning_letter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("unpaid", sa.BigInteger(), nullable=False),
        sa.Column("late_fee", sa.BigInteger(), nullable=False),
        sa.Column("late_fee_waived", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by", sa.String(length=30), nullable=False),
        sa.CheckConstraint("unpaid >= 0 AND late_fee >= 0 AND late_fee_waived >= 0",
                           name=op.f("ck_dunning_letter_amounts_nonneg")),
        sa.ForeignKeyConstraint(["contract_id"], ["contract.id"], name=op.f("fk_dunning_letter_contract_id_contract"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], name=op.f("fk_dunning_letter_customer_id_customer"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["request_id"], ["debit_request.id"],
                                name=op.f("fk_dunning_letter_request_id_debit_request"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["stage_id"], ["dunning_stage.id"], name=op.f("fk_dunning_letter_stage_id_dunning_stage"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dunning_letter")),
        sa.UniqueConstraint("stage_id", "request_id", name=op.f("uq_dunning_letter_stage_id")),
    )
    op.create_index("ix_dunning_letter_customer", "dunning_letter", ["customer_id", "issued_at"])
    op.create_index(op.f("ix_dunning_letter_contract_id"), "dunning_letter", ["contract_id"])
    op.create_index(op.f("ix_dunning_letter_request_id"), "dunning_letter", ["request_id"])
    op.create_table(
        "month_close",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.Column("closed_by", sa.String(length=30), nullable=False),
        sa.Column("missing_results", sa.Integer(), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("reopened_at", sa.DateTime(), nullable=True),
        sa.Column("reopened_by", sa.String(length=30), nullable=True),
        sa.Column("reopen_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("reopened_at IS NULL OR coalesce(length(reopen_reason), 0) > 0",
                           name=op.f("ck_month_close_reopen_reason_given")),
        sa.CheckConstraint("missing_results = 0 OR coalesce(length(override_reason), 0) > 0",
                           name=op.f("ck_month_close_override_reason_given")),
        sa.ForeignKeyConstraint(["contract_id"], ["contract.id"], name=op.f("fk_month_close_contract_id_contract"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_month_close")),
    )
    op.create_index("ix_month_close_contract_period", "month_close", ["contract_id", "period"])
    # At most one standing close per contract month; a reopened one stays as history.
    op.create_index("uq_month_close_standing", "month_close", ["contract_id", "period"], unique=True,
                    sqlite_where=sa.text("reopened_at IS NULL"), postgresql_where=sa.text("reopened_at IS NULL"))


# --- SQLite triggers -------------------------------------------------------------------------------------


def _sqlite_closed(contract: str, month: str) -> str:
    return (f"EXISTS (SELECT 1 FROM month_close m WHERE m.contract_id = {contract} AND m.period = {month} "
            "AND m.reopened_at IS NULL)")


def _sqlite_changed(columns: Sequence[str]) -> str:
    return " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)


def _sqlite_trigger(name: str, timing: str, table: str, when: str) -> str:
    return (f"CREATE TRIGGER {name} BEFORE {timing} ON {table} WHEN {when} "
            f"BEGIN SELECT RAISE(ABORT, '{MARK}: {table}'); END")


def sqlite_triggers() -> list[str]:
    """The lock on SQLite: one BEFORE trigger per table and operation, raising when the month is closed."""
    out: list[str] = []

    def simple(table: str, month_of: str, update_when: str | None = None) -> None:
        new, old = month_of.format(row="NEW"), month_of.format(row="OLD")
        out.append(_sqlite_trigger(f"month_lock_{table}_insert", "INSERT", table, _sqlite_closed("NEW.contract_id", new)))
        out.append(_sqlite_trigger(f"month_lock_{table}_delete", "DELETE", table, _sqlite_closed("OLD.contract_id", old)))
        closed = f"({_sqlite_closed('OLD.contract_id', old)} OR {_sqlite_closed('NEW.contract_id', new)})"
        when = f"({update_when}) AND {closed}" if update_when else closed
        out.append(_sqlite_trigger(f"month_lock_{table}_update", "UPDATE", table, when))

    simple("charge", "{row}.period", _sqlite_changed(CHARGE_FROZEN))
    simple("debit_request", "substr({row}.debit_date, 1, 7)")
    simple("payment", "substr({row}.paid_on, 1, 7)",
           f"{_sqlite_changed(PAYMENT_FROZEN)} OR (OLD.reversed_by_id IS NOT NULL "
           "AND NEW.reversed_by_id IS NOT OLD.reversed_by_id)")
    simple("ledger_entry", "substr({row}.entry_on, 1, 7)")
    for timing, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
        closed = (f"EXISTS (SELECT 1 FROM debit_request r JOIN month_close m ON m.contract_id = r.contract_id "
                  f"AND m.period = substr(r.debit_date, 1, 7) AND m.reopened_at IS NULL WHERE r.id = {row}.request_id)")
        if timing == "UPDATE":
            closed = (f"({closed} OR EXISTS (SELECT 1 FROM debit_request r JOIN month_close m "
                      "ON m.contract_id = r.contract_id AND m.period = substr(r.debit_date, 1, 7) "
                      "AND m.reopened_at IS NULL WHERE r.id = OLD.request_id))")
        out.append(_sqlite_trigger(f"month_lock_debit_request_line_{timing.lower()}", timing, "debit_request_line",
                                   closed))
    out.append(_sqlite_trigger("month_close_keep_delete", "DELETE", "month_close", "1"))
    out.append(_sqlite_trigger(
        "month_close_keep_update", "UPDATE", "month_close",
        "NEW.contract_id IS NOT OLD.contract_id OR NEW.period IS NOT OLD.period OR NEW.closed_at IS NOT OLD.closed_at "
        "OR NEW.closed_by IS NOT OLD.closed_by OR NEW.figures IS NOT OLD.figures "
        "OR NEW.missing_results IS NOT OLD.missing_results OR NEW.override_reason IS NOT OLD.override_reason "
        "OR OLD.reopened_at IS NOT NULL"))
    return out


# --- PostgreSQL triggers ---------------------------------------------------------------------------------


def _pg_changed(columns: Sequence[str]) -> str:
    return " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)


def _pg_function(table: str, month_of: str, update_guard: str = "TRUE") -> str:
    """A trigger function for `table`: refuses when OLD's or NEW's month is closed (nested IFs: PL/pgSQL
    does not promise to short-circuit, and NEW is NULL in a DELETE)."""
    new, old = month_of.format(row="NEW"), month_of.format(row="OLD")
    return f"""
CREATE FUNCTION kscms_month_lock_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF kscms_month_closed(NEW.contract_id, {new}) THEN
            RAISE EXCEPTION '{MARK}: {table}' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    ELSIF TG_OP = 'DELETE' THEN
        IF kscms_month_closed(OLD.contract_id, {old}) THEN
            RAISE EXCEPTION '{MARK}: {table}' USING ERRCODE = 'check_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF {update_guard} THEN
        IF kscms_month_closed(OLD.contract_id, {old}) OR kscms_month_closed(NEW.contract_id, {new}) THEN
            RAISE EXCEPTION '{MARK}: {table}' USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NEW;
END $$"""


def postgresql_triggers() -> list[str]:
    """The lock on PostgreSQL: a row trigger per table calling one function per table."""
    out = [
        """
CREATE FUNCTION kscms_month_closed(contract integer, month text) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM month_close m WHERE m.contract_id = contract AND m.period = month
                   AND m.reopened_at IS NULL);
END $$""",
        _pg_function("charge", "{row}.period", _pg_changed(CHARGE_FROZEN)),
        _pg_function("debit_request", "to_char({row}.debit_date, 'YYYY-MM')"),
        _pg_function("payment", "to_char({row}.paid_on, 'YYYY-MM')",
                     f"{_pg_changed(PAYMENT_FROZEN)} OR (OLD.reversed_by_id IS NOT NULL "
                     "AND NEW.reversed_by_id IS DISTINCT FROM OLD.reversed_by_id)"),
        _pg_function("ledger_entry", "to_char({row}.entry_on, 'YYYY-MM')"),
        f"""
CREATE FUNCTION kscms_month_lock_debit_request_line() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        ids := ARRAY[NEW.request_id];
    ELSIF TG_OP = 'DELETE' THEN
        ids := ARRAY[OLD.request_id];
    ELSE
        ids := ARRAY[NEW.request_id, OLD.request_id];
    END IF;
    IF EXISTS (SELECT 1 FROM debit_request r WHERE r.id = ANY(ids)
               AND kscms_month_closed(r.contract_id, to_char(r.debit_date, 'YYYY-MM'))) THEN
        RAISE EXCEPTION '{MARK}: debit_request_line' USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$""",
        f"""
CREATE FUNCTION kscms_month_close_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '{MARK}: month_close' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.contract_id IS DISTINCT FROM OLD.contract_id OR NEW.period IS DISTINCT FROM OLD.period
       OR NEW.closed_at IS DISTINCT FROM OLD.closed_at OR NEW.closed_by IS DISTINCT FROM OLD.closed_by
       OR NEW.figures IS DISTINCT FROM OLD.figures OR NEW.missing_results IS DISTINCT FROM OLD.missing_results
       OR NEW.override_reason IS DISTINCT FROM OLD.override_reason OR OLD.reopened_at IS NOT NULL THEN
        RAISE EXCEPTION '{MARK}: month_close' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$""",
    ]
    for table in LOCKED_TABLES:
        out.append(f"CREATE TRIGGER month_lock BEFORE INSERT OR UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION kscms_month_lock_{table}()")
    out.append("CREATE TRIGGER month_close_keep BEFORE UPDATE OR DELETE ON month_close "
               "FOR EACH ROW EXECUTE FUNCTION kscms_month_close_keep()")
    return out


def downgrade() -> None:
    """Drop the lock, the two adjustment columns and the new tables (their rows are lost)."""
    if _sqlite():
        for table in LOCKED_TABLES:
            for timing in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS month_lock_{table}_{timing}")
        op.execute("DROP TRIGGER IF EXISTS month_close_keep_delete")
        op.execute("DROP TRIGGER IF EXISTS month_close_keep_update")
        op.execute("ALTER TABLE ledger_entry DROP COLUMN adjusts_period")
        op.execute("ALTER TABLE payment DROP COLUMN adjusts_period")
    else:
        for table in LOCKED_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS month_lock ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS kscms_month_lock_{table}()")
        op.execute("DROP TRIGGER IF EXISTS month_close_keep ON month_close")
        op.execute("DROP FUNCTION IF EXISTS kscms_month_close_keep()")
        op.execute("DROP FUNCTION IF EXISTS kscms_month_closed(integer, text)")
        op.drop_column("ledger_entry", "adjusts_period")
        op.drop_column("payment", "adjusts_period")
    for table in ("month_close", "dunning_letter", "dunning_hold", "dunning_stage", "late_fee_bill",
                  "late_fee_waiver", "late_fee_policy"):
        op.drop_table(table)
