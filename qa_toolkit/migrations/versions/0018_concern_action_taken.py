"""audit.concern_action_taken: what was done about an immediate concern, kept with who
acknowledged it and when (those two columns exist already).

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit") as batch:
        batch.add_column(sa.Column("concern_action_taken", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit") as batch:
        batch.drop_column("concern_action_taken")
