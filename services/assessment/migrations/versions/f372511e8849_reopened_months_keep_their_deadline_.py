"""reopened months keep their deadline; administrators' actions are recorded

Revision ID: f372511e8849
Revises: 7c1e5a3b9d20
Created: 2026-11-30 11:53:06.525942
"""

import sqlalchemy as sa
from alembic import op

revision = 'f372511e8849'
down_revision = '7c1e5a3b9d20'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('admin_actions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('action_id', sa.String(length=36), nullable=False),
    sa.Column('ward', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_actions')),
    sa.UniqueConstraint('action_id', name=op.f('uq_admin_actions_action_id'))
    )
    with op.batch_alter_table('admin_actions', schema=None) as batch_op:
        batch_op.create_index('ix_admin_actions_ward_recorded_at', ['ward', 'recorded_at'], unique=False)

    with op.batch_alter_table('periods', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closes_on', sa.Date(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('periods', schema=None) as batch_op:
        batch_op.drop_column('closes_on')

    with op.batch_alter_table('admin_actions', schema=None) as batch_op:
        batch_op.drop_index('ix_admin_actions_ward_recorded_at')

    op.drop_table('admin_actions')
