"""The audit log's hash chain, its case-reference index, archive records and autosave windows.

audit_event gains its place in one chain (seq), the previous entry's hash and its own, and the
case references it is about; the entries already there are chained in id order. Indexes follow
the log page's filters: (organisation_id, id), (user_id, id), (entity_type, entity_id).
audit_event_case maps a case reference to its entries, audit_chain_head is the one row writers
lock, audit_log_archive says where the chain restarts after an archive, audit_autosave gathers
an audit's autosaves for up to 10 minutes into one entry, and audit_event_org files each
sign-in entry (which has no organisation) in the log of every organisation of its account. The
append-only triggers now also guard audit_event_case and audit_event_org.

Revision ID: 0011
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0014"
branch_labels = None
depends_on = None

_GUARDED = ("audit_event", "audit_event_case", "audit_event_org")


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _drop_guards() -> None:
    if _postgres():
        for table in _GUARDED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
    else:
        for table in _GUARDED:
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")


def _create_guards(tables: tuple[str, ...] = _GUARDED) -> None:
    """The database itself refuses to change or remove a log entry (0001's triggers)."""
    for table in tables:
        if _postgres():
            op.execute(
                f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
            )
        else:
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'audit log is append-only: {verb} refused'); END"
                )


def _chain_existing() -> tuple[int, str]:
    """Give the entries already there their places and hashes, oldest first."""
    from qa_toolkit.audit_chain import GENESIS, entry_hash

    bind = op.get_bind()
    table = sa.table(
        "audit_event",
        *(
            sa.column(name)
            for name in (
                "id",
                "at",
                "user_id",
                "organisation_id",
                "action",
                "entity_type",
                "entity_id",
                "summary",
                "ip_address",
                "case_refs",
                "seq",
                "prev_hash",
                "row_hash",
            )
        ),  # fmt: skip
        sa.column("changes", sa.JSON()),
    )
    seq, prev = 0, GENESIS
    rows = bind.execute(sa.select(table).order_by(table.c.id)).mappings().all()
    for row in rows:
        seq += 1
        values: dict[str, Any] = dict(row)
        values["seq"], values["case_refs"] = seq, ""
        if isinstance(values["changes"], str):
            values["changes"] = json.loads(values["changes"])
        if isinstance(values["at"], str):
            values["at"] = datetime.fromisoformat(values["at"])
        if values["at"].tzinfo is None:
            values["at"] = values["at"].replace(tzinfo=UTC)
        digest = entry_hash(prev, values)
        bind.execute(
            table.update()
            .where(table.c.id == row["id"])
            .values(seq=seq, prev_hash=prev, row_hash=digest, case_refs="")
        )
        prev = digest
    return seq, prev


def upgrade() -> None:
    _drop_guards()
    # Plain ADD COLUMN first (no table copy), filled, then made NOT NULL.
    op.add_column("audit_event", sa.Column("case_refs", sa.Text(), nullable=True))
    op.add_column("audit_event", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.add_column("audit_event", sa.Column("prev_hash", sa.String(64), nullable=True))
    op.add_column("audit_event", sa.Column("row_hash", sa.String(64), nullable=True))
    last_seq, last_hash = _chain_existing()
    with op.batch_alter_table("audit_event") as batch:
        for name in ("case_refs", "seq", "prev_hash", "row_hash"):
            batch.alter_column(name, nullable=False)
        batch.create_unique_constraint("uq_audit_event_seq", ["seq"])
        batch.drop_index("ix_audit_event_organisation_id")
        batch.drop_index("ix_audit_event_user_id")
        batch.create_index("ix_audit_event_organisation_id_id", ["organisation_id", "id"])
        batch.create_index("ix_audit_event_user_id_id", ["user_id", "id"])
        batch.create_index("ix_audit_event_entity", ["entity_type", "entity_id"])

    op.create_table(
        "audit_event_case",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("case_ref", sa.String(40), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["audit_event.id"], name="fk_audit_event_case_event_id_audit_event"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name="fk_audit_event_case_organisation_id_organisation",
        ),
        sa.PrimaryKeyConstraint("event_id", "case_ref", name="pk_audit_event_case"),
    )
    op.create_index(
        "ix_audit_event_case_lookup",
        "audit_event_case",
        ["organisation_id", "case_ref", "event_id"],
    )

    op.create_table(
        "audit_event_org",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name="fk_audit_event_org_organisation_id_organisation",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["audit_event.id"], name="fk_audit_event_org_event_id_audit_event"
        ),
        sa.PrimaryKeyConstraint("organisation_id", "event_id", name="pk_audit_event_org"),
    )
    # Sign-ins already logged are filed under their accounts' organisations of today.
    op.execute(
        "INSERT INTO audit_event_org (organisation_id, event_id) "
        "SELECT DISTINCT m.organisation_id, e.id FROM audit_event e JOIN membership m ON "
        "e.organisation_id IS NULL AND (m.user_id = e.user_id OR (e.entity_type = "
        "'user_account' AND e.entity_id = CAST(m.user_id AS VARCHAR(60))))"
    )

    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_audit_chain_head_one_row"),
        sa.PrimaryKeyConstraint("id", name="pk_audit_chain_head"),
    )
    op.bulk_insert(
        sa.table(
            "audit_chain_head", sa.column("id"), sa.column("last_seq"), sa.column("last_hash")
        ),
        [{"id": 1, "last_seq": last_seq, "last_hash": last_hash}],
    )

    op.create_table(
        "audit_log_archive",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("before", sa.Date(), nullable=False),
        sa.Column("first_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.Column("file_name", sa.String(500), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log_archive"),
    )

    op.create_table(
        "audit_autosave",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("saves", sa.Integer(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("ip_address", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audit.id"], name="fk_audit_autosave_audit_id_audit"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name="fk_audit_autosave_user_id_user_account"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name="fk_audit_autosave_organisation_id_organisation",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_audit_autosave"),
        sa.UniqueConstraint("audit_id", "user_id", name="uq_audit_autosave_audit_id_user_id"),
    )
    _create_guards()


def downgrade() -> None:
    _drop_guards()
    op.drop_table("audit_autosave")
    op.drop_table("audit_log_archive")
    op.drop_table("audit_chain_head")
    op.drop_table("audit_event_org")
    op.drop_index("ix_audit_event_case_lookup", table_name="audit_event_case")
    op.drop_table("audit_event_case")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_index("ix_audit_event_entity")
        batch.drop_index("ix_audit_event_user_id_id")
        batch.drop_index("ix_audit_event_organisation_id_id")
        batch.create_index("ix_audit_event_user_id", ["user_id"])
        batch.create_index("ix_audit_event_organisation_id", ["organisation_id"])
        batch.drop_constraint("uq_audit_event_seq", type_="unique")
        for name in ("row_hash", "prev_hash", "seq", "case_refs"):
            batch.drop_column(name)
    _create_guards(("audit_event",))
