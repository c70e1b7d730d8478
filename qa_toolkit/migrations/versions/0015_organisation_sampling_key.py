"""organisation.sampling_key: each organisation's secret key for permanent random numbers.

A case's random number is HMAC-SHA256 of this key, the seed stream and its case reference
(sampling/prn.py). Every organisation already there is given its own new key from `secrets`;
the samples they drew before keep their stored numbers (their designs say "seeded").

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("organisation", sa.Column("sampling_key", sa.String(64), nullable=True))
    organisation = sa.table("organisation", sa.column("id", sa.Integer), sa.column("sampling_key"))
    connection = op.get_bind()
    for (org_id,) in connection.execute(sa.select(organisation.c.id)).all():
        connection.execute(
            organisation.update()
            .where(organisation.c.id == org_id)
            .values(sampling_key=secrets.token_hex(32))
        )
    with op.batch_alter_table("organisation") as batch:
        batch.alter_column("sampling_key", existing_type=sa.String(64), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        batch.drop_column("sampling_key")
