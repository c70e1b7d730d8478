"""Peer observations (who was observed, which meeting) and practitioners' responses.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("response_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("response_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("observed_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("meeting_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("meeting_type", sa.String(60), nullable=True))
        batch_op.create_foreign_key(
            "fk_audit_response_by_id_user_account", "user_account", ["response_by_id"], ["id"]
        )
        batch_op.create_foreign_key(
            "fk_audit_observed_user_id_user_account", "user_account", ["observed_user_id"], ["id"]
        )
        batch_op.create_index("ix_audit_observed_user_id", ["observed_user_id"])


def downgrade() -> None:
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_observed_user_id")
        batch_op.drop_constraint("fk_audit_observed_user_id_user_account", type_="foreignkey")
        batch_op.drop_constraint("fk_audit_response_by_id_user_account", type_="foreignkey")
        for name in (
            "meeting_type",
            "meeting_date",
            "observed_user_id",
            "response_at",
            "response_by_id",
        ):
            batch_op.drop_column(name)
