"""letter records (issue 22): one public record per hand-over, and a leaf secret per signature

Revision ID: i22_letter_records
Revises: i21_recipients
Create Date: 2026-12-07

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i22_letter_records'
down_revision = 'i21_recipients'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'letter_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('online_count', sa.Integer(), nullable=False),
        sa.Column('paper_count', sa.Integer(), nullable=False),
        sa.Column('total_count', sa.Integer(), nullable=False),
        sa.Column('tree_size', sa.Integer(), nullable=False),
        sa.Column('root', sa.String(length=64), nullable=False),
        sa.Column('previous', sa.String(length=64), nullable=True),
        sa.Column('record_hash', sa.String(length=64), nullable=False),
        sa.Column('files', sa.JSON(), nullable=False),
        sa.Column('leaves', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_letter_records_campaign_id_campaigns'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_records')),
        sa.UniqueConstraint('campaign_id', 'number', name='uq_letter_records_campaign_number'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('signatures', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('leaf_secret', sa.String(length=64), nullable=True))
    # Every existing signature gets a random secret of its own (32 bytes, as new ones do).
    connection = op.get_bind()
    signatures = sa.table('signatures', sa.column('id', sa.Integer()), sa.column('leaf_secret', sa.String(64)))
    ids = [row.id for row in connection.execute(sa.select(signatures.c.id).where(signatures.c.leaf_secret.is_(None)))]
    for start in range(0, len(ids), 1000):
        connection.execute(
            signatures.update().where(signatures.c.id == sa.bindparam('row_id')).values(leaf_secret=sa.bindparam('secret')),
            [{'row_id': i, 'secret': secrets.token_hex(32)} for i in ids[start:start + 1000]],
        )
    with op.batch_alter_table('signatures', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.alter_column('leaf_secret', existing_type=sa.String(length=64), nullable=False)


def downgrade():
    with op.batch_alter_table('signatures', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('leaf_secret')
    op.drop_table('letter_records')
