"""Single-use rating codes

Revision ID: a463c3553163
Revises: 3cb951f19fd2
Created: 2026-11-30 13:55:31.140980
"""

import sqlalchemy as sa
from alembic import op

revision = "a463c3553163"
down_revision = "3cb951f19fd2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rating_codes",
        sa.Column("ward", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("ward", "code_hash", name=op.f("pk_rating_codes")),
    )


def downgrade() -> None:
    op.drop_table("rating_codes")
