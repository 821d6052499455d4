"""org versions keep the ward's name

Revision ID: 91d48044c6f6
Revises: 2b423fde0ebb
Created: 2026-11-30 13:50:39.111886
"""

import sqlalchemy as sa
from alembic import op

revision = '91d48044c6f6'
down_revision = '2b423fde0ebb'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('org_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ward_name', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('org_versions', schema=None) as batch_op:
        batch_op.drop_column('ward_name')
