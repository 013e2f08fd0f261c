"""sign requests, a secret per signature, review flags, cluster alerts; ids never reused on SQLite

Revision ID: i11a_signing
Revises: stories_0010
Create Date: 2026-11-29

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i11a_signing'
down_revision = 'stories_0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('signature_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('city', sa.String(length=80), nullable=True),
    sa.Column('locale', sa.String(length=2), nullable=False),
    sa.Column('wants_updates', sa.Boolean(), nullable=False),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['signature_id'], ['signatures.id'], name=op.f('fk_sign_requests_signature_id_signatures'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_requests')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('sign_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_requests_signature_id'), ['signature_id'], unique=False)

    op.create_table('cluster_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=253), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('address', 'domain', 'minutes')", name=op.f('ck_cluster_alerts_kind')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_cluster_alerts_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cluster_alerts')),
    sa.UniqueConstraint('campaign_id', 'kind', 'key', name='uq_cluster_alerts_campaign_kind_key'),
    sqlite_autoincrement=True,
    )

    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('review_flag', sa.String(length=16), nullable=True))

    # Every existing signature gets a secret of its own. Links mailed before this version carry none
    # and stop working; signing again with the same address mails fresh ones.
    connection = op.get_bind()
    ids = connection.execute(sa.text("SELECT id FROM signatures WHERE secret IS NULL")).scalars().all()
    for start in range(0, len(ids), 1000):
        connection.execute(
            sa.text("UPDATE signatures SET secret = :secret WHERE id = :id"),
            [{"id": id_, "secret": secrets.token_urlsafe(32)} for id_ in ids[start:start + 1000]],
        )
    # Soft limits no longer take a signature out of the count: they flag it for the moderators.
    connection.execute(sa.text(
        "UPDATE signatures SET review_flag = 'rate', suspect_reason = NULL WHERE suspect_reason = 'rate'"
    ))

    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.alter_column('secret', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_check_constraint(op.f('ck_signatures_review_flag'), "review_flag IN ('rate')")

    if connection.dialect.name == 'sqlite':
        autoincrement_everywhere(connection)


def autoincrement_everywhere(connection):
    """SQLite reuses the highest id after a delete unless a table is AUTOINCREMENT: a link or a row
    that points at a deleted id would then point at a stranger. Every table with a single integer
    key is rebuilt as AUTOINCREMENT (batch mode copies the rows, indexes and constraints).
    PostgreSQL's sequences never hand out an id twice, so there is nothing to do there."""
    for name in sa.inspect(connection).get_table_names():
        if name == 'alembic_version' or name.startswith('sqlite_'):
            continue
        inspector = sa.inspect(connection)
        key = inspector.get_pk_constraint(name)['constrained_columns']
        types = {column['name']: column['type'] for column in inspector.get_columns(name)}
        if len(key) != 1 or not isinstance(types[key[0]], sa.Integer):
            continue
        sql = connection.execute(
            sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"), {"name": name}
        ).scalar()
        if 'AUTOINCREMENT' in sql.upper():
            continue
        with op.batch_alter_table(name, recreate='always', table_kwargs={'sqlite_autoincrement': True}):
            pass


def downgrade():
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_signatures_review_flag'), type_='check')
    op.execute("UPDATE signatures SET suspect_reason = 'rate', review_flag = NULL WHERE review_flag = 'rate' AND confirmed_at IS NULL")
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.drop_column('review_flag')
        batch_op.drop_column('secret')
    op.drop_table('cluster_alerts')
    with op.batch_alter_table('sign_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_requests_signature_id'))
    op.drop_table('sign_requests')
