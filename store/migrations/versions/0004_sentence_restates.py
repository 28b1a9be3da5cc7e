"""sentences.restates: the body sentence (its idx) that a headline restates

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05

Sentences stored before this revision have no link (NULL): their headlines were scored as claims of their own.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sentences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('restates', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sentences', schema=None) as batch_op:
        batch_op.drop_column('restates')
