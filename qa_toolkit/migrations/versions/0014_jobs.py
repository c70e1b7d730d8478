"""Jobs and notifications: the job table (background work someone asked for, its status,
progress and result), the notification outbox, each person's delivery choice per kind, and
whether an organisation's e-mails may name the case reference.

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("token", sa.String(32), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=True),
        sa.Column("message", sa.String(500), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')", name="ck_job_status_known"
        ),
        sa.CheckConstraint("progress_done >= 0", name="ck_job_progress_done_positive"),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name="fk_job_organisation_id_organisation"
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["user_account.id"], name="fk_job_requested_by_id_user_account"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_job"),
    )
    op.create_index("ix_job_requested_by_id", "job", ["requested_by_id"])
    op.create_index("ix_job_organisation_id_created_at", "job", ["organisation_id", "created_at"])
    op.create_index("ix_job_status_created_at", "job", ["status", "created_at"])

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("subject_type", sa.String(20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("link", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivery", sa.String(10), nullable=False),
        sa.Column("email_status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dismissed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "delivery IN ('immediate', 'digest')", name="ck_notification_delivery_known"
        ),
        sa.CheckConstraint(
            "email_status IN ('pending', 'sent', 'off')", name="ck_notification_email_status_known"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name="fk_notification_organisation_id_organisation",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name="fk_notification_user_id_user_account"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notification"),
    )
    op.create_index("ix_notification_organisation_id", "notification", ["organisation_id"])
    op.create_index(
        "ix_notification_user_id_dismissed_at", "notification", ["user_id", "dismissed_at"]
    )
    op.create_index(
        "ix_notification_email_status_delivery", "notification", ["email_status", "delivery"]
    )
    op.create_index(
        "ix_notification_subject", "notification", ["subject_type", "subject_id", "kind"]
    )

    op.create_table(
        "notification_preference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("delivery", sa.String(10), nullable=False),
        sa.CheckConstraint(
            "delivery IN ('immediate', 'digest')", name="ck_notification_preference_delivery_known"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name="fk_notification_preference_user_id_user_account",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notification_preference"),
        sa.UniqueConstraint("user_id", "kind", name="uq_notification_preference_user_id_kind"),
    )
    op.create_index("ix_notification_preference_user_id", "notification_preference", ["user_id"])

    # Plain ALTER TABLE ADD COLUMN: no table copy on SQLite; the default fills existing rows.
    op.add_column(
        "organisation",
        sa.Column("emails_show_case_ref", sa.Boolean(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_column("organisation", "emails_show_case_ref")
    op.drop_index("ix_notification_preference_user_id", table_name="notification_preference")
    op.drop_table("notification_preference")
    for index in (
        "ix_notification_subject",
        "ix_notification_email_status_delivery",
        "ix_notification_user_id_dismissed_at",
        "ix_notification_organisation_id",
    ):
        op.drop_index(index, table_name="notification")
    op.drop_table("notification")
    op.drop_index("ix_job_status_created_at", table_name="job")
    op.drop_index("ix_job_organisation_id_created_at", table_name="job")
    op.drop_index("ix_job_requested_by_id", table_name="job")
    op.drop_table("job")
