"""Ratings held for review and the client's address hashed

Revision ID: 3cb951f19fd2
Revises: 7e5a3c1f9d43
Created: 2026-11-30 13:51:04.711812
"""

import sqlalchemy as sa
from alembic import op

revision = "3cb951f19fd2"
down_revision = "7e5a3c1f9d43"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("held", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("client_hash", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ix_feedback_client_received", ["client_hash", "received_at"], unique=False
        )
        batch_op.create_index(
            "ix_feedback_device_received", ["ward", "device_id", "received_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_device_received")
        batch_op.drop_index("ix_feedback_client_received")
        batch_op.drop_column("client_hash")
        batch_op.drop_column("held")
