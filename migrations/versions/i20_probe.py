"""issue 20 (probe of the production stack): story alerts batched per campaign

Revision ID: i20_probe
Revises: i14_paper
Create Date: 2026-12-07

story_submissions.team_alerted: whether an alert mail to the team has counted the submission yet
(alerts are batched, at most one per campaign per window). Submissions made before this revision were
alerted one by one when they came in, so they start as counted.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i20_probe'
down_revision = 'i14_paper'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('story_submissions', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('team_alerted', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(sa.text("UPDATE story_submissions SET team_alerted = :yes").bindparams(yes=True))


def downgrade():
    with op.batch_alter_table('story_submissions', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('team_alerted')
