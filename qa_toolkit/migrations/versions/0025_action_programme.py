"""action programme: every action from an audit filed under the audit's programme, and indexed.

Raising an action from an audit has filed it under that audit's programme since the actions'
first week, but rows written before then may hold the audit alone. The findings page found a
programme's actions by joining every action to its audit, which read the whole audit table
(its rows carry the answers: 38 MB and about 18 ms at a region's 20,000 audits, in each of two
statements), while the actions list's programme filter read the action's own column: the two
could disagree. This fills the column in from the audit where it is empty, so the column alone
answers, and indexes it in the findings page's order (the single-column index it replaces
answered nothing this one does not). The downgrade keeps the filled-in values: they are true.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE action SET programme_id = "
            "(SELECT audit.programme_id FROM audit WHERE audit.id = action.audit_id) "
            "WHERE programme_id IS NULL AND audit_id IS NOT NULL"
        )
    )
    op.create_index("ix_action_programme_due", "action", ["programme_id", "due_date", "id"])
    op.drop_index("ix_action_programme_id", table_name="action")


def downgrade() -> None:
    op.create_index("ix_action_programme_id", "action", ["programme_id"])
    op.drop_index("ix_action_programme_due", table_name="action")
