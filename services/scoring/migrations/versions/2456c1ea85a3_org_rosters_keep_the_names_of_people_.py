"""org rosters keep the names of people and units

Revision ID: 2456c1ea85a3
Revises: 5c3e1a9d7b21
Created: 2026-11-30 13:45:41.287455
"""

import sqlalchemy as sa
from alembic import op

revision = '2456c1ea85a3'
down_revision = '5c3e1a9d7b21'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('org_rosters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('names', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('org_rosters', schema=None) as batch_op:
        batch_op.drop_column('names')
