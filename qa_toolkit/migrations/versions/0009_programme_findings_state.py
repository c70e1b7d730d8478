"""programme.findings_state: a token renewed at every write of one of the programme's audits.

The findings page keeps each programme's roll-up and checks this one column to know it is
still current (qa_toolkit/models/findings_state.py). Existing programmes start with '', a
state like any other: the next write of one of their audits gives them a token.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("programme") as batch:
        batch.add_column(
            sa.Column("findings_state", sa.String(32), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("programme") as batch:
        batch.drop_column("findings_state")
