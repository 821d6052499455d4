"""partition_marks: each partition's last applied stream sequence and its lease

Revision ID: 4b8e2f1c6d90
Revises: 007e804ead59
Created: 2026-11-30 16:35:00
"""

import sqlalchemy as sa
from alembic import op

revision = "4b8e2f1c6d90"
down_revision = "007e804ead59"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partition_marks",
        sa.Column("consumer", sa.String(length=64), nullable=False),
        sa.Column("partition", sa.String(length=64), nullable=False),
        sa.Column("mark", sa.BigInteger(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("consumer", "partition", name=op.f("pk_partition_marks")),
    )


def downgrade() -> None:
    op.drop_table("partition_marks")
