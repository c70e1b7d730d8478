"""highlight_approval: a manager's approval of a highlight's exact words for partners.

A highlight reaches partners only when its auditor shared it, a manager approved these words
(the SHA-256 of the text: an edit needs a new approval) and it passes the free-text screen.
Withdrawing keeps the row and records who withdrew it and when.

Revision ID: 0012
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "highlight_approval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(100), nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name="fk_highlight_approval_organisation_id_organisation",
        ),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audit.id"], name="fk_highlight_approval_audit_id_audit"
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["user_account.id"],
            name="fk_highlight_approval_approved_by_id_user_account",
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"],
            ["user_account.id"],
            name="fk_highlight_approval_withdrawn_by_id_user_account",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_highlight_approval"),
    )
    op.create_index(
        "ix_highlight_approval_organisation_id", "highlight_approval", ["organisation_id"]
    )
    op.create_index("ix_highlight_approval_audit_id", "highlight_approval", ["audit_id"])


def downgrade() -> None:
    op.drop_table("highlight_approval")
