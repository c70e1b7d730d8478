"""frame_screen_names: the people's names on each case list, kept for the free-text screen.

The screen that holds back partner free text naming someone read every case record of the
organisation (each one's IRO and social worker) on every findings view. A case list never
changes once imported, so its names are kept on the frame at import (filled here for lists
already imported), and case references are looked up through an index on the upper-cased
reference the screen compares.

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0020"
branch_labels = None
depends_on = None

_INDEX = "ix_case_record_organisation_id_upper_case_ref"


def upgrade() -> None:
    with op.batch_alter_table("frame") as batch:
        batch.add_column(sa.Column("screen_names", sa.JSON(), nullable=True))
    connection = op.get_bind()
    frame = sa.table("frame", sa.column("id"), sa.column("screen_names", sa.JSON()))
    record = sa.table(
        "case_record",
        sa.column("frame_id"),
        sa.column("iro_name"),
        sa.column("social_worker_name"),
    )
    names: dict[int, set[str]] = {}
    for column in (record.c.iro_name, record.c.social_worker_name):
        for frame_id, name in connection.execute(
            sa.select(record.c.frame_id, column).where(column.is_not(None)).distinct()
        ):
            if name:
                names.setdefault(frame_id, set()).add(name)
    for (frame_id,) in connection.execute(sa.select(frame.c.id)):
        connection.execute(
            frame.update()
            .where(frame.c.id == frame_id)
            .values(screen_names=sorted(names.get(frame_id, ())))
        )
    op.create_index(_INDEX, "case_record", ["organisation_id", sa.text("upper(case_ref)")])


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="case_record")
    with op.batch_alter_table("frame") as batch:
        batch.drop_column("screen_names")
