"""Indexes behind the paged lists' sorts, and the stored roll-up (findings_rollup).

Revision ID: 0017
Revises: 0018
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_case_record_frame_team_ref", "case_record", ["frame_id", "team_name", "case_ref"]
    )
    op.create_index(
        "ix_case_record_frame_status_due",
        "case_record",
        ["frame_id", "review_status", "review_due"],
    )
    op.create_index(
        "ix_action_org_status_due", "action", ["organisation_id", "status", "due_date", "id"]
    )
    op.create_index(
        "ix_escalation_org_status_due",
        "escalation",
        ["organisation_id", "status", "response_due", "id"],
    )
    op.create_table(
        "findings_rollup",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(100), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.String(64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name="fk_findings_rollup_programme_id_programme",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("programme_id", name="pk_findings_rollup"),
    )


def downgrade() -> None:
    op.drop_table("findings_rollup")
    op.drop_index("ix_escalation_org_status_due", table_name="escalation")
    op.drop_index("ix_action_org_status_due", table_name="action")
    op.drop_index("ix_case_record_frame_status_due", table_name="case_record")
    op.drop_index("ix_case_record_frame_team_ref", table_name="case_record")
