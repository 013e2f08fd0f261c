"""bounces: what a delivery status notification said, with a hash of the address instead of the address

Revision ID: i23_mail_bounces
Revises: i20_probe
Create Date: 2026-12-07

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i23_mail_bounces'
down_revision = 'i20_probe'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mail_bounces',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('about', sa.String(length=1), nullable=False),
        sa.Column('ref_id', sa.Integer(), nullable=False),
        sa.Column('address_hash', sa.String(length=64), nullable=False),
        sa.Column('type', sa.String(length=4), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('bounced_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("type IN ('hard', 'soft')", name=op.f('ck_mail_bounces_mail_bounce_type')),
        sa.PrimaryKeyConstraint('id'),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_mail_bounces_about_ref', 'mail_bounces', ['about', 'ref_id'])
    op.create_index(op.f('ix_mail_bounces_address_hash'), 'mail_bounces', ['address_hash'])


def downgrade():
    op.drop_index(op.f('ix_mail_bounces_address_hash'), table_name='mail_bounces')
    op.drop_index('ix_mail_bounces_about_ref', table_name='mail_bounces')
    op.drop_table('mail_bounces')
