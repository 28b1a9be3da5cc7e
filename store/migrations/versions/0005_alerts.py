"""alerts: stored claims found to repeat an archived fact-check

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05

Empty after the upgrade: alerts are raised from then on, when a claim's recorded best match enters the match
band (`claims ingest`, `claims import-factchecks`, the workers).
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('claim_id', sa.Integer(), nullable=False),
        sa.Column('factcheck_id', sa.Integer(), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['factcheck_id'], ['factchecks.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('claim_id', 'factcheck_id'),
    )
    op.create_index('ix_alerts_created_id', 'alerts', ['created_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_alerts_created_id', table_name='alerts')
    op.drop_table('alerts')
