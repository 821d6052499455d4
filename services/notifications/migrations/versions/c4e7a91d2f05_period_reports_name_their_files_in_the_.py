"""period reports name their files in the REPORTS bucket and have revisions

The report's files move from the table ``report_files`` to the REPORTS object store bucket,
named by ``assessment.report.issued`` version 2 with their size and digest; a report and its
mails gain a revision (a corrected report is the next). The three tables are made again: the
files a report issued before this kept in ``report_files`` are not in the bucket, so its rows
(and any of its mails still waiting) cannot be carried over.

Revision ID: c4e7a91d2f05
Revises: 81b86ed29ea5
Created: 2026-11-30 17:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = 'c4e7a91d2f05'
down_revision = '81b86ed29ea5'
branch_labels = None
depends_on = None


def _mails(revised: bool) -> None:
    op.create_table('report_mails',
    sa.Column('ward', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    *([sa.Column('revision', sa.Integer(), autoincrement=False, nullable=False)] if revised else []),
    sa.Column('recipient_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('send_after', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint(
        'ward', 'period', *(['revision'] if revised else []), 'recipient_id',
        name=op.f('pk_report_mails'),
    )
    )
    with op.batch_alter_table('report_mails', schema=None) as batch_op:
        batch_op.create_index('ix_report_mails_due', ['status', 'send_after'], unique=False)


def _drop_mails() -> None:
    with op.batch_alter_table('report_mails', schema=None) as batch_op:
        batch_op.drop_index('ix_report_mails_due')
    op.drop_table('report_mails')


def upgrade() -> None:
    _drop_mails()
    op.drop_table('report_files')
    op.drop_table('period_reports')
    op.create_table('period_reports',
    sa.Column('ward', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('revision', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('title_vi', sa.Text(), nullable=False),
    sa.Column('title_en', sa.Text(), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('ward', 'period', 'revision', name=op.f('pk_period_reports'))
    )
    _mails(revised=True)


def downgrade() -> None:
    _drop_mails()
    op.drop_table('period_reports')
    op.create_table('period_reports',
    sa.Column('ward', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('title_vi', sa.Text(), nullable=False),
    sa.Column('title_en', sa.Text(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('ward', 'period', name=op.f('pk_period_reports'))
    )
    op.create_table('report_files',
    sa.Column('ward', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('ward', 'period', 'name', name=op.f('pk_report_files'))
    )
    _mails(revised=False)
