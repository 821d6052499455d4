"""Ratings keep their capture time; photo evidence

Revision ID: b7d41c2e9a60
Revises: cd0b41815dcb
Created: 2026-11-30 13:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "b7d41c2e9a60"
down_revision = "cd0b41815dcb"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("captured_at", sa.DateTime(timezone=True), nullable=True))
    # Ratings stored before were counted when they arrived: that is their capture time.
    op.execute("UPDATE feedback SET captured_at = received_at WHERE captured_at IS NULL")
    op.create_table(
        "evidence",
        sa.Column("evidence_id", sa.String(length=36), nullable=False),
        sa.Column("ward", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=16), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audit_id", sa.String(length=36), nullable=True),
        sa.Column("unit_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("evidence_id", name=op.f("pk_evidence")),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index("ix_evidence_ward_audit", ["ward", "audit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index("ix_evidence_ward_audit")
    op.drop_table("evidence")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_column("captured_at")
