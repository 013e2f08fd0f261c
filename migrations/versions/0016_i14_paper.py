"""paper signatures: a log of paper entries, a paper count per campaign, and whether it counts toward the goals

Revision ID: i14_paper
Revises: i11a_signing
Create Date: 2026-11-30

Existing campaigns get a paper count of 0 and count paper toward their goals (the default for new ones).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i14_paper'
down_revision = 'i14c_recipient_names'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('paper_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('signatures', sa.Integer(), nullable=False),
    sa.Column('collected_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('scan', sa.LargeBinary(), nullable=True),
    sa.Column('scan_type', sa.String(length=40), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by_id', sa.Integer(), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.CheckConstraint('signatures > 0', name=op.f('ck_paper_entries_signatures_positive')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_paper_entries_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_paper_entries_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['voided_by_id'], ['users.id'], name=op.f('fk_paper_entries_voided_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_entries')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('paper_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_entries_campaign_id'), ['campaign_id'], unique=False)

    # On SQLite the check constraint rebuilds the table: keep it AUTOINCREMENT (ids never reused).
    with op.batch_alter_table('campaigns', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('paper_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('paper_counts_toward_goals', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.create_check_constraint(op.f('ck_campaigns_paper_count_not_negative'), 'paper_count >= 0')


def downgrade():
    with op.batch_alter_table('campaigns', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_constraint(op.f('ck_campaigns_paper_count_not_negative'), type_='check')
        batch_op.drop_column('paper_counts_toward_goals')
        batch_op.drop_column('paper_count')

    with op.batch_alter_table('paper_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_entries_campaign_id'))

    op.drop_table('paper_entries')
