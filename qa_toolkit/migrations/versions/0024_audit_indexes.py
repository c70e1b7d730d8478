"""audit indexes: the few audits that raised a concern, and the audits in due-date order.

The dashboard shows every open concern and those acknowledged in the last 30 days; both read
the whole audit table to find them (1,223 pages at a quarter of a region's 20,000 audits,
12.6 ms and 3.2 ms of each dashboard view). Concerns are rare, so an index holding only the
audits with one is small and both look-ups become a seek.

"All audits" opens soonest due first: with no index in that order the page read and sorted
every audit of the organisation for its first 50 (25.4 ms at 5,000 audits; 0.47 ms with it).

Revision ID: 0024
Revises: 0022
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0022"
branch_labels = None
depends_on = None

WITH_CONCERN = sa.text("concern IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_audit_concern",
        "audit",
        ["organisation_id", "concern_acknowledged_at"],
        postgresql_where=WITH_CONCERN,
        sqlite_where=WITH_CONCERN,
    )
    op.create_index("ix_audit_org_due", "audit", ["organisation_id", "due_date", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_org_due", table_name="audit")
    op.drop_index("ix_audit_concern", table_name="audit")
