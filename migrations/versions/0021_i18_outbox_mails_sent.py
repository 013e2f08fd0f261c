"""outbox rows count the mails their runs sent, so that a run after a crash sends none of them again

Revision ID: i18_outbox_mails_sent
Revises: i19_state_checks
Create Date: 2026-12-07

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i18_outbox_mails_sent'
down_revision = 'i19_state_checks'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_jobs', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('mails_sent', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('outbox_jobs', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('mails_sent')
