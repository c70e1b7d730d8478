"""The job table: background work someone asked for, its status, progress and result.

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


def downgrade() -> None:
    op.drop_index("ix_job_status_created_at", table_name="job")
    op.drop_index("ix_job_organisation_id_created_at", table_name="job")
    op.drop_index("ix_job_requested_by_id", table_name="job")
    op.drop_table("job")
