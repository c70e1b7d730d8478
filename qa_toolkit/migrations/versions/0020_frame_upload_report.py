"""frame_upload_report: what the background check found in a staged case list.

The check and the import of a case list run as background jobs, never in a request: the
check writes here what the column-choice page shows (the headings, a few examples, the
report on the rows and the names to confirm), so that page never reads the file again.

Revision ID: 0020
Revises: 0017
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("frame_upload") as batch:
        batch.add_column(sa.Column("report", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("frame_upload") as batch:
        batch.drop_column("report")
