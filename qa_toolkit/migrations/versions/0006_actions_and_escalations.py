"""Practice-development actions and escalations through the dispute-resolution stages.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("good_looks_like", sa.Text(), nullable=True),
        sa.Column("owner_staff_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("priority", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("completion_evidence", sa.Text(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=True),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("question_id", sa.String(100), nullable=True),
        sa.Column("theme_id", sa.String(100), nullable=True),
        sa.Column("raised_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'in_progress', 'completed', 'cancelled')",
            name="ck_action_status_known",
        ),
        sa.CheckConstraint(
            "priority IN ('high', 'medium', 'low')", name="ck_action_priority_known"
        ),
        sa.CheckConstraint(
            "source IN ('audit_question', 'moderation', 'observation', 'theme', 'question', 'standalone')",
            name="ck_action_source_known",
        ),
        sa.CheckConstraint(
            "status <> 'completed' OR (completion_evidence IS NOT NULL AND completed_on IS NOT NULL)",
            name="ck_action_completed_has_evidence",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name="fk_action_organisation_id_organisation"
        ),
        sa.ForeignKeyConstraint(
            ["owner_staff_id"], ["staff.id"], name="fk_action_owner_staff_id_staff"
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name="fk_action_team_id_team"),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"], name="fk_action_audit_id_audit"),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programme.id"], name="fk_action_programme_id_programme"
        ),
        sa.ForeignKeyConstraint(
            ["raised_by_id"], ["user_account.id"], name="fk_action_raised_by_id_user_account"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_action"),
    )
    for column in ("organisation_id", "owner_staff_id", "team_id", "audit_id", "programme_id"):
        op.create_index(f"ix_action_{column}", "action", [column])

    op.create_table(
        "escalation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("case_record_id", sa.Integer(), nullable=True),
        sa.Column("case_ref", sa.String(60), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(100), nullable=False),
        sa.Column("issue", sa.Text(), nullable=False),
        sa.Column("raised_by_id", sa.Integer(), nullable=True),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("stage_key", sa.String(40), nullable=False),
        sa.Column("stage_name", sa.String(100), nullable=False),
        sa.Column("stage_started_on", sa.Date(), nullable=False),
        sa.Column("response_due", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'resolved', 'withdrawn')", name="ck_escalation_status_known"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name="fk_escalation_organisation_id_organisation",
        ),
        sa.ForeignKeyConstraint(
            ["case_record_id"], ["case_record.id"], name="fk_escalation_case_record_id_case_record"
        ),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"], name="fk_escalation_audit_id_audit"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name="fk_escalation_team_id_team"),
        sa.ForeignKeyConstraint(
            ["raised_by_id"], ["user_account.id"], name="fk_escalation_raised_by_id_user_account"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_escalation"),
    )
    for column in ("organisation_id", "case_record_id", "audit_id", "team_id", "raised_by_id"):
        op.create_index(f"ix_escalation_{column}", "escalation", [column])

    op.create_table(
        "escalation_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("stage_key", sa.String(40), nullable=False),
        sa.Column("stage_name", sa.String(100), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("response_due", sa.Date(), nullable=False),
        sa.Column("skip_reason", sa.Text(), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("responded_on", sa.Date(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"], ["escalation.id"], name="fk_escalation_step_escalation_id_escalation"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name="fk_escalation_step_recorded_by_id_user_account",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_escalation_step"),
    )
    op.create_index("ix_escalation_step_escalation_id", "escalation_step", ["escalation_id"])


def downgrade() -> None:
    op.drop_table("escalation_step")
    op.drop_table("escalation")
    op.drop_table("action")
