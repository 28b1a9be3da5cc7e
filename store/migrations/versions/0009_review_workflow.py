"""claims.status: the review workflow new -> in progress -> reviewed -> published, plus dismissed

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05

"accepted" is gone: an accepted claim with a verdict is now "reviewed", one without a verdict "in progress".
new and dismissed stay. The claim's version is not bumped and the review history is left as it was: its rows
still say "accepted", which is what the reviewer chose then. Downgrading turns in progress, reviewed and
published back into accepted (statuses of CLAIMS_STATUSES's own stay as they are).
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

claims = sa.table('claims', sa.column('status', sa.String), sa.column('verdict', sa.String))


def upgrade() -> None:
    op.execute(claims.update().where(claims.c.status == 'accepted', claims.c.verdict != '')
               .values(status='reviewed'))
    op.execute(claims.update().where(claims.c.status == 'accepted').values(status='in progress'))


def downgrade() -> None:
    op.execute(claims.update().where(claims.c.status.in_(('in progress', 'reviewed', 'published')))
               .values(status='accepted'))
