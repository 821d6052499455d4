"""period reports name their files in the REPORTS bucket and have revisions

The report's files move from the table ``report_files`` to the REPORTS object store bucket,
named by ``assessment.report.issued`` version 2 with their size and digest; a report and its
mails gain a revision (a corrected report is the next). The tables are made again with their
rows carried over: each report kept as revision 1 with its files as a version 1 event carried
them (inline, base64, the PDF first), each mail as revision 1, so one still waiting goes out.

Revision ID: c4e7a91d2f05
Revises: 81b86ed29ea5
Created: 2026-11-30 17:40:00.000000
"""

import base64

import sqlalchemy as sa
from alembic import op

revision = 'c4e7a91d2f05'
down_revision = '81b86ed29ea5'
branch_labels = None
depends_on = None


def _mails(revised: bool) -> sa.Table:
    made = op.create_table('report_mails',
    sa.Column('ward', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    *([sa.Column('revision', sa.Integer(), autoincrement=False, nullable=False)]
      if revised else []),
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
    assert made is not None
    return made


def _drop_mails() -> None:
    with op.batch_alter_table('report_mails', schema=None) as batch_op:
        batch_op.drop_index('ix_report_mails_due')
    op.drop_table('report_mails')


def _old(name: str, *columns: sa.Column) -> sa.TableClause:
    return sa.table(name, *columns)


OLD_REPORTS = _old(
    'period_reports',
    sa.column('ward', sa.String()),
    sa.column('period', sa.String()),
    sa.column('title_vi', sa.Text()),
    sa.column('title_en', sa.Text()),
    sa.column('issued_at', sa.DateTime(timezone=True)),
)
OLD_FILES = _old(
    'report_files',
    sa.column('ward', sa.String()),
    sa.column('period', sa.String()),
    sa.column('name', sa.String()),
    sa.column('media_type', sa.String()),
    sa.column('content', sa.LargeBinary()),
)
MAIL_COLUMNS = (
    'ward', 'period', 'recipient_id', 'status', 'attempts', 'send_after', 'sent_at', 'last_error'
)
OLD_MAILS = _old(
    'report_mails',
    *(
        sa.column(name, sa.DateTime(timezone=True) if name.endswith(('_after', '_at'))
                  else sa.Integer() if name == 'attempts' else sa.String())
        for name in MAIL_COLUMNS
    ),
)


def upgrade() -> None:
    bind = op.get_bind()
    reports = [dict(r._mapping) for r in bind.execute(sa.select(OLD_REPORTS))]
    files: dict[tuple[str, str], list[dict[str, str]]] = {}
    for f in bind.execute(sa.select(OLD_FILES).order_by(OLD_FILES.c.name)):  # .pdf, .xlsx
        files.setdefault((f.ward, f.period), []).append({
            'name': f.name,
            'media_type': f.media_type,
            'content': base64.b64encode(f.content).decode(),
        })
    mails = [dict(m._mapping) for m in bind.execute(sa.select(OLD_MAILS))]
    _drop_mails()
    op.drop_table('report_files')
    op.drop_table('period_reports')
    made = op.create_table('period_reports',
    sa.Column('ward', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('revision', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('title_vi', sa.Text(), nullable=False),
    sa.Column('title_en', sa.Text(), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('ward', 'period', 'revision', name=op.f('pk_period_reports'))
    )
    assert made is not None
    if reports:
        op.bulk_insert(made, [
            {**r, 'revision': 1, 'files': files.get((r['ward'], r['period']), [])}
            for r in reports
        ])
    queue = _mails(revised=True)
    if mails:
        op.bulk_insert(queue, [{**m, 'revision': 1} for m in mails])


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
