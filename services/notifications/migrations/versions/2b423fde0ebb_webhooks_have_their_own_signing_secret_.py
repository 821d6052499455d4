"""Webhooks have their own signing secret, count failures and can be turned off

Revision ID: 2b423fde0ebb
Revises: 6d4f2b0e8c32
Created: 2026-11-30 13:23:51.946170
"""

import base64
import secrets

import sqlalchemy as sa
from alembic import op

revision = "2b423fde0ebb"
down_revision = "6d4f2b0e8c32"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("preferences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("webhook_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("webhook_failures", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("webhook_disabled_at", sa.DateTime(timezone=True), nullable=True)
        )
    # A webhook saved before has a secret of its own from now on (its owner reads it in their
    # preferences): the service's shared secret no longer signs webhooks.
    preferences = sa.table(
        "preferences",
        sa.column("ward", sa.String),
        sa.column("person_id", sa.String),
        sa.column("webhook_url", sa.String),
        sa.column("webhook_secret", sa.String),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(preferences.c.ward, preferences.c.person_id).where(
            preferences.c.webhook_url.is_not(None)
        )
    ).all()
    for ward, person_id in rows:
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
        connection.execute(
            preferences.update()
            .where(preferences.c.ward == ward, preferences.c.person_id == person_id)
            .values(webhook_secret=secret)
        )


def downgrade() -> None:
    with op.batch_alter_table("preferences", schema=None) as batch_op:
        batch_op.drop_column("webhook_disabled_at")
        batch_op.drop_column("webhook_failures")
        batch_op.drop_column("webhook_secret")
