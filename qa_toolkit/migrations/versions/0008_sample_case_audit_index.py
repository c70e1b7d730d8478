"""An index on sample_case.audit_id: the findings query joins each finalised audit to its sample case.

Without it, the outer join from audit to sample_case scans the whole sample_case table for each
audit (SQLite's plan: SCAN sample_case); with it, each audit finds its sample case directly.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-15
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_sample_case_audit_id", "sample_case", ["audit_id"])


def downgrade() -> None:
    op.drop_index("ix_sample_case_audit_id", table_name="sample_case")
