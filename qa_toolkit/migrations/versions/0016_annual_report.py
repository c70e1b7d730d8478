"""annual report: who an escalation was raised by and addressed to; the author's edited text.

`escalation.raised_by` and `escalation.addressed_to` are roles chosen from a list (the IRO,
the child's advocate; the team manager, the Director), so the annual report can count them
for partners without naming anybody; both stay empty for escalations recorded before.
`annual_report_text` keeps the paragraph an author wrote in place of a generated one, per
organisation, period, audience and section, with who saved it and when.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("escalation") as batch:
        batch.add_column(sa.Column("raised_by", sa.String(60), nullable=True))
        batch.add_column(sa.Column("addressed_to", sa.String(60), nullable=True))
    op.create_table(
        "annual_report_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("audience", sa.String(20), nullable=False),
        sa.Column("section", sa.String(40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "audience IN ('internal', 'partner')", name="ck_annual_report_text_audience_known"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name="fk_annual_report_text_organisation_id_organisation",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name="fk_annual_report_text_updated_by_id_user_account",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_annual_report_text"),
        sa.UniqueConstraint(
            "organisation_id",
            "period_start",
            "period_end",
            "audience",
            "section",
            name="uq_annual_report_text_section",
        ),
    )


def downgrade() -> None:
    op.drop_table("annual_report_text")
    with op.batch_alter_table("escalation") as batch:
        batch.drop_column("addressed_to")
        batch.drop_column("raised_by")
