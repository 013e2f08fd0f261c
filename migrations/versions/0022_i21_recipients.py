"""the registry of recipients (issue 21): organisations with a key, names and salutations in both
languages, a private address and a website, proposed or approved; a change log of every entry; and a
campaign recipient's optional link to its entry (by key)

Revision ID: i21_recipients
Revises: i18_outbox_mails_sent
Create Date: 2026-12-07

Existing campaign recipients stay plain recipients (no link).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i21_recipients'
down_revision = 'i18_outbox_mails_sent'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('name_nl', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('salutation_nl', sa.String(length=200), nullable=False),
    sa.Column('salutation_en', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('website', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('proposed', 'approved')", name=op.f('ck_organisations_status')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_organisations_proposed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('key', name=op.f('uq_organisations_key')),
    sqlite_autoincrement=True
    )
    op.create_table('organisation_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected', 'withdrawn')", name=op.f('ck_organisation_changes_status')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_organisation_changes_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_organisation_changes_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_organisation_changes_submitted_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_changes')),
    sa.UniqueConstraint('organisation_id', 'number', name='uq_organisation_changes_number'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('organisation_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_changes_organisation_id'), ['organisation_id'], unique=False)

    with op.batch_alter_table('recipients', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('organisation_key', sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f('ix_recipients_organisation_key'), ['organisation_key'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_recipients_organisation_key_organisations'), 'organisations', ['organisation_key'], ['key'], onupdate='CASCADE', ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('recipients', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_recipients_organisation_key_organisations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_recipients_organisation_key'))
        batch_op.drop_column('organisation_key')

    with op.batch_alter_table('organisation_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_changes_organisation_id'))

    op.drop_table('organisation_changes')
    op.drop_table('organisations')
