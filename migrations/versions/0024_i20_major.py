"""issue 20: letters and hand-overs keep the paper count they stated; a delivery may be about a
correction (signers who asked for news are told what changed); an answer may carry the recipient's own
translation into the other language

Revision ID: i20_major
Revises: i22_letter_records
Create Date: 2026-12-07

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i20_major'
down_revision = 'i22_letter_records'
branch_labels = None
depends_on = None

# The values as they stand today, written out: a migration is a record and does not follow the enums.
KINDS_BEFORE = "kind IN ('milestone', 'answer', 'update')"
KINDS_AFTER = "kind IN ('milestone', 'answer', 'update', 'correction')"


# On SQLite a batch rebuilds the table: it must keep AUTOINCREMENT, so that no id is ever reused.
def upgrade():
    for table in ('letters', 'handovers'):
        with op.batch_alter_table(table, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
            batch_op.add_column(sa.Column('paper_count', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('answers', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('translation', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('deliveries', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_constraint(op.f('ck_deliveries_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_deliveries_kind'), KINDS_AFTER)


def downgrade():
    op.execute("DELETE FROM deliveries WHERE kind = 'correction'")
    with op.batch_alter_table('deliveries', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_constraint(op.f('ck_deliveries_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_deliveries_kind'), KINDS_BEFORE)
    with op.batch_alter_table('answers', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('translation')
    for table in ('letters', 'handovers'):
        with op.batch_alter_table(table, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
            batch_op.drop_column('paper_count')
