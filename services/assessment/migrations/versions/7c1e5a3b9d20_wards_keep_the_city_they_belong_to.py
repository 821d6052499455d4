"""wards keep the city they belong to

Revision ID: 7c1e5a3b9d20
Revises: fddd8960aedb
Created: 2026-11-30 11:58:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '7c1e5a3b9d20'
down_revision = 'fddd8960aedb'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('wards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('city', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('wards', schema=None) as batch_op:
        batch_op.drop_column('city')
