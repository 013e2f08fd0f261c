"""recipients get a name and a salutation in each language; answers say which language they are in

Revision ID: i14c_recipient_names
Revises: i11a_signing
Create Date: 2026-11-30

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i14c_recipient_names'
down_revision = 'i12_page_html'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('recipients') as batch_op:
        batch_op.add_column(sa.Column('name_nl', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('name_en', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('salutation_nl', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('salutation_en', sa.String(length=200), nullable=False, server_default=''))
    with op.batch_alter_table('answers') as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), nullable=True))


def downgrade():
    with op.batch_alter_table('answers') as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('recipients') as batch_op:
        batch_op.drop_column('salutation_en')
        batch_op.drop_column('salutation_nl')
        batch_op.drop_column('name_en')
        batch_op.drop_column('name_nl')
