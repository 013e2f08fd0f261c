"""paper: a scan is kept while its organizer reads the confirmation page of a batch that reaches a goal
(a browser does not send a chosen file twice)

Revision ID: held_scans
Revises: i20_major
Create Date: 2026-12-07

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'held_scans'
down_revision = 'i20_major'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'paper_held_scans',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('scan', sa.LargeBinary(), nullable=False),
        sa.Column('scan_type', sa.String(length=40), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('held_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_paper_held_scans_campaign_id_campaigns'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_paper_held_scans_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_held_scans')),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('paper_held_scans') as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_held_scans_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_paper_held_scans_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_paper_held_scans_held_at'), ['held_at'], unique=False)


def downgrade():
    op.drop_table('paper_held_scans')
