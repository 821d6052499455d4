"""Revoked credentials (every bearer token's sid is checked against them); devices keep their
current credential

Revision ID: 7e5a3c1f9d43
Revises: b7d41c2e9a60
Created: 2026-11-30 13:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "7e5a3c1f9d43"
down_revision = "b7d41c2e9a60"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "revoked_credentials",
        sa.Column("credential_id", sa.String(length=64), nullable=False),
        sa.Column("ward", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("credential_id", name=op.f("pk_revoked_credentials")),
    )
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("credential_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_column("credential_id")
    op.drop_table("revoked_credentials")
