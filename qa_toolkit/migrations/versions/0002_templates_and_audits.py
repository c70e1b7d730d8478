"""Published template versions, and audits bound to one version.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "template_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.Integer(), nullable=False),
        sa.Column(
            "organisation_id",
            sa.Integer(),
            sa.ForeignKey(
                "organisation.id", name="fk_template_version_organisation_id_organisation"
            ),
            nullable=True,
        ),
        sa.Column("template_key", sa.String(60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("source_yaml", sa.Text(), nullable=False),
        sa.Column("source_filename", sa.String(255), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "published_by_id",
            sa.Integer(),
            sa.ForeignKey(
                "user_account.id", name="fk_template_version_published_by_id_user_account"
            ),
            nullable=True,
        ),
        sa.CheckConstraint("version >= 1", name="ck_template_version_version_positive"),
        sa.CheckConstraint(
            "kind IN ('case_audit', 'observation', 'thematic')",
            name="ck_template_version_kind_known",
        ),
        sa.CheckConstraint(
            "(scope = 0 AND organisation_id IS NULL) OR scope = organisation_id",
            name="ck_template_version_scope_matches_organisation",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_template_version"),
        sa.UniqueConstraint(
            "scope",
            "template_key",
            "version",
            name="uq_template_version_scope_template_key_version",
        ),
    )
    op.create_index("ix_template_version_scope", "template_version", ["scope"])

    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "organisation_id",
            sa.Integer(),
            sa.ForeignKey("organisation.id", name="fk_audit_organisation_id_organisation"),
            nullable=False,
        ),
        sa.Column(
            "template_version_id",
            sa.Integer(),
            sa.ForeignKey(
                "template_version.id", name="fk_audit_template_version_id_template_version"
            ),
            nullable=False,
        ),
        sa.Column(
            "case_record_id",
            sa.Integer(),
            sa.ForeignKey("case_record.id", name="fk_audit_case_record_id_case_record"),
            nullable=True,
        ),
        sa.Column(
            "auditor_id",
            sa.Integer(),
            sa.ForeignKey("user_account.id", name="fk_audit_auditor_id_user_account"),
            nullable=True,
        ),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('assigned', 'in_progress', 'submitted', 'returned', 'moderated', 'finalised')",
            name="ck_audit_status_known",
        ),
        sa.CheckConstraint("lock_version >= 1", name="ck_audit_lock_version_positive"),
        sa.PrimaryKeyConstraint("id", name="pk_audit"),
    )
    for column in ("organisation_id", "template_version_id", "case_record_id", "auditor_id"):
        op.create_index(f"ix_audit_{column}", "audit", [column])


def downgrade() -> None:
    op.drop_table("audit")
    op.drop_table("template_version")
