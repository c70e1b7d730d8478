"""Case lists keep their review timetable and census; SSDA903 review history; name aliases

- frame.source ("case_list" or "ssda903") and frame.census (JSON, worked out once at import;
  NULL for lists imported before, whose pages work it out from their rows);
- case_record.review_due, review_status and days_overdue: the statutory timetable on the
  list's date;
- case_review: each review of a child's current period of care (SSDA903 imports);
- name_alias: spellings of teams and staff a manager confirmed.

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("frame") as batch:
        batch.add_column(
            sa.Column("source", sa.String(20), nullable=False, server_default="case_list")
        )
        batch.add_column(sa.Column("census", sa.JSON(), nullable=True))
    with op.batch_alter_table("case_record") as batch:
        batch.add_column(sa.Column("review_due", sa.Date(), nullable=True))
        batch.add_column(sa.Column("review_status", sa.String(20), nullable=True))
        batch.add_column(sa.Column("days_overdue", sa.Integer(), nullable=True))

    op.create_table(
        "case_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("frame_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("case_record_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("held", sa.Date(), nullable=False),
        sa.Column("on_time", sa.Boolean(), nullable=False),
        sa.Column("days_late", sa.Integer(), nullable=False),
        sa.Column("participation", sa.String(3), nullable=True),
        sa.CheckConstraint("number >= 1", name="ck_case_review_number_positive"),
        sa.CheckConstraint("days_late >= 0", name="ck_case_review_days_late_not_negative"),
        sa.ForeignKeyConstraint(
            ["case_record_id"], ["case_record.id"], name="fk_case_review_case_record_id_case_record"
        ),
        sa.ForeignKeyConstraint(["frame_id"], ["frame.id"], name="fk_case_review_frame_id_frame"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name="fk_case_review_organisation_id_organisation",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_case_review"),
    )
    op.create_index("ix_case_review_case_record_id", "case_review", ["case_record_id"])
    op.create_index("ix_case_review_frame_id_held", "case_review", ["frame_id", "held"])
    op.create_index("ix_case_review_organisation_id", "case_review", ["organisation_id"])

    op.create_table(
        "name_alias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("spelling", sa.String(200), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('team', 'iro', 'social_worker')", name="ck_name_alias_kind_known"
        ),
        sa.CheckConstraint(
            "(kind = 'team' AND team_id IS NOT NULL AND staff_id IS NULL)"
            " OR (kind <> 'team' AND staff_id IS NOT NULL AND team_id IS NULL)",
            name="ck_name_alias_one_target",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name="fk_name_alias_created_by_id_user_account"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name="fk_name_alias_organisation_id_organisation",
        ),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name="fk_name_alias_staff_id_staff"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name="fk_name_alias_team_id_team"),
        sa.PrimaryKeyConstraint("id", name="pk_name_alias"),
        sa.UniqueConstraint(
            "organisation_id", "kind", "key", name="uq_name_alias_organisation_id_kind_key"
        ),
    )
    op.create_index("ix_name_alias_organisation_id", "name_alias", ["organisation_id"])


def downgrade() -> None:
    op.drop_index("ix_name_alias_organisation_id", table_name="name_alias")
    op.drop_table("name_alias")
    op.drop_index("ix_case_review_organisation_id", table_name="case_review")
    op.drop_index("ix_case_review_frame_id_held", table_name="case_review")
    op.drop_index("ix_case_review_case_record_id", table_name="case_review")
    op.drop_table("case_review")
    with op.batch_alter_table("case_record") as batch:
        batch.drop_column("days_overdue")
        batch.drop_column("review_status")
        batch.drop_column("review_due")
    with op.batch_alter_table("frame") as batch:
        batch.drop_column("census")
        batch.drop_column("source")
