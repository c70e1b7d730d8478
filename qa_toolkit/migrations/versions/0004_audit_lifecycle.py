"""Audits: lifecycle dates, score and grade, highlights, concerns, feedback, moderation.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TIMES = (
    "started_at",
    "submitted_at",
    "finalised_at",
    "concern_raised_at",
    "concern_acknowledged_at",
    "moderated_at",
)
_TEXTS = (
    "returned_reason",
    "concern",
    "feedback_went_well",
    "feedback_even_better",
    "practitioner_response",
    "moderation_comment",
)


def upgrade() -> None:
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("highlights", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.add_column(
            sa.Column("moderation", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.add_column(sa.Column("final_answers", sa.JSON(), nullable=True))
        for name in _TIMES:
            batch_op.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        for name in _TEXTS:
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("overall_score", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("grade", sa.String(40), nullable=True))
        batch_op.add_column(sa.Column("proposed_grade", sa.String(40), nullable=True))
        batch_op.add_column(sa.Column("moderator_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("concern_acknowledged_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_audit_moderator_id_user_account", "user_account", ["moderator_id"], ["id"]
        )
        batch_op.create_foreign_key(
            "fk_audit_concern_acknowledged_by_id_user_account",
            "user_account",
            ["concern_acknowledged_by_id"],
            ["id"],
        )
        batch_op.create_index("ix_audit_moderator_id", ["moderator_id"])


def downgrade() -> None:
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_moderator_id")
        batch_op.drop_constraint(
            "fk_audit_concern_acknowledged_by_id_user_account", type_="foreignkey"
        )
        batch_op.drop_constraint("fk_audit_moderator_id_user_account", type_="foreignkey")
        for name in (
            *_TIMES,
            *_TEXTS,
            "highlights",
            "moderation",
            "final_answers",
            "overall_score",
            "grade",
            "proposed_grade",
            "moderator_id",
            "concern_acknowledged_by_id",
        ):
            batch_op.drop_column(name)
