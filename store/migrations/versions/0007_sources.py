"""sources and source_items: feeds and pages watched on a schedule, and the items they have shown

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sources',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=2000), nullable=False),
        sa.Column('every_seconds', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('title', sa.String(length=500), nullable=False),
        sa.Column('etag', sa.String(length=500), nullable=False),
        sa.Column('last_modified', sa.String(length=100), nullable=False),
        sa.Column('polls', sa.Integer(), nullable=False),
        sa.Column('new_items', sa.Integer(), nullable=False),
        sa.Column('last_new', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('last_polled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('url'),
    )
    op.create_table(
        'source_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=2000), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['source_id'], ['sources.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('source_id', 'key'),
    )
    op.create_index('ix_source_items_content_hash', 'source_items', ['content_hash'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_source_items_content_hash', table_name='source_items')
    op.drop_table('source_items')
    op.drop_table('sources')
