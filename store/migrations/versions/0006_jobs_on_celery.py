"""jobs: the record of Celery ingest tasks; the lease column of the old in-database queue goes

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05

Ingest jobs now travel through a Celery broker (CLAIMS_BROKER); the database keeps their record. Jobs still
queued or running under the old queue have no task on any broker: they are marked failed with the reason
"queued before the move to Celery: queue it again with claims queue add", and stay listed by
`claims queue status`. Done and failed jobs are kept as they were.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

REASON = "queued before the move to Celery: queue it again with claims queue add"


def upgrade() -> None:
    jobs = sa.table('jobs', sa.column('status', sa.String), sa.column('active_key', sa.String),
                    sa.column('error', sa.Text), sa.column('finished_at', sa.DateTime(timezone=True)),
                    sa.column('updated_at', sa.DateTime(timezone=True)))
    op.execute(jobs.update().where(jobs.c.status.in_(('queued', 'running')))
               .values(status='failed', active_key=None, error=REASON, finished_at=sa.func.current_timestamp(),
                       updated_at=sa.func.current_timestamp()))
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('lease_until')


def downgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
