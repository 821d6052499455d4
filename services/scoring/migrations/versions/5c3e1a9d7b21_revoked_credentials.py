"""Revoked credentials: every bearer token's sid is checked against them

Revision ID: 5c3e1a9d7b21
Revises: a41c7d2e9b63
Created: 2026-11-30 13:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "5c3e1a9d7b21"
down_revision = "a41c7d2e9b63"
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


def downgrade() -> None:
    op.drop_table("revoked_credentials")
