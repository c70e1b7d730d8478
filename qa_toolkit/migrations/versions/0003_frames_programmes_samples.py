"""Case-list imports keep their mapping and report; saved mappings, pending uploads,
programmes (dip samples) and the cases drawn for them

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 10:49:16.373415
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "column_mapping",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name="fk_column_mapping_organisation_id_organisation",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_column_mapping"),
        sa.UniqueConstraint(
            "organisation_id", "name", name="uq_column_mapping_organisation_id_name"
        ),
    )
    op.create_index("ix_column_mapping_organisation_id", "column_mapping", ["organisation_id"])

    op.create_table(
        "frame_upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name="fk_frame_upload_organisation_id_organisation",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name="fk_frame_upload_user_id_user_account"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_frame_upload"),
    )
    op.create_index("ix_frame_upload_organisation_id", "frame_upload", ["organisation_id"])

    op.create_table(
        "programme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("template_version_id", sa.Integer(), nullable=False),
        sa.Column("frame_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("design", sa.JSON(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("frame_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("draw_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("size_steps", sa.JSON(), nullable=False),
        sa.Column("allocation", sa.JSON(), nullable=False),
        sa.Column("exclude_own_team", sa.Boolean(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("launched_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('drawn', 'launched', 'closed')", name="ck_programme_status_known"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name="fk_programme_created_by_id_user_account"
        ),
        sa.ForeignKeyConstraint(["frame_id"], ["frame.id"], name="fk_programme_frame_id_frame"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name="fk_programme_organisation_id_organisation",
        ),
        sa.ForeignKeyConstraint(
            ["template_version_id"],
            ["template_version.id"],
            name="fk_programme_template_version_id_template_version",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_programme"),
        sa.UniqueConstraint("organisation_id", "name", name="uq_programme_organisation_id_name"),
    )
    op.create_index("ix_programme_frame_id", "programme", ["frame_id"])
    op.create_index("ix_programme_organisation_id", "programme", ["organisation_id"])

    op.create_table(
        "sample_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("case_record_id", sa.Integer(), nullable=False),
        sa.Column("stratum", sa.String(length=400), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rank_in_stratum", sa.Integer(), nullable=False),
        sa.Column("prn", sa.Float(), nullable=False),
        sa.Column("design_weight", sa.Float(), nullable=True),
        sa.Column("exclusion_reason", sa.Text(), nullable=True),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.Column("auditor_id", sa.Integer(), nullable=True),
        sa.Column("assignment_note", sa.Text(), nullable=True),
        sa.Column("audit_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("role IN ('selected', 'reserve')", name="ck_sample_case_role_known"),
        sa.CheckConstraint(
            "status IN ('in_sample', 'excluded', 'reserve')", name="ck_sample_case_status_known"
        ),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"], name="fk_sample_case_audit_id_audit"),
        sa.ForeignKeyConstraint(
            ["auditor_id"], ["user_account.id"], name="fk_sample_case_auditor_id_user_account"
        ),
        sa.ForeignKeyConstraint(
            ["case_record_id"], ["case_record.id"], name="fk_sample_case_case_record_id_case_record"
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programme.id"], name="fk_sample_case_programme_id_programme"
        ),
        sa.ForeignKeyConstraint(
            ["replaces_id"], ["sample_case.id"], name="fk_sample_case_replaces_id_sample_case"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_sample_case"),
        sa.UniqueConstraint(
            "programme_id", "case_record_id", name="uq_sample_case_programme_id_case_record_id"
        ),
    )
    op.create_index("ix_sample_case_auditor_id", "sample_case", ["auditor_id"])
    op.create_index("ix_sample_case_programme_id", "sample_case", ["programme_id"])

    with op.batch_alter_table("frame", schema=None) as batch_op:
        # Frames imported before this revision get empty reports.
        batch_op.add_column(
            sa.Column("column_mapping", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.add_column(
            sa.Column("quality", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(
            sa.Column("warning_counts", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("programme_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("due_date", sa.Date(), nullable=True))
        batch_op.create_foreign_key(
            "fk_audit_programme_id_programme", "programme", ["programme_id"], ["id"]
        )
        batch_op.create_index("ix_audit_programme_id", ["programme_id"])


def downgrade() -> None:
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_programme_id")
        batch_op.drop_constraint("fk_audit_programme_id_programme", type_="foreignkey")
        batch_op.drop_column("due_date")
        batch_op.drop_column("programme_id")
    with op.batch_alter_table("frame", schema=None) as batch_op:
        batch_op.drop_column("warning_counts")
        batch_op.drop_column("quality")
        batch_op.drop_column("column_mapping")

    op.drop_table("sample_case")
    op.drop_table("programme")
    op.drop_table("frame_upload")
    op.drop_table("column_mapping")
