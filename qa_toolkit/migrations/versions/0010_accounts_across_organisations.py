"""Accounts across organisations: invitations, deployment administrators, device and
re-authentication lock-outs, and a case-list row limit per organisation.

An organisation's administrator no longer adds an account that exists elsewhere: it is
invited, and joins when its holder accepts (`invitation`). A deployment administrator
(`user_account.deployment_admin`, set from the command line) stands above organisations.
Lock-outs gain two scopes: one browser that signed in before (its device cookie, also noted
on each failure) and the current-password check of a signed-in account.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_ROLES = "role IN ('admin', 'manager', 'auditor', 'viewer')"
_OLD_SCOPES = "scope IN ('account', 'address')"
_NEW_SCOPES = "scope IN ('account', 'address', 'device', 'reauth')"


def upgrade() -> None:
    # Plain ADD COLUMN (no table copy on SQLite); the defaults fill the rows already there.
    op.add_column(
        "user_account",
        sa.Column("deployment_admin", sa.Boolean(), nullable=False, server_default="0"),
    )
    op.add_column("organisation", sa.Column("case_list_row_limit", sa.Integer(), nullable=True))

    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("name_given", sa.String(200), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(10), nullable=True),
        sa.CheckConstraint(_ROLES, name="ck_invitation_role_known"),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('accepted', 'declined', 'withdrawn')",
            name="ck_invitation_outcome_known",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name="fk_invitation_organisation_id_organisation",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name="fk_invitation_user_id_user_account"
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"], ["user_account.id"], name="fk_invitation_invited_by_id_user_account"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_invitation"),
        sa.UniqueConstraint(
            "organisation_id", "user_id", name="uq_invitation_organisation_id_user_id"
        ),
    )
    op.create_index("ix_invitation_organisation_id", "invitation", ["organisation_id"])
    op.create_index("ix_invitation_user_id", "invitation", ["user_id"])

    op.add_column("login_failure", sa.Column("device", sa.String(64), nullable=True))
    op.create_index("ix_login_failure_device", "login_failure", ["device"])

    # login_lockout has no foreign keys either way: the batch copy on SQLite disturbs nothing.
    with op.batch_alter_table("login_lockout") as batch:
        batch.drop_constraint("ck_login_lockout_scope_known", type_="check")
        batch.create_check_constraint("ck_login_lockout_scope_known", _NEW_SCOPES)


def downgrade() -> None:
    op.execute("DELETE FROM login_lockout WHERE scope IN ('device', 'reauth')")
    with op.batch_alter_table("login_lockout") as batch:
        batch.drop_constraint("ck_login_lockout_scope_known", type_="check")
        batch.create_check_constraint("ck_login_lockout_scope_known", _OLD_SCOPES)
    op.drop_index("ix_login_failure_device", table_name="login_failure")
    op.drop_column("login_failure", "device")
    op.drop_index("ix_invitation_user_id", table_name="invitation")
    op.drop_index("ix_invitation_organisation_id", table_name="invitation")
    op.drop_table("invitation")
    op.drop_column("organisation", "case_list_row_limit")
    op.drop_column("user_account", "deployment_admin")
