"""deliveries keep the Message-ID of the message they go out in

A group of deliveries is given its message's id (``message_id``) in a commit of its own before
the message is handed to the mail server; a message interrupted after the server accepted it is
sent again with the same id and the same deliveries (RFC 5322 Message-ID), so a server or reader
that drops a second copy by its id does. Rows already there have none (a new id is made).

Revision ID: d5f1a0c3e7b9
Revises: c4e7a91d2f05
Created: 2026-11-30 18:15:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = 'd5f1a0c3e7b9'
down_revision = 'c4e7a91d2f05'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deliveries') as batch:
        batch.add_column(sa.Column('message_id', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('deliveries') as batch:
        batch.drop_column('message_id')
