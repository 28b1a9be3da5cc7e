"""documents.genre: the genre whose detector threshold scored each document (article or transcript)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05

Documents stored before this revision were all scored as articles unless `--genre transcript` was given;
they read "article" with an empty `genre_source` (not known whether given or detected).
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('genre', sa.String(length=20), nullable=False, server_default='article'))
        batch_op.add_column(sa.Column('genre_source', sa.String(length=20), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('genre_source')
        batch_op.drop_column('genre')
