"""an alert handed up by an escalation names who was told before, and when

An alert's level on its rule's route is not whether it was escalated: a low total goes to the
unit head and the vice-chairman at once. The alert an escalation opens keeps who had it before
(``told_before_id``, their name then, ``told_before_at``: their first message or the lower
alert's birth), and the inbox says "escalated" of these alone. Rows already there have none:
they are shown as raised, their body still says who was told (the escalation's note).

Revision ID: e7c2b9d41a06
Revises: d5f1a0c3e7b9
Created: 2026-12-01 04:15:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = 'e7c2b9d41a06'
down_revision = 'd5f1a0c3e7b9'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('alerts') as batch:
        batch.add_column(sa.Column('told_before_id', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('told_before_name', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('told_before_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('alerts') as batch:
        batch.drop_column('told_before_at')
        batch.drop_column('told_before_name')
        batch.drop_column('told_before_id')
