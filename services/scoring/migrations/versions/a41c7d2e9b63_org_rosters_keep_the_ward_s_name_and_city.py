"""org rosters keep the ward's name and city

Revision ID: a41c7d2e9b63
Revises: 18ef87774cba
Created: 2026-11-30 12:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = 'a41c7d2e9b63'
down_revision = '18ef87774cba'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('org_rosters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ward_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('city', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_org_rosters_city'), ['city'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('org_rosters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_rosters_city'))
        batch_op.drop_column('city')
        batch_op.drop_column('ward_name')
