"""Sign-in security: throttling counts, session epochs, forced password change, TOTP and MFA rules.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ROLES = "role IN ('admin', 'manager', 'auditor', 'viewer')"


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN (no table copy on SQLite, so no foreign key is disturbed);
    # the defaults fill the rows already there.
    op.add_column(
        "user_account",
        sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default="0"),
    )
    op.add_column(
        "user_account", sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column("user_account", sa.Column("totp_secret", sa.String(255), nullable=True))
    op.add_column(
        "user_account", sa.Column("mfa_enabled_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("user_account", sa.Column("totp_last_step", sa.Integer(), nullable=True))

    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name="fk_recovery_code_user_id_user_account"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_recovery_code"),
        sa.UniqueConstraint("user_id", "code_hash", name="uq_recovery_code_user_id_code_hash"),
    )
    op.create_index("ix_recovery_code_user_id", "recovery_code", ["user_id"])

    op.create_table(
        "mfa_requirement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_ROLES, name="ck_mfa_requirement_role_known"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name="fk_mfa_requirement_organisation_id_organisation",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_mfa_requirement"),
        sa.UniqueConstraint(
            "organisation_id", "role", name="uq_mfa_requirement_organisation_id_role"
        ),
    )
    op.create_index("ix_mfa_requirement_organisation_id", "mfa_requirement", ["organisation_id"])

    op.create_table(
        "login_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("ip_address", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_login_failure"),
    )
    for column in ("at", "email", "ip_address"):
        op.create_index(f"ix_login_failure_{column}", "login_failure", [column])

    op.create_table(
        "login_lockout",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("key", sa.String(254), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.CheckConstraint("scope IN ('account', 'address')", name="ck_login_lockout_scope_known"),
        sa.CheckConstraint("level >= 1", name="ck_login_lockout_level_positive"),
        sa.PrimaryKeyConstraint("id", name="pk_login_lockout"),
    )
    op.create_index("ix_login_lockout_scope_key", "login_lockout", ["scope", "key"])


def downgrade() -> None:
    op.drop_index("ix_login_lockout_scope_key", table_name="login_lockout")
    op.drop_table("login_lockout")
    for column in ("at", "email", "ip_address"):
        op.drop_index(f"ix_login_failure_{column}", table_name="login_failure")
    op.drop_table("login_failure")
    op.drop_index("ix_mfa_requirement_organisation_id", table_name="mfa_requirement")
    op.drop_table("mfa_requirement")
    op.drop_index("ix_recovery_code_user_id", table_name="recovery_code")
    op.drop_table("recovery_code")
    # ALTER TABLE DROP COLUMN (SQLite 3.35 and later, PostgreSQL): no table copy either.
    for column in (
        "totp_last_step", "mfa_enabled_at", "totp_secret", "session_epoch", "must_change_password",
    ):  # fmt: skip
        op.drop_column("user_account", column)
