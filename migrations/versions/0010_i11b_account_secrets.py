"""per-account secrets: one bound into the links mailed to the account, one into its sessions

Revision ID: i11b_account_secrets
Revises: 0009_wall
Create Date: 2026-11-23

Every existing account gets two fresh random secrets. Links mailed before this migration (they carried
a fingerprint of the password hash) and sessions opened before it stop working: their owners ask for a
new link or log in again.
"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i11b_account_secrets'
down_revision = '0009_wall'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('session_secret', sa.String(length=64), nullable=True))

    connection = op.get_bind()
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('token_secret', sa.String), sa.column('session_secret', sa.String))
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(
            users.update().where(users.c.id == user_id)
            .values(token_secret=secrets.token_urlsafe(24), session_secret=secrets.token_urlsafe(24))
        )

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('token_secret', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('session_secret', existing_type=sa.String(length=64), nullable=False)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_secret')
        batch_op.drop_column('token_secret')
