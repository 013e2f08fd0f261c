"""outbox rows stay until their job is done: status, claim, next try and last error

Revision ID: i18_outbox_owed
Revises: i14_paper
Create Date: 2026-12-07

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i18_outbox_owed'
down_revision = 'i14_paper'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_jobs', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=False, server_default='pending'))
        batch_op.add_column(sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('not_before', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_error', sa.String(length=300), nullable=True))
        batch_op.create_check_constraint(op.f('ck_outbox_jobs_status'), "status IN ('pending', 'given_up')")
        batch_op.create_index('ix_outbox_jobs_owed', ['status', 'not_before'])


def downgrade():
    with op.batch_alter_table('outbox_jobs', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_index('ix_outbox_jobs_owed')
        batch_op.drop_constraint(op.f('ck_outbox_jobs_status'), type_='check')
        batch_op.drop_column('last_error')
        batch_op.drop_column('not_before')
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('status')
