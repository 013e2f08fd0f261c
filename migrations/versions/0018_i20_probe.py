"""issue 20 (probe of the production stack): story alerts batched per campaign; one signature per person
with plus-addresses

Revision ID: i20_probe
Revises: i18_outbox_owed
Create Date: 2026-12-07

story_submissions.team_alerted: whether an alert mail to the team has counted the submission yet
(alerts are batched, at most one per campaign per window). Submissions made before this revision were
alerted one by one when they came in, so they start as counted.

signatures.email_key: what "one signature per person per campaign" compares, the address without the
`+tag` of its local part (x+a@ and x+b@ are one person); the unique constraint moves from
(campaign_id, email) to (campaign_id, email_key). Existing rows get the key of their address. Where a
campaign already holds two signatures of one person (x+a@ and x+b@), the oldest takes the key and each
later one keeps its own address as its key: nothing is deleted or taken out of the count, and from now
on a new tag of that person finds the oldest.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i20_probe'
down_revision = 'i18_outbox_owed'
branch_labels = None
depends_on = None


def key_of(email):
    """rules.emails.uniqueness_key as of this revision (a migration keeps its own copy of the rule)."""
    local, at, domain = email.rpartition('@')
    if not at:
        return email
    person = local.split('+', 1)[0]
    return f'{person or local}@{domain}'


def upgrade():
    with op.batch_alter_table('story_submissions', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('team_alerted', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(sa.text("UPDATE story_submissions SET team_alerted = :yes").bindparams(yes=True))

    with op.batch_alter_table('signatures', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('email_key', sa.String(length=254), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, campaign_id, email FROM signatures ORDER BY id")).all()
    taken = set()
    keys = []
    for id_, campaign_id, email in rows:
        key = key_of(email)
        if (campaign_id, key) in taken:  # a later signature of a person who signed already: left as it was
            key = email
        taken.add((campaign_id, key))
        keys.append({'id': id_, 'key': key})
    for start in range(0, len(keys), 1000):
        connection.execute(sa.text("UPDATE signatures SET email_key = :key WHERE id = :id"), keys[start:start + 1000])
    with op.batch_alter_table('signatures', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.alter_column('email_key', existing_type=sa.String(length=254), nullable=False)
        batch_op.drop_constraint('uq_signatures_campaign_email', type_='unique')
        batch_op.create_unique_constraint('uq_signatures_campaign_email_key', ['campaign_id', 'email_key'])


def downgrade():
    # Under the key every address is unique per campaign already, so the old constraint fits again.
    with op.batch_alter_table('signatures', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_constraint('uq_signatures_campaign_email_key', type_='unique')
        batch_op.create_unique_constraint('uq_signatures_campaign_email', ['campaign_id', 'email'])
        batch_op.drop_column('email_key')

    with op.batch_alter_table('story_submissions', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('team_alerted')
