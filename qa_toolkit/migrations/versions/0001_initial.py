"""Organisations, users and roles, teams, staff, case lists and the append-only audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), nullable=False)


def _org(table: str) -> sa.Column[int]:
    return sa.Column(
        "organisation_id",
        sa.Integer(),
        sa.ForeignKey("organisation.id", name=f"fk_{table}_organisation_id_organisation"),
        nullable=False,
    )


def _created() -> sa.Column[object]:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "organisation",
        _id(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("slug", sa.String(60), nullable=False),
        _created(),
        sa.PrimaryKeyConstraint("id", name="pk_organisation"),
        sa.UniqueConstraint("name", name="uq_organisation_name"),
        sa.UniqueConstraint("slug", name="uq_organisation_slug"),
    )
    op.create_table(
        "user_account",
        _id(),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _created(),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_user_account"),
        sa.UniqueConstraint("email", name="uq_user_account_email"),
    )
    op.create_table(
        "audit_event",
        _id(),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("user_account.id", name="fk_audit_event_user_id_user_account"),
            nullable=True,
        ),
        sa.Column(
            "organisation_id",
            sa.Integer(),
            sa.ForeignKey("organisation.id", name="fk_audit_event_organisation_id_organisation"),
            nullable=True,
        ),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("entity_type", sa.String(60), nullable=False),
        sa.Column("entity_id", sa.String(60), nullable=True),
        sa.Column("summary", sa.String(500), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("ip_address", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_event"),
    )
    op.create_index("ix_audit_event_at", "audit_event", ["at"])
    op.create_index("ix_audit_event_organisation_id", "audit_event", ["organisation_id"])
    op.create_index("ix_audit_event_user_id", "audit_event", ["user_id"])

    op.create_table(
        "membership",
        _id(),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("user_account.id", name="fk_membership_user_id_user_account"),
            nullable=False,
        ),
        _org("membership"),
        sa.Column("role", sa.String(20), nullable=False),
        sa.CheckConstraint(
            "role IN ('admin', 'manager', 'auditor', 'viewer')", name="ck_membership_role_known"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_membership"),
        sa.UniqueConstraint(
            "user_id", "organisation_id", name="uq_membership_user_id_organisation_id"
        ),
    )
    op.create_index("ix_membership_organisation_id", "membership", ["organisation_id"])
    op.create_index("ix_membership_user_id", "membership", ["user_id"])

    op.create_table(
        "team",
        _id(),
        _org("team"),
        sa.Column("name", sa.String(200), nullable=False),
        _created(),
        sa.PrimaryKeyConstraint("id", name="pk_team"),
        sa.UniqueConstraint("organisation_id", "name", name="uq_team_organisation_id_name"),
    )
    op.create_index("ix_team_organisation_id", "team", ["organisation_id"])

    op.create_table(
        "staff",
        _id(),
        _org("staff"),
        sa.Column(
            "team_id",
            sa.Integer(),
            sa.ForeignKey("team.id", name="fk_staff_team_id_team"),
            nullable=True,
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("staff_role", sa.String(20), nullable=False),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("user_account.id", name="fk_staff_user_id_user_account"),
            nullable=True,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        _created(),
        sa.CheckConstraint(
            "staff_role IN ('iro', 'social_worker', 'team_manager', 'other')",
            name="ck_staff_staff_role_known",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_staff"),
        sa.UniqueConstraint("organisation_id", "user_id", name="uq_staff_organisation_id_user_id"),
    )
    op.create_index("ix_staff_organisation_id", "staff", ["organisation_id"])
    op.create_index("ix_staff_team_id", "staff", ["team_id"])

    op.create_table(
        "frame",
        _id(),
        _org("frame"),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("source_filename", sa.String(255), nullable=True),
        sa.Column("as_at", sa.Date(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "imported_by_id",
            sa.Integer(),
            sa.ForeignKey("user_account.id", name="fk_frame_imported_by_id_user_account"),
            nullable=True,
        ),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.CheckConstraint("row_count >= 0", name="ck_frame_row_count_not_negative"),
        sa.PrimaryKeyConstraint("id", name="pk_frame"),
    )
    op.create_index("ix_frame_organisation_id", "frame", ["organisation_id"])

    op.create_table(
        "case_record",
        _id(),
        sa.Column(
            "frame_id",
            sa.Integer(),
            sa.ForeignKey("frame.id", name="fk_case_record_frame_id_frame"),
            nullable=False,
        ),
        _org("case_record"),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("case_ref", sa.String(40), nullable=False),
        sa.Column("team_name", sa.String(200), nullable=True),
        sa.Column(
            "team_id",
            sa.Integer(),
            sa.ForeignKey("team.id", name="fk_case_record_team_id_team"),
            nullable=True,
        ),
        sa.Column("social_worker_name", sa.String(200), nullable=True),
        sa.Column(
            "social_worker_id",
            sa.Integer(),
            sa.ForeignKey("staff.id", name="fk_case_record_social_worker_id_staff"),
            nullable=True,
        ),
        sa.Column("iro_name", sa.String(200), nullable=True),
        sa.Column(
            "iro_id",
            sa.Integer(),
            sa.ForeignKey("staff.id", name="fk_case_record_iro_id_staff"),
            nullable=True,
        ),
        sa.Column("legal_status", sa.String(100), nullable=True),
        sa.Column("placement_type", sa.String(100), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("age_band", sa.String(20), nullable=True),
        sa.Column("gender", sa.String(40), nullable=True),
        sa.Column("ethnicity", sa.String(100), nullable=True),
        sa.Column("disability", sa.String(40), nullable=True),
        sa.Column("uasc", sa.Boolean(), nullable=True),
        sa.Column("became_looked_after", sa.Date(), nullable=True),
        sa.Column("last_review", sa.Date(), nullable=True),
        sa.Column("next_review_due", sa.Date(), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_record"),
        sa.UniqueConstraint("frame_id", "case_ref", name="uq_case_record_frame_id_case_ref"),
    )
    op.create_index("ix_case_record_frame_id", "case_record", ["frame_id"])
    op.create_index("ix_case_record_iro_id", "case_record", ["iro_id"])
    op.create_index("ix_case_record_organisation_id", "case_record", ["organisation_id"])
    op.create_index("ix_case_record_team_id", "case_record", ["team_id"])

    _make_audit_log_append_only()


def _make_audit_log_append_only() -> None:
    """The database itself refuses to change or remove a log entry, whatever the code does."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION audit_event_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'audit log is append-only: % refused', TG_OP;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
                f"BEGIN SELECT RAISE(ABORT, 'audit log is append-only: {verb} refused'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    for table in (
        "case_record",
        "frame",
        "staff",
        "team",
        "membership",
        "audit_event",
        "user_account",
        "organisation",
    ):
        op.drop_table(table)
